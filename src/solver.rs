//! The one door to the LP/MIP backend.
//!
//! Algorithms describe a model as bounded variables and bounded linear rows
//! ([`Model`]) and get back an [`Outcome`]; they never see the backend. The
//! backend is HiGHS through good_lp, with settings pinned by [`Settings`] so
//! that the same model gives the same answer on every run.

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
    /// Relative MIP gap: 0, so MIPs are solved to proven optimality.
    pub mip_rel_gap: f32,
    /// Wall-clock limit per solve in seconds, if any.
    pub time_limit: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threads: 1,
            random_seed: 0,
            mip_rel_gap: 0.0,
            time_limit: None,
        }
    }
}

impl Settings {
    /// One line naming the backend and its settings, for reports.
    pub fn describe(&self) -> String {
        format!(
            "HiGHS {} via good_lp; threads={}, random_seed={}, mip_rel_gap={}, time_limit={}",
            HIGHS_VERSION,
            self.threads,
            self.random_seed,
            self.mip_rel_gap,
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
            .map_err(|e| crate::Error::Solver(format!("invalid MIP gap: {e:?}")))?;
        if let Some(t) = settings.time_limit {
            problem = problem.set_time_limit(t);
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
                good_lp::SolutionStatus::Optimal => Ok(Outcome::Optimal(collect(&s))),
                _ => Ok(Outcome::TimedOut(Some(collect(&s)))),
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
