//! Quotas: for every category value, inclusive bounds on its panel count.
//!
//! Three header styles are accepted (case-insensitive, any column order):
//! `category,feature,min,max` (Panelot / Nature replication: `feature` is the
//! value), `feature,value,min,max[,min_flex,max_flex]` and
//! `category,name,min,max[,min_flex,max_flex]` (Sortition Foundation).

use std::collections::HashMap;
use std::path::PathBuf;

use crate::error::{Error, InputError};
use crate::files::table::{Table, key};

/// The header style a quotas file was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaDialect {
    /// `category,feature,min,max`.
    Panelot,
    /// `feature,value,min,max[,min_flex,max_flex]`.
    SortitionFoundation,
    /// `category,name,min,max[,min_flex,max_flex]`.
    SortitionFoundationOld,
}

/// One category value and its bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaValue {
    /// Index of its category in [`Quotas::categories`].
    pub category: usize,
    /// The value as first written in the quotas file (trimmed).
    pub name: String,
    pub min: u32,
    pub max: u32,
    /// The lowest the minimum may be relaxed to (default 0).
    pub min_flex: u32,
    /// The highest the maximum may be relaxed to (default: unbounded).
    pub max_flex: Option<u32>,
    /// Line in the quotas file, for messages.
    pub line: u64,
}

/// A stratification category (a column of the pool) and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// As first written in the quotas file (trimmed).
    pub name: String,
    /// Indices into [`Quotas::values`], in file order.
    pub values: Vec<usize>,
}

/// All quotas, categories in first-appearance order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotas {
    /// The file the quotas came from, for messages.
    pub path: PathBuf,
    /// SHA-256 of the quotas file.
    pub sha256: String,
    pub dialect: QuotaDialect,
    pub categories: Vec<Category>,
    pub values: Vec<QuotaValue>,
    /// Value index by (category, key of the value's name), so that reading
    /// a pool takes time linear in its size, whatever the number of values.
    index: HashMap<(usize, String), usize>,
}

impl Quotas {
    /// Validates a quotas table.
    pub fn from_table(table: &Table) -> Result<Quotas, Error> {
        let path = table.path.as_path();
        let col = |name: &str| table.column(name);
        let (dialect, cat_col, val_col) = if let (Some(c), Some(f)) =
            (col("category"), col("feature"))
        {
            (QuotaDialect::Panelot, c, f)
        } else if let (Some(f), Some(v)) = (col("feature"), col("value")) {
            (QuotaDialect::SortitionFoundation, f, v)
        } else if let (Some(c), Some(n)) = (col("category"), col("name")) {
            (QuotaDialect::SortitionFoundationOld, c, n)
        } else {
            return Err(InputError::unreadable(
                path,
                format!(
                    "not a quotas file: the header has {}",
                    table.header_list()
                ),
            )
            .line(1)
            .hint("the header must be one of: category,feature,min,max | feature,value,min,max[,min_flex,max_flex] | category,name,min,max[,min_flex,max_flex]")
            .into());
        };
        let (Some(min_col), Some(max_col)) = (col("min"), col("max")) else {
            return Err(InputError::unreadable(
                path,
                format!(
                    "the quotas file needs \"min\" and \"max\" columns; the header has {}",
                    table.header_list()
                ),
            )
            .line(1)
            .hint("add the missing column (inclusive bounds on the panel count)")
            .into());
        };
        let min_flex_col = col("min_flex");
        let max_flex_col = col("max_flex");

        let mut quotas = Quotas {
            path: path.to_path_buf(),
            sha256: table.sha256.clone(),
            dialect,
            categories: Vec::new(),
            values: Vec::new(),
            index: HashMap::new(),
        };
        let mut category_of: HashMap<String, usize> = HashMap::new();
        let mut errors = Vec::new();
        for row in &table.rows {
            let cell = |c: usize| row.cells[c].trim();
            let at = |c: usize, problem: String, hint: &str| {
                table.cell_error(row, c, problem).hint(hint)
            };
            let category = cell(cat_col);
            let value = cell(val_col);
            if category.is_empty() || value.is_empty() {
                let c = if category.is_empty() {
                    cat_col
                } else {
                    val_col
                };
                errors.push(at(
                    c,
                    "blank cell".into(),
                    "every quota row needs a category and a value",
                ));
                continue;
            }
            let bound = |c: usize| -> Result<u32, InputError> {
                parse_bound(cell(c)).map_err(|why| {
                    at(
                        c,
                        why,
                        "bounds are whole numbers of panel members, 0 or more",
                    )
                })
            };
            let min = bound(min_col);
            let max = bound(max_col);
            let min_flex = min_flex_col
                .filter(|&c| !cell(c).is_empty())
                .map(bound)
                .transpose();
            let max_flex = max_flex_col
                .filter(|&c| !cell(c).is_empty())
                .map(bound)
                .transpose();
            let (min, max, min_flex, max_flex) = match (min, max, min_flex, max_flex) {
                (Ok(a), Ok(b), Ok(c), Ok(d)) => (a, b, c, d),
                (a, b, c, d) => {
                    errors.extend(a.err());
                    errors.extend(b.err());
                    errors.extend(c.err());
                    errors.extend(d.err());
                    continue;
                }
            };
            if min > max {
                errors.push(at(
                    min_col,
                    format!("minimum {min} is larger than maximum {max} for {category}={value}"),
                    "swap the two bounds or correct one of them",
                ));
                continue;
            }
            if let (Some(c), Some(mf)) = (min_flex_col, min_flex)
                && mf > min
            {
                errors.push(at(
                    c,
                    format!("min_flex {mf} is above the minimum {min}"),
                    "min_flex is the lowest the minimum may be relaxed to: make it at most the minimum",
                ));
                continue;
            }
            if let (Some(c), Some(mf)) = (max_flex_col, max_flex)
                && mf < max
            {
                errors.push(at(
                    c,
                    format!("max_flex {mf} is below the maximum {max}"),
                    "max_flex is the highest the maximum may be relaxed to: make it at least the maximum",
                ));
                continue;
            }
            let ci = *category_of.entry(key(category)).or_insert_with(|| {
                quotas.categories.push(Category {
                    name: category.to_string(),
                    values: Vec::new(),
                });
                quotas.categories.len() - 1
            });
            if let Some(&dup) = quotas.index.get(&(ci, key(value))) {
                errors.push(at(
                    val_col,
                    format!(
                        "{category}={value} already has a quota on line {}",
                        quotas.values[dup].line
                    ),
                    "keep one row per category value (values are compared ignoring case and surrounding spaces)",
                ));
                continue;
            }
            quotas.categories[ci].values.push(quotas.values.len());
            quotas.index.insert((ci, key(value)), quotas.values.len());
            quotas.values.push(QuotaValue {
                category: ci,
                name: value.to_string(),
                min,
                max,
                min_flex: min_flex.unwrap_or(0),
                max_flex,
                line: row.line,
            });
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        if quotas.values.is_empty() {
            return Err(
                InputError::invalid(path, "the quotas file has no quota rows")
                    .hint("add one row per category value with its min and max")
                    .into(),
            );
        }
        Ok(quotas)
    }

    /// The value index of `value` within category `category`, matched
    /// case-insensitively after trimming.
    pub fn find_value(&self, category: usize, value: &str) -> Option<usize> {
        self.index.get(&(category, key(value))).copied()
    }

    /// `category=value`, for messages and reports.
    pub fn label(&self, value: usize) -> String {
        let v = &self.values[value];
        format!("{}={}", self.categories[v.category].name, v.name)
    }
}

fn parse_bound(s: &str) -> Result<u32, String> {
    if s.is_empty() {
        return Err("blank bound".into());
    }
    match s.parse::<i64>() {
        Ok(v) if v < 0 => Err(format!("negative bound {v}")),
        Ok(v) if v > i64::from(u32::MAX) => Err(format!("bound {v} is too large")),
        Ok(v) => Ok(v as u32),
        Err(_) => Err(format!("\"{s}\" is not a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn quotas(s: &str) -> Result<Quotas, Error> {
        Quotas::from_table(&Table::parse(Path::new("q.csv"), s.as_bytes()).unwrap())
    }

    #[test]
    fn three_header_styles() {
        let p = quotas("category,feature,min,max\ngender,female,1,2\ngender,male,1,2\n").unwrap();
        assert_eq!(p.dialect, QuotaDialect::Panelot);
        assert_eq!(p.categories[0].values.len(), 2);
        let s = quotas("feature,value,min,max,min_flex,max_flex\nGender,Female,1,2,0,3\n").unwrap();
        assert_eq!(s.dialect, QuotaDialect::SortitionFoundation);
        assert_eq!(s.values[0].max_flex, Some(3));
        let o = quotas("category,name,min,max\nGender,Female,1,2\n").unwrap();
        assert_eq!(o.dialect, QuotaDialect::SortitionFoundationOld);
        assert_eq!(o.find_value(0, " FEMALE "), Some(0));
    }

    #[test]
    fn bad_bounds_are_all_reported() {
        let Err(Error::Input(errs)) =
            quotas("category,feature,min,max\ng,a,1.5,2\ng,b,-1,2\ng,c,3,2\ng,d,x,\n")
        else {
            panic!("expected input errors")
        };
        let text: Vec<String> = errs.iter().map(|e| e.problem.clone()).collect();
        assert!(
            text[0].contains("\"1.5\" is not a whole number"),
            "{text:?}"
        );
        assert!(text[1].contains("negative bound -1"), "{text:?}");
        assert!(
            text[2].contains("minimum 3 is larger than maximum 2"),
            "{text:?}"
        );
        assert_eq!(errs.len(), 5, "{text:?}");
    }
}
