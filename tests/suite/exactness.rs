//! The independent check of a LEXIMIN, written per person and apart from
//! the project's profile-level code (one good_lp variable per person), over
//! the quota polytope's LP relaxation R: 0 ≤ π ≤ 1, Σπ = k, every quota
//! value's sum within its bounds, every household's sum ≤ 1. Every
//! distribution over panels lies in R. Shared by the test suite and the
//! selection benchmark (`#[path]`), so both check the same thing.

use good_lp::solvers::highs::highs;
use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, constraint, variable,
};

/// What the check found, over every level of the vector checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exactness {
    /// The largest |t − v| over the levels v, where t is the independent
    /// stage LP's optimum: the largest t such that some π in R holds
    /// everyone below v at their values, gives the level's people ≥ t and
    /// everyone above ≥ v. For the exact LEXIMIN, t = v.
    pub stage_error: f64,
    /// An upper bound on the largest rise: how far one person at level v
    /// can rise with everyone below held at their values and everyone else
    /// kept ≥ v. Measured as the largest Σ of π over the level's people
    /// under those rows, less (people at the level)·v, which bounds every
    /// single person's rise. 0 for the exact LEXIMIN.
    pub largest_rise: f64,
}

/// The LEXIMIN vector a run claims: each person's stage bound (the
/// relaxation's stage optimum), found as the bound nearest their chance;
/// bounds within 1e-7 of each other are taken as one (the lowest). People
/// with chance 0 are in no panel and claimed at 0.
pub fn claimed(chance: &[f64], bounds: &[f64]) -> Vec<f64> {
    let mut stages = bounds.to_vec();
    stages.sort_by(f64::total_cmp);
    let mut distinct: Vec<f64> = Vec::new();
    for v in stages {
        if distinct.last().is_none_or(|&l| v - l > 1e-7) {
            distinct.push(v);
        }
    }
    chance
        .iter()
        .map(|&c| {
            if c == 0.0 {
                return 0.0;
            }
            *distinct
                .iter()
                .min_by(|a, b| (*a - c).abs().total_cmp(&(*b - c).abs()))
                .expect("at least one stage")
        })
        .collect()
}

/// Checks a claimed LEXIMIN vector (one value per person).
///
/// Why the claimed vector and not the distribution's own chances: a
/// level's rise is ill-conditioned. When a level's lowest chance is ε below
/// the exact value, a person with dual price y at that level can rise by
/// about ε / y, and on data/ the smallest price is 1.7e-4, so chances
/// within 1e-9 of the exact vector (what double-precision LPs give) show
/// rises near 1e-5. The tests check the vector here and, separately, that
/// the distribution's chances are within a stated distance of it.
pub fn check(instance: &kleroterion::Instance, vector: &[f64]) -> Exactness {
    let mut levels: Vec<f64> = vector.to_vec();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let mut found = Exactness::default();
    // People in no panel (value 0) are held at 0 and not checked: that no
    // panel seats them is a fact about whole panels, which R cannot see.
    for &v in levels.iter().filter(|&&v| v > 0.0) {
        let at: Vec<usize> = (0..vector.len()).filter(|&i| vector[i] == v).collect();
        // The stage LP: the level's lowest value, as high as it goes (the
        // level's people are not kept ≥ v, so a claim too high shows).
        let t_value = solve(instance, vector, v, false, |vars, pi| {
            let t = vars.add(variable().min(0.0).max(1.0));
            let rows = at.iter().map(|&i| constraint!(pi[i] - t >= 0.0)).collect();
            (Expression::from(t), rows)
        });
        found.stage_error = found.stage_error.max((t_value - v.min(1.0)).abs());
        // The level's total, with each of its people kept ≥ v.
        let total = solve(instance, vector, v, true, |_, pi| {
            (at.iter().map(|&i| pi[i]).sum(), Vec::new())
        });
        let rise = total - at.len() as f64 * v.min(1.0);
        found.largest_rise = found.largest_rise.max(rise);
    }
    found
}

/// Maximises `objective` over R with everyone below level v held at their
/// value, everyone above ≥ v, and (`floor`) the level's people ≥ v too;
/// returns the optimum.
///
/// The held values are LP optima, so they meet R's rows only up to
/// rounding; a row of m people is given u·(m + 1) for it, with the unit u
/// the smallest of 1e-14, 1e-13, … 1e-9 that leaves the LP feasible. The
/// slack must stay far below the tolerance checked: a level's LP turns
/// mass freed in the rows into a rise of the few people above it,
/// magnified up to a thousandfold (a unit of 1e-12 showed a rise of 1.9e-7
/// on a pool of 1,727 that 1e-13 brought to 1.9e-8).
fn solve(
    instance: &kleroterion::Instance,
    vector: &[f64],
    v: f64,
    floor: bool,
    objective: impl Fn(&mut ProblemVariables, &[Variable]) -> (Expression, Vec<good_lp::Constraint>),
) -> f64 {
    let mut failure = None;
    for exponent in (9..=14).rev() {
        let unit = 10f64.powi(-exponent);
        match solve_with(instance, vector, v, floor, &objective, unit) {
            Ok(value) => return value,
            Err(e) => failure = Some(e),
        }
    }
    panic!("the check's LP at level {v}: {failure:?}");
}

/// [`solve`] with one slack unit.
fn solve_with(
    instance: &kleroterion::Instance,
    vector: &[f64],
    v: f64,
    floor: bool,
    objective: &impl Fn(&mut ProblemVariables, &[Variable]) -> (Expression, Vec<good_lp::Constraint>),
    unit: f64,
) -> Result<f64, good_lp::ResolutionError> {
    let n = vector.len();
    let mut vars = ProblemVariables::new();
    let pi: Vec<Variable> = (0..n)
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let (goal, extra) = objective(&mut vars, &pi);
    let mut lp = vars
        .maximise(goal.clone())
        .using(highs)
        .set_option("primal_feasibility_tolerance", 1e-10)
        .set_option("dual_feasibility_tolerance", 1e-10)
        .set_threads(1);
    let slack = |m: usize| unit * (m as f64 + 1.0);
    let k = instance.k as f64;
    let total: Expression = pi.iter().sum();
    lp = lp.with(constraint!(total.clone() >= k - slack(n)));
    lp = lp.with(constraint!(total <= k + slack(n)));
    for (value, q) in instance.quotas.values.iter().enumerate() {
        let members: Vec<usize> = (0..n)
            .filter(|&i| instance.pool.people[i].values.contains(&value))
            .collect();
        let m = members.len();
        let sum: Expression = members.iter().map(|&i| pi[i]).sum();
        lp = lp.with(constraint!(sum.clone() >= f64::from(q.min) - slack(m)));
        lp = lp.with(constraint!(sum <= f64::from(q.max) + slack(m)));
    }
    for group in &instance.households.groups {
        let sum: Expression = group.iter().map(|&i| pi[i]).sum();
        lp = lp.with(constraint!(sum <= 1.0 + slack(group.len())));
    }
    for i in 0..n {
        if vector[i] < v {
            lp = lp.with(constraint!(pi[i] == vector[i].clamp(0.0, 1.0)));
        } else if vector[i] > v || floor {
            lp = lp.with(constraint!(pi[i] >= v.min(1.0)));
        }
    }
    for row in extra {
        lp = lp.with(row);
    }
    Ok(lp.solve()?.eval(&goal))
}
