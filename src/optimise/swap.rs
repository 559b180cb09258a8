//! Local search for panels worth more at given weights (swap one seat at a
//! time while every quota and the household rule hold).

use super::*;

/// Local search for improving panels: from a known panel, repeatedly move
/// one seat from one profile to another while every quota and the household
/// rule still hold, taking the best move, until no move gains.
pub(super) struct SwapSearch {
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
    pub(super) fn new(instance: &Instance, profiles: &Profiles, selectable: &[bool]) -> SwapSearch {
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
