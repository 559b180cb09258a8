//! Conflict-directed tabu search: the best swap moving a member in
//! conflict, recently moved members tabu, random kicks when stuck.

use super::*;

/// The "round" of a tabu move that exchanges whole schedules.
pub(super) const WHOLE: usize = usize::MAX;

/// Tabu steps without a new best before a kick of random swaps.
pub(super) const TABU_PATIENCE: usize = 300;
pub(super) const TABU_KICK: usize = 4;

/// Tabu search iterations per unit of effort per member: a short polish
/// after the annealing (on R1 it gained nothing once the annealing proposed
/// band-keeping swaps); a longer one where rules (apart, together, pins)
/// constrain the swaps, as in the example assembly, where the extra time
/// buys pairs; and a pass that mends a band still broken (measured:
/// docs/benchmarks.md, sections Seating history and Plan history).
pub(super) const TABU_POLISH_PER_EFFORT: f64 = 0.000_045;
pub(super) const TABU_RULES_PER_EFFORT: f64 = 0.001_5;
pub(super) const TABU_MEND_PER_EFFORT: f64 = 0.000_5;

pub(super) fn tabu_iterations(effort: usize, n: usize, per: f64) -> usize {
    ((effort as f64 * n as f64 * per) as usize).max(1)
}

/// Costs are relative to the start (only differences matter). Stops when
/// nobody is in conflict or after its iterations.
///
/// Conflict-directed tabu search (as for the social golfer problem): each
/// step makes the best swap that moves a member in conflict, unless the
/// member moved recently (tenure 8-15 steps) and the swap does not beat
/// the best plan; keeps the best plan seen.
pub(super) fn tabu_search<'a>(
    mut s: State<'a>,
    movable: &[Vec<usize>],
    open: &[usize],
    start_cost: f64,
    rng: &mut SearchRng,
    iterations: usize,
) -> State<'a> {
    let p = s.p;
    let mut tabu = vec![vec![0usize; p.n]; p.rounds];
    let mut tabu_whole = vec![0usize; p.n];
    let mut done = Vec::new();
    let mut current = start_cost;
    let mut best = (current, s.table_of.clone());
    let mut since_best = 0;
    for it in 1..=iterations {
        let mut choice: Option<(f64, usize, usize, usize)> = None;
        let mut ties = 0u64;
        for &r in open {
            for &a in &movable[r] {
                if !s.in_conflict(r, a) {
                    continue;
                }
                for &b in &movable[r] {
                    if s.table_of[r][a] == s.table_of[r][b] {
                        continue;
                    }
                    let d = s.delta(r, a, b);
                    let free = tabu[r][a] <= it && tabu[r][b] <= it;
                    if !free && current + d >= best.0 - 1e-9 {
                        continue;
                    }
                    match choice {
                        Some((bd, ..)) if d > bd + 1e-12 => {}
                        Some((bd, ..)) if (d - bd).abs() <= 1e-12 => {
                            ties += 1;
                            if rng.below(ties + 1) == 0 {
                                choice = Some((d, r, a, b));
                            }
                        }
                        _ => {
                            ties = 0;
                            choice = Some((d, r, a, b));
                        }
                    }
                }
            }
        }
        // Whole-schedule exchanges for members outside a band: they keep
        // every pair's meetings and only move balance.
        if !p.categories.is_empty() {
            let mut seen = vec![false; p.n];
            for &r in open {
                for &a in &movable[r] {
                    if seen[a] || !s.out_of_band(r, a) {
                        continue;
                    }
                    seen[a] = true;
                    for b in 0..p.n {
                        if b == a {
                            continue;
                        }
                        let d = s.exchange(open, movable, a, b, &mut done);
                        s.undo(a, b, &done);
                        if done.is_empty() {
                            continue;
                        }
                        let free = tabu_whole[a] <= it && tabu_whole[b] <= it;
                        if !free && current + d >= best.0 - 1e-9 {
                            continue;
                        }
                        if choice.is_none_or(|(bd, ..)| d < bd - 1e-12) {
                            choice = Some((d, WHOLE, a, b));
                        }
                    }
                }
            }
        }
        let Some((d, r, a, b)) = choice else {
            if !open
                .iter()
                .any(|&r| movable[r].iter().any(|&a| s.in_conflict(r, a)))
            {
                break; // nobody in conflict: nothing left to improve
            }
            kick(&mut s, open, movable, &mut current, rng); // every move tabu
            continue;
        };
        let tenure = 8 + rng.below(8) as usize;
        if r == WHOLE {
            s.exchange(open, movable, a, b, &mut done);
            tabu_whole[a] = it + tenure;
            tabu_whole[b] = it + tenure;
        } else {
            s.swap(r, a, b);
            tabu[r][a] = it + tenure;
            tabu[r][b] = it + tenure;
        }
        current += d;
        if current < best.0 - 1e-9 {
            best = (current, s.table_of.clone());
            since_best = 0;
        } else {
            since_best += 1;
        }
        // Stuck: a few random swaps to leave the basin.
        if since_best >= TABU_PATIENCE {
            kick(&mut s, open, movable, &mut current, rng);
            since_best = 0;
        }
    }
    if best.1 == s.table_of {
        s
    } else {
        rebuild(s, best.1)
    }
}

/// A few random swaps to leave a basin.
pub(super) fn kick(
    s: &mut State,
    open: &[usize],
    movable: &[Vec<usize>],
    current: &mut f64,
    rng: &mut SearchRng,
) {
    for _ in 0..TABU_KICK {
        let r = open[rng.index(open.len())];
        let m = &movable[r];
        let a = m[rng.index(m.len())];
        let b = m[rng.index(m.len())];
        if s.table_of[r][a] != s.table_of[r][b] {
            *current += s.delta(r, a, b);
            s.swap(r, a, b);
        }
    }
}
