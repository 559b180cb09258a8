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
use std::time::Instant;

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

/// Master LP solves of at least this many simplex iterations make pricing
/// use the exact program rather than its LP relaxation. (Measured: on the
/// 150-person fixture the master LP takes ~40 iterations and a pricing MIP
/// costs more than it; on data/ (313 profiles, k = 110) it takes 400-1100
/// and a MIP is 10× cheaper than a master LP above ~600.)
pub const EXACT_PRICING_ITERATIONS: u64 = 500;

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
    /// Every quota-satisfying panel in the master LP at the end (a superset
    /// of the distribution's support): more room for rounding.
    pub candidates: Vec<ProfilePanel>,
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

    /// The optimum of the pricing program's LP relaxation: an upper bound
    /// on the worth of every panel at these weights.
    pub fn relaxed_bound(&mut self, weights: &[f64]) -> Result<f64, Error> {
        if self.relaxation.is_none() {
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
            self.relaxation = Some((lp, x));
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

/// How many of the best known panels local search starts from per round.
const SWAP_STARTS: usize = 16;
/// Columns beyond this many per profile (plus 200) are purged: the master
/// LP is rebuilt with the panels in use only.
const PURGE_AT: usize = 10;
/// Weight of the stability centre in smoothed pricing (Wentges).
const SMOOTHING: f64 = 0.5;
/// Multiplicative-weights rounds that seed the master LP: this many per
/// profile, within the limits below (measured on data/: 2,000 rounds halve
/// the first LEXIMIN stage's master-LP solves).
const MW_ROUNDS_PER_PROFILE: usize = 4;
const MW_MIN_ROUNDS: usize = 50;
const MW_MAX_ROUNDS: usize = 2000;

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

    /// Local optima reached by climbing from the `starts` known panels
    /// worth most at these weights, with their worth.
    fn climbs(
        &self,
        known: &[ProfilePanel],
        weights: &[f64],
        starts: usize,
    ) -> Vec<(ProfilePanel, f64)> {
        let mut ranked: Vec<(f64, usize)> = known
            .iter()
            .enumerate()
            .map(|(j, p)| (p.worth(weights), j))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let order = self.order(weights);
        ranked
            .iter()
            .take(starts)
            .map(|&(_, j)| self.climb(&known[j], weights, &order))
            .collect()
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
        let mut out: Vec<ProfilePanel> = Vec::new();
        for (panel, value) in self.climbs(known, weights, starts) {
            if value > threshold && !out.contains(&panel) {
                out.push(panel);
            }
        }
        out
    }

    /// The best panel found by climbing from the `starts` best known panels.
    fn best_climb(
        &self,
        known: &[ProfilePanel],
        weights: &[f64],
        starts: usize,
    ) -> (ProfilePanel, f64) {
        self.climbs(known, weights, starts)
            .into_iter()
            .reduce(|best, c| if c.1 > best.1 { c } else { best })
            .expect("at least one known panel")
    }

    /// Profiles that may be seated, by descending weight.
    fn order(&self, weights: &[f64]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..weights.len()).filter(|&t| self.upper[t] > 0).collect();
        order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
        order
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
    /// LEXIMIN's minimum variable.
    z: Option<LpCol>,
    columns: Vec<LpCol>,
    panels: Vec<ProfilePanel>,
    known: HashSet<ProfilePanel>,
    sizes: Vec<f64>,
    /// What `new` was given, to rebuild the LP when purging columns.
    selectable: Vec<bool>,
    settings: Settings,
    objective: Objective,
    /// LEXIMIN: fixed probabilities, re-applied after a purge.
    fixed: Vec<Option<f64>>,
}

impl Master {
    /// Σλ = 1 and, per selectable profile, a row `lo ≤ Σ_P λ_P·count/size
    /// (+ the objective's own terms)`; LEXIMIN adds z, NASH adds π and s.
    fn new(
        profiles: &Profiles,
        selectable: &[bool],
        settings: &Settings,
        objective: Objective,
    ) -> Master {
        Master {
            sizes: profiles.profiles.iter().map(|p| p.size() as f64).collect(),
            ..Master::build(selectable, settings, objective)
        }
    }

    fn build(selectable: &[bool], settings: &Settings, objective: Objective) -> Master {
        let sense = Sense::Maximise;
        let mut lp = Lp::new(sense, settings);
        let sum_row = lp.add_row(1.0, 1.0);
        let hi = if objective == Objective::Nash {
            0.0
        } else {
            f64::INFINITY
        };
        let rows: Vec<Option<LpRow>> = selectable
            .iter()
            .map(|&s| s.then(|| lp.add_row(0.0, hi)))
            .collect();
        // LEXIMIN/MAXIMIN: max z with z ≤ every unfixed profile's π.
        let z = if objective == Objective::Nash {
            None
        } else {
            let entries: Vec<(LpRow, f64)> = rows.iter().flatten().map(|&r| (r, -1.0)).collect();
            Some(lp.add_col(1.0, 0.0, 1.0, &entries))
        };
        Master {
            lp,
            sum_row,
            rows,
            z,
            columns: Vec::new(),
            panels: Vec::new(),
            known: HashSet::new(),
            sizes: Vec::new(),
            selectable: selectable.to_vec(),
            settings: *settings,
            objective,
            fixed: vec![None; selectable.len()],
        }
    }

    /// LEXIMIN: rebuilds the LP with only the panels in use in `solution`
    /// and those added since (and fixed rows as they are). The LP re-solves over far fewer
    /// columns; dropped panels may be generated again later.
    fn purge(&mut self, solution: &crate::solver::LpSolution) {
        let keep: Vec<ProfilePanel> = self
            .columns
            .iter()
            .zip(&self.panels)
            .filter(|(c, _)| !solution.has(**c) || solution.value(**c) > 1e-12)
            .map(|(_, p)| p.clone())
            .collect();
        let mut fresh = Master {
            sizes: std::mem::take(&mut self.sizes),
            ..Master::build(&self.selectable, &self.settings, self.objective)
        };
        for (t, f) in self.fixed.iter().enumerate() {
            if let Some(v) = f {
                fresh.fix(t, *v);
            }
        }
        for p in keep {
            fresh.add(p);
        }
        *self = fresh;
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
        let z = self.z.expect("LEXIMIN has z");
        self.lp.set_coef(r, z, 0.0);
        self.lp.set_row_bounds(r, value, f64::INFINITY);
        self.fixed[t] = Some(value);
    }

    fn distribution(&self, solution: &crate::solver::LpSolution) -> ProfileDistribution {
        let mut d = ProfileDistribution::default();
        let raw: Vec<f64> = self
            .columns
            .iter()
            .map(|&c| solution.value_or_zero(c).max(0.0))
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
/// Covers every profile that can be covered by solving for the panel with
/// the most uncovered profiles, until none is left or the best panel covers
/// nobody new (the rest are then proven unselectable). Returns (new panels,
/// unselectable profiles).
fn cover(
    oracle: &mut PanelOracle,
    search: &SwapSearch,
    known: &[ProfilePanel],
    covered: &mut [bool],
) -> Result<(Vec<ProfilePanel>, Vec<usize>), Error> {
    let mut panels = Vec::new();
    while !covered.iter().all(|&c| c) {
        let weights: Vec<f64> = covered.iter().map(|&c| if c { 0.0 } else { 1.0 }).collect();
        // Swap search first; the exact program when it finds nobody new.
        let (panel, value) = search.best_climb(
            known
                .iter()
                .chain(&panels)
                .cloned()
                .collect::<Vec<_>>()
                .as_slice(),
            &weights,
            3,
        );
        if value > 0.5 {
            for &(t, _) in &panel.0 {
                covered[t as usize] = true;
            }
            panels.push(panel);
            continue;
        }
        match oracle.best(&weights)? {
            Some((panel, value)) if value > 0.5 => {
                for &(t, _) in &panel.0 {
                    covered[t as usize] = true;
                }
                panels.push(panel);
            }
            _ => break,
        }
    }
    let unselectable = (0..covered.len()).filter(|&t| !covered[t]).collect();
    Ok((panels, unselectable))
}

/// Multiplicative weights (as in Flanigan et al.'s initialisation): each
/// round finds a good panel for the current per-person weights by swap
/// search, then lowers the weights of the profiles it seats (×0.8 per
/// seated person, averaged over the profile) and renormalises. Cheap, and
/// gives the master LP a diverse set of panels that serves everyone.
fn multiplicative_weights(
    search: &SwapSearch,
    sizes: &[f64],
    panels: &mut Vec<ProfilePanel>,
    rounds: usize,
    deadline: Option<Instant>,
) {
    let t_count = sizes.len();
    let mut w = vec![1.0f64; t_count];
    let mut known: HashSet<ProfilePanel> = panels.iter().cloned().collect();
    for _ in 0..rounds {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let (panel, _) = search.best_climb(panels, &w, 3);
        for &(t, c) in &panel.0 {
            let t = t as usize;
            let x = f64::from(c) / sizes[t];
            w[t] *= 1.0 - 0.2 * x;
        }
        let total: f64 = w.iter().sum();
        for v in &mut w {
            *v *= t_count as f64 / total;
        }
        if known.insert(panel.clone()) {
            panels.push(panel);
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
    let t_count = profiles.len();
    let Some((first, _)) = oracle.best(&vec![1.0; t_count])? else {
        return Err(Error::Infeasible(
            "no panel meets every quota and the household rule\n  what to do: run `kleroterion check` for the smallest relaxation".into(),
        ));
    };
    let sizes: Vec<f64> = profiles.profiles.iter().map(|p| p.size() as f64).collect();
    let mut seed_panels = vec![first];
    let all_search = SwapSearch::new(instance, profiles, &vec![true; t_count]);
    multiplicative_weights(
        &all_search,
        &sizes,
        &mut seed_panels,
        (MW_ROUNDS_PER_PROFILE * t_count).clamp(MW_MIN_ROUNDS, MW_MAX_ROUNDS),
        options.deadline,
    );
    let mut covered = vec![false; t_count];
    for p in &seed_panels {
        for &(t, _) in &p.0 {
            covered[t as usize] = true;
        }
    }
    let (more, unselectable) = cover(&mut oracle, &all_search, &seed_panels, &mut covered)?;
    seed_panels.extend(more);
    for &t in &unselectable {
        oracle.exclude(t);
    }
    let mut selectable = vec![true; t_count];
    for &t in &unselectable {
        selectable[t] = false;
    }
    let mut master = Master::new(profiles, &selectable, &options.settings, options.objective);
    for p in seed_panels {
        // Panels seating an unselectable profile cannot exist; skip defensively.
        if p.0.iter().all(|&(t, _)| selectable[t as usize]) {
            master.add(p);
        }
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
        candidates: std::mem::take(&mut run.master.panels),
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
                if self.master.columns.len() > PURGE_AT * n_profiles + 200 {
                    self.master.purge(&last);
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
            self.master.purge(&last);
            last = self.solve_lp()?;
        }
    }

    /// NASH: maximise Σ size·log π by outer approximation. Variables π_t
    /// (linked to the panels) and s_t ≤ log π_t, enforced by tangent cuts
    /// s_t ≤ log p + (π_t − p)/p added at the current π until no cut is
    /// violated by more than [`NASH_TOLERANCE`]; panels are priced at the
    /// duals of the link rows (the gradient). The LP optimum bounds the
    /// objective from above, the current π from below.
    fn nash(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<crate::solver::LpSolution, Error> {
        let start = Instant::now();
        let n_profiles = self.selectable.len();
        let sizes = self.master.sizes.clone();
        let total: f64 = (0..n_profiles)
            .filter(|&t| self.selectable[t])
            .map(|t| sizes[t])
            .sum();
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
                });
                return Ok(last);
            }
            last = match self.solve_lp() {
                Ok(s) => s,
                Err(_) if self.out_of_time() => {
                    self.complete = false;
                    break;
                }
                Err(e) => return Err(e),
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
        });
        Ok(last)
    }

    fn options_k(&self) -> f64 {
        self.oracle.instance.k as f64
    }
}

/// NASH stops adding tangent cuts when s exceeds log π by at most this.
pub const NASH_TOLERANCE: f64 = 1e-6;
