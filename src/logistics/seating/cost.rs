//! The search state and its cost, kept incrementally: pair meetings,
//! band excess per (round, table, value), hard rules and moves from an
//! earlier plan; the change of a swap or of a whole-schedule exchange is
//! computed without re-counting.

use super::*;

/// The search state.
pub(super) struct State<'a> {
    pub(super) p: &'a Problem,
    pub(super) off: Vec<usize>,
    /// [round][member] table or NONE.
    pub(super) table_of: Vec<Vec<usize>>,
    /// [round][table] members.
    pub(super) members: Vec<Vec<Vec<usize>>>,
    /// [round][table][flat value] count.
    pub(super) counts: Vec<Vec<Vec<u32>>>,
    pub(super) bands: Vec<Vec<Vec<(u32, u32)>>>,
    /// n × n meetings.
    pub(super) meet: Vec<u16>,
    /// Per member: apart partners with the rounds the rule holds in.
    pub(super) apart: Vec<Vec<(usize, usize)>>,
    /// Together rules: (members, constraint index).
    pub(super) together: Vec<usize>,
    /// Per member: the together rules they are in.
    pub(super) together_of: Vec<Vec<usize>>,
    pub(super) previous: Option<Vec<Vec<Option<usize>>>>,
    /// Weight of one member outside a band.
    pub(super) band: f64,
    /// Per member: their values as bits (when there are at most 64 values).
    pub(super) mask: Vec<u64>,
    /// [round][table]: values whose count may fall by one / rise by one
    /// without leaving the band (or that are outside it on that side).
    pub(super) lose: Vec<Vec<u64>>,
    pub(super) gain: Vec<Vec<u64>>,
    /// [round][table]: values outside their band.
    pub(super) out: Vec<Vec<u64>>,
}

pub(super) const NONE: usize = usize::MAX;

pub(super) fn pair_cost(c: u16) -> f64 {
    let c = f64::from(c);
    REPEAT * (c - 1.0).max(0.0) + TRIPLE * (c - 2.0).max(0.0)
}

pub(super) fn excess(count: u32, (lo, hi): (u32, u32)) -> f64 {
    f64::from(lo.saturating_sub(count) + count.saturating_sub(hi))
}

impl<'a> State<'a> {
    pub(super) fn value(&self, i: usize, c: usize) -> usize {
        self.off[c] + self.p.categories[c].of_member[i]
    }

    pub(super) fn together_split(&self, rule: usize, r: usize) -> f64 {
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

    pub(super) fn moved(&self, r: usize, i: usize, t: usize) -> f64 {
        match &self.previous {
            Some(prev) if prev[r][i].is_some_and(|p| p != t) => MOVED,
            Some(prev) if prev[r][i].is_none() => 0.0,
            _ => 0.0,
        }
    }

    /// Whether `i` meets someone at their table in round `r` for at least a
    /// second time, or sits outside a band, or breaks a hard rule.
    pub(super) fn in_conflict(&self, r: usize, i: usize) -> bool {
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
    pub(super) fn avoidable_repeats(&self) -> usize {
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
    pub(super) fn repeats(&self) -> usize {
        self.meet
            .iter()
            .map(|&c| usize::from(c.saturating_sub(1)))
            .sum::<usize>()
            / 2
    }

    /// Whether `i`'s table in round `r` has one of `i`'s values outside its band.
    pub(super) fn out_of_band(&self, r: usize, i: usize) -> bool {
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
    pub(super) fn exchange(
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

    pub(super) fn undo(&mut self, a: usize, b: usize, done: &[usize]) {
        for &q in done.iter().rev() {
            self.swap(q, a, b);
        }
    }

    /// Whether swapping a and b in round r moves no (table, value) count
    /// further from its band: on the masks when there are at most 64
    /// values, else by counting.
    pub(super) fn neutral(&self, r: usize, a: usize, b: usize) -> bool {
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
    pub(super) fn neutral_by_counts(&self, r: usize, a: usize, b: usize) -> bool {
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
    pub(super) fn remask(&mut self, r: usize, t: usize) {
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
    pub(super) fn band_delta(&self, r: usize, a: usize, b: usize) -> i32 {
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
    pub(super) fn delta(&mut self, r: usize, a: usize, b: usize) -> f64 {
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

    pub(super) fn swap(&mut self, r: usize, a: usize, b: usize) {
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

/// State with `table_of` replaced and every index recomputed.
pub(super) fn rebuild<'a>(s: State<'a>, table_of: Vec<Vec<usize>>) -> State<'a> {
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

pub(super) fn export(s: &State) -> Seating {
    Seating {
        table_of: s
            .table_of
            .iter()
            .map(|row| row.iter().map(|&t| (t != NONE).then_some(t)).collect())
            .collect(),
    }
}

/// The search state of `table_of`, with the rules' indices built once.
pub(super) fn start_state<'a>(
    p: &'a Problem,
    sizes: &[Vec<usize>],
    previous: Option<Vec<Vec<Option<usize>>>>,
    table_of: Vec<Vec<usize>>,
) -> State<'a> {
    let n = p.n;
    let off = p.offsets();
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
    let bands = p.bands(sizes);
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
    rebuild(empty, table_of)
}
