//! Distributions over panels, their selection probabilities, the checks run
//! before anything is written, and fairness figures.

use crate::model::instance::Instance;
use crate::model::panel::Panel;
use crate::model::profiles::Profiles;

/// A panel described by how many members each profile contributes:
/// (profile, count) pairs, sorted by profile, counts positive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProfilePanel(pub Vec<(u32, u32)>);

impl ProfilePanel {
    /// Σ weight × count.
    pub fn worth(&self, weights: &[f64]) -> f64 {
        self.0
            .iter()
            .map(|&(t, c)| weights[t as usize] * f64::from(c))
            .sum()
    }

    /// From a count per profile (zeros dropped).
    pub fn from_counts(counts: &[u32]) -> ProfilePanel {
        ProfilePanel(
            counts
                .iter()
                .enumerate()
                .filter(|&(_, &c)| c > 0)
                .map(|(t, &c)| (t as u32, c))
                .collect(),
        )
    }
}

/// A probability distribution over profile panels.
#[derive(Debug, Clone, Default)]
pub struct ProfileDistribution {
    pub panels: Vec<ProfilePanel>,
    pub probabilities: Vec<f64>,
}

/// A probability distribution over concrete panels of people.
#[derive(Debug, Clone, Default)]
pub struct Distribution {
    pub panels: Vec<Panel>,
    pub probabilities: Vec<f64>,
}

/// Tolerance of the checks on a computed distribution: probabilities may be
/// below 0 or sum away from 1 by at most this (LP solutions are exact only
/// up to the solver's feasibility tolerance, 1e-7).
pub const CHECK_TOLERANCE: f64 = 1e-6;

impl ProfileDistribution {
    /// Each profile's selection probability (per member).
    pub fn profile_probabilities(&self, profiles: &Profiles) -> Vec<f64> {
        let mut expected = vec![0.0; profiles.len()];
        for (panel, &p) in self.panels.iter().zip(&self.probabilities) {
            for &(t, c) in &panel.0 {
                expected[t as usize] += p * f64::from(c);
            }
        }
        expected
            .iter()
            .zip(&profiles.profiles)
            .map(|(e, pr)| e / pr.size() as f64)
            .collect()
    }

    /// Concrete panels with exactly the same per-person probabilities.
    ///
    /// The panels occupy consecutive intervals of [0, 1) with lengths equal
    /// to their probabilities. For each profile of size c, the panels in
    /// which it has g members (0 < g < c) are taken together as one stretch
    /// of total length M; the stretch is cut into c equal parts and part i
    /// seats members i, i+1, …, i+g−1 (cyclically). Every member is then
    /// seated for exactly g·M/c of that stretch, which is the profile's
    /// probability share from those panels. Cutting [0, 1) at every profile's
    /// cut points yields the concrete panels; their number is at most the
    /// number of profile panels plus Σ size × distinct counts.
    pub fn expand(&self, profiles: &Profiles) -> Distribution {
        let m = self.panels.len();
        let mut start = Vec::with_capacity(m + 1);
        let mut acc = 0.0;
        for &p in &self.probabilities {
            start.push(acc);
            acc += p.max(0.0);
        }
        start.push(acc);
        let total = acc;
        // Per profile: count in each panel.
        let t_count = profiles.len();
        let mut counts: Vec<Vec<(usize, u32)>> = vec![Vec::new(); t_count];
        for (j, panel) in self.panels.iter().enumerate() {
            for &(t, c) in &panel.0 {
                counts[t as usize].push((j, c));
            }
        }
        // Cut points: panel boundaries and, per (profile, count) stretch,
        // c − 1 interior points.
        let mut cuts: Vec<f64> = start.clone();
        let mut stretches: Vec<Vec<Stretch>> = vec![Vec::new(); t_count];
        for (t, list) in counts.iter().enumerate() {
            let size = profiles.profiles[t].size() as u32;
            let mut by_g: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
            for &(j, c) in list {
                if c < size {
                    by_g.entry(c).or_default().push(j);
                }
            }
            for (g, panels) in by_g {
                let mut prefix = Vec::with_capacity(panels.len());
                let mut length = 0.0;
                for &j in &panels {
                    prefix.push(length);
                    length += start[j + 1] - start[j];
                }
                for i in 1..size {
                    cuts.push(locate(
                        &panels,
                        &start,
                        length * f64::from(i) / f64::from(size),
                    ));
                }
                stretches[t].push(Stretch {
                    g,
                    panels,
                    prefix,
                    length,
                });
            }
        }
        cuts.sort_by(f64::total_cmp);
        cuts.dedup_by(|a, b| (*a - *b).abs() <= 1e-15 * total.max(1.0));
        let mut out = Distribution::default();
        let mut members = Vec::new();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b - a <= 0.0 {
                continue;
            }
            let mid = 0.5 * (a + b);
            let j = match start.binary_search_by(|s| s.total_cmp(&mid)) {
                Ok(j) => j,
                Err(j) => j - 1,
            }
            .min(m - 1);
            members.clear();
            for &(t, c) in &self.panels[j].0 {
                let profile = &profiles.profiles[t as usize];
                let size = profile.size() as u32;
                if c >= size {
                    members.extend_from_slice(&profile.members);
                    continue;
                }
                let st = stretches[t as usize]
                    .iter()
                    .find(|st| st.g == c)
                    .expect("every partial count has a stretch");
                let at = st
                    .panels
                    .binary_search(&j)
                    .expect("panel is in its stretch");
                let (before, length) = (st.prefix[at] + (mid - start[j]), st.length);
                let part = ((before / length * f64::from(size)).floor() as u32).min(size - 1);
                for i in 0..c {
                    members.push(profile.members[((part + i) % size) as usize]);
                }
            }
            out.panels.push(Panel::new(members.clone()));
            out.probabilities.push(b - a);
        }
        out.merge_duplicates();
        out
    }
}

/// The panels in which one profile has the same count `g`, as one stretch.
#[derive(Debug, Clone)]
struct Stretch {
    g: u32,
    panels: Vec<usize>,
    /// Length of the stretch before each of its panels.
    prefix: Vec<f64>,
    length: f64,
}

/// The point at local position `x` of a stretch made of these panels.
fn locate(panels: &[usize], start: &[f64], x: f64) -> f64 {
    let mut left = x;
    for &j in panels {
        let len = start[j + 1] - start[j];
        if left < len {
            return start[j] + left;
        }
        left -= len;
    }
    panels.last().map_or(0.0, |&j| start[j + 1])
}

impl Distribution {
    /// Adds up the probabilities of identical panels; orders panels.
    fn merge_duplicates(&mut self) {
        let mut pairs: Vec<(Panel, f64)> = std::mem::take(&mut self.panels)
            .into_iter()
            .zip(std::mem::take(&mut self.probabilities))
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        for (panel, p) in pairs {
            if self.panels.last() == Some(&panel) {
                *self.probabilities.last_mut().expect("same length") += p;
            } else {
                self.panels.push(panel);
                self.probabilities.push(p);
            }
        }
    }

    /// Each person's selection probability.
    pub fn person_probabilities(&self, n: usize) -> Vec<f64> {
        let mut pi = vec![0.0; n];
        for (panel, &p) in self.panels.iter().zip(&self.probabilities) {
            for &i in panel.members() {
                pi[i] += p;
            }
        }
        pi
    }

    /// Every check before writing: each panel meets the quotas and the
    /// household rule, probabilities are non-negative and sum to 1 within
    /// [`CHECK_TOLERANCE`], and the per-person probabilities recomputed from
    /// the panels match `expected` within `tolerance`. Returns the problems.
    pub fn verify(&self, instance: &Instance, expected: &[f64], tolerance: f64) -> Vec<String> {
        let mut problems = Vec::new();
        for (j, panel) in self.panels.iter().enumerate() {
            let v = panel.violations(instance);
            if !v.is_empty() {
                problems.push(format!("panel {}: {}", j + 1, v.join("; ")));
                if problems.len() > 10 {
                    return problems;
                }
            }
        }
        if let Some((j, p)) = self
            .probabilities
            .iter()
            .enumerate()
            .find(|&(_, &p)| p < -CHECK_TOLERANCE || !p.is_finite())
        {
            problems.push(format!("panel {} has probability {p}", j + 1));
        }
        let sum: f64 = self.probabilities.iter().sum();
        if (sum - 1.0).abs() > CHECK_TOLERANCE {
            problems.push(format!("panel probabilities sum to {sum}, not 1"));
        }
        let pi = self.person_probabilities(instance.n());
        if let Some((i, (a, b))) = pi
            .iter()
            .zip(expected)
            .enumerate()
            .find(|(_, (a, b))| (*a - *b).abs() > tolerance)
        {
            problems.push(format!(
                "{}: probability {a} from the panels but {b} computed",
                instance.pool.people[i].id
            ));
        }
        problems
    }
}

/// Summary figures of a probability vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fairness {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Gini coefficient (0 = everyone equal).
    pub gini: f64,
    /// Geometric mean (0 when anyone has probability 0).
    pub geometric_mean: f64,
}

impl Fairness {
    pub fn of(pi: &[f64]) -> Fairness {
        let n = pi.len().max(1) as f64;
        let mut sorted = pi.to_vec();
        sorted.sort_by(f64::total_cmp);
        let sum: f64 = sorted.iter().sum();
        let mean = sum / n;
        let weighted: f64 = sorted
            .iter()
            .enumerate()
            .map(|(i, x)| (i as f64 + 1.0) * x)
            .sum();
        let gini = if sum > 0.0 {
            ((2.0 * weighted) / (n * sum) - (n + 1.0) / n).max(0.0)
        } else {
            0.0
        };
        let geometric_mean = if sorted.first().is_some_and(|&x| x <= 0.0) {
            0.0
        } else {
            (sorted.iter().map(|x| x.ln()).sum::<f64>() / n).exp()
        };
        Fairness {
            min: sorted.first().copied().unwrap_or(0.0),
            max: sorted.last().copied().unwrap_or(0.0),
            mean,
            gini,
            geometric_mean,
        }
    }
}

impl Distribution {
    /// Draws one panel index with integers only: each row's weight is its
    /// probability as distribution.csv writes it (12 decimals) in units of
    /// 10⁻¹²; r = a uniform number below the total weight (unbiased
    /// rejection sampling on the stream's words); the panel is the first
    /// row whose cumulative weight exceeds r. Anyone with distribution.csv
    /// and the seed can recompute it exactly; for a draw the public can
    /// check before the seed exists, use a uniform lottery instead.
    pub fn draw(&self, rng: &mut crate::random::DrawRng) -> usize {
        let weights: Vec<u64> = self
            .probabilities
            .iter()
            .map(|&p| written_weight(&probability(p)))
            .collect();
        let total: u64 = weights.iter().sum();
        if total == 0 {
            return 0;
        }
        let r = rng.below(total);
        let mut acc = 0u64;
        for (j, w) in weights.iter().enumerate() {
            acc += w;
            if r < acc {
                return j;
            }
        }
        self.panels.len() - 1
    }
}

/// A probability written with 12 decimals ("0.123456789012"), in units of
/// 10⁻¹² (negative or malformed text counts as 0).
fn written_weight(text: &str) -> u64 {
    let Some((whole, fraction)) = text.split_once('.') else {
        return 0;
    };
    if fraction.len() > 12 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let (Ok(whole), Ok(digits)) = (whole.parse::<u64>(), fraction.parse::<u64>()) else {
        return 0;
    };
    whole * 1_000_000_000_000 + digits * 10u64.pow(12 - fraction.len() as u32)
}

/// Formats a probability for CSV outputs: 12 decimals, fixed (stable across
/// platforms for identical floats).
pub fn probability(p: f64) -> String {
    format!("{:.12}", if p.abs() < 5e-13 { 0.0 } else { p })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_probabilities_become_integer_weights() {
        assert_eq!(written_weight("0.123456789012"), 123_456_789_012);
        assert_eq!(written_weight("1.000000000000"), 1_000_000_000_000);
        assert_eq!(written_weight("0.5"), 500_000_000_000);
        assert_eq!(written_weight("-0.000000000001"), 0);
        assert_eq!(written_weight("abc"), 0);
    }

    #[test]
    fn the_draw_follows_the_written_weights() {
        let panel = |i: usize| Panel::new(vec![i]);
        let d = Distribution {
            panels: vec![panel(0), panel(1), panel(2)],
            probabilities: vec![0.0, 1.0, 0.0],
        };
        for seed in ["a", "b", "c"] {
            let mut rng = crate::random::DrawRng::new("test", seed);
            assert_eq!(d.draw(&mut rng), 1);
        }
    }
}
