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
//! fixed. MAXIMIN stops after the first stage. NASH maximises Σ log π: by
//! its relaxation first (`nash.rs`), else by outer approximation over
//! panels (tangent cuts of the logarithm plus columns priced at the
//! gradient).
//!
//! Everything is at the level of profiles (see [`crate::model::profiles`]): a
//! profile's probability is its expected number of seats over its size.

//!
//! Layout: `oracle` (the pricing program), `swap` (local search for
//! panels), `master` (the master LP), `leximin` and `nash` (the stages);
//! this file holds the shared types, the seeding and [`optimise`].

mod goldilocks;
mod leximin;
mod master;
mod nash;
mod oracle;
mod peel;
mod swap;

pub use leximin::TARGET_TOLERANCE;
pub use nash::NASH_TOLERANCE;
pub use oracle::{PanelOracle, StageDual};

use std::collections::HashSet;
use std::time::Instant;

use crate::error::Error;
use crate::model::instance::Instance;
use crate::model::profiles::Profiles;
use crate::selection::distribution::{ProfileDistribution, ProfilePanel};
use crate::solver::{Lp, LpCol, LpFailure, LpRow, Model, Outcome, Sense, Settings, Var};

use master::Master;
use swap::SwapSearch;

/// Which distribution to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    Leximin,
    Maximin,
    Nash,
    /// Baharav and Flanigan's Goldilocks (EC 2024): minimise
    /// max π·n/k + γ·max k/(n·π), keeping every chance near k/n from both
    /// sides.
    Goldilocks(Gamma),
}

impl Objective {
    pub fn name(self) -> &'static str {
        match self {
            Objective::Leximin => "LEXIMIN",
            Objective::Maximin => "MAXIMIN",
            Objective::Nash => "NASH",
            Objective::Goldilocks(_) => "GOLDILOCKS",
        }
    }
}

/// Goldilocks' γ: the weight of the lowest chance's shortfall against the
/// highest chance's excess. Compared by its bits, so `Objective` stays `Eq`.
#[derive(Debug, Clone, Copy)]
pub struct Gamma(pub f64);

impl PartialEq for Gamma {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Gamma {}

impl Gamma {
    /// The largest gamma taken: beyond it the lowest chance is all that
    /// counts (LEXIMIN's first stage does that).
    pub const MAX: f64 = 1e6;

    /// Whether the front-ends should take it: above 0, at most [`Self::MAX`].
    pub fn in_range(self) -> bool {
        self.0 > 0.0 && self.0 <= Self::MAX
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
/// use the exact program rather than its LP relaxation: a pricing MIP costs
/// more than a master LP of few iterations and much less than one of many
/// (measured: docs/benchmarks.md, section Selection history).
pub const EXACT_PRICING_ITERATIONS: u64 = 500;

/// When column generation aiming at the relaxation's target peels the
/// target into panels (see `peel.rs`) instead: once its master LPs have
/// taken `after` simplex iterations in all, or at once if the first master
/// LP gives every profile less than `below` of its target (z < below).
/// Both are work, not time, so every run takes the same path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peel {
    pub after: u64,
    pub below: f64,
}

impl Peel {
    /// Where column generation alone reaches the target within 10,000
    /// iterations it is faster than peeling first; where it needs more,
    /// peeling is. The first master LP tells them apart early: its z was at
    /// least 0.5 where column generation finished first and below 0.5
    /// where peeling at once was faster (measured: docs/benchmarks.md,
    /// section Selection and its history).
    pub const DEFAULT: Peel = Peel {
        after: 10_000,
        below: 0.5,
    };
    /// NASH's rule under the default: its target gives nearly every
    /// profile a share of its own, which column generation reaches a few
    /// profiles per master LP and the peel one panel per profile, so it
    /// peels much sooner than LEXIMIN; only on the smallest pools does
    /// column generation reach the target within 1,500 iterations, where
    /// peeling would take longer (measured: docs/benchmarks.md, section
    /// Selection history).
    pub const NASH: Peel = Peel {
        after: 1_500,
        below: 0.5,
    };
    /// Peel straight away.
    pub const AT_ONCE: Peel = Peel {
        after: 0,
        below: 0.0,
    };
    /// Never peel: column generation alone (for comparison and tests).
    pub const NEVER: Peel = Peel {
        after: u64::MAX,
        below: 0.0,
    };
}

/// One LEXIMIN stage (MAXIMIN has one; NASH reports one).
#[derive(Debug, Clone)]
pub struct Stage {
    /// The stage's optimum z (primal value of the master LP); NASH: the
    /// geometric mean reached; Goldilocks: its objective reached.
    pub value: f64,
    /// Dual bound: no distribution gives the unfixed profiles a minimum
    /// above this (NASH: a geometric mean above it; Goldilocks, which
    /// minimises: an objective below it). `value` and `bound` agreeing is
    /// the optimality certificate.
    pub bound: f64,
    /// Profiles fixed at the end of this stage.
    pub fixed: usize,
    pub lp_solves: usize,
    pub pricing_solves: usize,
    pub seconds: f64,
    /// The quota bounds that bind the stage, from the duals of the
    /// relaxation's stage LP: (quota value, at its minimum?). Empty where
    /// the stage was not solved over the relaxation.
    pub binding: Vec<(usize, bool)>,
    /// The relaxation's stage LP's dual solution, which certifies `bound`
    /// without a solver; None where the stage ran over panels.
    pub dual: Option<StageDual>,
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
    /// LEXIMIN by its relaxation: the stages are the relaxation's (each
    /// bound is its LP optimum, each value the distribution's lowest share
    /// among the stage's profiles) and this is the search for panels
    /// reaching them. None when the stages ran over panels.
    pub target: Option<TargetRun>,
    /// False when the time limit stopped the computation early; the
    /// distribution is then valid but not optimal.
    pub complete: bool,
    /// LEXIMIN by its relaxation: per profile, the stage that fixed it
    /// (None for profiles in no panel); empty for other runs.
    pub fixed_at: Vec<Option<usize>>,
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

/// How many of the best known panels local search starts from per round:
/// fewer master LPs than with 16, and more starts were no faster (measured:
/// docs/benchmarks.md, sections Peer comparison history and Selection
/// history).
const SWAP_STARTS: usize = 32;
/// Columns beyond this many per profile (plus 200) are pruned within a
/// stage: the panels neither in use nor basic are deleted from the master LP.
const PRUNE_AT: usize = 10;
/// Weight of the stability centre in smoothed pricing (Wentges).
const SMOOTHING: f64 = 0.5;
/// Multiplicative-weights rounds that seed the master LP: this many per
/// profile, within the limits below. Seeding saves master-LP solves in the
/// stages over panels; one round per profile is enough for every objective,
/// as the columns aimed at the relaxation's target do the rest (NASH took
/// 2 until its target was peeled at once; measured: docs/benchmarks.md,
/// section Selection history).
const MW_ROUNDS_PER_PROFILE: usize = 1;
const MW_MIN_ROUNDS: usize = 50;
const MW_MAX_ROUNDS: usize = 2000;
/// ... and within this many candidate moves examined by the climbs (work,
/// not time, so every run takes the same path): enough for all of data/'s
/// rounds, while a large pool's seeding stops early instead of taking much
/// of the time limit (measured: docs/benchmarks.md, section Selection
/// history).
const MW_MAX_SCANS: u64 = 400_000_000;

/// Options of [`optimise`].
#[derive(Debug, Clone)]
pub struct Options {
    pub objective: Objective,
    pub settings: Settings,
    /// Stop cleanly at this instant with the best certified distribution.
    pub deadline: Option<Instant>,
    /// LEXIMIN: first compute the LEXIMIN of the quota polytope's LP
    /// relaxation and look for a distribution reaching it (see
    /// `leximin.rs`); the stages over panels run only if none does. False:
    /// the stages over panels straight away (same result, for comparison
    /// and tests).
    pub relaxation_first: bool,
    /// LEXIMIN by its relaxation: when the target is peeled into panels
    /// ([`Peel::DEFAULT`]).
    pub peel: Peel,
    /// Stop as at the deadline once this is set (a front-end's cancel
    /// button); the front-end then discards the result.
    pub cancel: Cancel,
}

/// A flag another thread sets to stop an optimisation early (checked where
/// the deadline is). The default is never set.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Option<std::sync::Arc<std::sync::atomic::AtomicBool>>);

impl Cancel {
    /// A flag that stops the optimisation once `flag` is true.
    pub fn new(flag: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        Self(Some(flag))
    }

    pub fn is_set(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// LEXIMIN by its relaxation: how the distribution reaching the relaxed
/// LEXIMIN was found.
#[derive(Debug, Clone)]
pub struct TargetRun {
    /// Panels peeled from the target and added to the master (0 if column
    /// generation reached it before peeling).
    pub peeled: usize,
    /// The master's z at the end: every profile has at least this fraction
    /// of its target share (1 within [`PRICING_TOLERANCE`] when complete).
    pub reached: f64,
    pub lp_solves: usize,
    pub pricing_solves: usize,
    pub seconds: f64,
}

fn lp_error(e: LpFailure) -> Error {
    match e {
        LpFailure::TimeLimit => Error::Solver("time limit".into()),
        LpFailure::Other(s) => Error::Solver(s),
    }
}

/// Row duals of "share ≥ … z" rows as prices: HiGHS's signs vary with the
/// sense, so they are signed to make Σ weight·y positive (the dual
/// constraint of z, whose coefficient in row t is −weight_t, reads Σ
/// weight·y = 1), and the negative rounding noise is cut to 0.
fn signed_prices(mut y: Vec<f64>, weight: impl Fn(usize) -> f64) -> Vec<f64> {
    let weighted: f64 = y.iter().enumerate().map(|(t, v)| weight(t) * v).sum();
    let sign = if weighted < 0.0 { -1.0 } else { 1.0 };
    for v in &mut y {
        *v = (*v * sign).max(0.0);
    }
    y
}

/// Finds panels that together cover every profile that can be covered;
/// the rest are unselectable. Each round looks for a panel seating many
/// uncovered profiles (swap search, the near-optimal panel, then the exact
/// program for the most), until none is left or the exact program's best
/// panel covers nobody new (the rest are then proven unselectable).
/// Returns (new panels, unselectable profiles).
fn cover(
    oracle: &mut PanelOracle,
    search: &SwapSearch,
    known: &[ProfilePanel],
    covered: &mut [bool],
) -> Result<(Vec<ProfilePanel>, Vec<usize>), Error> {
    let mut panels = Vec::new();
    while !covered.iter().all(|&c| c) {
        let weights: Vec<f64> = covered.iter().map(|&c| if c { 0.0 } else { 1.0 }).collect();
        // Swap search first.
        let (climbed, value) = search.best_climb(
            known
                .iter()
                .chain(&panels)
                .cloned()
                .collect::<Vec<_>>()
                .as_slice(),
            &weights,
            3,
        );
        let mut found = (value > 0.5).then_some(climbed);
        // Then the near-optimal panel (the polytope's LP and a small
        // program around its optimum): the exact program's proof of
        // optimality costs far more and is not needed to cover anyone
        // (measured: docs/benchmarks.md, section Selection history).
        if found.is_none() {
            let whole = oracle.whole();
            found = oracle
                .near_optimal_on(&whole, &weights)?
                .filter(|p| p.worth(&weights) > 0.5);
        }
        // The exact program last: it alone proves that nobody uncovered
        // fits on any panel.
        if found.is_none() {
            found = oracle
                .best(&weights)?
                .filter(|(_, value)| *value > 0.5)
                .map(|(p, _)| p);
        }
        let Some(panel) = found else {
            break;
        };
        for &(t, _) in &panel.0 {
            covered[t as usize] = true;
        }
        panels.push(panel);
    }
    let unselectable = (0..covered.len()).filter(|&t| !covered[t]).collect();
    Ok((panels, unselectable))
}

/// Multiplicative weights (as in Flanigan et al.'s initialisation): each
/// round finds a good panel for the current per-person weights by swap
/// search, then lowers the weights of the profiles it seats (×0.8 per
/// seated person, averaged over the profile) and renormalises. Cheap, and
/// gives the master LP a diverse set of panels that serves everyone. Stops
/// after `rounds` or [`MW_MAX_SCANS`], whichever comes first.
fn multiplicative_weights(
    search: &SwapSearch,
    sizes: &[f64],
    panels: &mut Vec<ProfilePanel>,
    rounds: usize,
    deadline: Option<Instant>,
    cancel: &Cancel,
) {
    let t_count = sizes.len();
    let mut w = vec![1.0f64; t_count];
    let mut known: HashSet<ProfilePanel> = panels.iter().cloned().collect();
    for _ in 0..rounds {
        if deadline.is_some_and(|d| Instant::now() >= d)
            || cancel.is_set()
            || search.scans() >= MW_MAX_SCANS
        {
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
        &options.cancel,
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
    // NASH by its relaxation first aims a LEXIMIN-shaped master (with z)
    // at the relaxation's optimum.
    let master_objective = match options.objective {
        Objective::Nash if options.relaxation_first => Objective::Leximin,
        Objective::Goldilocks(_) => Objective::Leximin,
        o => o,
    };
    let mut master = Master::new(profiles, &selectable, &options.settings, master_objective);
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
        target: None,
        fixed_at: Vec::new(),
        peeled: 0,
        lp_solves: 0,
        lp_seconds: 0.0,
        complete: true,
        short_peel_ends_reach: matches!(options.objective, Objective::Goldilocks(_)),
    };
    let distribution = match options.objective {
        Objective::Leximin | Objective::Maximin => {
            let last = run.leximin(progress)?;
            run.master.distribution(&last)
        }
        Objective::Nash => {
            let last = run.nash(progress)?;
            run.master.distribution(&last)
        }
        Objective::Goldilocks(Gamma(gamma)) => run.goldilocks(gamma, progress)?,
    };
    let profile_probabilities = distribution.profile_probabilities(profiles);
    Ok(Computed {
        objective: options.objective,
        distribution,
        profile_probabilities,
        unselectable,
        stages: run.stages,
        target: run.target,
        complete: run.complete,
        fixed_at: run.fixed_at,
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
    target: Option<TargetRun>,
    /// See [`Computed::fixed_at`].
    fixed_at: Vec<Option<usize>>,
    /// Panels the peel added, if it ran.
    peeled: usize,
    lp_solves: usize,
    lp_seconds: f64,
    complete: bool,
    /// Column generation aiming at a target gives up as soon as a peel
    /// leaves the target short (Goldilocks, which has a way over panels
    /// that does not need the target; LEXIMIN and NASH finish the target).
    short_peel_ends_reach: bool,
}

impl Run<'_, '_> {
    fn out_of_time(&self) -> bool {
        self.options.deadline.is_some_and(|d| Instant::now() >= d) || self.options.cancel.is_set()
    }

    fn solve_lp(&mut self) -> Result<crate::solver::LpSolution, Error> {
        self.solve_lp_until(None, false).map_err(lp_error)
    }

    /// A master LP solve that stops at the deadline (None then): for the
    /// solves inside column generation, whose caller stops cleanly with the
    /// solution before. `afresh`: by the interior-point method
    /// (`Lp::solve_afresh_until`), for the master after the peel.
    fn solve_lp_by_deadline(
        &mut self,
        afresh: bool,
    ) -> Result<Option<crate::solver::LpSolution>, Error> {
        match self.solve_lp_until(self.options.deadline, afresh) {
            Ok(s) => Ok(Some(s)),
            Err(LpFailure::TimeLimit) => Ok(None),
            Err(_) if self.out_of_time() => Ok(None),
            Err(e) => Err(lp_error(e)),
        }
    }

    fn solve_lp_until(
        &mut self,
        deadline: Option<Instant>,
        afresh: bool,
    ) -> Result<crate::solver::LpSolution, LpFailure> {
        self.lp_solves += 1;
        let clock = Instant::now();
        let r = if afresh {
            self.master.lp.solve_afresh_until(deadline)
        } else {
            self.master.lp.solve_until(deadline)
        };
        self.lp_seconds += clock.elapsed().as_secs_f64();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::twelve;

    fn run(objective: Objective, relaxation_first: bool, peel: Peel) -> (Computed, Vec<f64>) {
        let instance = twelve();
        let profiles = Profiles::new(&instance);
        let options = Options {
            objective,
            settings: Settings::default(),
            deadline: None,
            relaxation_first,
            peel,
            cancel: Cancel::default(),
        };
        let c = optimise(&instance, &profiles, &options, &mut |_| {}).unwrap();
        let pi = profiles.per_person(&c.profile_probabilities);
        (c, pi)
    }

    fn minimum(pi: &[f64]) -> f64 {
        pi.iter().copied().fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn every_objective_gives_a_checked_distribution_summing_to_k() {
        let instance = twelve();
        let profiles = Profiles::new(&instance);
        for objective in [Objective::Leximin, Objective::Maximin, Objective::Nash] {
            let (c, pi) = run(objective, true, Peel::DEFAULT);
            assert!(c.complete, "{objective:?}");
            assert!((pi.iter().sum::<f64>() - 4.0).abs() < 1e-6, "{objective:?}");
            let d = c.distribution.expand(&profiles);
            assert!(d.verify(&instance, &pi, 1e-6).is_empty(), "{objective:?}");
        }
    }

    #[test]
    fn leximin_is_the_same_by_every_route_and_its_minimum_is_maximin() {
        let (lex, pi) = run(Objective::Leximin, true, Peel::DEFAULT);
        let (_, panels) = run(Objective::Leximin, false, Peel::DEFAULT);
        let (_, peeled) = run(
            Objective::Leximin,
            true,
            Peel {
                after: 0,
                ..Peel::DEFAULT
            },
        );
        for other in [&panels, &peeled] {
            let worst = pi
                .iter()
                .zip(other.iter())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(worst < 1e-6, "routes differ by {worst}");
        }
        let (_, maximin) = run(Objective::Maximin, true, Peel::DEFAULT);
        assert!((minimum(&pi) - minimum(&maximin)).abs() < 1e-6);
        // The certificate: every stage's value meets its dual bound.
        for st in &lex.stages {
            assert!(st.bound - st.value < 1e-6, "{st:?}");
        }
    }
}
