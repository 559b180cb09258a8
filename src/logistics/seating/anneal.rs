//! Simulated annealing over swaps within a round, or exchanges of two
//! members' whole schedules, on the shared schedule and acceptance rule
//! ([`crate::random::anneal`]).

use super::*;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Moves {
    /// Two members of one round exchange tables.
    Swaps,
    /// Two members exchange their tables in every round both can move in
    /// (every pair's meeting count is kept: only balance and rules change).
    Schedules,
    /// Both kinds (one in four a schedule exchange).
    Both,
}

/// What the annealing may move.
pub(super) struct Search<'x> {
    pub(super) movable: &'x [Vec<usize>],
    pub(super) open: &'x [usize],
    pub(super) twins: &'x [Vec<Vec<usize>>],
    /// Told the share of the search done, now and then.
    pub(super) progress: &'x dyn Fn(f64),
    /// Moves of the whole search, and those of earlier anneals.
    pub(super) total: usize,
    pub(super) before: std::cell::Cell<usize>,
}

impl Search<'_> {
    /// Simulated annealing from `temperatures.0` down to `.1` over `moves`
    /// moves; returns the best plan seen (costs at the state's weights).
    pub(super) fn anneal<'a>(
        &self,
        mut s: State<'a>,
        rng: &mut SearchRng,
        moves: usize,
        (t0, t1): (f64, f64),
        kind: Moves,
        stop_when_mixed: bool,
    ) -> (State<'a>, usize) {
        let (movable, open, twins) = (self.movable, self.open, self.twins);
        let mut schedule = crate::random::anneal::Schedule::new((t0, t1), moves, 4096);
        let mut current = 0.0f64;
        let mut best = (0.0f64, s.table_of.clone());
        let mut done: Vec<usize> = Vec::new();
        let mut used = moves;
        for step in 0..moves {
            if step % (1 << 16) == 0 {
                (self.progress)((self.before.get() + step) as f64 / self.total.max(1) as f64);
            }
            let temperature = schedule.at(step);
            if stop_when_mixed && step % (1 << 16) == 0 && s.avoidable_repeats() == 0 {
                used = step;
                break;
            }
            let r = open[rng.index(open.len())];
            let m = &movable[r];
            let whole = match kind {
                Moves::Swaps => false,
                Moves::Schedules => true,
                Moves::Both => rng.below(4) == 0,
            };
            // Prefer a member in conflict: moves of others rarely help once
            // the plan is good.
            let mut a = m[rng.index(m.len())];
            for _ in 0..CONFLICT_TRIES {
                if s.in_conflict(r, a) {
                    break;
                }
                a = m[rng.index(m.len())];
            }
            // Half the time (single swaps), a partner with the same balanced
            // values (the swap keeps every table's balance).
            let same = &twins[r][a];
            let b = if !whole && same.len() > 1 && rng.next_word() & 1 == 0 {
                same[rng.index(same.len())]
            } else {
                let mut b = m[rng.index(m.len())];
                if !whole && s.band > 0.0 {
                    for _ in 0..NEUTRAL_TRIES {
                        if s.table_of[r][a] != s.table_of[r][b] && s.neutral(r, a, b) {
                            break;
                        }
                        b = m[rng.index(m.len())];
                    }
                }
                b
            };
            if a == b || s.table_of[r][a] == s.table_of[r][b] {
                continue;
            }
            let d = if whole {
                s.exchange(open, movable, a, b, &mut done)
            } else {
                s.delta(r, a, b)
            };
            let accept = crate::random::anneal::accept(d, temperature, rng);
            if accept {
                if !whole {
                    s.swap(r, a, b);
                }
                current += d;
                if current < best.0 - 1e-9 {
                    best = (current, s.table_of.clone());
                }
            } else if whole {
                s.undo(a, b, &done);
            }
        }
        self.before.set(self.before.get() + used);
        (rebuild(s, best.1), used)
    }
}
