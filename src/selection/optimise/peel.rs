//! Panels for the relaxation's target, found by peeling it apart.
//!
//! The relaxation's LEXIMIN is a point x of the quota polytope (an
//! expected count per profile). Every distribution over panels with those
//! expected counts uses only panels on the smallest face holding x (a valid
//! inequality tight at a mixture is tight at each of its points). So the
//! peel takes some panel v on that face, moves x away from v as far as the
//! polytope allows, x' = (x − λv)/(1 − λ), which puts x' on a smaller face,
//! and goes on with x' (Carathéodory's construction). The panel is one worth
//! nearly the most on the face at weights x / size, so that it seats the
//! profiles with most left (a panel worth much less makes far more steps):
//! first from the face's LP and a small program around its optimum
//! (`PanelOracle::near_optimal_on`), else from the whole pricing program
//! stopped at its first solution.
//!
//! When x is a mixture of panels (the relaxation is tight) and no step
//! leaves the panels' hull, the panels found give x exactly; profiles with
//! the same share leave the face together, so the peel takes far fewer
//! steps than there are profiles (measured: docs/benchmarks.md, section
//! Selection history). Where it gets stuck (no panel on a face) the panels
//! found still seed column generation, which then finishes or proves the
//! target out of reach.

use super::oracle::PanelOracle;
use super::*;

/// Mass left below which the peel stops: the rest is rounding.
const NOTHING_LEFT: f64 = 1e-13;

/// With a deadline, the peel stops this fraction of the time left when it
/// starts before the deadline, so that the master LP can still weigh the
/// panels peeled so far; a peel that ran up to the deadline left them
/// unused (measured: docs/benchmarks.md, section Selection history).
const PEEL_RESERVE: f64 = 0.1;

/// What a peel found: the panels in order, each with its weight in the
/// point, and the weight left (1 − the weights' sum) for the part of the
/// point not peeled.
pub(super) struct Peeled {
    pub(super) panels: Vec<(ProfilePanel, f64)>,
    pub(super) left: f64,
}

/// The panels peeled from `counts` (a point of the quota polytope; `sizes`:
/// each profile's size), in order, with their weights ([`Peeled`]); stops
/// when nothing is left, when a face holds no panel, or [`PEEL_RESERVE`]
/// before the deadline.
pub(super) fn peel(
    oracle: &mut PanelOracle,
    counts: &[f64],
    sizes: &[f64],
    deadline: Option<Instant>,
) -> Result<Peeled, Error> {
    let deadline = deadline.map(|d| {
        d - d
            .saturating_duration_since(Instant::now())
            .mul_f64(PEEL_RESERVE)
    });
    let mut x = counts.to_vec();
    let mut left = 1.0;
    let mut panels = Vec::new();
    while left > NOTHING_LEFT && deadline.is_none_or(|d| Instant::now() < d) {
        let face = oracle.face_of(&x);
        let weights: Vec<f64> = x.iter().zip(sizes).map(|(x, s)| x / s).collect();
        let v = match oracle.near_optimal_on(&face, &weights)? {
            Some(v) => v,
            None => match oracle.any_on(&face, &weights)? {
                Some(v) => v,
                None => break,
            },
        };
        let mut counts_v = vec![0.0; x.len()];
        for &(t, c) in &v.0 {
            counts_v[t as usize] = f64::from(c);
        }
        let lambda = oracle.room_away(&x, &counts_v);
        if lambda >= 1.0 - NOTHING_LEFT {
            // The point is the panel: it takes all that is left.
            panels.push((v, left));
            left = 0.0;
            break;
        }
        panels.push((v, left * lambda));
        left *= 1.0 - lambda;
        for (x, v) in x.iter_mut().zip(&counts_v) {
            *x = ((*x - lambda * v) / (1.0 - lambda)).max(0.0);
        }
    }
    Ok(Peeled { panels, left })
}
