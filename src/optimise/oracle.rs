//! The pricing program: the quota-satisfying panel worth most at given
//! weights per profile.

use super::*;

/// LEXIMIN over the quota polytope's LP relaxation: maximise z with every
/// unfixed selectable profile's share (count / size) at least z and every
/// fixed one at least its value. Every distribution over panels lies in the
/// polytope, so each stage's optimum bounds that stage from above. One LP,
/// kept warm from stage to stage.
pub(super) struct RelaxedLeximin {
    lp: Lp,
    share_rows: Vec<Option<LpRow>>,
    x: Vec<LpCol>,
    z: LpCol,
    sizes: Vec<f64>,
}

/// The optimum of one stage of [`RelaxedLeximin`].
pub(super) struct RelaxedStage {
    /// The stage's value z.
    pub(super) value: f64,
    /// Dual price per profile (0 for unselectable ones), signed so that the
    /// unfixed ones sum to 1.
    pub(super) prices: Vec<f64>,
    /// Share (count / size) per profile in the optimal point.
    pub(super) shares: Vec<f64>,
}

impl RelaxedLeximin {
    /// Solves the current stage; None if the LP fails (numerically).
    pub(super) fn stage(&mut self, fixed: &[Option<f64>]) -> Option<RelaxedStage> {
        let solution = self.lp.solve().ok()?;
        let prices = signed_prices(
            self.share_rows
                .iter()
                .map(|r| r.map_or(0.0, |r| solution.dual(r)))
                .collect(),
            |t| f64::from(u8::from(fixed[t].is_none())),
        );
        Some(RelaxedStage {
            value: solution.objective,
            prices,
            shares: self
                .x
                .iter()
                .zip(&self.sizes)
                .map(|(&c, &size)| solution.value(c) / size)
                .collect(),
        })
    }

    /// Fixes a profile's share at `value` for the stages to come.
    pub(super) fn fix(&mut self, t: usize, value: f64) {
        let r = self.share_rows[t].expect("only selectable profiles are fixed");
        self.lp.set_coef(r, self.z, 0.0);
        self.lp.set_row_bounds(r, value, f64::INFINITY);
    }
}

/// Finds quota-satisfying profile panels: the pricing integer program.
pub struct PanelOracle<'a> {
    pub(super) instance: &'a Instance,
    profiles: &'a Profiles,
    settings: Settings,
    /// Per profile: upper bound on its count (its size, or 0 if excluded).
    upper: Vec<u32>,
    /// Per quota value: the profiles having it.
    by_value: Vec<Vec<usize>>,
    pub solves: usize,
    /// Seconds spent in the pricing program.
    pub seconds: f64,
    /// The pricing program's LP relaxation, kept warm between calls.
    relaxation: Option<(Lp, Vec<LpCol>)>,
    pub relaxed_solves: usize,
}

impl<'a> PanelOracle<'a> {
    pub fn new(instance: &'a Instance, profiles: &'a Profiles, settings: Settings) -> Self {
        let mut by_value = vec![Vec::new(); instance.quotas.values.len()];
        for (t, p) in profiles.profiles.iter().enumerate() {
            for &v in &p.values {
                by_value[v].push(t);
            }
        }
        PanelOracle {
            instance,
            profiles,
            settings,
            upper: profiles.profiles.iter().map(|p| p.size() as u32).collect(),
            by_value,
            solves: 0,
            seconds: 0.0,
            relaxation: None,
            relaxed_solves: 0,
        }
    }

    /// Excludes a profile from every panel found from now on.
    pub fn exclude(&mut self, t: usize) {
        self.upper[t] = 0;
        if let Some((lp, x)) = &mut self.relaxation {
            lp.set_col_bounds(x[t], 0.0, 0.0);
        }
    }

    /// The quota polytope as an LP (costs 0): a count per profile within
    /// its bounds, k in all, every quota value within its bounds, at most
    /// one per household. Returns the LP and the count columns.
    fn polytope(&self) -> (Lp, Vec<LpCol>) {
        let mut lp = Lp::new(Sense::Maximise, &self.settings);
        let k = self.instance.k as f64;
        let size_row = lp.add_row(k, k);
        let value_rows: Vec<LpRow> = self
            .instance
            .quotas
            .values
            .iter()
            .map(|q| lp.add_row(f64::from(q.min), f64::from(q.max)))
            .collect();
        let mut household_row = vec![None; self.upper.len()];
        for group in &self.profiles.households {
            let r = lp.add_row(f64::NEG_INFINITY, 1.0);
            for &t in group {
                household_row[t] = Some(r);
            }
        }
        let x: Vec<LpCol> = (0..self.upper.len())
            .map(|t| {
                let mut entries = vec![(size_row, 1.0)];
                for &v in &self.profiles.profiles[t].values {
                    entries.push((value_rows[v], 1.0));
                }
                if let Some(r) = household_row[t] {
                    entries.push((r, 1.0));
                }
                lp.add_col(0.0, 0.0, f64::from(self.upper[t]), &entries)
            })
            .collect();
        (lp, x)
    }

    /// The optimum of the pricing program's LP relaxation: an upper bound
    /// on the worth of every panel at these weights.
    pub fn relaxed_bound(&mut self, weights: &[f64]) -> Result<f64, Error> {
        if self.relaxation.is_none() {
            self.relaxation = Some(self.polytope());
        }
        let (lp, x) = self.relaxation.as_mut().expect("built above");
        for (t, &w) in weights.iter().enumerate() {
            lp.set_cost(x[t], w);
        }
        self.relaxed_solves += 1;
        let clock = Instant::now();
        let solution = lp.solve().map_err(lp_error)?;
        self.seconds += clock.elapsed().as_secs_f64();
        Ok(solution.objective)
    }

    /// LEXIMIN over the quota polytope's LP relaxation (the polytope, not
    /// the panels in it), ready for its first stage.
    pub(super) fn relaxed_leximin(&self, sizes: &[f64], selectable: &[bool]) -> RelaxedLeximin {
        let (mut lp, x) = self.polytope();
        let share_rows: Vec<Option<LpRow>> = (0..x.len())
            .map(|t| {
                selectable[t].then(|| {
                    let r = lp.add_row(0.0, f64::INFINITY);
                    lp.set_coef(r, x[t], 1.0 / sizes[t]);
                    r
                })
            })
            .collect();
        let z_entries: Vec<(LpRow, f64)> =
            share_rows.iter().flatten().map(|&r| (r, -1.0)).collect();
        let z = lp.add_col(1.0, 0.0, 1.0, &z_entries);
        RelaxedLeximin {
            lp,
            share_rows,
            x,
            z,
            sizes: sizes.to_vec(),
        }
    }

    /// The panel maximising Σ weight × count, with its value; None if no
    /// panel exists.
    pub fn best(&mut self, weights: &[f64]) -> Result<Option<(ProfilePanel, f64)>, Error> {
        let lower = vec![0; self.upper.len()];
        self.best_within(weights, &lower, &self.upper.clone())
    }

    /// As [`PanelOracle::best`], with each profile's count within
    /// `lower[t]..=upper[t]` (and its size; excluded profiles stay at 0).
    pub fn best_within(
        &mut self,
        weights: &[f64],
        lower: &[u32],
        upper: &[u32],
    ) -> Result<Option<(ProfilePanel, f64)>, Error> {
        let mut m = Model::new(Sense::Maximise);
        let mut x: Vec<Var> = Vec::with_capacity(self.upper.len());
        for t in 0..self.upper.len() {
            let hi = upper[t].min(self.upper[t]);
            if lower[t] > hi {
                return Ok(None);
            }
            x.push(m.integer(f64::from(lower[t]), f64::from(hi), weights[t]));
        }
        let k = self.instance.k as f64;
        m.row(k, k, x.iter().map(|&v| (v, 1.0)).collect());
        for (v, q) in self.instance.quotas.values.iter().enumerate() {
            m.row(
                f64::from(q.min),
                f64::from(q.max),
                self.by_value[v].iter().map(|&t| (x[t], 1.0)).collect(),
            );
        }
        for group in &self.profiles.households {
            m.row(
                f64::NEG_INFINITY,
                1.0,
                group.iter().map(|&t| (x[t], 1.0)).collect(),
            );
        }
        self.solves += 1;
        let clock = Instant::now();
        let outcome = m.solve(&self.settings)?;
        self.seconds += clock.elapsed().as_secs_f64();
        match outcome {
            Outcome::Optimal(s) => {
                let counts: Vec<u32> = x.iter().map(|&v| s.int(v).max(0) as u32).collect();
                Ok(Some((ProfilePanel::from_counts(&counts), s.objective)))
            }
            Outcome::Infeasible => Ok(None),
            Outcome::TimedOut(_) => Err(Error::Solver(
                "the pricing program hit the solver's time limit".into(),
            )),
        }
    }
}
