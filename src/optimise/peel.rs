//! Panels for the relaxation's target, found by peeling it apart.
//!
//! The relaxation's LEXIMIN is a point x of the quota polytope (an
//! expected count per profile). Every distribution over panels with those
//! expected counts uses only panels on the smallest face holding x (a valid
//! inequality tight at a mixture is tight at each of its points). So the
//! peel takes some panel v on that face, moves x away from v as far as the
//! polytope allows, x' = (x − λv)/(1 − λ), which puts x' on a smaller face,
//! and goes on with x' (Carathéodory's construction). The panel comes from
//! the pricing program stopped at its first solution, at weights x / size,
//! so that it seats the profiles with most left.
//!
//! When x is a mixture of panels (the relaxation is tight) and no step
//! leaves the panels' hull, the panels found give x exactly; profiles with
//! the same share leave the face together, so the peel takes far fewer
//! steps than there are profiles (210 for sf_e_110's 957). Where it gets
//! stuck (no panel on a face) the panels found still seed column
//! generation, which then finishes or proves the target out of reach.

use super::oracle::PanelOracle;
use super::*;

/// Mass left below which the peel stops: the rest is rounding.
const NOTHING_LEFT: f64 = 1e-13;

/// The panels peeled from `counts` (a point of the quota polytope), in
/// order; stops when nothing is left, when a face holds no panel, or at
/// the deadline.
pub(super) fn peel(
    oracle: &mut PanelOracle,
    counts: &[f64],
    deadline: Option<Instant>,
) -> Result<Vec<ProfilePanel>, Error> {
    let whole = oracle.whole();
    let mut x = counts.to_vec();
    let mut left = 1.0;
    let mut panels = Vec::new();
    while left > NOTHING_LEFT && deadline.is_none_or(|d| Instant::now() < d) {
        let face = oracle.face_of(&x);
        let weights: Vec<f64> = (0..x.len())
            .map(|t| x[t] / f64::from(whole.upper[t].max(1)))
            .collect();
        let Some(v) = oracle.any_on(&face, &weights)? else {
            break;
        };
        let mut counts_v = vec![0.0; x.len()];
        for &(t, c) in &v.0 {
            counts_v[t as usize] = f64::from(c);
        }
        let lambda = step(oracle, &whole, &x, &counts_v);
        panels.push(v);
        if lambda >= 1.0 - NOTHING_LEFT {
            break;
        }
        left *= 1.0 - lambda;
        for (x, v) in x.iter_mut().zip(&counts_v) {
            *x = ((*x - lambda * v) / (1.0 - lambda)).max(0.0);
        }
    }
    Ok(panels)
}

/// The largest λ ≤ 1 with (x − λv)/(1 − λ) still in the polytope: for each
/// bound b on a linear form f (f(x) and f(v) both within it), λ ≤
/// slack(x) / slack(v) where v's slack is positive.
fn step(oracle: &PanelOracle, whole: &oracle::Face, x: &[f64], v: &[f64]) -> f64 {
    let mut lambda: f64 = 1.0;
    let mut bound = |slack_x: f64, slack_v: f64| {
        if slack_v > 1e-12 {
            lambda = lambda.min((slack_x / slack_v).max(0.0));
        }
    };
    for t in 0..x.len() {
        let upper = f64::from(whole.upper[t]);
        bound(x[t], v[t]);
        bound(upper - x[t], upper - v[t]);
    }
    for (value, members) in oracle.by_value().iter().enumerate() {
        let count_x: f64 = members.iter().map(|&t| x[t]).sum();
        let count_v: f64 = members.iter().map(|&t| v[t]).sum();
        let (lo, hi) = (
            f64::from(whole.value_min[value]),
            f64::from(whole.value_max[value]),
        );
        bound(count_x - lo, count_v - lo);
        bound(hi - count_x, hi - count_v);
    }
    for group in &oracle.profiles.households {
        let in_x: f64 = group.iter().map(|&t| x[t]).sum();
        let in_v: f64 = group.iter().map(|&t| v[t]).sum();
        bound(1.0 - in_x, 1.0 - in_v);
    }
    lambda
}
