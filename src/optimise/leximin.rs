//! LEXIMIN (and MAXIMIN, its first stage) by column generation with
//! smoothed pricing.

use super::*;

impl Run<'_, '_> {
    /// LEXIMIN stages (MAXIMIN: the first only). Returns the last optimal
    /// LP solution, whose columns are the distribution.
    pub(super) fn leximin(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<crate::solver::LpSolution, Error> {
        let n_profiles = self.selectable.len();
        let mut fixed: Vec<Option<f64>> = vec![None; n_profiles];
        let total_selectable = self.selectable.iter().filter(|&&s| s).count();
        let mut n_fixed = 0;
        let z_col = self.master.z.expect("LEXIMIN has z");
        let mut last = self.solve_lp()?;
        loop {
            let stage_start = Instant::now();
            let (lp0, pr0) = (self.lp_solves, self.oracle.solves);
            // Stability centre (Wentges smoothing): the dual vector with the
            // best (lowest) bound seen in this stage, and that bound.
            let mut centre: Option<(Vec<f64>, f64)> = None;
            let mut misprices = 0;
            let (value, bound, duals) = loop {
                let z = last.value(z_col);
                // Dual prices of the profile rows, signed so that the unfixed
                // ones sum to +1.
                let mut y = vec![0.0; n_profiles];
                let mut unfixed_sum = 0.0;
                for t in 0..n_profiles {
                    if let Some(r) = self.master.rows[t] {
                        y[t] = last.dual(r);
                        if fixed[t].is_none() {
                            unfixed_sum += y[t];
                        }
                    }
                }
                let sign = if unfixed_sum < 0.0 { -1.0 } else { 1.0 };
                for v in &mut y {
                    *v = (*v * sign).max(0.0);
                }
                let fixed_term = |y: &[f64]| -> f64 {
                    (0..n_profiles)
                        .filter_map(|t| fixed[t].map(|f| f * y[t]))
                        .sum()
                };
                // Strong duality: z = μ − Σ_fixed y·f.
                let mu = z + fixed_term(&y);
                progress(&Progress {
                    stage: self.stages.len() + 1,
                    value: z,
                    panels: self.master.panels.len(),
                    fixed: n_fixed,
                    profiles: total_selectable,
                });
                // Price at the smoothed duals ŷ = α·centre + (1−α)·y: the LP
                // relaxation of the pricing program bounds every panel's worth
                // (a valid dual bound); swap search supplies integer panels.
                let alpha = if misprices >= 2 { 0.0 } else { SMOOTHING };
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
                    let (panel, worth) = self
                        .oracle
                        .best(&weights)?
                        .expect("a feasible instance has a best panel");
                    priced = Some(panel);
                    worth
                } else {
                    self.oracle.relaxed_bound(&weights)?
                } - fixed_term(&y_hat);
                if centre.as_ref().is_none_or(|(_, b)| bound_hat < *b) {
                    centre = Some((y_hat.clone(), bound_hat));
                }
                let (centre_y, best_bound) = centre.clone().expect("set above");
                if best_bound - z <= PRICING_TOLERANCE {
                    // Optimal over all panels; the centre is an optimal dual.
                    break (z, best_bound.max(z), centre_y);
                }
                // Columns with positive reduced cost at the LP duals.
                let lp_weights: Vec<f64> = (0..n_profiles)
                    .map(|t| y[t] / self.master.sizes[t])
                    .collect();
                let reduced = |p: &ProfilePanel| p.worth(&lp_weights) - mu;
                let mut added = 0;
                if let Some(p) = priced
                    && reduced(&p) > PRICING_TOLERANCE
                {
                    added += usize::from(self.master.add(p));
                }
                for w in [&weights, &lp_weights] {
                    for p in self.search.improving(
                        &self.master.panels,
                        w,
                        f64::NEG_INFINITY,
                        SWAP_STARTS,
                    ) {
                        if reduced(&p) > PRICING_TOLERANCE {
                            added += usize::from(self.master.add(p));
                        }
                    }
                }
                if added == 0 && misprices >= 2 {
                    // Heuristics found nothing at the LP duals and the
                    // relaxation bound is not tight: the exact pricing
                    // program decides.
                    let (panel, worth) = self
                        .oracle
                        .best(&lp_weights)?
                        .expect("a feasible instance has a best panel");
                    if worth - mu <= PRICING_TOLERANCE || !self.master.add(panel) {
                        // No panel improves the LP: it is optimal over all
                        // panels, and its own duals are optimal.
                        break (z, (worth - fixed_term(&y)).max(z), y);
                    }
                    added = 1;
                }
                if added == 0 {
                    misprices += 1;
                    continue;
                }
                misprices = 0;
                if self.master.columns.len() > PRUNE_AT * n_profiles + 200 {
                    self.master.prune(&mut last);
                }
                if self.out_of_time() {
                    self.complete = false;
                    break (z, best_bound, y);
                }
                last = match self.solve_lp() {
                    Ok(s) => s,
                    Err(_) if self.out_of_time() => {
                        self.complete = false;
                        break (z, best_bound, y);
                    }
                    Err(e) => return Err(e),
                };
            };
            let mut newly = 0;
            if self.complete {
                let unfixed: Vec<usize> = (0..n_profiles)
                    .filter(|&t| self.selectable[t] && fixed[t].is_none())
                    .collect();
                let threshold = FIX_TOLERANCE.min(0.5 / unfixed.len() as f64);
                for &t in &unfixed {
                    if duals[t] > threshold {
                        fixed[t] = Some(value);
                        self.master.fix(t, value);
                        newly += 1;
                    }
                }
                if newly == 0 {
                    // No positive price: z is held by its own bound (every
                    // unfixed profile is certain to be selected) or the
                    // prices are degenerate. Fix every profile at the
                    // minimum (row activity π − z at 0).
                    for &t in &unfixed {
                        let r = self.master.rows[t].expect("selectable");
                        if last.row_value(r) <= 1e-9 {
                            fixed[t] = Some(value);
                            self.master.fix(t, value);
                            newly += 1;
                        }
                    }
                }
                if newly == 0 {
                    return Err(Error::Solver(format!(
                        "LEXIMIN stage {} fixed no profile; please report this instance",
                        self.stages.len() + 1
                    )));
                }
            }
            n_fixed += newly;
            self.stages.push(Stage {
                value,
                bound,
                fixed: newly,
                lp_solves: self.lp_solves - lp0,
                pricing_solves: self.oracle.solves - pr0,
                seconds: stage_start.elapsed().as_secs_f64(),
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
}
