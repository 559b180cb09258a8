//! Goldilocks (Baharav and Flanigan, "Fair, Manipulation-Robust, and
//! Transparent Sortition", EC 2024): minimise max π·n/k + γ·max k/(n·π),
//! so that every chance stays close to k/n from above and below.
//!
//! The same short way as LEXIMIN and NASH: the optimum over the quota
//! polytope's LP relaxation first, then column generation for a
//! distribution over panels reaching it. Over the relaxation, for a floor
//! L on every share the least ceiling U(L) is an LP; U is convex in L, so
//! the objective U·n/k + γ·k/(n·L) is convex in L and a golden-section
//! search over L in (0, the relaxation's MAXIMIN] finds its minimum. Every
//! distribution lies in the polytope, so that minimum bounds Goldilocks
//! from below, and a distribution reaching its shares is optimal.
//!
//! Chances are over the people who fit on some panel (someone on none has
//! chance 0 under every distribution, which would make the objective
//! infinite for all of them alike).

use super::*;

/// Golden-section rounds: the floor's interval shrinks by 0.618 each, so
/// 80 rounds take it below 1e-16 of the MAXIMIN.
const SEARCH_ROUNDS: usize = 80;

impl Run<'_, '_> {
    pub(super) fn goldilocks(
        &mut self,
        gamma: f64,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<crate::solver::LpSolution, Error> {
        let clock = Instant::now();
        let n_profiles = self.selectable.len();
        let sizes = self.master.sizes.clone();
        let ratio = self.options_k() / self.selectable_people();
        let objective = |low: f64, high: f64| high / ratio + gamma * ratio / low;
        let failed = || Error::Solver("the relaxation's LP failed in Goldilocks' search".into());
        let highest_floor = self
            .oracle
            .relaxed_leximin(&sizes, &self.selectable)
            .stage(&vec![None; n_profiles])
            .ok_or_else(failed)?
            .value;
        let mut band = self.oracle.relaxed_band(&sizes, &self.selectable);
        let mut solves = 0;
        let mut best: Option<(f64, f64, Vec<f64>)> = None;
        let mut value_at = |floor: f64, best: &mut Option<(f64, f64, Vec<f64>)>| {
            solves += 1;
            let (high, shares) = band.at(floor).ok_or_else(failed)?;
            let f = objective(floor, high);
            if best.as_ref().is_none_or(|b| f < b.0) {
                *best = Some((f, floor, shares));
            }
            Ok::<f64, Error>(f)
        };
        // Golden section over (0, highest_floor]; the floor never reaches
        // 0, where the objective is infinite.
        let phi = (5f64.sqrt() - 1.0) / 2.0;
        let (mut a, mut b) = (highest_floor * 1e-6, highest_floor);
        let mut c = b - phi * (b - a);
        let mut d = a + phi * (b - a);
        let (mut fc, mut fd) = (value_at(c, &mut best)?, value_at(d, &mut best)?);
        value_at(b, &mut best)?;
        for _ in 0..SEARCH_ROUNDS {
            if fc <= fd {
                (b, d, fd) = (d, c, fc);
                c = b - phi * (b - a);
                fc = value_at(c, &mut best)?;
            } else {
                (a, c, fc) = (c, d, fd);
                d = a + phi * (b - a);
                fd = value_at(d, &mut best)?;
            }
        }
        let (bound, floor, shares) = best.expect("the search evaluated points");
        let relaxed_seconds = clock.elapsed().as_secs_f64();
        let reached = self.reach(&shares, &mut |z, panels| {
            progress(&Progress {
                stage: 1,
                value: z * floor,
                panels,
                fixed: 0,
                profiles: n_profiles,
            })
        })?;
        if reached.run.reached < 1.0 - PRICING_TOLERANCE {
            // Not reached (or stopped by the time limit): a valid
            // distribution, but not shown optimal.
            self.complete = false;
        }
        let (low, high) = (0..n_profiles)
            .filter(|&t| self.selectable[t])
            .map(|t| reached.shares[t])
            .fold((f64::INFINITY, 0.0f64), |(l, h), x| (l.min(x), h.max(x)));
        self.stages.push(Stage {
            value: objective(low, high),
            bound,
            fixed: n_profiles,
            lp_solves: solves,
            pricing_solves: 0,
            seconds: relaxed_seconds,
            binding: Vec::new(),
            dual: None,
        });
        self.target = Some(reached.run);
        Ok(reached.last)
    }
}
