//! Rounding a distribution to a uniform lottery: m panels, each drawn with
//! probability 1/m, so that a public draw of a number from 1 to m picks the
//! panel (Flanigan, Kehne, Procaccia, NeurIPS 2021).
//!
//! Rounding works on profile panels (interchangeable people, see
//! [`crate::model::profiles`]). Panel j of probability p_j gets c_j copies,
//! with Σ c_j = m. Profile t (s_t members) then holds S_t = Σ_j c_j·x_jt
//! seats in the lottery; spreading them round-robin over its members gives
//! every member ⌊S_t/s_t⌋ or ⌈S_t/s_t⌉ appearances, so a person's change is
//! at most max(m·π_t − ⌊S_t/s_t⌋, ⌈S_t/s_t⌉ − m·π_t) appearances.
//!
//! Panels: the distribution's support, each with ⌊m·p_j⌋ − SLACK to
//! ⌈m·p_j⌉ + SLACK copies (see [`SLACK`]), plus every other
//! quota-satisfying panel the column generation produced (probability 0,
//! up to SLACK copies): a vertex of the LEXIMIN LP has too few panels to
//! round many profiles finely (measured: docs/benchmarks.md, section
//! Lottery rounding history). Start: largest-remainder rounding (⌊m·p_j⌋
//! each, one more for the largest fractional parts). Then a greedy search
//! that takes the move of one copy between panels most improving (largest
//! change, number of profiles at it, Σ change²), with falling below
//! ⌈m·π_min⌉ − 1 appearances counted as a change of 1000 (so it is repaired
//! first); then simulated annealing (fixed seed, so deterministic) on
//! Σ_t change_t⁶ plus a steep penalty below the floor; then the greedy
//! search again. If someone is still below the floor, a repair replaces
//! one copy at a time of a panel A by a panel B from the pricing program
//! (any quota-satisfying panel, with bounds per profile; B may then take as
//! many copies as help): B gives the profiles below the floor as many
//! seats as it can while every other profile stays at or above the floor
//! and within the current largest change of its target (then within one
//! more, if that was not enough). After each repair pass the greedy search
//! runs again, and its result is kept unless it is worse. The floor is a
//! goal, not a guarantee: when it is missed the manifest and the command
//! say so. (Tried and dropped: an exact integer program minimising the
//! largest change, slower than the searches and no better, and a
//! node-limited program enforcing the floor, which found no solution:
//! docs/benchmarks.md, section Lottery rounding history.)

use crate::error::Error;
use crate::model::panel::Panel;
use crate::model::profiles::Profiles;
use crate::random::anneal;
use crate::selection::distribution::{Fairness, ProfileDistribution, ProfilePanel};
use crate::selection::optimise::PanelOracle;

/// Default number of panels in a lottery.
pub const DEFAULT_PANELS: u32 = 1000;

/// The fewest panels a lottery may have: with fewer, the draw picks among
/// too few panels and [`CHANGE_BOUND`]/m says little (10/m is 10% at
/// m = 100).
pub const MIN_PANELS: u32 = 100;

/// The rounding's guarantee, in appearances (units of 1/m): every person's
/// lottery probability is within this of the exact one (as written), or no
/// lottery is made. Recorded in manifests and checked by `verify` without
/// recomputing; it bounds how far a hand-edited lottery could move anyone's
/// chance unnoticed, short of recomputing it. The measured largest changes
/// are in docs/benchmarks.md.
pub const CHANGE_BOUND: u32 = 10;

/// How the rounding is done, for manifests and reports.
pub const METHOD: &str = "largest-remainder rounding of m·p, then greedy search, simulated annealing and greedy search moving one copy at a time between panels (the distribution's, each within ⌊m·p⌋−3..⌈m·p⌉+3, and other generated quota-satisfying panels, up to 3 copies) to minimise the largest change per person and keep everyone at ⌈m·π_min⌉ − 1 appearances or more; then, while someone is below that, copies replaced by new quota-satisfying panels from the pricing program that lift them without taking anyone else below it or beyond the largest change, and the greedy search again";

/// A uniform lottery: panel number `j + 1` is `panels[j]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lottery {
    pub panels: Vec<Panel>,
}

impl Lottery {
    /// Number of panels (m).
    pub fn len(&self) -> usize {
        self.panels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.panels.is_empty()
    }

    /// How many lottery panels each person sits on.
    pub fn appearances(&self, n: usize) -> Vec<u32> {
        let mut count = vec![0; n];
        for p in &self.panels {
            for &i in p.members() {
                count[i] += 1;
            }
        }
        count
    }
}

/// A lottery and how far it is from the exact distribution.
#[derive(Debug, Clone)]
pub struct Rounded {
    pub lottery: Lottery,
    /// Per person: exact probability and lottery appearances (of m).
    pub exact: Vec<f64>,
    pub appearances: Vec<u32>,
    /// Whether nobody with a positive exact probability ends with fewer
    /// than ⌈m·π_min⌉ − 1 appearances (so the minimum falls by < 1/m).
    pub floor_guaranteed: bool,
    /// Seconds the rounding took.
    pub seconds: f64,
}

impl Rounded {
    pub fn m(&self) -> usize {
        self.lottery.len()
    }

    /// Per person: lottery probability.
    pub fn lottery_probabilities(&self) -> Vec<f64> {
        let m = self.m() as f64;
        self.appearances.iter().map(|&a| f64::from(a) / m).collect()
    }

    /// Largest |lottery − exact| over people.
    pub fn max_change(&self) -> f64 {
        self.lottery_probabilities()
            .iter()
            .zip(&self.exact)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    }

    pub fn exact_fairness(&self) -> Fairness {
        Fairness::of(&self.exact)
    }

    pub fn lottery_fairness(&self) -> Fairness {
        Fairness::of(&self.lottery_probabilities())
    }
}

/// Slack of [`CHANGE_BOUND`] for the 9-decimal rounding of the exact
/// probabilities (m · 5e-10 appearances at most).
pub const BOUND_TOLERANCE: f64 = 1e-4;

/// The person whose lottery appearances are furthest from m × their exact
/// probability, and that distance in appearances (None: nobody).
pub fn largest_change(exact: &[f64], appearances: &[u32], m: usize) -> Option<(usize, f64)> {
    (0..exact.len())
        .map(|i| (i, (f64::from(appearances[i]) - m as f64 * exact[i]).abs()))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Rounds `distribution` (profile probabilities `profile_pi`) to a uniform
/// lottery of `m` concrete panels.
pub fn round(
    profiles: &Profiles,
    distribution: &ProfileDistribution,
    candidates: &[ProfilePanel],
    profile_pi: &[f64],
    m: u32,
    oracle: Option<&mut PanelOracle>,
) -> Result<Rounded, Error> {
    if m == 0 {
        return Err(Error::Usage("the lottery needs at least 1 panel".into()));
    }
    let mf = f64::from(m);
    let total: f64 = distribution.probabilities.iter().map(|p| p.max(0.0)).sum();
    // The distribution's panels, then the other candidates at probability 0
    // (they may get up to SLACK copies).
    let mut extended = distribution.clone();
    let mut known: std::collections::HashSet<&ProfilePanel> = distribution.panels.iter().collect();
    for c in candidates {
        if known.insert(c) {
            extended.panels.push(c.clone());
            extended.probabilities.push(0.0);
        }
    }
    let support: Vec<(usize, f64)> = extended
        .probabilities
        .iter()
        .enumerate()
        .map(|(j, &p)| (j, mf * p.max(0.0) / total))
        .collect();
    if total <= 0.0 {
        return Err(Error::Internal("the distribution has no panel".into()));
    }
    let sizes: Vec<f64> = profiles.profiles.iter().map(|p| p.size() as f64).collect();
    let target: Vec<f64> = profile_pi.iter().map(|p| mf * p).collect();
    let selectable_min = target
        .iter()
        .copied()
        .filter(|&x| x > 0.0)
        .fold(f64::INFINITY, f64::min);
    // Everyone must keep at least ⌈m·π_min⌉ − 1 appearances (tolerating the
    // LP's 1e-7 noise in π).
    let floor = (selectable_min - 1e-6).ceil() - 1.0;
    let clock = std::time::Instant::now();
    let (lo, hi) = copy_bounds(&support);
    let mut search = Search {
        distribution: extended,
        support,
        sizes: &sizes,
        target: &target,
        floor,
        lo,
        hi,
    };
    let start = improve(&search, largest_remainder(&search.support, m));
    let annealed = anneal(&search, start);
    let mut copies = improve(&search, annealed);
    if let Some(oracle) = oracle
        && shortfall(&search, &copies).0 > 0
    {
        // Within the current largest change first, then one more.
        for widen in [0.0, 1.0] {
            if repair(&mut search, &mut copies, oracle, widen)? {
                let polished = improve(&search, copies.clone());
                if shortfall(&search, &polished) <= shortfall(&search, &copies) {
                    copies = polished;
                }
            }
            if shortfall(&search, &copies).0 == 0 {
                break;
            }
        }
    }
    let seconds = clock.elapsed().as_secs_f64();
    let Search {
        distribution,
        support,
        ..
    } = search;
    let distribution = &distribution;
    let lottery = expand(profiles, distribution, &support, &copies);
    debug_assert_eq!(lottery.len(), m as usize);
    let n = profiles.of_person.len();
    let appearances = lottery.appearances(n);
    let exact = profiles.per_person(profile_pi);
    let floor_guaranteed = appearances
        .iter()
        .zip(&exact)
        .all(|(&a, &e)| e <= 0.0 || f64::from(a) >= floor);
    Ok(Rounded {
        lottery,
        exact,
        appearances,
        floor_guaranteed,
        seconds,
    })
}

/// Per profile: its panels' counts (support index, count).
fn seats_by_profile(
    distribution: &ProfileDistribution,
    support: &[(usize, f64)],
    t_count: usize,
) -> Vec<Vec<(usize, u32)>> {
    let mut seats = vec![Vec::new(); t_count];
    for (s, &(j, _)) in support.iter().enumerate() {
        for &(t, c) in &distribution.panels[j].0 {
            seats[t as usize].push((s, c));
        }
    }
    seats
}

/// How far a profile holding `seats` seats is from its target, in
/// appearances: its members get ⌊seats/size⌋ or ⌈seats/size⌉. Falling below
/// `floor` counts as a change of 1000 more (plus the shortfall per member).
fn change(seats: u32, size: f64, target: f64, floor: f64) -> f64 {
    if target <= 0.0 {
        return 0.0;
    }
    let per = f64::from(seats) / size;
    let lo = per.floor();
    let d = deviation(per, target);
    // Below the floor: 1000 more, and less the closer the profile's seats
    // are to lifting everyone to it (so single moves show progress).
    if lo < floor {
        d + 1000.0 + (floor - per).max(0.0)
    } else {
        d
    }
}

/// The largest change, in appearances, of members sharing `per` = seats /
/// size appearances (they get ⌊per⌋ or ⌈per⌉) from `target`.
fn deviation(per: f64, target: f64) -> f64 {
    (target - per.floor()).max(per.ceil() - target)
}

/// Seats per profile of a rounding (`copies` per support panel).
fn seat_totals(search: &Search, copies: &[u32]) -> Vec<i64> {
    let mut seats = vec![0i64; search.sizes.len()];
    for (s, &(j, _)) in search.support.iter().enumerate() {
        for &(t, c) in &search.distribution.panels[j].0 {
            seats[t as usize] += i64::from(c) * i64::from(copies[s]);
        }
    }
    seats
}

/// Moves tried by [`anneal`] per panel of the support (at least
/// [`ANNEAL_MIN_MOVES`]).
pub const ANNEAL_MOVES_PER_PANEL: usize = 2_000;
pub const ANNEAL_MIN_MOVES: usize = 200_000;

/// Energy per appearance below the floor (a change of 10 costs 10⁶).
const FLOOR_PENALTY: f64 = 1e7;
/// Temperatures of the schedule, in units of change⁶ (a change of 2
/// appearances costs 64).
const ANNEAL_START_TEMPERATURE: f64 = 200.0;
const ANNEAL_END_TEMPERATURE: f64 = 0.05;

/// Domain label of the rounding's own random moves (not a draw).
pub const ROUND_DOMAIN: &str = "kleroterion/round/v1";

/// Simulated annealing from `copies` on Σ_t change_t⁶ (so the largest
/// changes dominate): random moves of one copy from one panel to another,
/// accepted by the Metropolis rule on a geometric temperature schedule;
/// returns the best state seen. Seeded with a fixed key, so deterministic.
fn anneal(search: &Search, mut copies: Vec<u32>) -> Vec<u32> {
    let Search {
        ref distribution,
        ref support,
        sizes,
        target,
        floor,
        ref lo,
        ref hi,
    } = *search;
    let t_count = sizes.len();
    let j_count = support.len();
    if j_count < 2 {
        return copies;
    }
    let mut seats = seat_totals(search, &copies);
    // change⁶, plus a steep linear penalty per appearance below the floor.
    let energy_of = |t: usize, seats: i64| -> f64 {
        if target[t] <= 0.0 {
            return 0.0;
        }
        let per = seats.max(0) as f64 / sizes[t];
        let d = deviation(per, target[t]);
        let d3 = d * d * d;
        let short = (floor - per.floor()).max(0.0);
        d3 * d3 + FLOOR_PENALTY * (short + (floor - per).max(0.0))
    };
    let mut energy: Vec<f64> = (0..t_count).map(|t| energy_of(t, seats[t])).collect();
    let mut total: f64 = energy.iter().sum();
    let mut best = (total, copies.clone());
    let moves = (ANNEAL_MOVES_PER_PANEL * j_count).max(ANNEAL_MIN_MOVES);
    let (t0, t1) = (ANNEAL_START_TEMPERATURE, ANNEAL_END_TEMPERATURE);
    let mut rng = crate::random::DrawRng::new(ROUND_DOMAIN, "");
    let mut delta: Vec<i64> = vec![0; t_count];
    let mut touched: Vec<usize> = Vec::new();
    // One entry per copy: moving a copy overwrites its entry, so `from` is
    // drawn in proportion to copies and never from an empty panel.
    let mut slots: Vec<usize> = Vec::new();
    for (j, &c) in copies.iter().enumerate() {
        slots.extend(std::iter::repeat_n(j, c as usize));
    }
    if slots.is_empty() {
        return copies;
    }
    let mut schedule = anneal::Schedule::new((t0, t1), moves, 1024);
    for step in 0..moves {
        let slot = rng.below(slots.len() as u64) as usize;
        let from = slots[slot];
        let to = rng.below(j_count as u64) as usize;
        if from == to || copies[from] <= lo[from] || copies[to] >= hi[to] {
            continue;
        }
        touched.clear();
        for &(t, c) in &distribution.panels[support[from].0].0 {
            delta[t as usize] -= i64::from(c);
            touched.push(t as usize);
        }
        for &(t, c) in &distribution.panels[support[to].0].0 {
            if delta[t as usize] == 0 {
                touched.push(t as usize);
            }
            delta[t as usize] += i64::from(c);
        }
        let mut change_e = 0.0;
        for &t in &touched {
            if delta[t] != 0 {
                change_e += energy_of(t, seats[t] + delta[t]) - energy[t];
            }
        }
        let temperature = schedule.at(step);
        let accept = anneal::accept(change_e, temperature, &mut rng);
        if accept {
            copies[from] -= 1;
            copies[to] += 1;
            slots[slot] = to;
            for &t in &touched {
                if delta[t] != 0 {
                    seats[t] += delta[t];
                    let e = energy_of(t, seats[t]);
                    total += e - energy[t];
                    energy[t] = e;
                }
            }
            if total < best.0 - 1e-9 {
                best = (total, copies.clone());
            }
        }
        for &t in &touched {
            delta[t] = 0;
        }
    }
    best.1
}

/// Most moves [`improve`] makes (each scans every useful pair of panels).
pub const IMPROVE_MOVES: usize = 2_000;

/// Local search from `copies`: repeatedly moves one copy from a panel
/// above its lower bound to one below its upper bound (the bounds of
/// `Search`), taking the move that most improves (largest change, number
/// of profiles at it, Σ change²) for a profile with the largest change,
/// until none does. Deterministic.
fn improve(search: &Search, mut copies: Vec<u32>) -> Vec<u32> {
    let Search {
        ref distribution,
        ref support,
        sizes,
        target,
        floor,
        ref lo,
        ref hi,
    } = *search;
    use std::collections::BTreeMap;
    let t_count = sizes.len();
    let by_profile = seats_by_profile(distribution, support, t_count);
    let mut seats = vec![0u32; t_count];
    for (t, list) in by_profile.iter().enumerate() {
        seats[t] = list.iter().map(|&(s, c)| c * copies[s]).sum();
    }
    let dev = |t: usize, seats: u32| change(seats, sizes[t], target[t], floor);
    let mut devs: Vec<f64> = (0..t_count).map(|t| dev(t, seats[t])).collect();
    // Multiset of changes (non-negative floats order like their bits).
    let mut levels: BTreeMap<u64, u32> = BTreeMap::new();
    for &d in &devs {
        *levels.entry(d.to_bits()).or_default() += 1;
    }
    let mut sumsq: f64 = devs.iter().map(|d| d * d).sum();
    let key = |levels: &BTreeMap<u64, u32>, sumsq: f64| {
        let (&top, &n) = levels.iter().next_back().expect("profiles exist");
        (f64::from_bits(top), n, sumsq)
    };
    let better = |a: (f64, u32, f64), b: (f64, u32, f64)| {
        if a.0 < b.0 - 1e-9 {
            return true;
        }
        if a.0 > b.0 + 1e-9 {
            return false;
        }
        a.1 < b.1 || (a.1 == b.1 && a.2 < b.2 - 1e-9)
    };
    let panel = |s: usize| &distribution.panels[support[s].0].0;
    let mut delta: BTreeMap<usize, i64> = BTreeMap::new();
    let mut dense: Vec<i64> = vec![0; t_count];
    let mut touched: Vec<usize> = Vec::new();
    for _ in 0..IMPROVE_MOVES {
        let current = key(&levels, sumsq);
        let worst = (0..t_count)
            .filter(|&t| devs[t] >= current.0 - 1e-9)
            .collect::<Vec<_>>();
        let mut best: Option<((f64, u32, f64), usize, usize)> = None;
        for &t in &worst {
            let per = f64::from(seats[t]) / sizes[t];
            let too_many = per.ceil() - target[t] > target[t] - per.floor() && per.floor() >= floor;
            // Move a copy from `from` to `to`.
            let mut count_in = vec![0u32; support.len()];
            for &(x, c) in &by_profile[t] {
                count_in[x] = c;
            }
            let froms: Vec<usize> = (0..support.len())
                .filter(|&s| copies[s] > lo[s] && (!too_many || count_in[s] > 0))
                .collect();
            // Destinations: panels of the distribution or holding copies
            // (annealing explores the other candidates; scanning them all
            // here is too slow on large pools: docs/benchmarks.md, section
            // Lottery rounding history).
            let tos: Vec<usize> = (0..support.len())
                .filter(|&s| {
                    copies[s] < hi[s]
                        && (support[s].1 > 0.0 || copies[s] > 0)
                        && (too_many || count_in[s] > 0)
                })
                .collect();
            for &from in &froms {
                for &to in &tos {
                    let (cf, ct) = (count_in[from], count_in[to]);
                    if (too_many && ct >= cf) || (!too_many && ct <= cf) {
                        continue;
                    }
                    touched.clear();
                    for &(u, c) in panel(from) {
                        dense[u as usize] -= i64::from(c);
                        touched.push(u as usize);
                    }
                    for &(u, c) in panel(to) {
                        if dense[u as usize] == 0 {
                            touched.push(u as usize);
                        }
                        dense[u as usize] += i64::from(c);
                    }
                    let mut sq = sumsq;
                    let mut changed = Vec::with_capacity(touched.len());
                    for &u in &touched {
                        let d = dense[u];
                        dense[u] = 0;
                        if d == 0 {
                            continue;
                        }
                        let new = dev(u, (i64::from(seats[u]) + d) as u32);
                        sq += new * new - devs[u] * devs[u];
                        changed.push((u, new));
                    }
                    // Quick reject: a move that raises a change above the
                    // current maximum cannot be better.
                    if changed.iter().any(|&(_, new)| new > current.0 + 1e-9) {
                        continue;
                    }
                    for &(u, new) in &changed {
                        remove_level(&mut levels, devs[u]);
                        *levels.entry(new.to_bits()).or_default() += 1;
                    }
                    let k = key(&levels, sq);
                    for &(u, new) in &changed {
                        remove_level(&mut levels, new);
                        *levels.entry(devs[u].to_bits()).or_default() += 1;
                    }
                    if better(k, best.map_or(current, |b| b.0)) {
                        best = Some((k, from, to));
                    }
                }
            }
            if best.is_some() {
                break;
            }
        }
        let Some((_, from, to)) = best else {
            break;
        };
        copies[from] -= 1;
        copies[to] += 1;
        delta.clear();
        for &(u, c) in panel(from) {
            *delta.entry(u as usize).or_default() -= i64::from(c);
        }
        for &(u, c) in panel(to) {
            *delta.entry(u as usize).or_default() += i64::from(c);
        }
        for (&u, &d) in &delta {
            seats[u] = (i64::from(seats[u]) + d) as u32;
            let new = dev(u, seats[u]);
            sumsq += new * new - devs[u] * devs[u];
            remove_level(&mut levels, devs[u]);
            *levels.entry(new.to_bits()).or_default() += 1;
            devs[u] = new;
        }
    }
    copies
}

/// (Seats missing to lift everyone to the floor, largest change in units
/// of 1/1000 appearance) of a rounding: smaller is better.
fn shortfall(search: &Search, copies: &[u32]) -> (i64, i64) {
    let seats = seat_totals(search, copies);
    let mut missing = 0;
    let mut largest: f64 = 0.0;
    for (t, &x) in seats.iter().enumerate() {
        if search.target[t] <= 0.0 {
            continue;
        }
        let size = search.sizes[t];
        missing += (search.floor as i64 * size as i64 - x).max(0);
        largest = largest.max(deviation(x as f64 / size, search.target[t]));
    }
    (missing, (largest * 1000.0).round() as i64)
}

/// Most pricing programs [`repair`] solves (a count, not a time, so that
/// every run takes the same path).
pub const REPAIR_SOLVES: usize = 400;
/// Panels holding copies that [`repair`] tries to replace per move.
const REPAIR_TRIES: usize = 40;

/// Lifts profiles below the floor with new panels: replaces one copy of a
/// panel A by the quota-satisfying panel B (found by the pricing program,
/// any panel, not only generated ones) that gives the profiles below the
/// floor the most seats while every other profile stays at or above the
/// floor and within the current largest change of its target. A are the
/// panels with the fewest seats for the profiles below the floor. Stops
/// when nobody is below the floor, no move helps, or after
/// [`REPAIR_SOLVES`] programs. Returns whether anything changed.
fn repair(
    search: &mut Search,
    copies: &mut Vec<u32>,
    oracle: &mut PanelOracle,
    widen: f64,
) -> Result<bool, Error> {
    let t_count = search.sizes.len();
    let size: Vec<i64> = search.sizes.iter().map(|&s| s as i64).collect();
    let floor = search.floor as i64;
    let mut index: std::collections::HashMap<ProfilePanel, usize> = search
        .support
        .iter()
        .enumerate()
        .map(|(s, &(j, _))| (search.distribution.panels[j].clone(), s))
        .collect();
    let mut solves = 0;
    let mut changed = false;
    while solves < REPAIR_SOLVES {
        let seats = seat_totals(search, copies);
        let selectable = |t: usize| search.target[t] > 0.0;
        let short = |t: usize, seats: i64| {
            if selectable(t) {
                (floor * size[t] - seats).max(0)
            } else {
                0
            }
        };
        let deficit: i64 = (0..t_count).map(|t| short(t, seats[t])).sum();
        if deficit == 0 {
            break;
        }
        let below: Vec<bool> = (0..t_count).map(|t| short(t, seats[t]) > 0).collect();
        // The largest change among the profiles at or above the floor.
        let cmax = (0..t_count)
            .filter(|&t| selectable(t) && !below[t])
            .map(|t| {
                change(
                    seats[t] as u32,
                    search.sizes[t],
                    search.target[t],
                    search.floor,
                )
            })
            .fold(0.0, f64::max)
            + widen;
        // Seats each profile may hold: at or above the floor, and within
        // cmax of its target (members get ⌊S/s⌋ or ⌈S/s⌉ appearances).
        let window: Vec<(i64, i64)> = (0..t_count)
            .map(|t| {
                if !selectable(t) {
                    return (0, 0);
                }
                let lo = (search.target[t] - cmax - 1e-9).ceil().max(search.floor) as i64;
                let hi = (search.target[t] + cmax + 1e-9).floor() as i64;
                (size[t] * lo, size[t] * hi)
            })
            .collect();
        let count_in = |s: usize| {
            let mut a = vec![0i64; t_count];
            for &(t, c) in &search.distribution.panels[search.support[s].0].0 {
                a[t as usize] = i64::from(c);
            }
            a
        };
        let mut order: Vec<(i64, usize)> = (0..search.support.len())
            .filter(|&s| copies[s] > search.lo[s])
            .map(|s| {
                let a = count_in(s);
                ((0..t_count).filter(|&t| below[t]).map(|t| a[t]).sum(), s)
            })
            .collect();
        order.sort_unstable();
        let mut moved = false;
        for &(_, from) in order.iter().take(REPAIR_TRIES) {
            if solves >= REPAIR_SOLVES {
                break;
            }
            let a = count_in(from);
            let mut lower = vec![0u32; t_count];
            let mut upper = vec![0u32; t_count];
            let mut weights = vec![0.0; t_count];
            for t in 0..t_count {
                let rest = seats[t] - a[t];
                let (lo, hi) = window[t];
                let lo = if below[t] { a[t] } else { (lo - rest).max(0) };
                lower[t] = lo.clamp(0, u32::MAX as i64) as u32;
                upper[t] = (hi - rest).clamp(0, u32::MAX as i64) as u32;
                // Seats for profiles below the floor; a little for keeping
                // A's other profiles (fewer changes elsewhere).
                weights[t] = if below[t] {
                    1.0
                } else if a[t] > 0 {
                    1e-3
                } else {
                    0.0
                };
            }
            solves += 1;
            let Some((panel, _)) = oracle.best_within(&weights, &lower, &upper)? else {
                continue;
            };
            let mut b = vec![0i64; t_count];
            for &(t, c) in &panel.0 {
                b[t as usize] = i64::from(c);
            }
            let after: i64 = (0..t_count).map(|t| short(t, seats[t] - a[t] + b[t])).sum();
            if after >= deficit {
                continue;
            }
            let to = match index.get(&panel) {
                Some(&s) => s,
                None => {
                    let j = search.distribution.panels.len();
                    search.distribution.panels.push(panel.clone());
                    search.distribution.probabilities.push(0.0);
                    search.support.push((j, 0.0));
                    search.lo.push(0);
                    search.hi.push(u32::MAX);
                    copies.push(0);
                    index.insert(panel, search.support.len() - 1);
                    search.support.len() - 1
                }
            };
            // A found panel may take as many copies as helps.
            search.hi[to] = u32::MAX;
            copies[from] -= 1;
            copies[to] += 1;
            moved = true;
            changed = true;
            break;
        }
        if !moved {
            break;
        }
    }
    Ok(changed)
}

fn remove_level(levels: &mut std::collections::BTreeMap<u64, u32>, d: f64) {
    let key = d.to_bits();
    let n = levels.get_mut(&key).expect("level present");
    *n -= 1;
    if *n == 0 {
        levels.remove(&key);
    }
}

/// How far a panel's number of copies may stray from m·p: down to
/// ⌊m·p⌋ − SLACK (never below 0), up to ⌈m·p⌉ + SLACK, or m·p ± SLACK when
/// m·p is whole; so a generated panel outside the distribution (m·p = 0)
/// gets up to SLACK copies. The repair lifts the upper bound of every panel
/// it moves a copy to. Wider than one copy each way so that the searches
/// can lift more people to the floor by themselves (measured:
/// docs/benchmarks.md, section Lottery rounding history).
pub const SLACK: f64 = 3.0;

/// What the rounding searches share: the panels with m·p each, the copies
/// each panel may have, and per profile its size, target (m·π) and floor.
struct Search<'a> {
    distribution: ProfileDistribution,
    support: Vec<(usize, f64)>,
    sizes: &'a [f64],
    target: &'a [f64],
    floor: f64,
    lo: Vec<u32>,
    hi: Vec<u32>,
}

/// Per support panel: the least and most copies allowed.
fn copy_bounds(support: &[(usize, f64)]) -> (Vec<u32>, Vec<u32>) {
    support
        .iter()
        .map(|&(_, x)| {
            let (a, b) = copy_range(x);
            (a as u32, b as u32)
        })
        .unzip()
}

/// The allowed copies of a panel with m·p = `x`.
fn copy_range(x: f64) -> (f64, f64) {
    let (a, b) = if (x - x.round()).abs() < 1e-9 {
        (x.round(), x.round())
    } else {
        (x.floor(), x.ceil())
    };
    ((a - SLACK).max(0.0), b + SLACK)
}

/// ⌊m·p⌋ copies each, then one more for the largest remainders (ties: the
/// earlier panel) until there are m.
fn largest_remainder(support: &[(usize, f64)], m: u32) -> Vec<u32> {
    let mut copies: Vec<u32> = support.iter().map(|&(_, x)| x.floor() as u32).collect();
    let assigned: u32 = copies.iter().sum();
    let mut order: Vec<usize> = (0..support.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = support[a].1 - support[a].1.floor();
        let fb = support[b].1 - support[b].1.floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let mut left = m.saturating_sub(assigned);
    for &j in order.iter().cycle() {
        if left == 0 {
            break;
        }
        copies[j] += 1;
        left -= 1;
    }
    copies
}

/// Concrete panels: support panel j repeated `copies[j]` times; within each
/// profile, seats go round-robin over its members (in pool order) so that
/// every member sits on ⌊S/s⌋ or ⌈S/s⌉ panels. Panels are then sorted, so
/// identical panels have consecutive numbers.
fn expand(
    profiles: &Profiles,
    distribution: &ProfileDistribution,
    support: &[(usize, f64)],
    copies: &[u32],
) -> Lottery {
    let mut cursor = vec![0usize; profiles.len()];
    let mut panels = Vec::new();
    let mut members = Vec::new();
    for (&(j, _), &c) in support.iter().zip(copies) {
        for _ in 0..c {
            members.clear();
            for &(t, count) in &distribution.panels[j].0 {
                let profile = &profiles.profiles[t as usize];
                let size = profile.size();
                for _ in 0..count {
                    members.push(profile.members[cursor[t as usize] % size]);
                    cursor[t as usize] += 1;
                }
            }
            panels.push(Panel::new(members.clone()));
        }
    }
    panels.sort();
    Lottery { panels }
}

/// A lottery computed from scratch: the optimised distribution, the
/// profiles it is over, and its rounding.
pub struct Made {
    pub profiles: Profiles,
    pub computed: crate::selection::optimise::Computed,
    pub rounded: Rounded,
}

/// Optimises a distribution for `instance` and rounds it to `m` panels.
pub fn make(
    instance: &crate::model::instance::Instance,
    options: &crate::selection::optimise::Options,
    m: u32,
    progress: &mut dyn FnMut(&crate::selection::optimise::Progress),
) -> Result<Made, Error> {
    instance.check_quick()?;
    let profiles = Profiles::new(instance);
    let computed = crate::selection::optimise::optimise(instance, &profiles, options, progress)?;
    let mut oracle =
        crate::selection::optimise::PanelOracle::new(instance, &profiles, options.settings);
    for &t in &computed.unselectable {
        oracle.exclude(t);
    }
    let rounded = round(
        &profiles,
        &computed.distribution,
        &computed.candidates,
        &computed.profile_probabilities,
        m,
        Some(&mut oracle),
    )?;
    let problems: Vec<String> = rounded
        .lottery
        .panels
        .iter()
        .enumerate()
        .filter_map(|(j, p)| {
            let v = p.violations(instance);
            (!v.is_empty()).then(|| format!("lottery panel {}: {}", j + 1, v.join("; ")))
        })
        .take(10)
        .collect();
    if !problems.is_empty() {
        return Err(Error::CheckFailed(format!(
            "the rounded lottery failed its checks, nothing written:\n  {}",
            problems.join("\n  ")
        )));
    }
    if let Some(worst) = largest_change(
        &crate::audit::bundle::as_written(&rounded.exact),
        &rounded.appearances,
        rounded.m(),
    )
    .filter(|&(_, d)| d > f64::from(CHANGE_BOUND) + BOUND_TOLERANCE)
    {
        return Err(Error::DrawFailed(format!(
            "the rounding moved someone's chance by {:.2}/m, more than the {CHANGE_BOUND}/m it guarantees; nothing written. Try another number of panels",
            worst.1
        )));
    }
    Ok(Made {
        profiles,
        computed,
        rounded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::twelve;
    use crate::selection::optimise::{Objective, Options, Peel};
    use crate::solver::Settings;

    fn made(m: u32) -> Made {
        let options = Options {
            objective: Objective::Leximin,
            settings: Settings::default(),
            deadline: None,
            relaxation_first: true,
            peel: Peel::DEFAULT,
            cancel: Default::default(),
        };
        make(&twelve(), &options, m, &mut |_| {}).unwrap()
    }

    #[test]
    fn a_lottery_has_m_valid_panels_and_counts_them_right() {
        let instance = twelve();
        for m in [1, 7, 40, 1000] {
            let r = made(m).rounded;
            assert_eq!(r.m(), m as usize);
            let mut seen = vec![0u32; instance.n()];
            for panel in &r.lottery.panels {
                assert_eq!(panel.len(), instance.k);
                assert!(panel.violations(&instance).is_empty());
                for &i in panel.members() {
                    seen[i] += 1;
                }
            }
            assert_eq!(seen, r.appearances, "m = {m}");
            assert_eq!(
                r.appearances.iter().sum::<u32>() as usize,
                m as usize * instance.k
            );
        }
    }

    #[test]
    fn the_minimum_falls_by_less_than_one_panel_and_changes_stay_small() {
        for m in [40, 1000] {
            let r = made(m).rounded;
            let mf = f64::from(m);
            assert!(r.floor_guaranteed, "m = {m}");
            let exact_min = r.exact.iter().copied().fold(f64::INFINITY, f64::min);
            let lottery_min = r
                .lottery_probabilities()
                .into_iter()
                .fold(f64::INFINITY, f64::min);
            assert!(exact_min - lottery_min < 1.0 / mf, "m = {m}");
            // Exact probabilities sum to k; the lottery's too.
            let sum: f64 = r.exact.iter().sum();
            assert!((sum - 4.0).abs() < 1e-6);
            let largest = r
                .exact
                .iter()
                .zip(r.lottery_probabilities())
                .map(|(e, l)| (e - l).abs())
                .fold(0.0, f64::max);
            assert!(largest * mf <= 2.0, "m = {m}: {largest}");
        }
    }

    #[test]
    fn rounding_is_deterministic_and_refuses_no_panels() {
        let a = made(40).rounded;
        let b = made(40).rounded;
        assert_eq!(a.lottery.panels, b.lottery.panels);
        let m = made(1);
        assert!(
            round(
                &m.profiles,
                &m.computed.distribution,
                &m.computed.candidates,
                &m.computed.profile_probabilities,
                0,
                None
            )
            .is_err()
        );
    }
}
