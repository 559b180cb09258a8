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
//! temperature. (Ten tables of ten, R2 in docs/benchmarks.md, seeds a-h:
//! from the grid 1,782-1,796 pairs; jointly annealed from it instead,
//! seeds a, b and e, 1,767-1,774; from a dealt start, where mixing alone
//! leaves about 8 repeats, 1,771-1,784.)
//!
//! The best plan of the annealing is then improved by a conflict-directed
//! tabu search (the best swap moving a member in conflict, recently moved
//! members tabu for 8-15 steps, random kicks when stuck), as for the social
//! golfer problem.
//!
//! Pinned members never move; rounds before `fixed_rounds` are copied from
//! the previous plan (minus absentees) and only count for mixing.

pub mod csv;
pub mod latin;

use crate::error::Error;
use crate::logistics::members::Category;
use crate::logistics::rules::{Constraint, Kind};
use crate::random::{SearchRng, anneal};

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
/// not for one more distinct pair. (Example assembly, 5 withdrawals after
/// weekend 1: at 0.5, 62 remaining members changed table and 2,518 pairs
/// met; at 3, 33 and 2,488; at 5, 32 and 2,479.)
const MOVED: f64 = 3.0;

/// Annealing temperatures (in units of one repeated meeting) for mixing
/// alone.
const START_TEMPERATURE: f64 = 1.0;
const END_TEMPERATURE: f64 = 0.05;
/// After mixing, with bands: the annealing of both, then `REHEATS` more
/// runs from the best plan seen, each starting at `REHEAT_TEMPERATURE`
/// (the moves shared equally). Tuned on R1 (8 seeds, effort 60,000, with
/// band-keeping proposals): 1.0 → 0.15 gave 2,239-2,248 pairs (mean
/// 2,243.5), 0.6 → 0.1 2,239-2,248 (2,244.5), and with 3 reheats at 0.4
/// 2,241-2,247 (2,244.8). At 0.05 a swap costing one repeat is accepted
/// with probability e^-20: the end of a longer schedule is wasted.
const BALANCE_START_TEMPERATURE: f64 = 0.6;
const BALANCE_END_TEMPERATURE: f64 = 0.1;
const REHEATS: usize = 3;
const REHEAT_TEMPERATURE: f64 = 0.4;

/// Balanced problems: share of the annealing moves for mixing alone (it
/// stops early once no pair meets twice), and, when mixing is hard, for
/// mending bands by whole-schedule exchanges; their starting temperatures
/// (schedule exchanges; then both moves, low so the skeleton survives).
/// Tuned on R2 (1,765 pairs before, 1,780 after), checked on R1 and R3.
const MIXING_SHARE: f64 = 0.4;
const SCHEDULE_SHARE: f64 = 0.3;
const SCHEDULE_TEMPERATURE: f64 = 3.0;
const KEEP_TEMPERATURE: f64 = 0.2;

/// Random picks per move looking for a member in conflict.
const CONFLICT_TRIES: usize = 6;

/// Random picks per swap looking for a partner whose swap moves no
/// (table, value) count away from its band. In a balanced R1 plan only
/// 3.6% of swaps keep every band, so blind proposals were nearly all
/// refused; at effort 20,000 R1 went from 2,233-2,240 pairs (seeds a-d)
/// to 2,236-2,248 (seeds a-h, with 30 picks and a short tabu search).
const NEUTRAL_TRIES: usize = 30;

/// The largest search effort accepted (about an hour and a half on R1).
pub const MAX_EFFORT: usize = 10_000_000;

/// Default search effort: swaps tried per member per round.
pub const DEFAULT_EFFORT: usize = 60_000;

/// A seating problem.
#[derive(Debug, Clone)]
pub struct Problem {
    pub n: usize,
    pub rounds: usize,
    /// Per round: how its tables are sized.
    pub layout: Vec<Layout>,
    pub categories: Vec<Category>,
    pub constraints: Vec<Constraint>,
    /// The plan being revised, if re-planning.
    pub previous: Option<Seating>,
    /// Rounds (from the first) kept as in `previous`.
    pub fixed_rounds: usize,
}

/// How a round's tables are made: near-equal tables of at most `Size`
/// members (⌈present / size⌉ tables), or exactly `Tables` near-equal tables
/// (fewer if fewer members are present).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Size(usize),
    Tables(usize),
}

impl Layout {
    /// Table sizes for `present` members, the larger first.
    pub fn sizes(self, present: usize) -> Vec<usize> {
        match self {
            Layout::Size(s) => table_sizes(present, s),
            Layout::Tables(t) => {
                let tables = t.min(present);
                if tables == 0 {
                    return Vec::new();
                }
                let (base, extra) = (present / tables, present % tables);
                (0..tables).map(|t| base + usize::from(t < extra)).collect()
            }
        }
    }
}

/// A seating: per round, per member, their table (None when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seating {
    pub table_of: Vec<Vec<Option<usize>>>,
}

impl Seating {
    /// Members of each table of `round`, ascending.
    pub fn tables(&self, round: usize) -> Vec<Vec<usize>> {
        let count = self.table_of[round]
            .iter()
            .flatten()
            .map(|&t| t + 1)
            .max()
            .unwrap_or(0);
        let mut out = vec![Vec::new(); count];
        for (i, t) in self.table_of[round].iter().enumerate() {
            if let Some(t) = t {
                out[*t].push(i);
            }
        }
        out
    }
}

/// Table sizes for `present` members at `size`: ⌈present/size⌉ tables, the
/// larger ones first, differing by at most one.
pub fn table_sizes(present: usize, size: usize) -> Vec<usize> {
    if present == 0 || size == 0 {
        return Vec::new();
    }
    let tables = present.div_ceil(size);
    let (base, extra) = (present / tables, present % tables);
    (0..tables).map(|t| base + usize::from(t < extra)).collect()
}

impl Problem {
    fn absent(&self, round: usize, i: usize) -> bool {
        self.constraints
            .iter()
            .any(|c| c.kind == Kind::Absent && c.applies(round) && c.members.contains(&i))
    }

    /// Members present in `round` (for a fixed round: those the previous
    /// plan seated, so newcomers join from the first open round).
    pub fn present(&self, round: usize) -> Vec<usize> {
        let fixed = match &self.previous {
            Some(prev) if round < self.fixed_rounds => Some(prev),
            _ => None,
        };
        (0..self.n)
            .filter(|&i| !self.absent(round, i))
            .filter(|&i| fixed.is_none_or(|p| p.table_of[round][i].is_some()))
            .collect()
    }

    /// Table sizes of `round`: near-equal, or for a fixed round the
    /// previous plan's tables without the members no longer present.
    pub fn sizes(&self, round: usize) -> Vec<usize> {
        if round < self.fixed_rounds
            && let Some(prev) = &self.previous
        {
            let mut sizes = Vec::new();
            for i in self.present(round) {
                if let Some(t) = prev.table_of[round][i] {
                    if t >= sizes.len() {
                        sizes.resize(t + 1, 0);
                    }
                    sizes[t] += 1;
                }
            }
            return sizes;
        }
        self.layout[round].sizes(self.present(round).len())
    }

    fn pin(&self, round: usize, i: usize) -> Option<usize> {
        self.constraints.iter().find_map(|c| match c.kind {
            Kind::Pin(t) if c.applies(round) && c.members.contains(&i) => Some(t),
            _ => None,
        })
    }

    fn offsets(&self) -> Vec<usize> {
        let mut off = Vec::with_capacity(self.categories.len() + 1);
        let mut acc = 0;
        for c in &self.categories {
            off.push(acc);
            acc += c.values.len();
        }
        off.push(acc);
        off
    }

    /// Per round, per table, per flat value: the band ⌊q⌋..⌈q⌉.
    fn bands(&self, sizes: &[Vec<usize>]) -> Vec<Vec<Vec<(u32, u32)>>> {
        let off = self.offsets();
        (0..self.rounds)
            .map(|r| {
                let present = self.present(r);
                let mut share = vec![0.0; off[off.len() - 1]];
                for (c, cat) in self.categories.iter().enumerate() {
                    for &i in &present {
                        share[off[c] + cat.of_member[i]] += 1.0 / present.len().max(1) as f64;
                    }
                }
                sizes[r]
                    .iter()
                    .map(|&s| {
                        share
                            .iter()
                            .map(|&x| {
                                let q = s as f64 * x;
                                // Guard against 2.9999999 for an exact 3.
                                let (lo, hi) = ((q + 1e-9).floor(), (q - 1e-9).ceil());
                                (lo as u32, hi.max(lo) as u32)
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    /// Checks that the constraints can hold together at all.
    pub fn validate(&self) -> Result<(), Error> {
        for r in 0..self.rounds {
            if r < self.fixed_rounds && self.previous.is_some() {
                continue;
            }
            let sizes = self.sizes(r);
            let largest = sizes.iter().copied().max().unwrap_or(0);
            let present = self.present(r);
            for c in &self.constraints {
                if let Kind::Pin(t) = c.kind
                    && c.applies(r)
                    && t >= sizes.len()
                {
                    return Err(Error::Usage(format!(
                        "constraints line {}: round {} has only {} tables, so nobody can be pinned to table {}",
                        c.line,
                        r + 1,
                        sizes.len(),
                        t + 1
                    )));
                }
                let together = c.members.iter().filter(|i| present.contains(i)).count();
                if c.kind == Kind::Together && c.applies(r) && together > largest {
                    return Err(Error::Usage(format!(
                        "constraints line {}: {together} members must sit together in round {} but tables hold at most {largest}",
                        c.line,
                        r + 1
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The search state.
struct State<'a> {
    p: &'a Problem,
    off: Vec<usize>,
    /// [round][member] table or NONE.
    table_of: Vec<Vec<usize>>,
    /// [round][table] members.
    members: Vec<Vec<Vec<usize>>>,
    /// [round][table][flat value] count.
    counts: Vec<Vec<Vec<u32>>>,
    bands: Vec<Vec<Vec<(u32, u32)>>>,
    /// n × n meetings.
    meet: Vec<u16>,
    /// Per member: apart partners with the rounds the rule holds in.
    apart: Vec<Vec<(usize, usize)>>,
    /// Together rules: (members, constraint index).
    together: Vec<usize>,
    /// Per member: the together rules they are in.
    together_of: Vec<Vec<usize>>,
    previous: Option<Vec<Vec<Option<usize>>>>,
    /// Weight of one member outside a band.
    band: f64,
    /// Per member: their values as bits (when there are at most 64 values).
    mask: Vec<u64>,
    /// [round][table]: values whose count may fall by one / rise by one
    /// without leaving the band (or that are outside it on that side).
    lose: Vec<Vec<u64>>,
    gain: Vec<Vec<u64>>,
    /// [round][table]: values outside their band.
    out: Vec<Vec<u64>>,
}

const NONE: usize = usize::MAX;

fn pair_cost(c: u16) -> f64 {
    let c = f64::from(c);
    REPEAT * (c - 1.0).max(0.0) + TRIPLE * (c - 2.0).max(0.0)
}

fn excess(count: u32, (lo, hi): (u32, u32)) -> f64 {
    f64::from(lo.saturating_sub(count) + count.saturating_sub(hi))
}

impl<'a> State<'a> {
    fn value(&self, i: usize, c: usize) -> usize {
        self.off[c] + self.p.categories[c].of_member[i]
    }

    fn together_split(&self, rule: usize, r: usize) -> f64 {
        let c = &self.p.constraints[self.together[rule]];
        if !c.applies(r) {
            return 0.0;
        }
        let m = &c.members;
        let mut split = 0.0;
        for x in 0..m.len() {
            for y in x + 1..m.len() {
                let (a, b) = (self.table_of[r][m[x]], self.table_of[r][m[y]]);
                if a != NONE && b != NONE && a != b {
                    split += 1.0;
                }
            }
        }
        split
    }

    fn moved(&self, r: usize, i: usize, t: usize) -> f64 {
        match &self.previous {
            Some(prev) if prev[r][i].is_some_and(|p| p != t) => MOVED,
            Some(prev) if prev[r][i].is_none() => 0.0,
            _ => 0.0,
        }
    }

    /// Whether `i` meets someone at their table in round `r` for at least a
    /// second time, or sits outside a band, or breaks a hard rule.
    fn in_conflict(&self, r: usize, i: usize) -> bool {
        let n = self.p.n;
        let t = self.table_of[r][i];
        self.members[r][t]
            .iter()
            .any(|&x| x != i && self.meet[i * n + x] >= 2)
            || self.out_of_band(r, i)
            || self.apart[i].iter().any(|&(q, _)| self.table_of[r][q] == t)
            || !self.together_of[i].is_empty()
    }

    /// Meetings beyond the first, over the pairs no together rule ties
    /// (those meet again by rule, not for want of mixing).
    fn avoidable_repeats(&self) -> usize {
        let n = self.p.n;
        let mut tied = Vec::new();
        for &k in &self.together {
            let m = &self.p.constraints[k].members;
            for (x, &a) in m.iter().enumerate() {
                for &b in &m[x + 1..] {
                    tied.push((a.min(b), a.max(b)));
                }
            }
        }
        tied.sort_unstable();
        tied.dedup();
        let forced: usize = tied
            .iter()
            .map(|&(a, b)| usize::from(self.meet[a * n + b].saturating_sub(1)))
            .sum();
        self.repeats() - forced
    }

    /// Meetings beyond the first, over all pairs.
    fn repeats(&self) -> usize {
        self.meet
            .iter()
            .map(|&c| usize::from(c.saturating_sub(1)))
            .sum::<usize>()
            / 2
    }

    /// Whether `i`'s table in round `r` has one of `i`'s values outside its band.
    fn out_of_band(&self, r: usize, i: usize) -> bool {
        let t = self.table_of[r][i];
        if !self.mask.is_empty() {
            return self.mask[i] & self.out[r][t] != 0;
        }
        (0..self.p.categories.len()).any(|c| {
            let v = self.value(i, c);
            excess(self.counts[r][t][v], self.bands[r][t][v]) > 0.0
        })
    }

    /// Exchanges the tables of `a` and `b` in every open round where both
    /// can move (every pair's meeting count is kept); returns the cost
    /// change and the rounds changed (to undo, swap them back in reverse).
    fn exchange(
        &mut self,
        open: &[usize],
        movable: &[Vec<usize>],
        a: usize,
        b: usize,
        done: &mut Vec<usize>,
    ) -> f64 {
        done.clear();
        let mut d = 0.0;
        for &q in open {
            if self.table_of[q][a] != self.table_of[q][b]
                && movable[q].binary_search(&a).is_ok()
                && movable[q].binary_search(&b).is_ok()
            {
                d += self.delta(q, a, b);
                self.swap(q, a, b);
                done.push(q);
            }
        }
        d
    }

    fn undo(&mut self, a: usize, b: usize, done: &[usize]) {
        for &q in done.iter().rev() {
            self.swap(q, a, b);
        }
    }

    /// Whether swapping a and b in round r moves no (table, value) count
    /// further from its band: on the masks when there are at most 64
    /// values, else by counting.
    fn neutral(&self, r: usize, a: usize, b: usize) -> bool {
        if self.mask.is_empty() {
            return self.neutral_by_counts(r, a, b);
        }
        let (ta, tb) = (self.table_of[r][a], self.table_of[r][b]);
        let (ma, mb) = (self.mask[a], self.mask[b]);
        let (only_a, only_b) = (ma & !mb, mb & !ma);
        only_a & !(self.lose[r][ta] & self.gain[r][tb]) == 0
            && only_b & !(self.lose[r][tb] & self.gain[r][ta]) == 0
    }

    /// `neutral` from the counts: each value that leaves a table may fall
    /// there, each that arrives may rise.
    fn neutral_by_counts(&self, r: usize, a: usize, b: usize) -> bool {
        let (ta, tb) = (self.table_of[r][a], self.table_of[r][b]);
        let (ka, kb) = (&self.counts[r][ta], &self.counts[r][tb]);
        let (ba, bb) = (&self.bands[r][ta], &self.bands[r][tb]);
        (0..self.p.categories.len()).all(|c| {
            let (va, vb) = (self.value(a, c), self.value(b, c));
            va == vb
                || (ka[va] > ba[va].0
                    && ka[vb] < ba[vb].1
                    && kb[vb] > bb[vb].0
                    && kb[va] < bb[va].1)
        })
    }

    /// Recomputes the lose/gain masks of table t in round r.
    fn remask(&mut self, r: usize, t: usize) {
        if self.mask.is_empty() {
            return;
        }
        let (mut lose, mut gain, mut out) = (0u64, 0u64, 0u64);
        for (v, (&k, &(lo, hi))) in self.counts[r][t].iter().zip(&self.bands[r][t]).enumerate() {
            if k > lo {
                lose |= 1 << v;
            }
            if k < hi {
                gain |= 1 << v;
            }
            if k < lo || k > hi {
                out |= 1 << v;
            }
        }
        self.lose[r][t] = lose;
        self.gain[r][t] = gain;
        self.out[r][t] = out;
    }

    /// Change in band excess (units) of swapping a and b in round r.
    fn band_delta(&self, r: usize, a: usize, b: usize) -> i32 {
        let (ta, tb) = (self.table_of[r][a], self.table_of[r][b]);
        let (ka, kb) = (&self.counts[r][ta], &self.counts[r][tb]);
        let (ba, bb) = (&self.bands[r][ta], &self.bands[r][tb]);
        let x = |k: u32, band: (u32, u32)| excess(k, band) as i32;
        let mut d = 0;
        for c in 0..self.p.categories.len() {
            let (va, vb) = (self.value(a, c), self.value(b, c));
            if va == vb {
                continue;
            }
            d += x(ka[va] - 1, ba[va]) - x(ka[va], ba[va]) + x(ka[vb] + 1, ba[vb])
                - x(ka[vb], ba[vb])
                + x(kb[vb] - 1, bb[vb])
                - x(kb[vb], bb[vb])
                + x(kb[va] + 1, bb[va])
                - x(kb[va], bb[va]);
        }
        d
    }

    /// Cost change of swapping a (table A) and b (table B) in round r.
    fn delta(&mut self, r: usize, a: usize, b: usize) -> f64 {
        let (ta, tb) = (self.table_of[r][a], self.table_of[r][b]);
        let n = self.p.n;
        let mut d = 0.0;
        for &x in &self.members[r][ta] {
            if x == a {
                continue;
            }
            let (ca, cb) = (self.meet[a * n + x], self.meet[b * n + x]);
            d += pair_cost(ca - 1) - pair_cost(ca) + pair_cost(cb + 1) - pair_cost(cb);
        }
        for &y in &self.members[r][tb] {
            if y == b {
                continue;
            }
            let (cb, ca) = (self.meet[b * n + y], self.meet[a * n + y]);
            d += pair_cost(cb - 1) - pair_cost(cb) + pair_cost(ca + 1) - pair_cost(ca);
        }
        d += self.band * f64::from(self.band_delta(r, a, b));
        for (me, other, from, to) in [(a, b, ta, tb), (b, a, tb, ta)] {
            for &(q, rule) in &self.apart[me] {
                if q == other || !self.p.constraints[rule].applies(r) {
                    continue;
                }
                let tq = self.table_of[r][q];
                if tq == from {
                    d -= HARD;
                } else if tq == to {
                    d += HARD;
                }
            }
            d += self.moved(r, me, to) - self.moved(r, me, from);
        }
        if !self.together_of[a].is_empty() || !self.together_of[b].is_empty() {
            let mut rules: Vec<usize> = self.together_of[a].clone();
            rules.extend(&self.together_of[b]);
            rules.sort_unstable();
            rules.dedup();
            let before: f64 = rules.iter().map(|&k| self.together_split(k, r)).sum();
            self.table_of[r][a] = tb;
            self.table_of[r][b] = ta;
            let after: f64 = rules.iter().map(|&k| self.together_split(k, r)).sum();
            self.table_of[r][a] = ta;
            self.table_of[r][b] = tb;
            d += HARD * (after - before);
        }
        d
    }

    fn swap(&mut self, r: usize, a: usize, b: usize) {
        let (ta, tb) = (self.table_of[r][a], self.table_of[r][b]);
        let n = self.p.n;
        for &x in &self.members[r][ta] {
            if x != a {
                self.meet[a * n + x] -= 1;
                self.meet[x * n + a] -= 1;
                self.meet[b * n + x] += 1;
                self.meet[x * n + b] += 1;
            }
        }
        for &y in &self.members[r][tb] {
            if y != b {
                self.meet[b * n + y] -= 1;
                self.meet[y * n + b] -= 1;
                self.meet[a * n + y] += 1;
                self.meet[y * n + a] += 1;
            }
        }
        for c in 0..self.p.categories.len() {
            let (va, vb) = (self.value(a, c), self.value(b, c));
            self.counts[r][ta][va] -= 1;
            self.counts[r][ta][vb] += 1;
            self.counts[r][tb][vb] -= 1;
            self.counts[r][tb][va] += 1;
        }
        let pa = self.members[r][ta]
            .iter()
            .position(|&x| x == a)
            .expect("a at A");
        let pb = self.members[r][tb]
            .iter()
            .position(|&x| x == b)
            .expect("b at B");
        self.members[r][ta][pa] = b;
        self.members[r][tb][pb] = a;
        self.table_of[r][a] = tb;
        self.table_of[r][b] = ta;
        self.remask(r, ta);
        self.remask(r, tb);
    }
}

/// Seats everyone present, then improves the plan by annealing. `effort`
/// is the number of swaps tried per member per round.
pub fn solve(problem: &Problem, seed: &str, effort: usize) -> Result<Seating, Error> {
    problem.validate()?;
    let p = problem;
    let n = p.n;
    let off = p.offsets();
    let sizes: Vec<Vec<usize>> = (0..p.rounds).map(|r| p.sizes(r)).collect();
    let mut rng = SearchRng::new(SEAT_DOMAIN, seed);
    let previous = p.previous.as_ref().map(|s| {
        (0..p.rounds)
            .map(|r| s.table_of.get(r).cloned().unwrap_or_else(|| vec![None; n]))
            .collect::<Vec<_>>()
    });

    // Initial tables: an affine design (pure mixing) or the Latin-square
    // grid where one fits, else dealt by values.
    let design = affine_design(p).or_else(|| grid_design(p, &mut rng));
    let mut table_of = vec![vec![NONE; n]; p.rounds];
    for r in 0..p.rounds {
        if let Some(tables) = design.as_ref().and_then(|d| d.get(r)) {
            table_of[r].clone_from(tables);
            continue;
        }
        let mut free: Vec<usize> = sizes[r].clone();
        let place = |i: usize, t: usize, table_of: &mut Vec<Vec<usize>>, free: &mut Vec<usize>| {
            table_of[r][i] = t;
            free[t] -= 1;
        };
        let present = p.present(r);
        let fixed = r < p.fixed_rounds && previous.is_some();
        // Pins (not in fixed rounds: those were held as they were), then the
        // previous plan.
        for &i in &present {
            if let Some(t) = p.pin(r, i).filter(|_| !fixed)
                && free[t] > 0
            {
                place(i, t, &mut table_of, &mut free);
            }
        }
        if let Some(prev) = &previous {
            for &i in &present {
                if table_of[r][i] == NONE
                    && let Some(t) = prev[r][i]
                    && t < free.len()
                    && free[t] > 0
                {
                    place(i, t, &mut table_of, &mut free);
                }
            }
        }
        // Together clusters at the table with most room.
        for c in &p.constraints {
            if c.kind != Kind::Together || !c.applies(r) || fixed {
                continue;
            }
            let left: Vec<usize> = c
                .members
                .iter()
                .copied()
                .filter(|&i| table_of[r][i] == NONE && present.contains(&i))
                .collect();
            if left.is_empty() {
                continue;
            }
            let anchor = c
                .members
                .iter()
                .map(|&i| table_of[r][i])
                .find(|&t| t != NONE);
            let t = anchor
                .filter(|&t| free[t] >= left.len())
                .unwrap_or_else(|| {
                    (0..free.len())
                        .max_by_key(|&t| (free[t], usize::MAX - t))
                        .unwrap_or(0)
                });
            for i in left {
                if free[t] > 0 {
                    place(i, t, &mut table_of, &mut free);
                }
            }
        }
        // Everyone else, in order of their values (so each table gets a
        // spread), dealt to the tables in turn, shifted per round.
        let mut rest: Vec<usize> = present
            .iter()
            .copied()
            .filter(|&i| table_of[r][i] == NONE)
            .collect();
        rest.sort_by_key(|&i| {
            (
                p.categories
                    .iter()
                    .map(|c| c.of_member[i])
                    .collect::<Vec<_>>(),
                i,
            )
        });
        let tables = free.len();
        let mut t = r % tables.max(1);
        for i in rest {
            let mut tries = 0;
            while free[t] == 0 && tries < tables {
                t = (t + 1) % tables;
                tries += 1;
            }
            place(i, t, &mut table_of, &mut free);
            t = (t + 1) % tables;
        }
    }

    // Indices for the search.
    let mut apart = vec![Vec::new(); n];
    let mut together = Vec::new();
    let mut together_of = vec![Vec::new(); n];
    for (k, c) in p.constraints.iter().enumerate() {
        match c.kind {
            Kind::Apart => {
                for &x in &c.members {
                    for &y in &c.members {
                        if x != y {
                            apart[x].push((y, k));
                        }
                    }
                }
            }
            Kind::Together => {
                for &x in &c.members {
                    together_of[x].push(together.len());
                }
                together.push(k);
            }
            _ => {}
        }
    }
    let bands = p.bands(&sizes);
    let values = off[off.len() - 1];
    let empty = State {
        p,
        off,
        table_of: Vec::new(),
        members: sizes.iter().map(|s| vec![Vec::new(); s.len()]).collect(),
        counts: sizes
            .iter()
            .map(|s| vec![vec![0; values]; s.len()])
            .collect(),
        bands,
        meet: Vec::new(),
        apart,
        together,
        together_of,
        previous,
        band: BAND_SEARCH,
        mask: Vec::new(),
        lose: Vec::new(),
        gain: Vec::new(),
        out: Vec::new(),
    };
    let mut s = rebuild(empty, table_of);

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
        if s.avoidable_repeats() == 0 && design.is_none() {
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

/// Arithmetic in the finite field GF(p^k), elements as integers whose
/// base-p digits are polynomial coefficients.
struct Field {
    p: usize,
    k: usize,
    /// The monic irreducible polynomial's lower coefficients.
    modulus: Vec<usize>,
}

impl Field {
    /// GF(q) if q is a prime power (q ≥ 2).
    fn new(q: usize) -> Option<Field> {
        let p = (2..=q).find(|d| q % d == 0)?;
        let mut k = 0;
        let mut x = q;
        while x % p == 0 {
            x /= p;
            k += 1;
        }
        if x != 1 {
            return None;
        }
        // The first monic polynomial of degree k with no factor of degree
        // 1..=k/2 (found by trying every lower-degree monic divisor).
        let field = |modulus: Vec<usize>| Field { p, k, modulus };
        if k == 1 {
            return Some(field(vec![0]));
        }
        'candidate: for c in 0..q {
            let poly: Vec<usize> = (0..k).map(|i| c / p.pow(i as u32) % p).chain([1]).collect();
            for d in 1..=k / 2 {
                for e in 0..p.pow(d as u32) {
                    let div: Vec<usize> =
                        (0..d).map(|i| e / p.pow(i as u32) % p).chain([1]).collect();
                    if poly_rem(&poly, &div, p).iter().all(|&x| x == 0) {
                        continue 'candidate;
                    }
                }
            }
            return Some(field(poly[..k].to_vec()));
        }
        None
    }

    fn digits(&self, a: usize) -> Vec<usize> {
        (0..self.k)
            .map(|i| a / self.p.pow(i as u32) % self.p)
            .collect()
    }

    fn number(&self, d: &[usize]) -> usize {
        d.iter().rev().fold(0, |acc, &x| acc * self.p + x)
    }

    fn add(&self, a: usize, b: usize) -> usize {
        let (x, y) = (self.digits(a), self.digits(b));
        self.number(
            &x.iter()
                .zip(&y)
                .map(|(u, v)| (u + v) % self.p)
                .collect::<Vec<_>>(),
        )
    }

    fn mul(&self, a: usize, b: usize) -> usize {
        let (x, y) = (self.digits(a), self.digits(b));
        let mut prod = vec![0; 2 * self.k];
        for (i, u) in x.iter().enumerate() {
            for (j, v) in y.iter().enumerate() {
                prod[i + j] = (prod[i + j] + u * v) % self.p;
            }
        }
        let mut modulus = self.modulus.clone();
        modulus.push(1);
        let r = poly_rem(&prod, &modulus, self.p);
        self.number(&r[..self.k])
    }
}

/// Remainder of polynomial `a` by monic `m` over GF(p) (coefficients
/// lowest first), padded to `a`'s length.
fn poly_rem(a: &[usize], m: &[usize], p: usize) -> Vec<usize> {
    let mut r = a.to_vec();
    let dm = m.len() - 1;
    for i in (dm..r.len()).rev() {
        let c = r[i];
        if c != 0 {
            for (j, &mj) in m.iter().enumerate() {
                let at = i - dm + j;
                r[at] = (r[at] + p * p - c * mj % p) % p;
            }
        }
    }
    r
}

/// For pure mixing (no balance, rules or earlier plan; everyone present;
/// g tables of s with g a prime power ≥ s): the affine resolvable design.
/// Member x·s + y (x < g, y < s) sits at table x + e·y in round e (field
/// arithmetic), so over g rounds every pair from different y-classes meets
/// exactly once; if s divides g, one more round seats each y-class in
/// tables of s. Returns those rounds (at most `p.rounds`).
fn affine_design(p: &Problem) -> Option<Vec<Vec<usize>>> {
    if !p.categories.is_empty() || !p.constraints.is_empty() || p.previous.is_some() {
        return None;
    }
    let sizes = p.sizes(0);
    let s = *sizes.first()?;
    let g = sizes.len();
    if s < 2 || s > g || sizes.iter().any(|&x| x != s) || g * s != p.n {
        return None;
    }
    if (0..p.rounds).any(|r| p.sizes(r) != sizes || p.present(r).len() != p.n) {
        return None;
    }
    let f = Field::new(g)?;
    let mut out = Vec::new();
    for e in 0..g.min(p.rounds) {
        out.push((0..p.n).map(|i| f.add(i / s, f.mul(e, i % s))).collect());
    }
    if p.rounds > g && g % s == 0 {
        out.push((0..p.n).map(|i| (i % s) * (g / s) + (i / s) / s).collect());
    }
    Some(out)
}

/// For g² members at g tables of g in at most four rounds, everyone
/// present and no rules or earlier plan (balance allowed), where the
/// affine design does not apply: member r·g + c sits at table r, c, L[r][c]
/// and M[r][c] in rounds 1-4, for a pair of orthogonal Latin squares L, M
/// found by search (see [`crate::logistics::seating::latin`]), so no pair meets twice. None if
/// the search finds no pair.
fn grid_design(p: &Problem, rng: &mut SearchRng) -> Option<Vec<Vec<usize>>> {
    if !p.constraints.is_empty() || p.previous.is_some() || p.rounds > 4 {
        return None;
    }
    let g = p.sizes(0).len();
    if g < 3 || g * g != p.n {
        return None;
    }
    if (0..p.rounds).any(|r| p.sizes(r) != vec![g; g] || p.present(r).len() != p.n) {
        return None;
    }
    let (l, m) = crate::logistics::seating::latin::orthogonal_pair(g, rng)?;
    let rounds = [
        (0..p.n).map(|i| i / g).collect(),
        (0..p.n).map(|i| i % g).collect(),
        (0..p.n).map(|i| l[i / g][i % g]).collect(),
        (0..p.n).map(|i| m[i / g][i % g]).collect(),
    ];
    Some(rounds.into_iter().take(p.rounds).collect())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Moves {
    /// Two members of one round exchange tables.
    Swaps,
    /// Two members exchange their tables in every round both can move in
    /// (every pair's meeting count is kept: only balance and rules change).
    Schedules,
    /// Both kinds (one in four a schedule exchange).
    Both,
}

/// What the annealing may move.
struct Search<'x> {
    movable: &'x [Vec<usize>],
    open: &'x [usize],
    twins: &'x [Vec<Vec<usize>>],
}

impl Search<'_> {
    /// Simulated annealing from `temperatures.0` down to `.1` over `moves`
    /// moves; returns the best plan seen (costs at the state's weights).
    fn anneal<'a>(
        &self,
        mut s: State<'a>,
        rng: &mut SearchRng,
        moves: usize,
        (t0, t1): (f64, f64),
        kind: Moves,
        stop_when_mixed: bool,
    ) -> (State<'a>, usize) {
        let (movable, open, twins) = (self.movable, self.open, self.twins);
        let mut schedule = anneal::Schedule::new((t0, t1), moves, 4096);
        let mut current = 0.0f64;
        let mut best = (0.0f64, s.table_of.clone());
        let mut done: Vec<usize> = Vec::new();
        let mut used = moves;
        for step in 0..moves {
            let temperature = schedule.at(step);
            if step % 4096 == 0 {
                if stop_when_mixed && step % (1 << 16) == 0 && s.avoidable_repeats() == 0 {
                    used = step;
                    break;
                }
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
            let accept = anneal::accept(d, temperature, rng);
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
        (rebuild(s, best.1), used)
    }
}

/// State with `table_of` replaced and every index recomputed.
fn rebuild<'a>(s: State<'a>, table_of: Vec<Vec<usize>>) -> State<'a> {
    let p = s.p;
    let n = p.n;
    let mut members: Vec<Vec<Vec<usize>>> = s
        .members
        .iter()
        .map(|r| vec![Vec::new(); r.len()])
        .collect();
    let mut counts: Vec<Vec<Vec<u32>>> = s
        .counts
        .iter()
        .map(|r| r.iter().map(|t| vec![0; t.len()]).collect())
        .collect();
    let mut meet = vec![0u16; n * n];
    for r in 0..p.rounds {
        for i in 0..n {
            let t = table_of[r][i];
            if t == NONE {
                continue;
            }
            members[r][t].push(i);
            for (c, cat) in p.categories.iter().enumerate() {
                counts[r][t][s.off[c] + cat.of_member[i]] += 1;
            }
        }
        for table in &members[r] {
            for (x, &a) in table.iter().enumerate() {
                for &b in &table[x + 1..] {
                    meet[a * n + b] += 1;
                    meet[b * n + a] += 1;
                }
            }
        }
    }
    let values = s.off.last().copied().unwrap_or(0);
    let mask = if values <= 64 {
        (0..n)
            .map(|i| {
                (0..p.categories.len())
                    .map(|c| 1u64 << (s.off[c] + p.categories[c].of_member[i]))
                    .fold(0, |m, b| m | b)
            })
            .collect()
    } else {
        Vec::new()
    };
    let tables: Vec<Vec<u64>> = members.iter().map(|r| vec![0; r.len()]).collect();
    let mut s = State {
        table_of,
        members,
        counts,
        meet,
        mask,
        lose: tables.clone(),
        gain: tables.clone(),
        out: tables,
        ..s
    };
    for r in 0..p.rounds {
        for t in 0..s.members[r].len() {
            s.remask(r, t);
        }
    }
    s
}

/// The "round" of a tabu move that exchanges whole schedules.
const WHOLE: usize = usize::MAX;

/// Tabu steps without a new best before a kick of random swaps.
const TABU_PATIENCE: usize = 300;
const TABU_KICK: usize = 4;

/// Tabu search iterations per unit of effort per member: a short polish
/// after the annealing (on R1 it gained nothing in 5.5 s once the annealing
/// proposed band-keeping swaps, so it is kept short); a longer one where
/// rules (apart, together, pins) constrain the swaps, as in the example
/// assembly (effort 5,000: 2,791 pairs with the short polish, 2,803 with
/// this one, in 4.6 s and 8.3 s); and a pass that mends a band still broken.
const TABU_POLISH_PER_EFFORT: f64 = 0.000_045;
const TABU_RULES_PER_EFFORT: f64 = 0.001_5;
const TABU_MEND_PER_EFFORT: f64 = 0.000_5;

fn tabu_iterations(effort: usize, n: usize, per: f64) -> usize {
    ((effort as f64 * n as f64 * per) as usize).max(1)
}

/// Costs are relative to the start (only differences matter). Stops when
/// nobody is in conflict or after its iterations.
///
/// Conflict-directed tabu search (as for the social golfer problem): each
/// step makes the best swap that moves a member in conflict, unless the
/// member moved recently (tenure 8-15 steps) and the swap does not beat
/// the best plan; keeps the best plan seen.
fn tabu_search<'a>(
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
fn kick(
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

fn export(s: &State) -> Seating {
    Seating {
        table_of: s
            .table_of
            .iter()
            .map(|row| row.iter().map(|&t| (t != NONE).then_some(t)).collect())
            .collect(),
    }
}

/// What an organiser needs to trust a seating.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub distinct_pairs: usize,
    /// Σ over rounds and tables of C(size, 2), capped by C(n, 2).
    pub pair_bound: usize,
    /// histogram[c] = pairs meeting c times.
    pub histogram: Vec<usize>,
    pub cells_in_band: usize,
    pub cells: usize,
    /// Largest distance of a (round, table, value) count outside its band.
    pub largest_deviation: u32,
    /// Every broken rule, in words.
    pub unmet: Vec<String>,
}

impl Assessment {
    pub fn max_meetings(&self) -> usize {
        self.histogram.len().saturating_sub(1)
    }
}

/// Measures a seating against the problem (independently of the search).
pub fn assess(
    p: &Problem,
    seating: &Seating,
    describe: &dyn Fn(&Constraint) -> String,
) -> Assessment {
    let n = p.n;
    let mut meet = vec![0u16; n * n];
    let mut bound = 0usize;
    let mut cells = 0;
    let mut in_band = 0;
    let mut largest = 0;
    let off = p.offsets();
    let sizes: Vec<Vec<usize>> = (0..p.rounds).map(|r| p.sizes(r)).collect();
    let bands = p.bands(&sizes);
    let mut unmet = Vec::new();
    for (r, round_bands) in bands.iter().enumerate() {
        let tables = seating.tables(r);
        for (t, members) in tables.iter().enumerate() {
            bound += members.len() * members.len().saturating_sub(1) / 2;
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    meet[a * n + b] += 1;
                }
            }
            let mut counts = vec![0u32; off[off.len() - 1]];
            for &i in members {
                for (c, cat) in p.categories.iter().enumerate() {
                    counts[off[c] + cat.of_member[i]] += 1;
                }
            }
            if let Some(b) = round_bands.get(t) {
                for (v, &k) in counts.iter().enumerate() {
                    cells += 1;
                    let e = excess(k, b[v]) as u32;
                    if e == 0 {
                        in_band += 1;
                    }
                    largest = largest.max(e);
                }
            }
        }
        for c in &p.constraints {
            if !c.applies(r) {
                continue;
            }
            let at: Vec<Option<usize>> =
                c.members.iter().map(|&i| seating.table_of[r][i]).collect();
            let broken = match c.kind {
                Kind::Apart => {
                    let seated: Vec<usize> = at.iter().flatten().copied().collect();
                    let mut s = seated.clone();
                    s.sort_unstable();
                    s.dedup();
                    s.len() != seated.len()
                }
                Kind::Together => {
                    let seated: Vec<usize> = at.iter().flatten().copied().collect();
                    seated.windows(2).any(|w| w[0] != w[1])
                }
                Kind::Pin(t) => at.iter().any(|&x| x.is_some_and(|x| x != t)),
                Kind::Absent => at.iter().any(Option::is_some),
            };
            if broken {
                unmet.push(format!("round {}: {}", r + 1, describe(c)));
            }
        }
    }
    let mut histogram = vec![0usize; 1];
    let mut distinct = 0;
    for a in 0..n {
        for b in a + 1..n {
            let c = usize::from(meet[a * n + b]);
            if c >= histogram.len() {
                histogram.resize(c + 1, 0);
            }
            histogram[c] += 1;
            if c > 0 {
                distinct += 1;
            }
        }
    }
    Assessment {
        distinct_pairs: distinct,
        pair_bound: bound.min(n * n.saturating_sub(1) / 2),
        histogram,
        cells_in_band: in_band,
        cells,
        largest_deviation: largest,
        unmet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
