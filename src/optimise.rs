//! The optimising selection algorithms — LEXIMIN, MAXIMIN and NASH — by
//! column generation over profile panels.
//!
//! A distribution is built over a growing set of panels. The master LP
//! chooses panel probabilities; its dual prices say which profiles are
//! short-changed; the pricing integer program finds the quota-satisfying
//! panel that is worth most at those prices. When no panel is worth more
//! than the LP's dual bound, the LP is optimal over *all* panels.
//!
//! LEXIMIN (Flanigan et al., Nature 2021) runs stages: maximise the lowest
//! probability z among profiles not yet fixed; when optimal, every profile
//! with a positive dual price is at z in every optimal solution
//! (complementary slackness), so it is fixed at z; repeat until all are
//! fixed. MAXIMIN stops after the first stage. NASH maximises Σ log π by
//! outer approximation: tangent cuts of the logarithm plus columns priced
//! at the gradient.
//!
//! Everything is at the level of profiles (see [`crate::profiles`]): a
//! profile's probability is its expected number of seats over its size.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::distribution::{ProfileDistribution, ProfilePanel};
use crate::error::Error;
use crate::instance::Instance;
use crate::profiles::Profiles;
use crate::solver::{Lp, LpCol, LpFailure, LpRow, Model, Outcome, Sense, Settings, Var};

/// Which distribution to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    Leximin,
    Maximin,
    Nash,
}

impl Objective {
    pub fn name(self) -> &'static str {
        match self {
            Objective::Leximin => "LEXIMIN",
            Objective::Maximin => "MAXIMIN",
            Objective::Nash => "NASH",
        }
    }
}

/// A progress report, sent after every master LP solve.
#[derive(Debug, Clone)]
pub struct Progress {
    pub stage: usize,
    /// The current lowest probability among unfixed profiles (LEXIMIN,
    /// MAXIMIN) or the current mean log-probability (NASH).
    pub value: f64,
    pub panels: usize,
    pub fixed: usize,
    pub profiles: usize,
}

/// One LEXIMIN stage (MAXIMIN has one; NASH reports one).
#[derive(Debug, Clone)]
pub struct Stage {
    /// The stage's optimum z (primal value of the master LP).
    pub value: f64,
    /// Dual bound: no distribution gives the unfixed profiles a minimum
    /// above this. `value` and `bound` agreeing is the optimality
    /// certificate.
    pub bound: f64,
    /// Profiles fixed at the end of this stage.
    pub fixed: usize,
    pub lp_solves: usize,
    pub pricing_solves: usize,
    pub seconds: f64,
}

/// Solver-independent tolerances, recorded in reports.
pub const PRICING_TOLERANCE: f64 = 1e-7;
/// A dual price above this (relative to the unfixed total of 1) fixes a
/// profile.
pub const FIX_TOLERANCE: f64 = 1e-6;

/// The result of [`optimise`].
#[derive(Debug, Clone)]
pub struct Computed {
    pub objective: Objective,
    pub distribution: ProfileDistribution,
    /// Probability per profile, from the distribution.
    pub profile_probabilities: Vec<f64>,
    /// Profiles in no feasible panel (probability 0).
    pub unselectable: Vec<usize>,
    pub stages: Vec<Stage>,
    /// False when the time limit stopped the computation early; the
    /// distribution is then valid but not optimal.
    pub complete: bool,
    /// Seconds spent: finding initial panels, then the stages.
    pub seed_seconds: f64,
    pub lp_solves: usize,
    pub pricing_solves: usize,
    /// Panels generated in all (columns of the master LP).
    pub columns: usize,
    /// Seconds in master LP solves and in pricing solves.
    pub lp_seconds: f64,
    pub pricing_seconds: f64,
}

/// Finds quota-satisfying profile panels: the pricing integer program.
pub struct PanelOracle<'a> {
    instance: &'a Instance,
    profiles: &'a Profiles,
    settings: Settings,
    /// Per profile: upper bound on its count (its size, or 0 if excluded).
    upper: Vec<u32>,
    /// Per quota value: the profiles having it.
    by_value: Vec<Vec<usize>>,
    pub solves: usize,
    /// Seconds spent in the pricing program.
    pub seconds: f64,
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
        }
    }

    /// Excludes a profile from every panel found from now on.
    pub fn exclude(&mut self, t: usize) {
        self.upper[t] = 0;
    }

    /// The panel maximising Σ weight × count, with its value; None if no
    /// panel exists.
    pub fn best(&mut self, weights: &[f64]) -> Result<Option<(ProfilePanel, f64)>, Error> {
        let mut m = Model::new(Sense::Maximise);
        let x: Vec<Var> = self
            .upper
            .iter()
            .zip(weights)
            .map(|(&u, &w)| m.integer(0.0, f64::from(u), w))
            .collect();
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

/// How many of the best known panels local search starts from per round.
const SWAP_STARTS: usize = 4;

/// Local search for improving panels: from a known panel, repeatedly move
/// one seat from one profile to another while every quota and the household
/// rule still hold, taking the best move, until no move gains.
struct SwapSearch {
    /// Per profile: its value index per category.
    values: Vec<Vec<usize>>,
    upper: Vec<u32>,
    min: Vec<u32>,
    max: Vec<u32>,
    /// Per profile: its household (index into `households`), if any.
    household: Vec<Option<usize>>,
    n_households: usize,
}

impl SwapSearch {
    fn new(instance: &Instance, profiles: &Profiles, selectable: &[bool]) -> SwapSearch {
        let mut household = vec![None; profiles.len()];
        for (g, members) in profiles.households.iter().enumerate() {
            for &t in members {
                household[t] = Some(g);
            }
        }
        SwapSearch {
            values: profiles.profiles.iter().map(|p| p.values.clone()).collect(),
            upper: profiles
                .profiles
                .iter()
                .zip(selectable)
                .map(|(p, &s)| if s { p.size() as u32 } else { 0 })
                .collect(),
            min: instance.quotas.values.iter().map(|q| q.min).collect(),
            max: instance.quotas.values.iter().map(|q| q.max).collect(),
            household,
            n_households: profiles.households.len(),
        }
    }

    /// Distinct panels worth more than `threshold`, found from the
    /// `starts` best known panels.
    fn improving(
        &self,
        known: &[ProfilePanel],
        weights: &[f64],
        threshold: f64,
        starts: usize,
    ) -> Vec<ProfilePanel> {
        let worth = |p: &ProfilePanel| -> f64 {
            p.0.iter()
                .map(|&(t, c)| weights[t as usize] * f64::from(c))
                .sum()
        };
        let mut ranked: Vec<(f64, usize)> = known
            .iter()
            .enumerate()
            .map(|(j, p)| (worth(p), j))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut order: Vec<usize> = (0..weights.len()).filter(|&t| self.upper[t] > 0).collect();
        order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
        let mut out: Vec<ProfilePanel> = Vec::new();
        for &(_, j) in ranked.iter().take(starts) {
            let (panel, value) = self.climb(&known[j], weights, &order);
            if value > threshold && !out.contains(&panel) && !known.contains(&panel) {
                out.push(panel);
            }
        }
        out
    }

    fn climb(&self, start: &ProfilePanel, weights: &[f64], order: &[usize]) -> (ProfilePanel, f64) {
        let t_count = weights.len();
        let mut x = vec![0u32; t_count];
        let mut count = vec![0u32; self.min.len()];
        let mut in_household = vec![0u32; self.n_households];
        for &(t, c) in &start.0 {
            x[t as usize] = c;
            for &v in &self.values[t as usize] {
                count[v] += c;
            }
            if let Some(g) = self.household[t as usize] {
                in_household[g] += c;
            }
        }
        loop {
            // Best move: out of `a` (in the panel), into the first feasible
            // `b` in descending weight order.
            let mut best: Option<(f64, usize, usize)> = None;
            for a in 0..t_count {
                if x[a] == 0 {
                    continue;
                }
                for &b in order {
                    let gain = weights[b] - weights[a];
                    if gain <= 1e-12 || best.is_some_and(|(g, _, _)| gain <= g) {
                        break;
                    }
                    if b == a || x[b] >= self.upper[b] {
                        continue;
                    }
                    if let Some(g) = self.household[b]
                        && in_household[g] - u32::from(self.household[a] == Some(g)) > 0
                    {
                        continue;
                    }
                    let ok = self.values[a]
                        .iter()
                        .zip(&self.values[b])
                        .all(|(&va, &vb)| {
                            va == vb || (count[va] > self.min[va] && count[vb] < self.max[vb])
                        });
                    if ok {
                        best = Some((gain, a, b));
                        break;
                    }
                }
            }
            let Some((_, a, b)) = best else { break };
            x[a] -= 1;
            x[b] += 1;
            for (&va, &vb) in self.values[a].iter().zip(&self.values[b]) {
                count[va] -= 1;
                count[vb] += 1;
            }
            if let Some(g) = self.household[a] {
                in_household[g] -= 1;
            }
            if let Some(g) = self.household[b] {
                in_household[g] += 1;
            }
        }
        let value = x.iter().zip(weights).map(|(&c, w)| f64::from(c) * w).sum();
        (ProfilePanel::from_counts(&x), value)
    }
}

/// Options of [`optimise`].
#[derive(Debug, Clone)]
pub struct Options {
    pub objective: Objective,
    pub settings: Settings,
    /// Stop cleanly at this instant with the best certified distribution.
    pub deadline: Option<Instant>,
}

/// The master LP over profile panels.
struct Master {
    lp: Lp,
    sum_row: LpRow,
    /// Per profile: its row (None for unselectable profiles).
    rows: Vec<Option<LpRow>>,
    z: LpCol,
    columns: Vec<LpCol>,
    panels: Vec<ProfilePanel>,
    known: HashSet<ProfilePanel>,
    sizes: Vec<f64>,
}

impl Master {
    /// max z s.t. Σλ = 1, and per selectable profile Σ_P λ_P·count/size − z ≥ 0.
    fn new(profiles: &Profiles, selectable: &[bool], settings: &Settings) -> Master {
        let mut lp = Lp::new(Sense::Maximise, settings);
        let sum_row = lp.add_row(1.0, 1.0);
        let rows: Vec<Option<LpRow>> = selectable
            .iter()
            .map(|&s| s.then(|| lp.add_row(0.0, f64::INFINITY)))
            .collect();
        let entries: Vec<(LpRow, f64)> = rows.iter().flatten().map(|&r| (r, -1.0)).collect();
        let z = lp.add_col(1.0, 0.0, 1.0, &entries);
        Master {
            lp,
            sum_row,
            rows,
            z,
            columns: Vec::new(),
            panels: Vec::new(),
            known: HashSet::new(),
            sizes: profiles.profiles.iter().map(|p| p.size() as f64).collect(),
        }
    }

    /// Adds a panel as a column; false if it is already there.
    fn add(&mut self, panel: ProfilePanel) -> bool {
        if !self.known.insert(panel.clone()) {
            return false;
        }
        let mut entries = vec![(self.sum_row, 1.0)];
        for &(t, c) in &panel.0 {
            if let Some(r) = self.rows[t as usize] {
                entries.push((r, f64::from(c) / self.sizes[t as usize]));
            }
        }
        let col = self.lp.add_col(0.0, 0.0, f64::INFINITY, &entries);
        self.columns.push(col);
        self.panels.push(panel);
        true
    }

    fn fix(&mut self, t: usize, value: f64) {
        let r = self.rows[t].expect("only selectable profiles are fixed");
        self.lp.set_coef(r, self.z, 0.0);
        self.lp.set_row_bounds(r, value, f64::INFINITY);
    }

    fn distribution(&self, solution: &crate::solver::LpSolution) -> ProfileDistribution {
        let mut d = ProfileDistribution::default();
        let raw: Vec<f64> = self
            .columns
            .iter()
            .map(|&c| solution.value(c).max(0.0))
            .collect();
        let total: f64 = raw.iter().sum();
        for (panel, p) in self.panels.iter().zip(raw) {
            if p > 1e-12 {
                d.panels.push(panel.clone());
                d.probabilities.push(p / total);
            }
        }
        d
    }
}

fn lp_error(e: LpFailure) -> Error {
    match e {
        LpFailure::TimeLimit => Error::Solver("time limit".into()),
        LpFailure::Other(s) => Error::Solver(s),
    }
}

/// Finds panels that together cover every profile that can be covered;
/// the rest are unselectable. Returns (panels, unselectable profiles).
fn cover(
    oracle: &mut PanelOracle,
    n_profiles: usize,
) -> Result<(Vec<ProfilePanel>, Vec<usize>), Error> {
    let mut covered = vec![false; n_profiles];
    let mut panels = Vec::new();
    loop {
        let weights: Vec<f64> = covered.iter().map(|&c| if c { 0.0 } else { 1.0 }).collect();
        match oracle.best(&weights)? {
            Some((panel, value)) if value > 0.5 || panels.is_empty() => {
                for &(t, _) in &panel.0 {
                    covered[t as usize] = true;
                }
                panels.push(panel);
                if covered.iter().all(|&c| c) {
                    return Ok((panels, Vec::new()));
                }
            }
            Some(_) => {
                let unselectable = (0..n_profiles).filter(|&t| !covered[t]).collect();
                return Ok((panels, unselectable));
            }
            None => {
                return Err(Error::Infeasible(
                    "no panel meets every quota and the household rule\n  what to do: run `kleroterion check` for the smallest relaxation".into(),
                ));
            }
        }
    }
}

/// Computes the distribution.
pub fn optimise(
    instance: &Instance,
    profiles: &Profiles,
    options: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Computed, Error> {
    let t0 = Instant::now();
    let mut oracle = PanelOracle::new(instance, profiles, options.settings);
    let (seed_panels, unselectable) = cover(&mut oracle, profiles.len())?;
    for &t in &unselectable {
        oracle.exclude(t);
    }
    let mut selectable = vec![true; profiles.len()];
    for &t in &unselectable {
        selectable[t] = false;
    }
    let mut master = Master::new(profiles, &selectable, &options.settings);
    for p in seed_panels {
        master.add(p);
    }
    let seed_seconds = t0.elapsed().as_secs_f64();
    let search = SwapSearch::new(instance, profiles, &selectable);
    let mut run = Run {
        master,
        search,
        oracle,
        selectable,
        options,
        stages: Vec::new(),
        lp_solves: 0,
        lp_seconds: 0.0,
        complete: true,
    };
    let solution = match options.objective {
        Objective::Leximin | Objective::Maximin => run.leximin(progress)?,
        Objective::Nash => run.nash(progress)?,
    };
    let distribution = run.master.distribution(&solution);
    let profile_probabilities = distribution.profile_probabilities(profiles);
    Ok(Computed {
        objective: options.objective,
        distribution,
        profile_probabilities,
        unselectable,
        stages: run.stages,
        complete: run.complete,
        seed_seconds,
        lp_solves: run.lp_solves,
        pricing_solves: run.oracle.solves,
        columns: run.master.panels.len(),
        lp_seconds: run.lp_seconds,
        pricing_seconds: run.oracle.seconds,
    })
}

struct Run<'a, 'b> {
    master: Master,
    search: SwapSearch,
    oracle: PanelOracle<'a>,
    selectable: Vec<bool>,
    options: &'b Options,
    stages: Vec<Stage>,
    lp_solves: usize,
    lp_seconds: f64,
    complete: bool,
}

impl Run<'_, '_> {
    fn out_of_time(&self) -> bool {
        self.options.deadline.is_some_and(|d| Instant::now() >= d)
    }

    fn solve_lp(&mut self) -> Result<crate::solver::LpSolution, Error> {
        if let Some(d) = self.options.deadline {
            let left = d
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            self.master.lp.set_time_limit(left.as_secs_f64());
        }
        self.lp_solves += 1;
        let clock = Instant::now();
        let r = self.master.lp.solve().map_err(lp_error);
        self.lp_seconds += clock.elapsed().as_secs_f64();
        r
    }

    /// LEXIMIN stages (MAXIMIN: the first only). Returns the last optimal
    /// LP solution, whose columns are the distribution.
    fn leximin(
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
            let (value, bound, duals) = loop {
                let z = last.value(self.master.z);
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
                let fixed_term: f64 = (0..n_profiles)
                    .filter_map(|t| fixed[t].map(|f| f * y[t]))
                    .sum();
                // Strong duality: z = μ − Σ_fixed y·f.
                let mu = z + fixed_term;
                progress(&Progress {
                    stage: self.stages.len() + 1,
                    value: z,
                    panels: self.master.panels.len(),
                    fixed: n_fixed,
                    profiles: total_selectable,
                });
                let weights: Vec<f64> = (0..n_profiles)
                    .map(|t| y[t] / self.master.sizes[t])
                    .collect();
                // Cheap first: improve the best known panels by swaps; only
                // when that finds nothing, the exact pricing program decides
                // (and certifies) optimality.
                let threshold = mu + PRICING_TOLERANCE;
                let found =
                    self.search
                        .improving(&self.master.panels, &weights, threshold, SWAP_STARTS);
                let mut added = 0;
                for panel in found {
                    added += usize::from(self.master.add(panel));
                }
                let mut bound = f64::INFINITY;
                if added == 0 {
                    let (panel, worth) = self
                        .oracle
                        .best(&weights)?
                        .expect("a feasible instance has a best panel");
                    bound = (worth - fixed_term).max(z);
                    if worth > threshold && self.master.add(panel) {
                        added = 1;
                    }
                }
                if added > 0 && !self.out_of_time() {
                    match self.solve_lp() {
                        Ok(s) => last = s,
                        Err(_) if self.out_of_time() => {
                            self.complete = false;
                            break (z, bound, y);
                        }
                        Err(e) => return Err(e),
                    }
                    continue;
                }
                if added > 0 {
                    self.complete = false;
                }
                break (z, bound, y);
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
            last = self.solve_lp()?;
        }
    }

    /// NASH: maximise Σ size·log π by tangent cuts and gradient pricing.
    fn nash(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<crate::solver::LpSolution, Error> {
        let _ = progress;
        Err(Error::Solver("NASH is not available yet".into()))
    }
}
