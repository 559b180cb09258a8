//! NASH: by its relaxation first, else by outer approximation over panels.
//!
//! Like LEXIMIN, NASH first tries the short way: the NASH of the quota
//! polytope's LP relaxation (an LP whose shares are mixtures of breakpoints
//! of the logarithm, no panels; `RelaxedNash`, its first breakpoints around
//! an interior-point method's approximate optimum), then
//! column generation for a distribution over panels giving every profile
//! that share. Every distribution lies in the polytope, so the relaxation's
//! optimum bounds NASH's, and a distribution reaching it is optimal. When
//! none does, NASH runs over panels as before, keeping the panels found.

use super::oracle::RelaxedNashOptimum;
use super::*;

/// The relaxation's NASH is solved until its Lagrangian bound is within
/// this much, per person, of the point it gives (in Σ size·log share): the
/// geometric mean within a relative 1e-7 of the bound.
const RELAXED_NASH_GAP: f64 = 1e-7;
/// ... or for at most this many LPs.
const RELAXED_NASH_ROUNDS: usize = 400;

impl Run<'_, '_> {
    /// NASH: by the relaxation first (unless the options say otherwise),
    /// else over panels.
    pub(super) fn nash(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<crate::solver::LpSolution, Error> {
        if self.options.relaxation_first {
            if let Some(last) = self.nash_by_relaxation(progress)? {
                return Ok(last);
            }
            // Not reachable: NASH over panels, with the panels found.
            self.master = self.master.rebuilt(&self.options.settings, Objective::Nash);
            self.target = None;
            self.stages.clear();
        }
        self.nash_over_panels(progress)
    }

    /// The relaxation's NASH, then a distribution reaching it; None when it
    /// is not reachable by panels (or its LP failed).
    fn nash_by_relaxation(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Option<crate::solver::LpSolution>, Error> {
        let clock = Instant::now();
        let n_profiles = self.selectable.len();
        let sizes = self.master.sizes.clone();
        let total = self.selectable_people();
        // The interior-point method's approximate optimum first: breakpoints
        // around it left the exact LP one round on pool_10000 (measured:
        // docs/benchmarks.md, section Selection history); without it, or
        // where its LP fails, the breakpoints start spread out.
        let deadline = self.options.deadline;
        let time_left = deadline.map(|d| d.saturating_duration_since(Instant::now()).as_secs_f64());
        let seed = self
            .oracle
            .approximate_nash(&sizes, &self.selectable, time_left);
        let solve = |seed: Option<&[f64]>| {
            self.oracle
                .relaxed_nash(&sizes, &self.selectable, seed)
                .solve(RELAXED_NASH_GAP * total, RELAXED_NASH_ROUNDS, deadline)
        };
        let mut solved = seed.as_deref().and_then(|seed| solve(Some(seed)));
        if solved.is_none() && deadline.is_none_or(|d| Instant::now() < d) {
            solved = solve(None);
        }
        let Some(RelaxedNashOptimum {
            shares,
            value: _,
            bound,
            lp_solves: relaxed_solves,
        }) = solved
        else {
            return Ok(None);
        };
        let relaxed_seconds = clock.elapsed().as_secs_f64();
        if self.out_of_time() {
            return Ok(None);
        }
        let geometric = |sum: f64| (sum / total).exp();
        let reached = self.reach(&shares, &mut |z, panels| {
            progress(&Progress {
                stage: 1,
                value: z * geometric(bound),
                panels,
                fixed: 0,
                profiles: n_profiles,
            })
        })?;
        if self.complete && reached.run.reached < 1.0 - PRICING_TOLERANCE {
            return Ok(None);
        }
        let achieved: f64 = (0..n_profiles)
            .filter(|&t| self.selectable[t])
            .map(|t| sizes[t] * reached.shares[t].max(1e-300).ln())
            .sum();
        self.stages.push(Stage {
            value: geometric(achieved),
            bound: geometric(bound),
            fixed: n_profiles,
            lp_solves: relaxed_solves,
            pricing_solves: 0,
            seconds: relaxed_seconds,
            binding: Vec::new(),
            dual: None,
        });
        self.target = Some(reached.run);
        Ok(Some(reached.last))
    }

    /// NASH over panels: maximise Σ size·log π by outer approximation. Variables π_t
    /// (linked to the panels) and s_t ≤ log π_t, enforced by tangent cuts
    /// s_t ≤ log p + (π_t − p)/p added at the current π until no cut is
    /// violated by more than [`NASH_TOLERANCE`]; panels are priced at the
    /// duals of the link rows (the gradient). The LP optimum bounds the
    /// objective from above, the current π from below.
    fn nash_over_panels(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<crate::solver::LpSolution, Error> {
        let start = Instant::now();
        let n_profiles = self.selectable.len();
        let sizes = self.master.sizes.clone();
        let total = self.selectable_people();
        let mut pi_col = vec![None; n_profiles];
        let mut s_col = vec![None; n_profiles];
        let p0 = self.options_k() / total;
        for t in 0..n_profiles {
            let Some(r) = self.master.rows[t] else {
                continue;
            };
            let pi = self.master.lp.add_col(0.0, 0.0, 1.0, &[(r, -1.0)]);
            let cut = self.master.lp.add_row(f64::NEG_INFINITY, p0.ln() - 1.0);
            let sc =
                self.master
                    .lp
                    .add_col(sizes[t], f64::NEG_INFINITY, f64::INFINITY, &[(cut, 1.0)]);
            self.master.lp.set_coef(cut, pi, -1.0 / p0);
            // A floor keeps s bounded while π is near 0.
            let floor = self
                .master
                .lp
                .add_row(f64::NEG_INFINITY, 1e-6f64.ln() - 1.0);
            self.master.lp.set_coef(floor, sc, 1.0);
            self.master.lp.set_coef(floor, pi, -1.0 / 1e-6);
            pi_col[t] = Some(pi);
            s_col[t] = Some(sc);
        }
        let (lp0, pr0) = (self.lp_solves, self.oracle.solves);
        let selectable = self.selectable.clone();
        // Per-profile probabilities of a solution and Σ size·log π.
        let evaluate = |s: &crate::solver::LpSolution| -> (Vec<f64>, f64) {
            let pi: Vec<f64> = pi_col
                .iter()
                .map(|c| c.map_or(0.0, |c| s.value(c)))
                .collect();
            let lower = (0..n_profiles)
                .filter(|&t| selectable[t])
                .map(|t| sizes[t] * pi[t].max(1e-300).ln())
                .sum();
            (pi, lower)
        };
        let mut last = self.solve_lp()?;
        let mut bound = f64::INFINITY;
        loop {
            let (pi, lower) = evaluate(&last);
            progress(&Progress {
                stage: 1,
                value: (lower / total).exp(),
                panels: self.master.panels.len(),
                fixed: 0,
                profiles: n_profiles,
            });
            if self.out_of_time() {
                self.complete = false;
                break;
            }
            // Gradient prices, signed so that they are positive.
            let mut y: Vec<f64> = (0..n_profiles)
                .map(|t| self.master.rows[t].map_or(0.0, |r| last.dual(r)))
                .collect();
            if y.iter().sum::<f64>() < 0.0 {
                y.iter_mut().for_each(|v| *v = -*v);
            }
            let weights: Vec<f64> = (0..n_profiles).map(|t| y[t].max(0.0) / sizes[t]).collect();
            let worth = |p: &ProfilePanel| p.worth(&weights);
            // μ: the worth of the panels in use (equal at an LP optimum).
            let mu = self
                .master
                .columns
                .iter()
                .zip(&self.master.panels)
                .filter(|(c, _)| last.value(**c) > 1e-9)
                .map(|(_, p)| worth(p))
                .fold(f64::NEG_INFINITY, f64::max);
            let threshold = mu + PRICING_TOLERANCE * mu.abs().max(1.0);
            let mut added = 0;
            for panel in
                self.search
                    .improving(&self.master.panels, &weights, threshold, SWAP_STARTS)
            {
                added += usize::from(self.master.add(panel));
            }
            if added == 0 {
                let (panel, value) = self
                    .oracle
                    .best(&weights)?
                    .expect("a feasible instance has a best panel");
                if value > threshold && self.master.add(panel) {
                    added = 1;
                } else {
                    // Columns are complete: the LP value bounds the optimum.
                    bound = last.objective;
                }
            }
            let mut cuts = 0;
            if added == 0 {
                for t in 0..n_profiles {
                    let (Some(pc), Some(sc)) = (pi_col[t], s_col[t]) else {
                        continue;
                    };
                    let p = pi[t].max(1e-9);
                    if last.value(sc) > p.ln() + NASH_TOLERANCE {
                        let cut = self.master.lp.add_row(f64::NEG_INFINITY, p.ln() - 1.0);
                        self.master.lp.set_coef(cut, sc, 1.0);
                        self.master.lp.set_coef(cut, pc, -1.0 / p);
                        cuts += 1;
                    }
                }
            }
            if added == 0 && cuts == 0 {
                bound = bound.min(last.objective);
                let value = (lower / total).exp();
                self.stages.push(Stage {
                    value,
                    bound: (bound / total).exp(),
                    fixed: n_profiles,
                    lp_solves: self.lp_solves - lp0,
                    pricing_solves: self.oracle.solves - pr0,
                    seconds: start.elapsed().as_secs_f64(),
                    binding: Vec::new(),
                    dual: None,
                });
                return Ok(last);
            }
            last = match self.solve_lp_by_deadline(false)? {
                Some(s) => s,
                None => {
                    self.complete = false;
                    break;
                }
            };
        }
        // Stopped by the time limit: the last LP solution is a valid
        // distribution, but neither optimal nor certified.
        let (_, lower) = evaluate(&last);
        self.stages.push(Stage {
            value: (lower / total).exp(),
            bound: f64::INFINITY,
            fixed: 0,
            lp_solves: self.lp_solves - lp0,
            pricing_solves: self.oracle.solves - pr0,
            seconds: start.elapsed().as_secs_f64(),
            binding: Vec::new(),
            dual: None,
        });
        Ok(last)
    }

    /// People in the selectable profiles: Σ size·log π over them is NASH's
    /// objective, and its per-person mean the log of the geometric mean.
    pub(super) fn selectable_people(&self) -> f64 {
        (0..self.selectable.len())
            .filter(|&t| self.selectable[t])
            .map(|t| self.master.sizes[t])
            .sum()
    }

    pub(super) fn options_k(&self) -> f64 {
        self.oracle.instance.k as f64
    }
}

/// NASH stops adding tangent cuts when s exceeds log π by at most this.
pub const NASH_TOLERANCE: f64 = 1e-6;
