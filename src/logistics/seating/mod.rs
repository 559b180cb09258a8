//! Table seatings for deliberation rounds: near-equal tables that mirror the
//! assembly, members meeting as many different people as possible, and the
//! organiser's hard rules (keep apart, keep together, pins, absences).
//!
//! Each round splits the members present into ⌈n / size⌉ tables of
//! near-equal size (110 at size 8: 12 × 8 + 2 × 7). The search is simulated
//! annealing over swaps of two members at different tables of one round,
//! with a fixed-key random stream (deterministic for a given seed). Moves
//! favour members in conflict (a repeated meeting at their table, a band
//! broken, a hard rule) and, half the time, partners with the same balanced
//! values (a swap that only changes who meets whom). Its cost, evaluated
//! incrementally per swap:
//!
//! - 100 per broken hard rule (an apart pair at one table, a together pair
//!   split);
//! - per member a (round, table, value) count lies outside ⌊q⌋..⌈q⌉,
//!   q = table size × the value's share among the members present: 2 while
//!   annealing (so the search can cross), 8 in the final tabu search (so
//!   every band is restored);
//! - for every pair, 1 per meeting beyond the first (so distinct pairs met
//!   are maximised) and 20 per meeting beyond the second;
//! - when re-planning, 3 per member moved from the previous plan (so a
//!   swap is made to mend a band or a triple meeting, not for mixing).
//!
//! Pure mixing problems (no balance, rules or earlier plan, everyone
//! present, g tables of s with g a prime power ≥ s) start from the affine
//! resolvable design, which seats g (or g + 1) rounds without any repeat.
//! g² members at g tables of g in up to four rounds (no rules or earlier
//! plan, everyone present, balance allowed) otherwise start from the grid
//! of two orthogonal Latin squares ([`crate::logistics::seating::latin`]), also repeat-free.
//!
//! With balanced categories, mixing is annealed alone first (bands
//! ignored) until no pair meets twice. If it gets there from a dealt
//! start, balance and mixing are annealed together as above; if not
//! (mixing is the hard part), or if a design gave it, the mixing skeleton
//! is kept: bands are mended by exchanging two members' whole schedules,
//! which keeps every pair's meetings, then both kinds of move run at a low
//! temperature. On ten tables of ten (R2) keeping the grid beats annealing
//! both jointly from it, and starting from it beats a dealt start
//! (measured: docs/benchmarks.md, section Seating history).
//!
//! The best plan of the annealing is then improved by a conflict-directed
//! tabu search (the best swap moving a member in conflict, recently moved
//! members tabu for 8-15 steps, random kicks when stuck), as for the social
//! golfer problem.
//!
//! Pinned members never move; rounds before `fixed_rounds` are copied from
//! the previous plan (minus absentees) and only count for mixing.

mod anneal;
mod assess;
mod cost;
pub mod csv;
mod design;
pub mod latin;
mod model;
mod start;
mod tabu;

use anneal::*;
pub use assess::{Assessment, assess};
use cost::*;
use design::*;
pub use model::{Layout, Problem, Seating, table_sizes};
use tabu::*;

use crate::error::Error;
use crate::logistics::members::Category;
use crate::logistics::rules::{Constraint, Kind};
use crate::random::SearchRng;

/// Domain label of the seating search's random stream (not a draw).
pub const SEAT_DOMAIN: &str = "kleroterion/seat/v1";

const HARD: f64 = 100.0;
/// Band weight while annealing (low, so the search can cross the band)
/// and in the final tabu search (high, so every band is restored).
const BAND_SEARCH: f64 = 2.0;
const BAND: f64 = 8.0;
const REPEAT: f64 = 1.0;
const TRIPLE: f64 = 20.0;
/// Re-planning: per member seated elsewhere than in the earlier plan. A
/// swap (two moves, 6) is worth making to mend a band or a triple meeting,
/// not for one more distinct pair; a higher weight saves few more moves
/// and costs pairs (measured: docs/benchmarks.md, section Plan history).
const MOVED: f64 = 3.0;

/// Annealing temperatures (in units of one repeated meeting) for mixing
/// alone.
const START_TEMPERATURE: f64 = 1.0;
const END_TEMPERATURE: f64 = 0.05;
/// After mixing, with bands: the annealing of both, then `REHEATS` more
/// runs from the best plan seen, each starting at `REHEAT_TEMPERATURE`
/// (the moves shared equally). Tuned on R1: the lower start and the
/// reheats each raised the mean of distinct pairs a little (measured:
/// docs/benchmarks.md, section Seating history). At 0.05 a swap costing
/// one repeat is accepted with probability e^-20: the end of a longer
/// schedule is wasted.
const BALANCE_START_TEMPERATURE: f64 = 0.6;
const BALANCE_END_TEMPERATURE: f64 = 0.1;
const REHEATS: usize = 3;
const REHEAT_TEMPERATURE: f64 = 0.4;

/// Balanced problems: share of the annealing moves for mixing alone (it
/// stops early once no pair meets twice), and, when mixing is hard, for
/// mending bands by whole-schedule exchanges; their starting temperatures
/// (schedule exchanges; then both moves, low so the skeleton survives).
/// Tuned on R2, where mixing is hard; checked on R1 and R3 (measured:
/// docs/benchmarks.md, section Seating history).
const MIXING_SHARE: f64 = 0.4;
const SCHEDULE_SHARE: f64 = 0.3;
const SCHEDULE_TEMPERATURE: f64 = 3.0;
const KEEP_TEMPERATURE: f64 = 0.2;

/// Random picks per move looking for a member in conflict.
const CONFLICT_TRIES: usize = 6;

/// Random picks per swap looking for a partner whose swap moves no
/// (table, value) count away from its band: in a balanced plan few swaps
/// keep every band, so blind proposals were nearly all refused (measured:
/// docs/benchmarks.md, section Seating history).
const NEUTRAL_TRIES: usize = 30;

/// The largest search effort accepted: a bound on how long one run may
/// take (measured: docs/benchmarks.md, section Seating history).
pub const MAX_EFFORT: usize = 10_000_000;

/// Default search effort: swaps tried per member per round.
pub const DEFAULT_EFFORT: usize = 60_000;

/// The most swaps one annealing search tries, whatever the effort: at
/// about a microsecond a swap, the default effort on thousands of members
/// would run for many minutes. Above it the effort per member and round is
/// lowered (the report says so); every benchmark case stays below it
/// (docs/benchmarks.md, section Seating).
pub const MAX_MOVES: usize = 60_000_000;

/// The effort a search of `members` over `open_rounds` rounds uses:
/// `effort`, lowered so that effort × members × open rounds stays within
/// [`MAX_MOVES`].
pub fn capped_effort(effort: usize, members: usize, open_rounds: usize) -> usize {
    let per = members.saturating_mul(open_rounds).max(1);
    effort.min((MAX_MOVES / per).max(1))
}

/// Seats everyone present, then improves the plan by annealing. `effort`
/// is the number of swaps tried per member per round.
pub fn solve(problem: &Problem, seed: &str, effort: usize) -> Result<Seating, Error> {
    solve_with(problem, seed, effort, &|_| {})
}

/// [`solve`], telling `progress` the share of the search done (0 to 1)
/// now and then.
pub fn solve_with(
    problem: &Problem,
    seed: &str,
    effort: usize,
    progress: &dyn Fn(f64),
) -> Result<Seating, Error> {
    problem.validate()?;
    let p = problem;
    let n = p.n;
    let effort = capped_effort(effort, n, p.open_rounds());
    let sizes: Vec<Vec<usize>> = (0..p.rounds).map(|r| p.sizes(r)).collect();
    let mut rng = SearchRng::new(SEAT_DOMAIN, seed);
    let previous = p.previous.as_ref().map(|s| {
        (0..p.rounds)
            .map(|r| s.table_of.get(r).cloned().unwrap_or_else(|| vec![None; n]))
            .collect::<Vec<_>>()
    });

    let (table_of, designed) = start::tables(p, &sizes, previous.as_ref(), &mut rng);
    let mut s = cost::start_state(p, &sizes, previous, table_of);

    // Who may move, per round.
    let movable: Vec<Vec<usize>> = (0..p.rounds)
        .map(|r| {
            if r < p.fixed_rounds && p.previous.is_some() {
                return Vec::new();
            }
            p.present(r)
                .into_iter()
                .filter(|&i| p.pin(r, i).is_none())
                .collect()
        })
        .collect();
    let open: Vec<usize> = (0..p.rounds).filter(|&r| movable[r].len() >= 2).collect();
    // Per round, per member: the movable members with the same values.
    let twins: Vec<Vec<Vec<usize>>> = movable
        .iter()
        .map(|m| {
            let mut groups: std::collections::BTreeMap<Vec<usize>, Vec<usize>> = Default::default();
            for &i in m {
                let key: Vec<usize> = p.categories.iter().map(|c| c.of_member[i]).collect();
                groups.entry(key).or_default().push(i);
            }
            let mut out = vec![Vec::new(); n];
            for g in groups.values() {
                for &i in g {
                    out[i] = g.clone();
                }
            }
            out
        })
        .collect();
    if open.is_empty() {
        return Ok(export(&s));
    }
    let moves = effort.saturating_mul(n).saturating_mul(open.len());
    let search = Search {
        movable: &movable,
        open: &open,
        twins: &twins,
        progress,
        total: moves,
        before: std::cell::Cell::new(0),
    };
    let (t0, t1) = (START_TEMPERATURE, END_TEMPERATURE);
    let s = if p.categories.is_empty() {
        s.band = BAND_SEARCH;
        search
            .anneal(s, &mut rng, moves, (t0, t1), Moves::Swaps, false)
            .0
    } else {
        // Mixing alone first (bands ignored), stopping once no pair meets
        // twice. If mixing is easy (no repeats), balance and mixing are
        // then annealed together; if it is hard, the mixing skeleton is
        // kept: bands are mended by exchanging whole schedules (which keeps
        // every pair's meetings), then both moves at a low temperature.
        s.band = 0.0;
        let first = (moves as f64 * MIXING_SHARE) as usize;
        let (s, used) = search.anneal(s, &mut rng, first, (t0, t1), Moves::Swaps, true);
        let (t0, t1) = (BALANCE_START_TEMPERATURE, BALANCE_END_TEMPERATURE);
        let left = moves - used;
        let s = State {
            band: BAND_SEARCH,
            ..s
        };
        if s.avoidable_repeats() == 0 && !designed {
            // Balance and mixing together, then a few reheats from the
            // best plan seen.
            let share = left / (REHEATS + 1);
            let mut s = search
                .anneal(s, &mut rng, share, (t0, t1), Moves::Swaps, false)
                .0;
            for _ in 0..REHEATS {
                s = search
                    .anneal(
                        s,
                        &mut rng,
                        share,
                        (REHEAT_TEMPERATURE, t1),
                        Moves::Swaps,
                        false,
                    )
                    .0;
            }
            s
        } else {
            let second = (moves as f64 * SCHEDULE_SHARE) as usize;
            let (s, _) = search.anneal(
                s,
                &mut rng,
                second,
                (SCHEDULE_TEMPERATURE, t1),
                Moves::Schedules,
                false,
            );
            let s = State { band: BAND, ..s };
            search
                .anneal(
                    s,
                    &mut rng,
                    left.saturating_sub(second),
                    (KEEP_TEMPERATURE, t1),
                    Moves::Both,
                    false,
                )
                .0
        }
    };
    let mut s = s;
    s.band = BAND;
    let per = if p.constraints.is_empty() {
        TABU_POLISH_PER_EFFORT
    } else {
        TABU_RULES_PER_EFFORT
    };
    let polish = tabu_iterations(effort, n, per);
    let mut s = tabu_search(s, &movable, &open, 0.0, &mut rng, polish);
    // A band still broken: mend it first, whatever it costs in mixing.
    let broken = |s: &State| {
        open.iter()
            .any(|&r| movable[r].iter().any(|&i| s.out_of_band(r, i)))
    };
    if broken(&s) {
        s.band = HARD;
        let mend = tabu_iterations(effort, n, TABU_MEND_PER_EFFORT);
        s = tabu_search(s, &movable, &open, 0.0, &mut rng, mend);
    }
    Ok(export(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_effort_is_lowered_only_past_the_move_budget() {
        // Every benchmark case keeps the default effort ...
        assert_eq!(capped_effort(DEFAULT_EFFORT, 110, 6), DEFAULT_EFFORT);
        assert_eq!(capped_effort(DEFAULT_EFFORT, 166, 6), DEFAULT_EFFORT);
        // ... and 2,000 members over 8 rounds search a minute, not 16.
        assert_eq!(capped_effort(DEFAULT_EFFORT, 2000, 8), 3750);
        assert!(capped_effort(MAX_EFFORT, 2000, 8) * 2000 * 8 <= MAX_MOVES);
        assert_eq!(capped_effort(5, 1_000_000, 1000), 1);
    }

    /// The whole cost from scratch (pairs and bands only).
    fn total(s: &State) -> f64 {
        let n = s.p.n;
        let mut c = 0.0;
        for a in 0..n {
            for b in a + 1..n {
                c += pair_cost(s.meet[a * n + b]);
            }
        }
        for r in 0..s.p.rounds {
            for (t, counts) in s.counts[r].iter().enumerate() {
                for (v, &k) in counts.iter().enumerate() {
                    c += BAND * excess(k, s.bands[r][t][v]);
                }
            }
        }
        c
    }

    #[test]
    fn progress_is_told_shares_that_rise_from_0_and_stay_within_1() {
        let p = Problem {
            categories: vec![Category {
                name: "g".into(),
                values: vec!["a".into(), "b".into()],
                of_member: (0..60).map(|i| i % 2).collect(),
            }],
            ..plain(60, 6, 5)
        };
        let told = std::cell::RefCell::new(Vec::new());
        let with = solve_with(&p, "x", 2000, &|f| told.borrow_mut().push(f)).unwrap();
        let told = told.into_inner();
        assert!(told.len() > 3, "{told:?}");
        assert_eq!(told[0], 0.0);
        assert!(told.windows(2).all(|w| w[0] <= w[1]), "{told:?}");
        assert!(told.iter().all(|&f| (0.0..=1.0).contains(&f)), "{told:?}");
        // Being told changes nothing.
        assert_eq!(with.table_of, solve(&p, "x", 2000).unwrap().table_of);
    }

    #[test]
    fn swap_deltas_match_recomputed_costs() {
        let cats = vec![
            Category {
                name: "g".into(),
                values: vec!["a".into(), "b".into()],
                of_member: (0..30).map(|i| i % 2).collect(),
            },
            Category {
                name: "h".into(),
                values: vec!["x".into(), "y".into(), "z".into()],
                of_member: (0..30).map(|i| (i * 7) % 3).collect(),
            },
        ];
        let p = Problem {
            categories: cats,
            ..plain(30, 5, 4)
        };
        let plan = solve(&p, "x", 1).unwrap();
        let table_of: Vec<Vec<usize>> = plan
            .table_of
            .iter()
            .map(|r| r.iter().map(|t| t.unwrap()).collect())
            .collect();
        let sizes: Vec<Vec<usize>> = (0..p.rounds).map(|r| p.sizes(r)).collect();
        let empty = State {
            p: &p,
            off: p.offsets(),
            table_of: table_of.clone(),
            members: sizes.iter().map(|s| vec![Vec::new(); s.len()]).collect(),
            counts: sizes.iter().map(|s| vec![vec![0; 5]; s.len()]).collect(),
            bands: p.bands(&sizes),
            meet: vec![0; 900],
            apart: vec![Vec::new(); 30],
            together: Vec::new(),
            together_of: vec![Vec::new(); 30],
            previous: None,
            band: BAND,
            mask: Vec::new(),
            lose: Vec::new(),
            gain: Vec::new(),
            out: Vec::new(),
        };
        let mut s = rebuild(empty, table_of);
        let mut rng = SearchRng::new("test", "swaps");
        for _ in 0..2000 {
            let r = rng.below(5) as usize;
            let a = rng.below(30) as usize;
            let b = rng.below(30) as usize;
            if s.table_of[r][a] == s.table_of[r][b] {
                continue;
            }
            let before = total(&s);
            let d = s.delta(r, a, b);
            let neutral = s.neutral(r, a, b);
            assert_eq!(neutral, s.neutral_by_counts(r, a, b));
            let band_delta = s.band_delta(r, a, b);
            let cells = |s: &State| -> Vec<f64> {
                s.counts[r]
                    .iter()
                    .zip(&s.bands[r])
                    .flat_map(|(k, b)| k.iter().zip(b).map(|(&k, &b)| excess(k, b)))
                    .collect()
            };
            let cells_before = cells(&s);
            s.swap(r, a, b);
            assert!(
                (total(&s) - before - d).abs() < 1e-9,
                "delta {d} vs {}",
                total(&s) - before
            );
            // The masks' verdicts agree with a recount: a neutral swap
            // leaves no cell further from its band; out_of_band is exact.
            let cells_after = cells(&s);
            let sum = |c: &[f64]| c.iter().sum::<f64>();
            assert_eq!(
                f64::from(band_delta),
                sum(&cells_after) - sum(&cells_before)
            );
            if neutral {
                assert!(cells_after.iter().zip(&cells_before).all(|(x, y)| x <= y));
            }
            for i in 0..30 {
                let t = s.table_of[r][i];
                let slow = (0..2).any(|c| {
                    let v = s.value(i, c);
                    excess(s.counts[r][t][v], s.bands[r][t][v]) > 0.0
                });
                assert_eq!(s.out_of_band(r, i), slow);
            }
        }
    }

    #[test]
    fn finite_fields_multiply_and_designs_never_repeat_a_pair() {
        for q in [2, 3, 4, 5, 7, 8, 9, 16, 25, 27] {
            let f = Field::new(q).unwrap();
            // Every non-zero element has an inverse: multiplication by a is
            // a bijection.
            for a in 1..q {
                let mut seen: Vec<usize> = (0..q).map(|b| f.mul(a, b)).collect();
                seen.sort_unstable();
                assert_eq!(seen, (0..q).collect::<Vec<_>>(), "GF({q}) times {a}");
            }
        }
        assert!(Field::new(6).is_none() && Field::new(12).is_none());
        let p = plain(32, 9, 4);
        let d = affine_design(&p).unwrap();
        assert_eq!(d.len(), 9);
        let mut met = std::collections::HashSet::new();
        for round in &d {
            for a in 0..32 {
                for b in a + 1..32 {
                    if round[a] == round[b] {
                        assert!(met.insert((a, b)), "{a} and {b} meet twice");
                    }
                }
            }
            for t in 0..8 {
                assert_eq!(round.iter().filter(|&&x| x == t).count(), 4);
            }
        }
        assert_eq!(met.len(), 9 * 8 * 6);
    }

    #[test]
    fn table_sizes_are_near_equal() {
        assert_eq!(table_sizes(110, 8), [vec![8; 12], vec![7; 2]].concat());
        assert_eq!(table_sizes(100, 8), [vec![8; 9], vec![7; 4]].concat());
        assert_eq!(table_sizes(100, 10), vec![10; 10]);
        assert_eq!(table_sizes(15, 3), vec![3; 5]);
        assert_eq!(table_sizes(0, 8), Vec::<usize>::new());
        assert_eq!(Layout::Tables(4).sizes(9), vec![3, 2, 2, 2]);
        assert_eq!(Layout::Tables(14).sizes(110), Layout::Size(8).sizes(110));
        assert_eq!(Layout::Tables(5).sizes(3), vec![1, 1, 1]);
    }

    fn plain(n: usize, rounds: usize, size: usize) -> Problem {
        Problem {
            n,
            rounds,
            layout: vec![Layout::Size(size); rounds],
            categories: Vec::new(),
            constraints: Vec::new(),
            previous: None,
            fixed_rounds: 0,
        }
    }

    #[test]
    fn ten_tables_of_ten_meet_without_repeats_for_four_rounds() {
        // 10 is no prime power: the grid of two orthogonal Latin squares.
        let p = plain(100, 4, 10);
        let s = solve(&p, "grid", 100).unwrap();
        let a = assess(&p, &s, &|_| String::new());
        assert_eq!(a.pair_bound, 1800);
        assert_eq!(a.distinct_pairs, 1800, "{:?}", a.histogram);
        assert!(grid_design(&plain(100, 5, 10), &mut SearchRng::new("t", "t")).is_none());
    }

    #[test]
    fn kirkman_schoolgirls_meet_without_repeats() {
        // 15 in 5 tables of 3 for 7 rounds: every pair exactly once.
        let p = plain(15, 7, 3);
        let s = solve(&p, "kirkman", DEFAULT_EFFORT).unwrap();
        let a = assess(&p, &s, &|_| String::new());
        assert_eq!(a.pair_bound, 105);
        assert_eq!(a.distinct_pairs, 105, "{:?}", a.histogram);
    }
}
