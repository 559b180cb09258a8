//! Assembly members (normally the `selected.csv` a draw wrote): ids, and the
//! category columns that table plans balance.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::error::{Error, InputError};
use crate::files::table::{Table, header_key, key};
use crate::model::pool::{IdSource, find_id_column};

/// The members file as read.
#[derive(Debug, Clone)]
pub struct Members {
    pub path: PathBuf,
    pub sha256: String,
    pub header: Vec<String>,
    /// Name of the id column (`id` for row numbers).
    pub id_header: String,
    pub ids: Vec<String>,
    /// Physical line of each member.
    pub lines: Vec<u64>,
    /// All cells, per member.
    pub cells: Vec<Vec<String>>,
}

/// One balanced category: its values (first spelling seen) and each
/// member's value index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub values: Vec<String>,
    pub of_member: Vec<usize>,
}

impl Members {
    /// Reads members from a table; `id_column` names the id column (else it
    /// is detected as for pools, or row numbers are used).
    pub fn from_table(table: Table, id_column: Option<&str>) -> Result<Members, Error> {
        let path = table.path.clone();
        let id_source = find_id_column(&table, id_column)?;
        let mut errors = Vec::new();
        let mut seen: HashMap<String, u64> = HashMap::new();
        let (mut ids, mut lines, mut cells) = (Vec::new(), Vec::new(), Vec::new());
        for (r, row) in table.rows.into_iter().enumerate() {
            let id = match id_source {
                IdSource::Column(c) => row.cells[c].trim().to_string(),
                IdSource::RowNumber => (r + 1).to_string(),
            };
            let column = match id_source {
                IdSource::Column(c) => table.header[c].trim().to_string(),
                IdSource::RowNumber => "id".into(),
            };
            if id.is_empty() {
                errors.push(
                    InputError::invalid(&path, "blank id")
                        .line(row.line)
                        .column(&column)
                        .hint("give every member an id"),
                );
                continue;
            }
            if let Some(first) = seen.insert(id.clone(), row.line) {
                errors.push(
                    InputError::invalid(&path, format!("duplicate id (first on line {first})"))
                        .line(row.line)
                        .column(&column)
                        .value(&id)
                        .hint("each member must appear once"),
                );
                continue;
            }
            ids.push(id);
            lines.push(row.line);
            cells.push(row.cells);
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        if ids.is_empty() {
            return Err(
                InputError::invalid(&path, "the members file has no members")
                    .hint("give the selected.csv written by `kleroterion draw` or `select`")
                    .into(),
            );
        }
        let id_header = match id_source {
            IdSource::Column(c) => table.header[c].trim().to_string(),
            IdSource::RowNumber => "id".into(),
        };
        Ok(Members {
            path,
            sha256: table.sha256,
            header: table.header,
            id_header,
            ids,
            lines,
            cells,
        })
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Member index by id.
    pub fn index(&self) -> HashMap<&str, usize> {
        self.ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect()
    }

    /// The categories to balance, by column name (matched ignoring case).
    /// Values match ignoring case and surrounding spaces; a blank cell is an
    /// error.
    pub fn categories(&self, columns: &[String]) -> Result<Vec<Category>, Error> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for name in columns {
            let Some(c) = self
                .header
                .iter()
                .position(|h| header_key(h) == header_key(name))
            else {
                errors.push(
                    InputError::invalid(
                        &self.path,
                        format!(
                            "the columns to balance include \"{name}\", but the members file has no such column; columns are {}",
                            self.header
                                .iter()
                                .map(|h| format!("\"{}\"", h.trim()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .line(1)
                    .hint("name columns of the members file as the columns to balance"),
                );
                continue;
            };
            let mut values: Vec<String> = Vec::new();
            let mut by_key: HashMap<String, usize> = HashMap::new();
            let mut of_member = Vec::with_capacity(self.len());
            for (i, row) in self.cells.iter().enumerate() {
                let cell = row[c].trim();
                if cell.is_empty() {
                    errors.push(
                        InputError::invalid(&self.path, "blank value in a balanced column")
                            .line(self.lines[i])
                            .column(self.header[c].trim())
                            .hint("fill in the value, or leave this column out of the columns to balance"),
                    );
                    of_member.push(0);
                    continue;
                }
                let v = *by_key.entry(key(cell)).or_insert_with(|| {
                    values.push(cell.to_string());
                    values.len() - 1
                });
                of_member.push(v);
            }
            out.push(Category {
                name: self.header[c].trim().to_string(),
                values,
                of_member,
            });
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        Ok(out)
    }
}
