//! The one door to the LP/MIP backend.
//!
//! Algorithms describe a model as bounded variables and bounded linear rows
//! ([`Model`]) and get back an [`Outcome`]; they never see the backend. The
//! backend is HiGHS through good_lp, with settings pinned by [`Settings`] so
//! that the same model gives the same answer on every run.

use std::time::Instant;

use good_lp::solvers::highs::highs;
use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution as _, SolverModel, constraint, variable,
};

/// Solver settings. They are fixed for reproducibility and recorded in every
/// report that depends on a solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// HiGHS keeps one scheduler per process; every solve uses this value.
    pub threads: u32,
    /// HiGHS's `random_seed`.
    pub random_seed: i32,
    /// Relative MIP gap: 0, so MIPs are solved to proven optimality…
    pub mip_rel_gap: f32,
    /// …up to this absolute gap (HiGHS's default is 1e-6).
    pub mip_abs_gap: f32,
    /// Wall-clock limit per solve in seconds, if any.
    pub time_limit: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threads: 1,
            random_seed: 0,
            mip_rel_gap: 0.0,
            mip_abs_gap: 1e-9,
            time_limit: None,
        }
    }
}

impl Settings {
    /// One line naming the backend and its settings, for reports.
    pub fn describe(&self) -> String {
        format!(
            "HiGHS {} (MIPs via good_lp; master LPs via the highs crate: primal simplex, warm-started, presolve off); threads={}, random_seed={}, mip_rel_gap={}, mip_abs_gap={:e}, time_limit={}",
            HIGHS_VERSION,
            self.threads,
            self.random_seed,
            self.mip_rel_gap,
            self.mip_abs_gap,
            self.time_limit
                .map_or("none".to_string(), |t| format!("{t}s"))
        )
    }
}

/// The HiGHS version bundled by highs-sys (see Cargo.lock).
pub const HIGHS_VERSION: &str = "1.16.0";

/// A variable of a [`Model`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Var(usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    Maximise,
    Minimise,
}

#[derive(Debug, Clone)]
struct VarDef {
    lo: f64,
    hi: f64,
    integer: bool,
    objective: f64,
}

#[derive(Debug, Clone)]
struct RowDef {
    lo: f64,
    hi: f64,
    terms: Vec<(Var, f64)>,
}

/// A linear (mixed-integer) program: bounded variables, bounded rows, one
/// linear objective.
#[derive(Debug, Clone)]
pub struct Model {
    sense: Sense,
    vars: Vec<VarDef>,
    rows: Vec<RowDef>,
}

/// The result of a solve.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Proven optimal.
    Optimal(Solution),
    /// No solution exists.
    Infeasible,
    /// The time limit was reached first; the best solution so far, if any.
    TimedOut(Option<Solution>),
}

/// Variable values and objective value of a solution.
#[derive(Debug, Clone)]
pub struct Solution {
    pub objective: f64,
    values: Vec<f64>,
}

impl Solution {
    pub fn value(&self, v: Var) -> f64 {
        self.values[v.0]
    }
    /// The value of an integer variable, rounded.
    pub fn int(&self, v: Var) -> i64 {
        self.values[v.0].round() as i64
    }
}

impl Model {
    pub fn new(sense: Sense) -> Model {
        Model {
            sense,
            vars: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn add(&mut self, lo: f64, hi: f64, integer: bool, objective: f64) -> Var {
        self.vars.push(VarDef {
            lo,
            hi,
            integer,
            objective,
        });
        Var(self.vars.len() - 1)
    }

    /// A 0/1 variable with this objective coefficient.
    pub fn binary(&mut self, objective: f64) -> Var {
        self.add(0.0, 1.0, true, objective)
    }

    /// An integer variable in `lo..=hi`.
    pub fn integer(&mut self, lo: f64, hi: f64, objective: f64) -> Var {
        self.add(lo, hi, true, objective)
    }

    /// A continuous variable in `lo..=hi` (either may be infinite).
    pub fn continuous(&mut self, lo: f64, hi: f64, objective: f64) -> Var {
        self.add(lo, hi, false, objective)
    }

    /// The row `lo <= Σ coef·var <= hi` (either bound may be infinite).
    pub fn row(&mut self, lo: f64, hi: f64, terms: Vec<(Var, f64)>) {
        self.rows.push(RowDef { lo, hi, terms });
    }

    /// Solves the model with pinned settings.
    pub fn solve(&self, settings: &Settings) -> Result<Outcome, crate::Error> {
        self.run(settings, false)
    }

    /// Any feasible solution, not necessarily optimal: HiGHS stops at the
    /// first solution that improves on none (and skips its feasibility-jump
    /// heuristic, which costs more than it finds here); the objective only
    /// steers which solution comes first. None if the model is infeasible.
    pub fn solve_first(&self, settings: &Settings) -> Result<Option<Solution>, crate::Error> {
        match self.run(settings, true)? {
            Outcome::Optimal(s) | Outcome::TimedOut(Some(s)) => Ok(Some(s)),
            Outcome::Infeasible => Ok(None),
            Outcome::TimedOut(None) => Err(crate::Error::Solver(
                "the solver's time limit came before any solution".into(),
            )),
        }
    }

    fn run(&self, settings: &Settings, first: bool) -> Result<Outcome, crate::Error> {
        let mut problem_vars = ProblemVariables::new();
        let vars: Vec<good_lp::Variable> = self
            .vars
            .iter()
            .map(|d| {
                let mut def = variable();
                if d.lo.is_finite() {
                    def = def.min(d.lo);
                }
                if d.hi.is_finite() {
                    def = def.max(d.hi);
                }
                if d.integer {
                    def = def.integer();
                }
                problem_vars.add(def)
            })
            .collect();
        let mut objective = Expression::with_capacity(vars.len());
        for (d, &v) in self.vars.iter().zip(&vars) {
            if d.objective != 0.0 {
                objective.add_mul(d.objective, v);
            }
        }
        let unsolved = match self.sense {
            Sense::Maximise => problem_vars.maximise(objective),
            Sense::Minimise => problem_vars.minimise(objective),
        };
        let mut problem = unsolved
            .using(highs)
            .set_threads(settings.threads)
            .set_option("random_seed", settings.random_seed)
            .set_mip_rel_gap(settings.mip_rel_gap)
            .and_then(|p| p.set_mip_abs_gap(settings.mip_abs_gap))
            .map_err(|e| crate::Error::Solver(format!("invalid MIP gap: {e:?}")))?;
        if let Some(t) = settings.time_limit {
            problem = problem.set_time_limit(t);
        }
        if first {
            // Stopping at the first solution shows as a solution limit,
            // which good_lp reports as a time limit with the solution.
            problem = problem
                .set_option("mip_max_improving_sols", 1)
                .set_option("mip_heuristic_run_feasibility_jump", false);
        }
        for r in &self.rows {
            let mut e = Expression::with_capacity(r.terms.len());
            for &(v, c) in &r.terms {
                e.add_mul(c, vars[v.0]);
            }
            if r.lo == r.hi {
                problem.add_constraint(constraint::eq(e, r.lo));
                continue;
            }
            if r.lo.is_finite() {
                problem.add_constraint(constraint::geq(e.clone(), r.lo));
            }
            if r.hi.is_finite() {
                problem.add_constraint(constraint::leq(e, r.hi));
            }
        }
        let collect = |s: &dyn good_lp::Solution| {
            let values: Vec<f64> = vars.iter().map(|&v| s.value(v)).collect();
            let objective = self
                .vars
                .iter()
                .zip(&values)
                .map(|(d, x)| d.objective * x)
                .sum();
            Solution { objective, values }
        };
        match problem.solve() {
            Ok(s) => match s.status() {
                // GapLimit: optimal within the pinned gaps.
                good_lp::SolutionStatus::Optimal | good_lp::SolutionStatus::GapLimit => {
                    Ok(Outcome::Optimal(collect(&s)))
                }
                good_lp::SolutionStatus::TimeLimit => Ok(Outcome::TimedOut(Some(collect(&s)))),
            },
            Err(ResolutionError::Infeasible) => Ok(Outcome::Infeasible),
            Err(ResolutionError::Other("NoSolutionFound")) if settings.time_limit.is_some() => {
                Ok(Outcome::TimedOut(None))
            }
            Err(e) => Err(crate::Error::Solver(format!("HiGHS failed: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knapsack_optimum_is_found() {
        // max 5a + 4b + 3c  s.t. 2a + 3b + c <= 4, binaries: a + c = 8.
        let mut m = Model::new(Sense::Maximise);
        let a = m.binary(5.0);
        let b = m.binary(4.0);
        let c = m.binary(3.0);
        m.row(f64::NEG_INFINITY, 4.0, vec![(a, 2.0), (b, 3.0), (c, 1.0)]);
        let Outcome::Optimal(s) = m.solve(&Settings::default()).unwrap() else {
            panic!("expected optimal")
        };
        assert_eq!((s.int(a), s.int(b), s.int(c)), (1, 0, 1));
        assert!((s.objective - 8.0).abs() < 1e-9);
    }

    #[test]
    fn deleting_unused_columns_keeps_the_optimum_and_the_values() {
        // max 3x + 2y + z  s.t. x + y + z <= 4, x <= 1, y <= 2: x = 1, y = 2,
        // z = 1 (objective 8); then w (cost 0) is unused and nonbasic.
        let mut lp = Lp::new(Sense::Maximise, &Settings::default());
        let cap = lp.add_row(f64::NEG_INFINITY, 4.0);
        let x = lp.add_col(3.0, 0.0, 1.0, &[(cap, 1.0)]);
        let w = lp.add_col(-1.0, 0.0, 5.0, &[(cap, 1.0)]);
        let y = lp.add_col(2.0, 0.0, 2.0, &[(cap, 1.0)]);
        let z = lp.add_col(1.0, 0.0, 9.0, &[(cap, 1.0)]);
        let mut first = lp.solve().unwrap();
        assert!((first.objective - 8.0).abs() < 1e-9);
        assert_eq!(first.value(w), 0.0);
        assert!(!lp.basic()[w.index()]);
        let moved = lp.delete_cols(&[false, true, false, false]);
        assert_eq!(
            moved,
            vec![Some(LpCol(0)), None, Some(LpCol(1)), Some(LpCol(2))]
        );
        first.remap(&moved);
        let (x, y, z) = (
            moved[x.0].unwrap(),
            moved[y.0].unwrap(),
            moved[z.0].unwrap(),
        );
        assert_eq!(
            (first.value(x), first.value(y), first.value(z)),
            (1.0, 2.0, 1.0)
        );
        // A column added after the deletion gets the next position and is
        // not part of the earlier solution.
        let v = lp.add_col(5.0, 0.0, 1.0, &[(cap, 1.0)]);
        assert_eq!(v, LpCol(3));
        assert!(!first.has(v));
        let second = lp.solve().unwrap();
        assert!(
            (second.objective - 12.0).abs() < 1e-9,
            "{}",
            second.objective
        );
        assert!((second.value(v) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn infeasibility_is_reported() {
        let mut m = Model::new(Sense::Minimise);
        let x = m.integer(0.0, 3.0, 1.0);
        m.row(5.0, 6.0, vec![(x, 1.0)]);
        assert!(matches!(
            m.solve(&Settings::default()).unwrap(),
            Outcome::Infeasible
        ));
    }
}

/// A row of an [`Lp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LpRow(usize);

/// A column of an [`Lp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LpCol(usize);

impl LpCol {
    /// Its position among the LP's columns.
    pub fn index(self) -> usize {
        self.0
    }
}

/// An LP that grows: columns and rows are added, row bounds and coefficients
/// changed, and each solve starts from the previous basis (HiGHS keeps it).
/// Column generation re-solves its master LP every round, and good_lp
/// rebuilds a model from scratch on every solve, so this goes to HiGHS
/// through the `highs` crate directly.
pub struct Lp {
    model: highs::Model,
    rows: Vec<highs::Row>,
    /// Columns so far (an `LpCol` is HiGHS's own column index).
    cols: usize,
}

/// Primal values, row duals and objective of an optimal LP solution.
#[derive(Debug, Clone)]
pub struct LpSolution {
    pub objective: f64,
    columns: Vec<f64>,
    row_values: Vec<f64>,
    row_duals: Vec<f64>,
    /// Simplex iterations this solve took: a measure of work that, unlike
    /// time, is the same on every run.
    pub iterations: u64,
}

impl LpSolution {
    pub fn value(&self, c: LpCol) -> f64 {
        self.columns[c.0]
    }
    /// Whether the column existed when this solution was computed.
    pub fn has(&self, c: LpCol) -> bool {
        c.0 < self.columns.len()
    }
    /// The value of a column, or 0 for a column added after this solve.
    pub fn value_or_zero(&self, c: LpCol) -> f64 {
        self.columns.get(c.0).copied().unwrap_or(0.0)
    }
    /// After [`Lp::delete_cols`] (given its result): the values of the
    /// columns kept, at their new positions. Columns deleted must have been
    /// in this solution; those added after it stay outside it.
    pub fn remap(&mut self, moved: &[Option<LpCol>]) {
        self.columns = moved
            .iter()
            .zip(&self.columns)
            .filter_map(|(m, &v)| m.map(|_| v))
            .collect();
    }

    /// The activity (Σ coefficient × value) of a row.
    pub fn row_value(&self, r: LpRow) -> f64 {
        self.row_values[r.0]
    }
    /// The dual value of a row, in HiGHS's sign convention.
    pub fn dual(&self, r: LpRow) -> f64 {
        self.row_duals[r.0]
    }
}

/// Why an LP solve did not give an optimum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LpFailure {
    TimeLimit,
    Other(String),
}

impl Lp {
    /// An empty LP with pinned settings.
    pub fn new(sense: Sense, settings: &Settings) -> Lp {
        let mut model = highs::Model::new(highs::ColProblem::default());
        model.make_quiet();
        model.set_sense(match sense {
            Sense::Maximise => highs::Sense::Maximise,
            Sense::Minimise => highs::Sense::Minimise,
        });
        model.set_option("threads", settings.threads as i32);
        model.set_option("random_seed", settings.random_seed);
        // Column generation keeps the basis primal feasible when columns
        // are added: primal simplex re-solves from it in a few iterations,
        // faster than the default dual simplex (measured:
        // docs/benchmarks.md, section Selection history); presolve would
        // discard the basis.
        model.set_option("solver", "simplex");
        model.set_option("simplex_strategy", 4);
        model.set_option("presolve", "off");
        if let Some(t) = settings.time_limit {
            model.set_option("time_limit", t);
        }
        Lp {
            model,
            rows: Vec::new(),
            cols: 0,
        }
    }

    /// Adds the row `lo <= ... <= hi`, empty; columns fill it.
    pub fn add_row(&mut self, lo: f64, hi: f64) -> LpRow {
        let r = self.model.add_row(lo..=hi, std::iter::empty());
        self.rows.push(r);
        LpRow(self.rows.len() - 1)
    }

    /// Adds a column with its objective coefficient, bounds and entries.
    pub fn add_col(&mut self, cost: f64, lo: f64, hi: f64, entries: &[(LpRow, f64)]) -> LpCol {
        let rows: Vec<(highs::Row, f64)> =
            entries.iter().map(|&(r, v)| (self.rows[r.0], v)).collect();
        self.model.add_col(cost, lo..=hi, rows);
        self.cols += 1;
        LpCol(self.cols - 1)
    }

    /// Sets HiGHS's primal and dual feasibility tolerances (default 1e-7).
    pub fn set_tolerance(&mut self, tolerance: f64) {
        self.model
            .set_option("primal_feasibility_tolerance", tolerance);
        self.model
            .set_option("dual_feasibility_tolerance", tolerance);
    }

    /// Changes a column's objective coefficient.
    pub fn set_cost(&mut self, c: LpCol, cost: f64) {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: ptr is the live HiGHS instance owned by self.model; the
        // column index belongs to this instance.
        let status = unsafe { highs_sys::Highs_changeColCost(ptr, c.0 as _, cost) };
        debug_assert_eq!(status, 0, "Highs_changeColCost failed");
    }

    /// Changes a column's bounds.
    pub fn set_col_bounds(&mut self, c: LpCol, lo: f64, hi: f64) {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: as in set_cost.
        let status = unsafe { highs_sys::Highs_changeColBounds(ptr, c.0 as _, lo, hi) };
        debug_assert_eq!(status, 0, "Highs_changeColBounds failed");
    }

    /// Per column: whether it is basic in the last solve's basis (all false
    /// when there is none).
    pub fn basic(&mut self) -> Vec<bool> {
        let (n_cols, n_rows) = (self.cols, self.rows.len());
        let mut col_status: Vec<highs_sys::HighsInt> = vec![0; n_cols];
        let mut row_status: Vec<highs_sys::HighsInt> = vec![0; n_rows];
        let ptr = self.model.as_mut_ptr();
        // SAFETY: the arrays have one entry per column and per row of this
        // instance, as Highs_getBasis requires.
        let status = unsafe {
            highs_sys::Highs_getBasis(ptr, col_status.as_mut_ptr(), row_status.as_mut_ptr())
        };
        if status != 0 {
            return vec![false; n_cols];
        }
        col_status.iter().map(|&s| s == 1).collect()
    }

    /// Deletes the columns marked in `delete` (one flag per column); the
    /// others keep their basis status, so the next solve starts warm when
    /// only nonbasic columns go. Returns each old column's new handle.
    pub fn delete_cols(&mut self, delete: &[bool]) -> Vec<Option<LpCol>> {
        assert_eq!(delete.len(), self.cols, "one flag per column");
        let mut mask: Vec<highs_sys::HighsInt> = delete.iter().map(|&d| d.into()).collect();
        let ptr = self.model.as_mut_ptr();
        // SAFETY: the mask has one entry per column of this instance; HiGHS
        // overwrites it with each column's new index, or -1 if deleted.
        let status = unsafe { highs_sys::Highs_deleteColsByMask(ptr, mask.as_mut_ptr()) };
        assert_eq!(status, 0, "Highs_deleteColsByMask failed");
        self.cols = delete.iter().filter(|&&d| !d).count();
        mask.iter()
            .map(|&m| usize::try_from(m).ok().map(LpCol))
            .collect()
    }

    /// Changes a row's bounds.
    pub fn set_row_bounds(&mut self, r: LpRow, lo: f64, hi: f64) {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: ptr is the live HiGHS instance owned by self.model; the row
        // index was returned by HiGHS for this instance.
        let status = unsafe { highs_sys::Highs_changeRowBounds(ptr, r.0 as _, lo, hi) };
        debug_assert_eq!(status, 0, "Highs_changeRowBounds failed");
    }

    /// Changes one coefficient of the constraint matrix.
    pub fn set_coef(&mut self, r: LpRow, c: LpCol, value: f64) {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: as in set_row_bounds; both indices belong to this instance.
        let status = unsafe { highs_sys::Highs_changeCoeff(ptr, r.0 as _, c.0 as _, value) };
        debug_assert_eq!(status, 0, "Highs_changeCoeff failed");
    }

    /// Solves from the current basis. The model stays usable afterwards.
    /// As [`Lp::solve`], stopping at `deadline` (HiGHS's time limit is on
    /// its cumulative run time, so it is set to that plus the time left).
    pub fn solve_until(&mut self, deadline: Option<Instant>) -> Result<LpSolution, LpFailure> {
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(LpFailure::TimeLimit);
            }
            let ptr = self.model.as_mut_ptr();
            // SAFETY: ptr is the live HiGHS instance.
            let run_time = unsafe { highs_sys::Highs_getRunTime(ptr) };
            self.model
                .set_option("time_limit", run_time + left.as_secs_f64());
        }
        self.solve()
    }

    pub fn solve(&mut self) -> Result<LpSolution, LpFailure> {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: ptr is the live HiGHS instance, owned by self.model for
        // the whole block; the arrays passed have HiGHS's current column
        // and row counts, as Highs_getSolution requires.
        unsafe {
            let mut status = highs_sys::Highs_run(ptr);
            if status == highs_sys::kHighsStatusError {
                // A warm start can fail numerically (seen once on a master
                // LP after many columns were added): start again from the
                // slack basis.
                highs_sys::Highs_clearSolver(ptr);
                status = highs_sys::Highs_run(ptr);
            }
            if status == highs_sys::kHighsStatusError {
                return Err(LpFailure::Other(
                    "HiGHS failed on an LP, also from a cold start".into(),
                ));
            }
            match highs_sys::Highs_getModelStatus(ptr) {
                highs_sys::kHighsModelStatusOptimal => {}
                highs_sys::kHighsModelStatusTimeLimit => return Err(LpFailure::TimeLimit),
                other => return Err(LpFailure::Other(format!("LP model status {other}"))),
            }
            let n_col = highs_sys::Highs_getNumCol(ptr).max(0) as usize;
            let n_row = highs_sys::Highs_getNumRow(ptr).max(0) as usize;
            let mut columns = vec![0.0; n_col];
            let mut col_duals = vec![0.0; n_col];
            let mut row_values = vec![0.0; n_row];
            let mut row_duals = vec![0.0; n_row];
            highs_sys::Highs_getSolution(
                ptr,
                columns.as_mut_ptr(),
                col_duals.as_mut_ptr(),
                row_values.as_mut_ptr(),
                row_duals.as_mut_ptr(),
            );
            let mut iterations: std::os::raw::c_int = 0;
            highs_sys::Highs_getIntInfoValue(
                ptr,
                c"simplex_iteration_count".as_ptr(),
                &mut iterations,
            );
            Ok(LpSolution {
                objective: highs_sys::Highs_getObjectiveValue(ptr),
                columns,
                row_values,
                row_duals,
                iterations: iterations.max(0) as u64,
            })
        }
    }
}
