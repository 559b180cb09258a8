//! Quotas: for every category value, inclusive bounds on its panel count.
//!
//! Four header styles are accepted (column names matched like every
//! header: case, spaces, underscores and hyphens do not matter; any column
//! order): `category,feature,min,max` (Panelot / Nature replication:
//! `feature` is the value), `feature,value,min,max[,min_flex,max_flex]` and
//! `category,name,min,max[,min_flex,max_flex]` (Sortition Foundation), and
//! `category,value,min,max` in words (`Category,Value,Minimum,Maximum`).
//! An optional `column` column names the respondents' column that holds a
//! category (a Google Forms question, say), when it is not the category's
//! own name.

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
    /// `category,value,min,max[,min_flex,max_flex]`, also in words
    /// (`Category,Value,Minimum,Maximum`).
    Plain,
}

/// Names accepted for the bound columns, first the canonical one.
const MIN_NAMES: &[&str] = &["min", "minimum", "min_count", "lower_bound"];
const MAX_NAMES: &[&str] = &["max", "maximum", "max_count", "upper_bound"];
const MIN_FLEX_NAMES: &[&str] = &["min_flex", "minimum_flex"];
const MAX_FLEX_NAMES: &[&str] = &["max_flex", "maximum_flex"];
/// Names accepted for the column naming the respondents' column.
const COLUMN_NAMES: &[&str] = &["column", "respondents_column", "pool_column", "question"];

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
    /// The respondents' column holding it, when the quotas file names one
    /// (else the column of the category's own name).
    pub column: Option<String>,
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
        let any = |names: &[&str]| names.iter().find_map(|n| table.column(n));
        let (dialect, cat_col, val_col) = if let (Some(c), Some(f)) =
            (col("category"), col("feature"))
        {
            (QuotaDialect::Panelot, c, f)
        } else if let (Some(f), Some(v)) = (col("feature"), col("value")) {
            (QuotaDialect::SortitionFoundation, f, v)
        } else if let (Some(c), Some(n)) = (col("category"), col("name")) {
            (QuotaDialect::SortitionFoundationOld, c, n)
        } else if let (Some(c), Some(v)) = (col("category"), col("value")) {
            (QuotaDialect::Plain, c, v)
        } else {
            return Err(InputError::unreadable(
                path,
                format!(
                    "not a quotas file: the header has {}",
                    table.header_list()
                ),
            )
            .line(1)
            .hint("the header must be one of: category,value,min,max | category,feature,min,max | feature,value,min,max[,min_flex,max_flex] | category,name,min,max[,min_flex,max_flex] (also Minimum and Maximum for min and max)")
            .into());
        };
        let (Some(min_col), Some(max_col)) = (any(MIN_NAMES), any(MAX_NAMES)) else {
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
        let min_flex_col = any(MIN_FLEX_NAMES);
        let max_flex_col = any(MAX_FLEX_NAMES);
        let column_col = any(COLUMN_NAMES).filter(|&c| c != cat_col && c != val_col);

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
            let ci = *category_of
                .entry(crate::files::table::header_key(category))
                .or_insert_with(|| {
                    quotas.categories.push(Category {
                        name: category.to_string(),
                        column: None,
                        values: Vec::new(),
                    });
                    quotas.categories.len() - 1
                });
            if let Some(c) = column_col.filter(|&c| !cell(c).is_empty()) {
                match &quotas.categories[ci].column {
                    None => quotas.categories[ci].column = Some(cell(c).to_string()),
                    Some(before)
                        if crate::files::table::header_key(before)
                            != crate::files::table::header_key(cell(c)) =>
                    {
                        errors.push(at(
                            c,
                            format!(
                                "category {category} is already read from the respondents' column \"{before}\""
                            ),
                            "name one respondents' column per category (or leave the cell blank)",
                        ));
                        continue;
                    }
                    Some(_) => {}
                }
            }
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

    /// Reads each category named in `columns` ((respondents' column,
    /// category) pairs) from that column, over what the quotas file says.
    pub fn map_columns(&mut self, columns: &[(String, String)]) -> Result<(), Error> {
        use crate::files::table::header_key;
        for (column, category) in columns {
            let Some(c) = self
                .categories
                .iter_mut()
                .find(|c| header_key(&c.name) == header_key(category))
            else {
                return Err(Error::Usage(format!(
                    "the column mapping \"{column}={category}\" names the category \"{category}\", but the quotas ({}) have no such category; their categories are {}",
                    self.path.display(),
                    crate::error::quoted_list(
                        &self
                            .categories
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                    )
                )));
            };
            c.column = Some(column.clone());
        }
        Ok(())
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
    // A spreadsheet may write a whole number as 54.0 (or 54,0); three
    // zeros would be a thousands separator (1.000 or 1,000), so not taken.
    let whole = match s.split_once(['.', ',']) {
        Some((w, f))
            if !w.is_empty() && (1..=2).contains(&f.len()) && f.bytes().all(|b| b == b'0') =>
        {
            w
        }
        _ => s,
    };
    match whole.parse::<i64>() {
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
    fn headers_in_words_bounds_like_54_0_and_a_column_column() {
        let q = quotas(
            "Category,Value,Minimum,Maximum,Column\nAge,16-29,10.0,12.00,What is your age group?\nAge,30+,3,5,\n",
        )
        .unwrap();
        assert_eq!(q.dialect, QuotaDialect::Plain);
        assert_eq!((q.values[0].min, q.values[0].max), (10, 12));
        assert_eq!(
            q.categories[0].column.as_deref(),
            Some("What is your age group?")
        );
        for bad in ["10.5", "1.000", "\"1,000\"", "ten"] {
            let e = quotas(&format!("category,value,min,max\nAge,16-29,{bad},12\n")).unwrap_err();
            assert!(e.to_string().contains("not a whole number"), "{bad}: {e}");
        }
        let e = quotas("category,value,min,max,column\nAge,a,1,2,Q1\nAge,b,1,2,Q2\n").unwrap_err();
        assert!(e.to_string().contains("already read from"), "{e}");
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
