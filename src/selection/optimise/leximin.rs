//! LEXIMIN (and MAXIMIN, which takes the same route and certifies its first
//! stage) by column generation (the stages over panels price at smoothed
//! duals).
//!
//! LEXIMIN first tries the short way: it computes LEXIMIN over the quota
//! polytope's LP relaxation (one small LP per stage, no panels), then asks
//! column generation for a distribution over panels that gives every profile
//! that target share. Every distribution lies in the polytope, so the
//! relaxation's LEXIMIN is lexicographically at least as good as any
//! distribution's; a distribution that reaches it is therefore the LEXIMIN
//! (which is unique). When the target cannot be reached (the relaxation is
//! not tight), the stages are run over panels as before, keeping the panels
//! found. When column generation towards the target has worked long
//! enough, or its first master LP is far from the target ([`Peel`]), the
//! target is peeled into panels (`peel.rs`), which the master then weighs.

use super::oracle::RelaxedStage;
use super::peel;
use super::*;

use std::collections::HashMap;

/// Quota bounds binding a stage: (quota value, at its minimum?).
type Binding = Vec<(usize, bool)>;

/// A relaxed stage as kept until the distribution is found: value,
/// seconds, binding quotas, dual solution.
type Relaxed = (f64, f64, Binding, StageDual);

/// Column generation aiming at the relaxation's LEXIMIN stops as soon as
/// every profile has at least 1 − this of its target share.
pub const TARGET_TOLERANCE: f64 = 1e-9;

/// A peel that leaves at most this much of the target unpeeled (the rest
/// is rounding, or a last face with no panel) may be the master's
/// solution: its mixture, weights scaled to sum to 1, if that reaches the
/// target within [`TARGET_TOLERANCE`].
const MIXTURE_LEFT: f64 = 1e-9;

/// Primal and dual feasibility tolerance of the master once peeled panels
/// are in it (HiGHS's default is 1e-7).
pub const POLISH_TOLERANCE: f64 = 1e-10;

/// Where [`Run::reach`] got: the master's last solution, each profile's
/// share in it, and the run's figures (`reached` is z).
pub(super) struct Reached {
    pub(super) last: crate::solver::LpSolution,
    pub(super) shares: Vec<f64>,
    pub(super) run: TargetRun,
}

/// How a column-generation run ends.
struct Generated {
    /// The master's z at the end.
    value: f64,
    /// Dual bound on z (aiming at a target, only what the caller needs:
    /// whether z reached 1).
    bound: f64,
    /// Dual prices (normalised, non-negative) certifying the bound.
    duals: Vec<f64>,
}

/// The unfixed selectable profiles a stage fixes: those with a positive
/// price at the stage's optimal dual (at the minimum in every optimal
/// solution, by complementary slackness). If none has one, z is held by its
/// own bound (every unfixed profile is certain to be selected) or the prices
/// are degenerate: those `at_minimum` in the optimal solution. Empty only if
/// neither finds any.
fn to_fix(
    selectable: &[bool],
    fixed: &[Option<f64>],
    prices: &[f64],
    at_minimum: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let unfixed: Vec<usize> = (0..selectable.len())
        .filter(|&t| selectable[t] && fixed[t].is_none())
        .collect();
    let threshold = FIX_TOLERANCE.min(0.5 / unfixed.len() as f64);
    let priced: Vec<usize> = unfixed
        .iter()
        .copied()
        .filter(|&t| prices[t] > threshold)
        .collect();
    if priced.is_empty() {
        unfixed.into_iter().filter(|&t| at_minimum(t)).collect()
    } else {
        priced
    }
}

impl Run<'_, '_> {
    /// LEXIMIN (by its relaxation first, unless the options say otherwise)
    /// or MAXIMIN. MAXIMIN takes the same route: the LEXIMIN maximises the
    /// minimum too, and reaching the relaxation's LEXIMIN is much quicker
    /// than column generation for the minimum alone, so a MAXIMIN run
    /// returns the LEXIMIN distribution (the fairest of those with the
    /// optimal minimum) when the relaxation is tight, and stops after the
    /// first stage of the stage form otherwise. Returns the last LP
    /// solution, whose columns are the distribution.
    pub(super) fn leximin(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<crate::solver::LpSolution, Error> {
        if self.options.relaxation_first {
            if let Some(last) = self.by_relaxation(progress)? {
                return Ok(last);
            }
            // Not reachable: back to the stage form, keeping the panels.
            self.master.aim(None);
            self.stages.clear();
            self.target = None;
        }
        self.stagewise(progress)
    }

    /// LEXIMIN of the relaxation, then a distribution reaching it. None when
    /// the relaxation's LEXIMIN is not reachable by panels (or its LP
    /// failed).
    fn by_relaxation(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Option<crate::solver::LpSolution>, Error> {
        let n_profiles = self.selectable.len();
        let total_selectable = self.selectable.iter().filter(|&&s| s).count();
        let mut fixed: Vec<Option<f64>> = vec![None; n_profiles];
        let mut stage_of = vec![usize::MAX; n_profiles];
        let mut relaxed: Vec<Relaxed> = Vec::new();
        let mut n_fixed = 0;
        let mut relaxation = self
            .oracle
            .relaxed_leximin(&self.master.sizes, &self.selectable);
        while n_fixed < total_selectable {
            let clock = Instant::now();
            let Some(RelaxedStage {
                value,
                prices,
                shares,
                binding,
                dual,
            }) = relaxation.stage(&fixed)
            else {
                return Ok(None);
            };
            let newly = to_fix(&self.selectable, &fixed, &prices, |t| {
                shares[t] <= value + 1e-9
            });
            if newly.is_empty() {
                return Ok(None);
            }
            for &t in &newly {
                fixed[t] = Some(value);
                relaxation.fix(t, value);
                stage_of[t] = relaxed.len();
            }
            n_fixed += newly.len();
            relaxed.push((value, clock.elapsed().as_secs_f64(), binding, dual));
            if self.out_of_time() {
                return Ok(None);
            }
        }
        let target: Vec<f64> = fixed.iter().map(|f| f.unwrap_or(0.0)).collect();
        let lowest = relaxed.first().map_or(0.0, |r| r.0);
        let stages = relaxed.len();
        let reached = self.reach(&target, &mut |z, panels| {
            progress(&Progress {
                stage: stages,
                value: z * lowest,
                panels,
                fixed: total_selectable,
                profiles: total_selectable,
            })
        })?;
        if self.complete && reached.run.reached < 1.0 - PRICING_TOLERANCE {
            return Ok(None);
        }
        // Each stage's value is its profiles' lowest share in the
        // distribution; its bound, the relaxation's optimum.
        let mut lowest_share = vec![f64::INFINITY; stages];
        for t in (0..n_profiles).filter(|&t| self.selectable[t]) {
            lowest_share[stage_of[t]] = lowest_share[stage_of[t]].min(reached.shares[t]);
        }
        for (s, (value, seconds, binding, dual)) in relaxed.into_iter().enumerate() {
            self.stages.push(Stage {
                value: lowest_share[s],
                bound: value,
                fixed: stage_of.iter().filter(|&&x| x == s).count(),
                lp_solves: 1,
                pricing_solves: 0,
                seconds,
                binding,
                dual: Some(dual),
            });
        }
        self.fixed_at = stage_of
            .iter()
            .map(|&s| (s != usize::MAX).then_some(s))
            .collect();
        self.target = Some(reached.run);
        Ok(Some(reached.last))
    }

    /// Column generation aiming the master at `target` (a share per
    /// profile), as far as it goes: to every profile at its target, to a
    /// proof that no distribution gets there, or to the time limit.
    /// `progress` gets the master's z and its number of panels.
    pub(super) fn reach(
        &mut self,
        target: &[f64],
        progress: &mut dyn FnMut(f64, usize),
    ) -> Result<Reached, Error> {
        let clock = Instant::now();
        let (lp0, pr0) = (self.lp_solves, self.oracle.solves);
        let n_profiles = self.selectable.len();
        self.master.aim(Some(target));
        let mut last = self.solve_lp()?;
        let reached = self.generate(&mut last, &vec![None; n_profiles], target, true, progress)?;
        // Column generation stops early at 1 − TARGET_TOLERANCE; an LP
        // proven optimal below that still counts within the pricing
        // tolerance, as a stage's certificate does (the callers' test).
        let z = reached.value;
        let shares = (0..n_profiles)
            .map(|t| self.master.rows[t].map_or(0.0, |r| last.row_value(r) + target[t] * z))
            .collect();
        Ok(Reached {
            last,
            shares,
            run: TargetRun {
                reached: z,
                peeled: self.peeled,
                lp_solves: self.lp_solves - lp0,
                pricing_solves: self.oracle.solves - pr0,
                seconds: clock.elapsed().as_secs_f64(),
            },
        })
    }

    /// The LEXIMIN stages over panels (MAXIMIN: the first only).
    fn stagewise(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<crate::solver::LpSolution, Error> {
        let n_profiles = self.selectable.len();
        let mut fixed: Vec<Option<f64>> = vec![None; n_profiles];
        let total_selectable = self.selectable.iter().filter(|&&s| s).count();
        let mut n_fixed = 0;
        let mut last = self.solve_lp()?;
        loop {
            let stage_start = Instant::now();
            let (lp0, pr0) = (self.lp_solves, self.oracle.solves);
            // The stage maximises the lowest unfixed share: z weighs 1 in
            // each unfixed row.
            let scale: Vec<f64> = (0..n_profiles)
                .map(|t| f64::from(u8::from(self.selectable[t] && fixed[t].is_none())))
                .collect();
            let stage = self.stages.len() + 1;
            let Generated {
                value,
                bound,
                duals,
            } = self.generate(&mut last, &fixed, &scale, false, &mut |z, panels| {
                progress(&Progress {
                    stage,
                    value: z,
                    panels,
                    fixed: n_fixed,
                    profiles: total_selectable,
                })
            })?;
            let mut newly = 0;
            if self.complete {
                // At the minimum: row activity π − z at 0.
                let rows = &self.master.rows;
                let chosen = to_fix(&self.selectable, &fixed, &duals, |t| {
                    rows[t].is_some_and(|r| last.row_value(r) <= 1e-9)
                });
                if chosen.is_empty() {
                    return Err(Error::Internal(format!(
                        "LEXIMIN stage {} fixed no profile; please report this instance",
                        self.stages.len() + 1
                    )));
                }
                for &t in &chosen {
                    fixed[t] = Some(value);
                    self.master.fix(t, value);
                }
                newly = chosen.len();
            }
            n_fixed += newly;
            self.stages.push(Stage {
                value,
                bound,
                fixed: newly,
                lp_solves: self.lp_solves - lp0,
                pricing_solves: self.oracle.solves - pr0,
                seconds: stage_start.elapsed().as_secs_f64(),
                binding: Vec::new(),
                dual: None,
            });
            if !self.complete
                || self.options.objective == Objective::Maximin
                || n_fixed == total_selectable
            {
                return Ok(last);
            }
            if self.out_of_time() {
                self.complete = false;
                return Ok(last);
            }
            self.master.prune(&mut last);
            last = self.solve_lp()?;
        }
    }

    /// When to peel: the options' rule, except that NASH has its own
    /// under the default rule ([`Peel::NASH`]).
    fn peel_rule(&self) -> Peel {
        if self.options.objective == Objective::Nash && self.options.peel == Peel::DEFAULT {
            Peel::NASH
        } else {
            self.options.peel
        }
    }

    /// The panel worth most at these weights, on the face if one is given;
    /// None only when the face holds no panel.
    fn best_panel(
        &mut self,
        face: Option<&super::oracle::Face>,
        weights: &[f64],
    ) -> Result<Option<(ProfilePanel, f64)>, Error> {
        match face {
            Some(face) => self.oracle.best_on(face, weights),
            None => Ok(Some(
                self.oracle
                    .best(weights)?
                    .expect("a feasible instance has a best panel"),
            )),
        }
    }

    /// The expected count per profile of a target given as a share per
    /// profile.
    fn counts_of(&self, scale: &[f64]) -> Vec<f64> {
        scale
            .iter()
            .zip(&self.master.sizes)
            .map(|(t, s)| t * s)
            .collect()
    }

    /// Peels the target (`scale` per profile) into panels and adds them to
    /// the master; returns how many were new, and the master's solution
    /// that is the peel's mixture when that reaches the target.
    fn peel_into_master(
        &mut self,
        scale: &[f64],
    ) -> Result<(usize, Option<crate::solver::LpSolution>), Error> {
        let counts = self.counts_of(scale);
        let peel::Peeled { panels, left } = peel::peel(
            &mut self.oracle,
            &counts,
            &self.master.sizes,
            self.options.deadline,
        )?;
        // Summed in the peel's order, so that every run gets the same bits.
        let total: f64 = panels.iter().map(|(_, w)| w).sum();
        let mut weights: HashMap<ProfilePanel, f64> = HashMap::new();
        let mut added = 0;
        for (panel, w) in panels {
            *weights.entry(panel.clone()).or_default() += w;
            added += usize::from(self.master.add(panel));
        }
        self.peeled = added;
        let mixture = (left <= MIXTURE_LEFT)
            .then(|| self.master.point(scale, &weights, total))
            .flatten()
            .filter(|s| s.value(self.master.z.expect("LEXIMIN has z")) >= 1.0 - TARGET_TOLERANCE);
        Ok((added, mixture))
    }

    /// Adds the panels with positive reduced cost at the LP duals
    /// (`lp_weights`, dual objective `mu`): the priced one, and those the
    /// swap search climbs to from the pricing weights and from the LP's.
    /// Returns how many were new.
    fn add_columns(
        &mut self,
        priced: Option<ProfilePanel>,
        weights: &[f64],
        lp_weights: &[f64],
        mu: f64,
    ) -> usize {
        let reduced = |p: &ProfilePanel| p.worth(lp_weights) - mu;
        let mut added = 0;
        if let Some(p) = priced
            && reduced(&p) > PRICING_TOLERANCE
        {
            added += usize::from(self.master.add(p));
        }
        // Unsmoothed (α = 0, or no centre yet) both are the LP duals:
        // one set of climbs.
        let distinct = if weights == lp_weights { 1 } else { 2 };
        for w in [weights, lp_weights].into_iter().take(distinct) {
            for p in self
                .search
                .improving(&self.master.panels, w, f64::NEG_INFINITY, SWAP_STARTS)
            {
                if reduced(&p) > PRICING_TOLERANCE {
                    added += usize::from(self.master.add(p));
                }
            }
        }
        added
    }

    /// Column generation for the master LP as it stands: maximise z, where
    /// row t reads share_t − scale_t·z ≥ its bound (`fixed` profiles have
    /// scale 0 and their value as bound). Ends when the LP is optimal over
    /// all panels or, with `to_target`, as soon as z reaches 1 (every
    /// profile at its target) or is proven not to; also on the time limit
    /// (`complete` cleared). `last` is the master's latest solution.
    fn generate(
        &mut self,
        last: &mut crate::solver::LpSolution,
        fixed: &[Option<f64>],
        scale: &[f64],
        to_target: bool,
        progress: &mut dyn FnMut(f64, usize),
    ) -> Result<Generated, Error> {
        let n_profiles = self.selectable.len();
        let z_col = self.master.z.expect("LEXIMIN has z");
        // Stability centre (Wentges smoothing): the dual vector with the
        // best (lowest) bound seen in this run, and that bound.
        let mut centre: Option<(Vec<f64>, f64)> = None;
        let mut misprices = 0;
        // Aiming at a target: master LP work so far, whether the peel has
        // run (see Peel), and the first master LP's z.
        let mut work = 0u64;
        let mut peel_done = !to_target;
        let first_z = last.value(z_col);
        // Aiming at a target: a distribution that reaches it (shares at
        // least the target's, so equal to it, as both sum to k) uses only
        // panels on the target's smallest face (see peel.rs), so the exact
        // pricing program runs on that face, where every panel it finds
        // can be part of the answer and the program is smaller. The face
        // is read off the target within a tolerance, so before the target
        // is declared out of reach on the face's evidence, the whole
        // polytope's pricing confirms it (`off_face`).
        let mut face = to_target.then(|| self.oracle.face_of(&self.counts_of(scale)));
        loop {
            let z = last.value(z_col);
            work += last.iterations;
            // Dual prices of the profile rows (Σ scale·y = 1).
            let y = signed_prices(
                self.master
                    .rows
                    .iter()
                    .map(|r| r.map_or(0.0, |r| last.dual(r)))
                    .collect(),
                |t| scale[t],
            );
            let fixed_term = |y: &[f64]| -> f64 {
                (0..n_profiles)
                    .filter_map(|t| fixed[t].map(|f| f * y[t]))
                    .sum()
            };
            // Strong duality: z = μ − Σ_fixed y·f.
            let mu = z + fixed_term(&y);
            progress(z, self.master.panels.len());
            if to_target && z >= 1.0 - TARGET_TOLERANCE {
                return Ok(Generated {
                    value: z,
                    bound: 1.0,
                    duals: y,
                });
            }
            let rule = self.peel_rule();
            if !peel_done && (work >= rule.after || first_z < rule.below) {
                peel_done = true;
                let (peeled, mixture) = self.peel_into_master(scale)?;
                if let Some(mixture) = mixture {
                    // The peel's mixture reaches the target, so it is
                    // optimal as it stands (its duals are not the LP's:
                    // nothing prices at them). A solve from nothing only
                    // confirms it, at a cost: an interior-point solve, and
                    // a simplex solve started from it took longer still
                    // (measured: docs/benchmarks.md, section Selection
                    // history).
                    *last = mixture;
                    let z = last.value(z_col);
                    progress(z, self.master.panels.len());
                    return Ok(Generated {
                        value: z,
                        bound: 1.0,
                        duals: y,
                    });
                }
                if peeled == 0 && self.short_peel_ends_reach {
                    return Ok(Generated {
                        value: z,
                        bound: 1.0,
                        duals: y,
                    });
                }
                if peeled > 0 {
                    // Peeled panels make an ill-conditioned master: at
                    // HiGHS's default tolerances (1e-7, scaled) a profile
                    // of data/ ended short of its target (measured:
                    // docs/benchmarks.md, section Selection history).
                    self.master.lp.set_tolerance(POLISH_TOLERANCE);
                    *last = match self.solve_lp_by_deadline(true)? {
                        Some(s) => s,
                        None => {
                            self.complete = false;
                            return Ok(Generated {
                                value: z,
                                bound: 1.0,
                                duals: y,
                            });
                        }
                    };
                    let z = last.value(z_col);
                    if self.short_peel_ends_reach && z < 1.0 - TARGET_TOLERANCE {
                        return Ok(Generated {
                            value: z,
                            bound: 1.0,
                            duals: y,
                        });
                    }
                    continue;
                }
            }
            // Price at the smoothed duals ŷ = α·centre + (1−α)·y: the LP
            // relaxation of the pricing program bounds every panel's worth
            // (a valid dual bound); swap search supplies integer panels.
            // Aiming at a target, unsmoothed: it gets there sooner than at
            // α = 0.5 (measured: docs/benchmarks.md, section Selection
            // history).
            let alpha = if misprices >= 2 || to_target {
                0.0
            } else {
                SMOOTHING
            };
            let y_hat: Vec<f64> = match &centre {
                Some((c, _)) => c
                    .iter()
                    .zip(&y)
                    .map(|(c, v)| alpha * c + (1.0 - alpha) * v)
                    .collect(),
                None => y.clone(),
            };
            let weights: Vec<f64> = (0..n_profiles)
                .map(|t| y_hat[t] / self.master.sizes[t])
                .collect();
            // The exact program when the master LP is expensive enough
            // that the program costs less (tightest bound, and an integer
            // panel); otherwise its LP relaxation. Work is measured in
            // simplex iterations, not seconds, so that every run takes
            // the same path.
            let mut priced = None;
            let bound_hat = if last.iterations >= EXACT_PRICING_ITERATIONS {
                let Some((panel, worth)) = self.best_panel(face.as_ref(), &weights)? else {
                    // No panel on the face: the whole polytope decides.
                    off_face(&mut face, &mut centre);
                    continue;
                };
                priced = Some(panel);
                worth
            } else {
                self.oracle.relaxed_bound(&weights)?
            } - fixed_term(&y_hat);
            if centre.as_ref().is_none_or(|(_, b)| bound_hat < *b) {
                centre = Some((y_hat.clone(), bound_hat));
            }
            let (centre_y, best_bound) = centre.clone().expect("set above");
            if best_bound - z <= PRICING_TOLERANCE
                || (to_target && best_bound < 1.0 - TARGET_TOLERANCE)
            {
                if face.is_some() {
                    off_face(&mut face, &mut centre);
                    continue;
                }
                // Optimal over all panels (the centre is an optimal dual),
                // or the target is out of reach.
                return Ok(Generated {
                    value: z,
                    bound: best_bound.max(z),
                    duals: centre_y,
                });
            }
            // Columns with positive reduced cost at the LP duals.
            let lp_weights: Vec<f64> = (0..n_profiles)
                .map(|t| y[t] / self.master.sizes[t])
                .collect();
            let mut added = self.add_columns(priced, &weights, &lp_weights, mu);
            // Aiming at a target, before the exact program: the
            // near-optimal panel on the face at the LP duals, at a
            // fraction of the exact program's cost (measured:
            // docs/benchmarks.md, section Selection history). The exact
            // program stays the only proof that no panel improves.
            if added == 0
                && misprices >= 2
                && let Some(f) = face.as_ref()
                && let Some(p) = self.oracle.near_optimal_on(f, &lp_weights)?
                && p.worth(&lp_weights) - mu > PRICING_TOLERANCE
                && self.master.add(p)
            {
                added = 1;
            }
            if added == 0 && misprices >= 2 {
                // Heuristics found nothing at the LP duals and the
                // relaxation bound is not tight: the exact pricing
                // program decides.
                let Some((panel, worth)) = self.best_panel(face.as_ref(), &lp_weights)? else {
                    off_face(&mut face, &mut centre);
                    continue;
                };
                if worth - mu <= PRICING_TOLERANCE || !self.master.add(panel) {
                    if face.is_some() {
                        off_face(&mut face, &mut centre);
                        continue;
                    }
                    // No panel improves the LP: it is optimal over all
                    // panels, and its own duals are optimal.
                    return Ok(Generated {
                        value: z,
                        bound: (worth - fixed_term(&y)).max(z),
                        duals: y,
                    });
                }
                added = 1;
            }
            if added == 0 {
                misprices += 1;
                continue;
            }
            misprices = 0;
            if self.master.columns.len() > PRUNE_AT * n_profiles + 200 {
                self.master.prune(last);
            }
            let stop = Generated {
                value: z,
                bound: best_bound,
                duals: y,
            };
            if self.out_of_time() {
                self.complete = false;
                return Ok(stop);
            }
            *last = match self.solve_lp_by_deadline(false)? {
                Some(s) => s,
                None => {
                    self.complete = false;
                    return Ok(stop);
                }
            };
        }
    }
}

/// The face's evidence that the target is out of reach is to be confirmed
/// over the whole polytope: pricing leaves the face, and the bounds found
/// on it (which bound the face's panels only) are forgotten.
fn off_face(face: &mut Option<super::oracle::Face>, centre: &mut Option<(Vec<f64>, f64)>) {
    *face = None;
    *centre = None;
}
