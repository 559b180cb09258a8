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

    /// Rounds the search may change (all but those kept as they were).
    pub fn open_rounds(&self) -> usize {
        if self.previous.is_some() {
            self.rounds - self.fixed_rounds.min(self.rounds)
        } else {
            self.rounds
        }
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

    pub fn offsets(&self) -> Vec<usize> {
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
    pub fn bands(&self, sizes: &[Vec<usize>]) -> Vec<Vec<Vec<(u32, u32)>>> {
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

    /// Checks that the hard rules can hold together at all, before any
    /// search: a pin to a table the round does not have, a pinned member
    /// who is absent, members kept together (by one rule or a chain of
    /// them) who do not fit at the largest table, members kept both
    /// together and apart, members kept together but pinned to different
    /// tables, and more members pinned to a table than it seats. Every
    /// contradiction is named (with the rules' lines), in the first round
    /// it occurs.
    pub fn validate(&self) -> Result<(), Error> {
        // Each contradiction once, with the rounds it occurs in.
        let mut found: Vec<(String, Vec<usize>)> = Vec::new();
        let mut add = |r: usize, what: String| match found.iter_mut().find(|f| f.0 == what) {
            Some(f) => f.1.push(r + 1),
            None => found.push((what, vec![r + 1])),
        };
        let line = |c: &Constraint| c.line;
        for r in 0..self.rounds {
            if r < self.fixed_rounds && self.previous.is_some() {
                continue;
            }
            let sizes = self.sizes(r);
            let largest = sizes.iter().copied().max().unwrap_or(0);
            let present = self.present(r);
            let is_present = |i: usize| present.binary_search(&i).is_ok();
            let present_of = |c: &Constraint| -> Vec<usize> {
                c.members
                    .iter()
                    .copied()
                    .filter(|&i| is_present(i))
                    .collect()
            };
            let applying: Vec<&Constraint> =
                self.constraints.iter().filter(|c| c.applies(r)).collect();
            // Who is kept together, through any chain of together rules.
            let mut group: Vec<usize> = (0..self.n).collect();
            fn root(group: &mut [usize], mut i: usize) -> usize {
                while group[i] != i {
                    group[i] = group[group[i]];
                    i = group[i];
                }
                i
            }
            let mut rules_of: std::collections::BTreeMap<usize, Vec<u64>> = Default::default();
            for c in applying.iter().filter(|c| c.kind == Kind::Together) {
                let members = present_of(c);
                for w in members.windows(2) {
                    let (a, b) = (root(&mut group, w[0]), root(&mut group, w[1]));
                    group[a] = b;
                }
                if let Some(&m) = members.first() {
                    rules_of.entry(m).or_default().push(line(c));
                }
            }
            let mut size_of: std::collections::BTreeMap<usize, usize> = Default::default();
            for &i in &present {
                *size_of.entry(root(&mut group, i)).or_default() += 1;
            }
            let mut lines_of: std::collections::BTreeMap<usize, Vec<u64>> = Default::default();
            for (m, lines) in rules_of {
                lines_of
                    .entry(root(&mut group, m))
                    .or_default()
                    .extend(lines);
            }
            let lines = |g: usize, lines_of: &std::collections::BTreeMap<usize, Vec<u64>>| {
                let mut l = lines_of.get(&g).cloned().unwrap_or_default();
                l.sort_unstable();
                l.dedup();
                l.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
            };
            for (&g, &size) in &size_of {
                if size > largest && size > 1 {
                    add(
                        r,
                        format!(
                            "the rules on lines {} keep {size} members together, but the largest table seats {largest}",
                            lines(g, &lines_of)
                        ),
                    );
                }
            }
            let mut pinned: Vec<Option<(usize, u64)>> = vec![None; self.n];
            for c in &applying {
                match c.kind {
                    Kind::Pin(t) => {
                        if t >= sizes.len() {
                            add(
                                r,
                                format!(
                                    "line {} pins to table {}, but the round has {} tables",
                                    c.line,
                                    t + 1,
                                    sizes.len()
                                ),
                            );
                            continue;
                        }
                        for &i in &c.members {
                            if !is_present(i) {
                                add(
                                    r,
                                    format!(
                                        "line {} pins a member who is absent that round",
                                        c.line
                                    ),
                                );
                                continue;
                            }
                            let g = root(&mut group, i);
                            match pinned[g] {
                                Some((u, other)) if u != t => add(
                                    r,
                                    format!(
                                        "lines {other} and {} pin members kept together (lines {}) to tables {} and {}",
                                        c.line,
                                        lines(g, &lines_of),
                                        u + 1,
                                        t + 1
                                    ),
                                ),
                                _ => pinned[g] = Some((t, c.line)),
                            }
                        }
                    }
                    Kind::Apart => {
                        let members = present_of(c);
                        if members.len() > sizes.len() {
                            add(
                                r,
                                format!(
                                    "line {} keeps {} members apart, but the round has {} tables",
                                    c.line,
                                    members.len(),
                                    sizes.len()
                                ),
                            );
                        }
                        for (x, &a) in members.iter().enumerate() {
                            for &b in &members[x + 1..] {
                                let g = root(&mut group, a);
                                if g == root(&mut group, b) {
                                    add(
                                        r,
                                        format!(
                                            "line {} keeps apart members that the rules on lines {} keep together",
                                            c.line,
                                            lines(g, &lines_of)
                                        ),
                                    );
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            // Seats claimed at each table by pinned groups.
            let mut claimed = vec![0usize; sizes.len()];
            for (g, pin) in pinned.iter().enumerate() {
                if let Some((t, _)) = pin {
                    claimed[*t] += size_of.get(&g).copied().unwrap_or(0);
                }
            }
            for (t, (&c, &s)) in claimed.iter().zip(&sizes).enumerate() {
                if c > s {
                    add(
                        r,
                        format!(
                            "the pins put {c} members at table {}, which seats {s}",
                            t + 1
                        ),
                    );
                }
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        let found: Vec<String> = found
            .into_iter()
            .map(|(what, rounds)| {
                let rounds: Vec<String> = rounds.iter().map(usize::to_string).collect();
                match rounds.as_slice() {
                    [one] => format!("round {one}: {what}"),
                    many => format!("rounds {}: {what}", many.join(", ")),
                }
            })
            .collect();
        Err(Error::Infeasible(format!(
            "the seating rules contradict each other (nothing was searched):\n  {}\n  what to do: change or remove one of the rules named (the lines are those of the rules file)",
            found.join("\n  ")
        )))
    }
}
