//! What an organiser needs to trust a seating, measured from the plan
//! alone, independently of the search's own counts.

use super::*;

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
