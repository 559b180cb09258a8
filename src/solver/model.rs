//! A model solved from scratch through good_lp (HiGHS): bounded variables,
//! bounded rows, one objective.

use good_lp::solvers::highs::highs;
use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution as _, SolverModel, constraint, variable,
};

use super::{Sense, Settings, Var};

#[derive(Debug, Clone)]
pub(super) struct VarDef {
    lo: f64,
    hi: f64,
    integer: bool,
    objective: f64,
}

#[derive(Debug, Clone)]
pub(super) struct RowDef {
    lo: f64,
    hi: f64,
    terms: Vec<(Var, f64)>,
}

/// How far a solve goes, and with which of HiGHS's MIP options.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// To proven optimality, HiGHS's defaults.
    Optimal,
    /// To proven optimality, lean options ([`Model::solve_small`]).
    Small,
    /// To the first solution ([`Model::solve_first`]).
    First,
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
        self.run(settings, Mode::Optimal)
    }

    /// As [`Model::solve`], for a small program that is one of many solved
    /// in a row (a pricing program): without HiGHS's restarts, its RINS and
    /// RENS sub-MIPs and its feasibility jump, which on such programs cost
    /// more than they save (measured: docs/benchmarks.md, section Selection
    /// history). Still solved to proven optimality.
    pub fn solve_small(&self, settings: &Settings) -> Result<Outcome, crate::Error> {
        self.run(settings, Mode::Small)
    }

    /// Any feasible solution, not necessarily optimal: HiGHS stops at the
    /// first solution that improves on none (and skips its feasibility-jump
    /// heuristic, which costs more than it finds here); the objective only
    /// steers which solution comes first. None if the model is infeasible.
    pub fn solve_first(&self, settings: &Settings) -> Result<Option<Solution>, crate::Error> {
        match self.run(settings, Mode::First)? {
            Outcome::Optimal(s) | Outcome::TimedOut(Some(s)) => Ok(Some(s)),
            Outcome::Infeasible => Ok(None),
            Outcome::TimedOut(None) => Err(crate::Error::Solver(
                "the solver's time limit came before any solution".into(),
            )),
        }
    }

    fn run(&self, settings: &Settings, mode: Mode) -> Result<Outcome, crate::Error> {
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
        problem = match mode {
            Mode::Optimal => problem,
            Mode::Small => problem
                .set_option("mip_allow_restart", false)
                .set_option("mip_heuristic_run_rins", false)
                .set_option("mip_heuristic_run_rens", false)
                .set_option("mip_heuristic_run_feasibility_jump", false),
            // Stopping at the first solution shows as a solution limit,
            // which good_lp reports as a time limit with the solution. A
            // cut pool of one: the first solution comes sooner without the
            // rounds of cuts that prove optimality (measured:
            // docs/benchmarks.md, section Selection history).
            Mode::First => problem
                .set_option("mip_max_improving_sols", 1)
                .set_option("mip_heuristic_run_feasibility_jump", false)
                .set_option("mip_pool_soft_limit", 1),
        };
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
