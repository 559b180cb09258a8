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
//! Where the panels cannot reach the relaxation's optimum (their hull is
//! smaller than the polytope), the search runs over panels instead
//! ([`Run::goldilocks_over_panels`]): for a floor L, the least ceiling over
//! distributions of panels is a column-generation LP whose dual gives a
//! line below U at every floor, not only at L; the lines make a model of
//! the objective from below, whose minimum is both the next floor to try
//! and a certified lower bound (Kelley's cutting planes, in one variable).
//!
//! Chances are over the people who fit on some panel (someone on none has
//! chance 0 under every distribution, which would make the objective
//! infinite for all of them alike).

use super::master::distribution_of;
use super::*;

/// Golden-section rounds: the floor's interval shrinks by 0.618 each, so
/// 80 rounds take it below 1e-16 of the MAXIMIN.
const SEARCH_ROUNDS: usize = 80;

/// The search over panels stops once the best distribution's objective is
/// within this of the model's lower bound, relative to it...
pub const GOLDILOCKS_GAP: f64 = 1e-7;
/// ... and, stopped by its floor count or by a stall at column
/// generation's tolerance, counts as optimal within this (the relative
/// gap NASH is held to as well).
pub const GOLDILOCKS_PROVEN: f64 = 1e-6;

/// Floors tried over panels at most (each a column-generation LP).
const PANEL_FLOORS: usize = 60;

/// The band master's price of a floor shortfall (its slack column): large
/// against any change of the ceiling a floor's rise can buy, so that the
/// slack is 0 wherever the floor can be met, and the master always has a
/// solution while column generation is still finding the panels.
const SHORTFALL_PRICE: f64 = 1e3;

/// The least ceiling over distributions of panels for a floor: minimise
/// U + [`SHORTFALL_PRICE`]·σ with Σλ = 1 and, per selectable profile,
/// share + σ ≥ floor and share − U ≤ 0.
struct Band {
    lp: Lp,
    sum_row: LpRow,
    floor: Vec<Option<LpRow>>,
    ceiling: Vec<Option<LpRow>>,
    columns: Vec<LpCol>,
    panels: Vec<ProfilePanel>,
    known: HashSet<ProfilePanel>,
    sizes: Vec<f64>,
    /// The floor L the rows hold now.
    at: f64,
}

impl Band {
    fn new(sizes: &[f64], selectable: &[bool], settings: &Settings) -> Band {
        let mut lp = Lp::new(Sense::Minimise, settings);
        let sum_row = lp.add_row(1.0, 1.0);
        let floor: Vec<Option<LpRow>> = selectable
            .iter()
            .map(|&s| s.then(|| lp.add_row(0.0, f64::INFINITY)))
            .collect();
        let ceiling: Vec<Option<LpRow>> = selectable
            .iter()
            .map(|&s| s.then(|| lp.add_row(f64::NEG_INFINITY, 0.0)))
            .collect();
        let u_entries: Vec<(LpRow, f64)> = ceiling.iter().flatten().map(|&r| (r, -1.0)).collect();
        lp.add_col(1.0, 0.0, f64::INFINITY, &u_entries);
        let slack_entries: Vec<(LpRow, f64)> = floor.iter().flatten().map(|&r| (r, 1.0)).collect();
        lp.add_col(SHORTFALL_PRICE, 0.0, f64::INFINITY, &slack_entries);
        Band {
            lp,
            sum_row,
            floor,
            ceiling,
            columns: Vec::new(),
            panels: Vec::new(),
            known: HashSet::new(),
            sizes: sizes.to_vec(),
            at: 0.0,
        }
    }

    fn add(&mut self, panel: ProfilePanel) -> bool {
        if !self.known.insert(panel.clone()) {
            return false;
        }
        let mut entries = vec![(self.sum_row, 1.0)];
        for &(t, c) in &panel.0 {
            let t = t as usize;
            let share = f64::from(c) / self.sizes[t];
            for r in [self.floor[t], self.ceiling[t]].into_iter().flatten() {
                entries.push((r, share));
            }
        }
        self.columns
            .push(self.lp.add_col(0.0, 0.0, f64::INFINITY, &entries));
        self.panels.push(panel);
        true
    }

    fn set_floor(&mut self, floor: f64) {
        self.at = floor;
        for &r in self.floor.iter().flatten() {
            self.lp.set_row_bounds(r, floor, f64::INFINITY);
        }
    }

    /// The dual multipliers of a solution as the line below U it proves:
    /// per profile, the floor's multiplier u_t ≥ 0 and the ceiling's
    /// w_t ≥ 0 (Σ w ≤ 1). For every distribution with every share ≥ L and
    /// ≤ U: U ≥ Σ w·share ≥ L·Σu − Σ (u − w)·share, so U ≥ L·Σu − W where
    /// W is the most any panel is worth at weights (u − w)/size. Returns
    /// (Σu, the weights).
    fn line(&self, solution: &crate::solver::LpSolution) -> (f64, Vec<f64>) {
        let dual = |r: Option<LpRow>| r.map_or(0.0, |r| solution.dual(r));
        let u: Vec<f64> = self.floor.iter().map(|&r| dual(r).max(0.0)).collect();
        let w: Vec<f64> = self.ceiling.iter().map(|&r| (-dual(r)).max(0.0)).collect();
        let scale = w.iter().sum::<f64>().max(1.0);
        let weights = (0..u.len())
            .map(|t| (u[t] - w[t]) / scale / self.sizes[t])
            .collect();
        (u.iter().sum::<f64>() / scale, weights)
    }
}

/// A line a·L − W below the least ceiling U(L), as (a, W).
type Line = (f64, f64);

/// The Goldilocks objective of a share vector over the selectable
/// profiles, with its lowest and highest share.
fn band_of(shares: &[f64], selectable: &[bool]) -> (f64, f64) {
    (0..shares.len())
        .filter(|&t| selectable[t])
        .map(|t| shares[t])
        .fold((f64::INFINITY, 0.0f64), |(l, h), x| (l.min(x), h.max(x)))
}

/// The lowest point of a convex function on [lo, hi] by golden section.
fn golden_min(lo: f64, hi: f64, rounds: usize, mut f: impl FnMut(f64) -> f64) -> (f64, f64) {
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - phi * (b - a);
    let mut d = a + phi * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..rounds {
        if fc <= fd {
            (b, d, fd) = (d, c, fc);
            c = b - phi * (b - a);
            fc = f(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + phi * (b - a);
            fd = f(d);
        }
    }
    if fc <= fd { (c, fc) } else { (d, fd) }
}

impl Run<'_, '_> {
    pub(super) fn goldilocks(
        &mut self,
        gamma: f64,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ProfileDistribution, Error> {
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
        let mut failure = None;
        // Golden section over (0, highest_floor]; the floor never reaches
        // 0, where the objective is infinite.
        let mut value_at = |floor: f64| {
            solves += 1;
            let Some((high, shares)) = band.at(floor) else {
                failure = Some(failed());
                return f64::INFINITY;
            };
            let f = objective(floor, high);
            if best.as_ref().is_none_or(|b| f < b.0) {
                best = Some((f, floor, shares));
            }
            f
        };
        // A floor below γ·(k/n)/f, f the objective at the highest floor,
        // makes the objective's second term alone exceed f.
        let at_top = value_at(highest_floor);
        let lowest_floor = (gamma * ratio / at_top).min(highest_floor);
        golden_min(lowest_floor, highest_floor, SEARCH_ROUNDS, &mut value_at);
        golden_min(
            highest_floor * 1e-6,
            highest_floor,
            SEARCH_ROUNDS,
            &mut value_at,
        );
        if let Some(e) = failure {
            return Err(e);
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
        let start = self.master.distribution(&reached.last);
        let unreached = reached.run.reached < 1.0 - PRICING_TOLERANCE;
        if unreached && self.complete {
            // The panels' hull is smaller than the polytope here: the
            // search over panels, from the distribution reached (no
            // target: the distribution does not come from reaching one).
            return self.goldilocks_over_panels(gamma, bound, start, progress);
        }
        self.target = Some(reached.run);
        if unreached {
            // Stopped by the time limit: valid, not shown optimal.
            self.complete = false;
        }
        let (low, high) = band_of(&reached.shares, &self.selectable);
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
        Ok(start)
    }

    /// Goldilocks over panels, where the relaxation's optimum is out of the
    /// panels' reach: Kelley's cutting planes over the floor L. Each floor
    /// tried is a column-generation LP (the least ceiling U(L) over
    /// panels), and its dual, with the exact pricing program's proof that no
    /// panel is worth more, gives a line a·L − W below U at every floor.
    /// The model max(lines, k/n, L)·n/k + γ·k/(n·L) lies below the objective
    /// everywhere; its minimum is the next floor and a certified lower
    /// bound (never below `relaxed_bound`, the relaxation's optimum). Stops
    /// when the best distribution found is within [`GOLDILOCKS_GAP`] of it,
    /// or at the time limit (then not shown optimal).
    fn goldilocks_over_panels(
        &mut self,
        gamma: f64,
        relaxed_bound: f64,
        start: ProfileDistribution,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ProfileDistribution, Error> {
        let clock = Instant::now();
        let (lp0, pr0) = (self.lp_solves, self.oracle.solves);
        let n_profiles = self.selectable.len();
        let ratio = self.options_k() / self.selectable_people();
        let objective = |low: f64, high: f64| high / ratio + gamma * ratio / low;
        let mut band = Band::new(&self.master.sizes, &self.selectable, &self.options.settings);
        for p in &self.master.panels {
            band.add(p.clone());
        }
        let shares_of = |d: &ProfileDistribution, sizes: &[f64]| {
            let mut shares = vec![0.0; n_profiles];
            for (panel, &p) in d.panels.iter().zip(&d.probabilities) {
                for &(t, c) in &panel.0 {
                    shares[t as usize] += p * f64::from(c) / sizes[t as usize];
                }
            }
            shares
        };
        let (low, high) = band_of(&shares_of(&start, &self.master.sizes), &self.selectable);
        let mut best = (objective(low, high), start);
        // Lines U(L) ≥ a·L − W, and the model's minimum.
        let mut lines: Vec<Line> = Vec::new();
        let model = |floor: f64, lines: &[Line]| {
            let ceiling = lines
                .iter()
                .map(|&(a, w)| a * floor - w)
                .fold(ratio.max(floor), f64::max);
            objective(floor, ceiling)
        };
        let mut lower = relaxed_bound;
        let mut floor = low.max(f64::MIN_POSITIVE);
        let mut floors = 0;
        while floors < PANEL_FLOORS {
            floors += 1;
            band.set_floor(floor);
            let Some((solution, line)) = self.band_at(&mut band)? else {
                self.complete = false;
                break;
            };
            lines.push(line);
            let found = distribution_of(&band.columns, &band.panels, &solution);
            let (low, high) = band_of(&shares_of(&found, &band.sizes), &self.selectable);
            let f = objective(low, high);
            if f < best.0 {
                best = (f, found);
            }
            let (next, model_min) =
                golden_min(gamma * ratio / best.0, 1.0, 2 * SEARCH_ROUNDS, |l| {
                    // A better floor is above γ·(k/n)/best, as above.
                    model(l, &lines)
                });
            lower = lower.max(model_min);
            progress(&Progress {
                stage: 1,
                value: best.0,
                panels: band.panels.len(),
                fixed: 0,
                profiles: n_profiles,
            });
            if best.0 - lower <= GOLDILOCKS_GAP * lower {
                break;
            }
            if (next - floor).abs() <= 1e-12 * floor || self.out_of_time() {
                // The model's minimum is the floor just tried (the gap
                // left is column generation's tolerance), or time is up.
                break;
            }
            floor = next;
        }
        self.complete &= best.0 - lower <= GOLDILOCKS_PROVEN * lower;
        for p in std::mem::take(&mut band.panels) {
            self.master.add(p);
        }
        self.stages.push(Stage {
            value: best.0,
            bound: lower,
            fixed: n_profiles,
            lp_solves: self.lp_solves - lp0,
            pricing_solves: self.oracle.solves - pr0,
            seconds: clock.elapsed().as_secs_f64(),
            binding: Vec::new(),
            dual: None,
        });
        Ok(best.1)
    }

    /// Column generation for the band master at its floor: swap search for
    /// panels at the duals, the exact pricing program when it finds none.
    /// Returns the master's optimal solution and the line (Σu, W) below U
    /// that the exact program proved, or None at the time limit.
    fn band_at(
        &mut self,
        band: &mut Band,
    ) -> Result<Option<(crate::solver::LpSolution, Line)>, Error> {
        loop {
            if self.out_of_time() {
                return Ok(None);
            }
            self.lp_solves += 1;
            let clock = Instant::now();
            let solved = band.lp.solve_until(self.options.deadline);
            self.lp_seconds += clock.elapsed().as_secs_f64();
            let solution = match solved {
                Ok(s) => s,
                Err(LpFailure::TimeLimit) => return Ok(None),
                Err(_) if self.out_of_time() => return Ok(None),
                Err(e) => return Err(lp_error(e)),
            };
            let (a, weights) = band.line(&solution);
            // A panel improves the master where it is worth more than the
            // master's own line allows: a·L − W > objective.
            let mu = a * band.at - solution.objective;
            let mut added = 0;
            for p in
                self.search
                    .improving(&band.panels, &weights, mu + PRICING_TOLERANCE, SWAP_STARTS)
            {
                added += usize::from(band.add(p));
            }
            if added > 0 {
                continue;
            }
            let (panel, worth) = self
                .oracle
                .best(&weights)?
                .expect("a feasible instance has a best panel");
            if worth - mu <= PRICING_TOLERANCE || !band.add(panel) {
                // The program's optimum is proven within its absolute gap.
                let w = worth + f64::from(self.options.settings.mip_abs_gap);
                return Ok(Some((solution, (a, w))));
            }
        }
    }
}
