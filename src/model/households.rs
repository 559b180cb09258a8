//! Households: people whose normalised address cells are all equal live
//! together, and at most one of them may sit on a panel.
//!
//! Normalisation: lower-case, every run of characters that are not letters
//! or digits becomes one space, trimmed. So `12 High St.` and `12  high st`
//! match. People whose address cells are all blank are in no household.

use std::collections::BTreeMap;

use crate::error::{Error, InputError};
use crate::model::pool::Pool;

/// Household groups of two or more people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Households {
    /// Address columns used (respondents header names, as given).
    pub columns: Vec<String>,
    /// Per person: the index of their group in `groups`, if any.
    pub group_of: Vec<Option<usize>>,
    /// Groups of at least two people (person indices, ascending), ordered by
    /// their first member.
    pub groups: Vec<Vec<usize>>,
}

/// The normalised form of one address cell.
pub fn normalise_address(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

impl Households {
    /// No household rule: everyone stands alone.
    pub fn none(n: usize) -> Households {
        Households {
            columns: Vec::new(),
            group_of: vec![None; n],
            groups: Vec::new(),
        }
    }

    /// Groups the pool by the given address columns (names matched ignoring
    /// case). An empty list means no household rule.
    pub fn from_columns(pool: &Pool, columns: &[String]) -> Result<Households, Error> {
        let n = pool.len();
        if columns.is_empty() {
            return Ok(Households::none(n));
        }
        let mut idx = Vec::new();
        let mut errors = Vec::new();
        for name in columns {
            match pool.header.iter().position(|h| crate::files::table::header_key(h) == crate::files::table::header_key(name)) {
                Some(c) if pool.category_columns.contains(&c) => errors.push(
                    InputError::invalid(&pool.path, "an address column is also a quota category")
                        .line(1)
                        .column(name)
                        .hint("name as address columns only the columns of an address"),
                ),
                Some(c) => idx.push(c),
                None => errors.push(
                    InputError::invalid(
                        &pool.path,
                        format!(
                            "the address columns name \"{name}\" but the respondents have no such column; columns are {}",
                            pool.header
                                .iter()
                                .map(|h| format!("\"{}\"", h.trim()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .line(1)
                    .column(name)
                    .hint("pass existing column names, separated by commas"),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        let mut by_address: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
        for (i, p) in pool.people.iter().enumerate() {
            let address: Vec<String> = idx
                .iter()
                .map(|&c| normalise_address(&p.cells[c]))
                .collect();
            if address.iter().all(String::is_empty) {
                continue;
            }
            by_address.entry(address).or_default().push(i);
        }
        let mut groups: Vec<Vec<usize>> =
            by_address.into_values().filter(|g| g.len() > 1).collect();
        groups.sort();
        let mut group_of = vec![None; n];
        for (g, members) in groups.iter().enumerate() {
            for &i in members {
                group_of[i] = Some(g);
            }
        }
        Ok(Households {
            columns: columns.to_vec(),
            group_of,
            groups,
        })
    }

    /// The other members of person `i`'s household.
    pub fn housemates(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.group_of[i]
            .into_iter()
            .flat_map(move |g| self.groups[g].iter().copied().filter(move |&j| j != i))
    }

    /// How many people could sit together at most: one per household plus
    /// everyone without a household.
    pub fn independent_count(&self) -> usize {
        let grouped: usize = self.groups.iter().map(Vec::len).sum();
        self.group_of.len() - grouped + self.groups.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_ignores_case_spaces_and_punctuation() {
        assert_eq!(normalise_address("  12 High St. "), "12 high st");
        assert_eq!(normalise_address("12  HIGH-st"), "12 high st");
        assert_eq!(normalise_address(" , "), "");
    }
}
