//! A concave program with logarithms (maximise Σ weight·log(x / scale)
//! over a polytope), solved by an interior-point method for conic programs
//! (Clarabel, exponential cones). Its answer is approximate (an
//! interior-point method stops within a tolerance, and its point may stray
//! from the polytope by about as much); callers use it as a starting point
//! for an exact method, never as an answer by itself.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettings, DefaultSolver, IPSolver, SolverStatus, SupportedConeT};

/// A column of a [`LogProgram`]: its bounds, its coefficients in the rows
/// (row index, coefficient), and, if it has one, its term weight·log(x /
/// scale) in the objective (weight and scale > 0).
#[derive(Debug, Clone)]
pub struct LogColumn {
    pub lo: f64,
    pub hi: f64,
    pub entries: Vec<(usize, f64)>,
    pub log: Option<(f64, f64)>,
}

/// Maximise Σ weight·log(x / scale) over the columns with a log term,
/// subject to each row's lo ≤ Σ coefficient·x ≤ hi and each column's bounds.
#[derive(Debug, Clone, Default)]
pub struct LogProgram {
    pub rows: Vec<(f64, f64)>,
    pub columns: Vec<LogColumn>,
}

/// Clarabel's tolerances (gap, absolute and relative, and feasibility):
/// tighter than its default 1e-8, so that the exact method it seeds has
/// least left to do; pinned, like every solver setting.
pub const CONIC_TOLERANCE: f64 = 1e-10;
/// Interior-point iterations allowed (Clarabel's default is 200).
const CONIC_ITERATIONS: u32 = 200;

impl LogProgram {
    /// The optimal x, approximately; None if the solver did not reach its
    /// tolerances within `time_limit` seconds (or the program is
    /// infeasible).
    pub fn solve(&self, time_limit: Option<f64>) -> Option<Vec<f64>> {
        let n = self.columns.len();
        let logs: Vec<usize> = (0..n).filter(|&j| self.columns[j].log.is_some()).collect();
        // Variables: the columns, then one u per log term (u ≤ log(x/scale)).
        // A log column's variable is x / scale, so that its cone reads
        // (u, 1, variable), and the weights are divided by their sum: over
        // x itself, with weights in people, Clarabel stalled on a pool of
        // 10,000 with profiles of very different sizes (measured:
        // docs/benchmarks.md, section Selection history).
        let n_vars = n + logs.len();
        let mut q = vec![0.0; n_vars];
        let (mut rows_i, mut cols_j, mut values) = (Vec::new(), Vec::new(), Vec::new());
        let mut b = Vec::new();
        let mut cones = Vec::new();
        let unit: Vec<f64> = self
            .columns
            .iter()
            .map(|c| c.log.map_or(1.0, |(_, scale)| scale))
            .collect();
        let total_weight: f64 = self.columns.iter().filter_map(|c| c.log).map(|l| l.0).sum();
        // Rows of A·v + s = b, grouped by cone: equalities, then
        // inequalities (Σ a·x ≤ hi as a·x + s = hi, s ≥ 0), then the
        // exponential cones.
        let mut by_row: Vec<Vec<(usize, f64)>> = vec![Vec::new(); self.rows.len()];
        for (j, c) in self.columns.iter().enumerate() {
            for &(r, a) in &c.entries {
                by_row[r].push((j, a * unit[j]));
            }
        }
        let mut push = |b: &mut Vec<f64>, entries: &[(usize, f64)], sign: f64, rhs: f64| {
            let row = b.len();
            for &(j, a) in entries {
                rows_i.push(row);
                cols_j.push(j);
                values.push(sign * a);
            }
            b.push(rhs);
        };
        let equalities: Vec<usize> = (0..self.rows.len())
            .filter(|&r| self.rows[r].0 == self.rows[r].1)
            .collect();
        for &r in &equalities {
            push(&mut b, &by_row[r], 1.0, self.rows[r].1);
        }
        if !equalities.is_empty() {
            cones.push(SupportedConeT::ZeroConeT(equalities.len()));
        }
        let start = b.len();
        for (r, &(lo, hi)) in self.rows.iter().enumerate() {
            if lo == hi {
                continue;
            }
            if hi.is_finite() {
                push(&mut b, &by_row[r], 1.0, hi);
            }
            if lo.is_finite() {
                push(&mut b, &by_row[r], -1.0, -lo);
            }
        }
        for (j, c) in self.columns.iter().enumerate() {
            if c.hi.is_finite() {
                push(&mut b, &[(j, 1.0)], 1.0, c.hi / unit[j]);
            }
            // A log term keeps its column positive; other columns need
            // their lower bound.
            if c.lo.is_finite() && (c.log.is_none() || c.lo > 0.0) {
                push(&mut b, &[(j, 1.0)], -1.0, -c.lo / unit[j]);
            }
        }
        if b.len() > start {
            cones.push(SupportedConeT::NonnegativeConeT(b.len() - start));
        }
        for (i, &j) in logs.iter().enumerate() {
            let (weight, _) = self.columns[j].log.expect("a log column");
            let u = n + i;
            q[u] = -weight / total_weight;
            // (u, 1, x/scale) in the exponential cone: e^u ≤ x/scale.
            push(&mut b, &[(u, 1.0)], -1.0, 0.0);
            push(&mut b, &[], 1.0, 1.0);
            push(&mut b, &[(j, 1.0)], -1.0, 0.0);
            cones.push(SupportedConeT::ExponentialConeT());
        }
        let a = CscMatrix::new_from_triplets(b.len(), n_vars, rows_i, cols_j, values);
        let p = CscMatrix::zeros((n_vars, n_vars));
        let settings = DefaultSettings {
            verbose: false,
            max_iter: CONIC_ITERATIONS,
            tol_gap_abs: CONIC_TOLERANCE,
            tol_gap_rel: CONIC_TOLERANCE,
            tol_feas: CONIC_TOLERANCE,
            max_threads: 1,
            direct_solve_method: "qdldl".to_string(),
            time_limit: time_limit.unwrap_or(f64::INFINITY),
            ..DefaultSettings::default()
        };
        let mut solver = DefaultSolver::new(&p, &q, &a, &b, &cones, settings).ok()?;
        solver.solve();
        match solver.solution.status {
            SolverStatus::Solved | SolverStatus::AlmostSolved => {
                let x = &solver.solution.x[..n];
                Some(x.iter().zip(&unit).map(|(x, u)| x * u).collect())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logarithms_over_a_simplex_are_maximised_at_proportional_shares() {
        // max 1·log x0 + 3·log x1 s.t. x0 + x1 = 4: x = (1, 3).
        let program = LogProgram {
            rows: vec![(4.0, 4.0)],
            columns: (0..2)
                .map(|j| LogColumn {
                    lo: 0.0,
                    hi: 10.0,
                    entries: vec![(0, 1.0)],
                    log: Some(([1.0, 3.0][j], 1.0)),
                })
                .collect(),
        };
        let x = program.solve(None).expect("solvable");
        // Approximately: the objective is flat at its optimum.
        assert!(
            (x[0] - 1.0).abs() < 1e-5 && (x[1] - 3.0).abs() < 1e-5,
            "{x:?}"
        );
    }

    #[test]
    fn a_binding_bound_caps_a_column() {
        // As above with x1 ≤ 2 (and a range row x0 ≤ 5): x = (2, 2).
        let program = LogProgram {
            rows: vec![(4.0, 4.0), (0.0, 5.0)],
            columns: vec![
                LogColumn {
                    lo: 0.0,
                    hi: 10.0,
                    entries: vec![(0, 1.0), (1, 1.0)],
                    log: Some((1.0, 2.0)),
                },
                LogColumn {
                    lo: 0.0,
                    hi: 2.0,
                    entries: vec![(0, 1.0)],
                    log: Some((3.0, 0.5)),
                },
            ],
        };
        let x = program.solve(None).expect("solvable");
        assert!(
            (x[0] - 2.0).abs() < 1e-6 && (x[1] - 2.0).abs() < 1e-6,
            "{x:?}"
        );
    }
}
