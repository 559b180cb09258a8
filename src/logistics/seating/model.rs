//! The seating problem (members, rounds, table layouts, balanced
//! categories, rules, an earlier plan) and a seating.

use super::*;

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
    pub(super) fn absent(&self, round: usize, i: usize) -> bool {
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

    pub(super) fn pin(&self, round: usize, i: usize) -> Option<usize> {
        self.constraints.iter().find_map(|c| match c.kind {
            Kind::Pin(t) if c.applies(round) && c.members.contains(&i) => Some(t),
            _ => None,
        })
    }

    pub(super) fn offsets(&self) -> Vec<usize> {
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
    pub(super) fn bands(&self, sizes: &[Vec<usize>]) -> Vec<Vec<Vec<(u32, u32)>>> {
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
