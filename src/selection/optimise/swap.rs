//! Local search for panels worth more at given weights (swap one seat at a
//! time while every quota and the household rule hold).

use super::*;

/// Local search for improving panels: from a known panel, repeatedly move
/// one seat from one profile to another while every quota and the household
/// rule still hold, until no move gains. Each step moves a seat out of the
/// lightest seated profile that can gain into the heaviest profile it may
/// go to, checked on bit masks of values. (Before, each step searched every
/// pair for the best move: slower per seeding round, with the same LEXIMIN
/// result; measured: docs/benchmarks.md, section Selection history.)
pub(super) struct SwapSearch {
    /// Per profile: its value index per category.
    values: Vec<Vec<usize>>,
    upper: Vec<u32>,
    min: Vec<u32>,
    max: Vec<u32>,
    /// Per profile: its household (index into `households`), if any.
    household: Vec<Option<usize>>,
    n_households: usize,
    /// Per profile: its values as bits, `words` 64-bit words each.
    masks: Vec<u64>,
    words: usize,
    /// Candidate moves examined so far (a deterministic measure of work).
    scans: std::cell::Cell<u64>,
}

impl SwapSearch {
    pub(super) fn new(instance: &Instance, profiles: &Profiles, selectable: &[bool]) -> SwapSearch {
        let mut household = vec![None; profiles.len()];
        for (g, members) in profiles.households.iter().enumerate() {
            for &t in members {
                household[t] = Some(g);
            }
        }
        let n_values = instance.quotas.values.len();
        let words = n_values.div_ceil(64).max(1);
        let mut masks = vec![0u64; profiles.len() * words];
        for (t, p) in profiles.profiles.iter().enumerate() {
            for &v in &p.values {
                masks[t * words + v / 64] |= 1 << (v % 64);
            }
        }
        SwapSearch {
            masks,
            words,
            scans: std::cell::Cell::new(0),
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
    pub(super) fn climbs(
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
    pub(super) fn improving(
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
    pub(super) fn best_climb(
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

    /// Candidate moves examined by every climb so far.
    pub(super) fn scans(&self) -> u64 {
        self.scans.get()
    }

    /// Profiles that may be seated, by descending weight.
    fn order(&self, weights: &[f64]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..weights.len()).filter(|&t| self.upper[t] > 0).collect();
        order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
        order
    }

    /// Whether one seat may move from profile `a` to profile `b`: in every
    /// category where they differ, `a`'s value is above its minimum and
    /// `b`'s below its maximum (`dec` and `inc`: those values as bits).
    fn allowed(&self, a: usize, b: usize, dec: &[u64], inc: &[u64]) -> bool {
        let w = self.words;
        let (ma, mb) = (&self.masks[a * w..a * w + w], &self.masks[b * w..b * w + w]);
        (0..w).all(|j| ma[j] & !mb[j] & !dec[j] == 0 && mb[j] & !ma[j] & !inc[j] == 0)
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
        let (mut dec, mut inc) = (vec![0u64; self.words], vec![0u64; self.words]);
        // The profiles seated, lightest first: they have the most to gain,
        // and each one's scan stops at the first profile no heavier.
        let mut seated: Vec<usize> = (0..t_count).filter(|&t| x[t] > 0).collect();
        loop {
            dec.fill(0);
            inc.fill(0);
            for v in 0..count.len() {
                if count[v] > self.min[v] {
                    dec[v / 64] |= 1 << (v % 64);
                }
                if count[v] < self.max[v] {
                    inc[v / 64] |= 1 << (v % 64);
                }
            }
            seated.retain(|&t| x[t] > 0);
            seated.sort_by(|&a, &b| weights[a].total_cmp(&weights[b]).then(a.cmp(&b)));
            // The move: out of the lightest seated profile `a` that has an
            // improving move, into its heaviest feasible `b` (the first in
            // descending weight order).
            let mut best: Option<(usize, usize)> = None;
            let mut scans = 0u64;
            'lightest: for &a in &seated {
                for &b in order {
                    if weights[b] - weights[a] <= 1e-12 {
                        break;
                    }
                    scans += 1;
                    if b == a || x[b] >= self.upper[b] {
                        continue;
                    }
                    if let Some(g) = self.household[b]
                        && in_household[g] - u32::from(self.household[a] == Some(g)) > 0
                    {
                        continue;
                    }
                    if self.allowed(a, b, &dec, &inc) {
                        best = Some((a, b));
                        break 'lightest;
                    }
                }
            }
            self.scans.set(self.scans.get() + scans);
            let Some((a, b)) = best else { break };
            x[a] -= 1;
            if x[b] == 0 {
                seated.push(b);
            }
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
