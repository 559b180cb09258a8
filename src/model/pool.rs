//! The volunteer pool: one person per respondents row.
//!
//! Two dialects: Panelot / Nature replication (no id column: a person's id is
//! their 1-based data row number) and Sortition Foundation (an id column,
//! personal and address columns, one column per category). The id column is
//! named explicitly or auto-detected from [`ID_COLUMN_NAMES`].

use std::collections::HashMap;
use std::path::PathBuf;

use crate::error::{Error, InputError, Warning};
use crate::files::table::Table;
use crate::model::quotas::Quotas;

/// Header names recognised as the id column when none is given (compared
/// ignoring case, surrounding spaces, and with spaces/hyphens read as `_`).
pub const ID_COLUMN_NAMES: &[&str] = &[
    "id",
    "nationbuilder_id",
    "person_id",
    "respondent_id",
    "participant_id",
    "volunteer_id",
    "registrant_id",
    "unique_id",
    "uid",
];

/// Where people's ids come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdSource {
    /// This column of the respondents file.
    Column(usize),
    /// No id column: the 1-based data row number is the id.
    RowNumber,
}

/// One volunteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    /// Physical line in the respondents file.
    pub line: u64,
    /// All cells as written, in the file's column order.
    pub cells: Vec<String>,
    /// Per category (in [`Quotas::categories`] order): the value index.
    pub values: Vec<usize>,
}

/// The pool as imported and matched against the quotas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub path: PathBuf,
    /// SHA-256 of the respondents file.
    pub sha256: String,
    pub header: Vec<String>,
    pub id_source: IdSource,
    /// Per category: the respondents column holding it.
    pub category_columns: Vec<usize>,
    pub people: Vec<Person>,
}

impl Pool {
    /// Matches a respondents table against the quotas. `id_column` names the
    /// id column explicitly; `None` auto-detects it.
    pub fn from_table(
        table: Table,
        quotas: &Quotas,
        id_column: Option<&str>,
    ) -> Result<(Pool, Vec<Warning>), Error> {
        let path = table.path.clone();
        let id_source = find_id_column(&table, id_column)?;
        let mut category_columns = Vec::new();
        let mut errors = Vec::new();
        for cat in &quotas.categories {
            match table.column(cat.column.as_deref().unwrap_or(&cat.name)) {
                Some(c) => category_columns.push(c),
                None if cat.column.is_some() => errors.push(
                    InputError::invalid(
                        &path,
                        format!(
                            "category \"{}\" is to be read from the respondents' column \"{}\", but there is no such column; columns are {}",
                            cat.name,
                            cat.column.as_deref().unwrap_or_default(),
                            table.header_list()
                        ),
                    )
                    .line(1)
                    .column(cat.column.as_deref().unwrap_or_default())
                    .hint("correct the column's name in the mapping (case, spaces, underscores and hyphens do not matter)"),
                ),
                None => errors.push(
                    InputError::invalid(
                        &path,
                        format!(
                            "the quotas ({}) have category \"{}\" but the respondents have no such column; columns are {}",
                            quotas.path.display(),
                            cat.name,
                            table.header_list()
                        ),
                    )
                    .line(1)
                    .column(&cat.name)
                    .hint("map the column to the category (or add a \"column\" column to the quotas file naming the respondents' column, e.g. a form's question), or rename one so they match; case, spaces, underscores and hyphens do not matter"),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        if let IdSource::Column(c) = id_source
            && category_columns.contains(&c)
        {
            return Err(
                InputError::invalid(&path, "the id column is also a quota category")
                    .column(table.header[c].trim())
                    .hint("name the real id column as the id column")
                    .into(),
            );
        }

        let mut warnings = Vec::new();
        let mut people: Vec<Person> = Vec::with_capacity(table.rows.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (r, row) in table.rows.into_iter().enumerate() {
            let id = match id_source {
                IdSource::Column(c) => row.cells[c].trim().to_string(),
                IdSource::RowNumber => (r + 1).to_string(),
            };
            if let IdSource::Column(c) = id_source
                && id.is_empty()
            {
                errors.push(
                    InputError::invalid(&path, "blank id")
                        .line(row.line)
                        .column(table.header[c].trim())
                        .hint("give every respondent a unique id, or remove the row"),
                );
                continue;
            }
            let mut values = Vec::with_capacity(category_columns.len());
            let mut ok = true;
            for (ci, &c) in category_columns.iter().enumerate() {
                let raw = row.cells[c].trim();
                match quotas.find_value(ci, raw) {
                    Some(v) => values.push(v),
                    None => {
                        ok = false;
                        let cat = &quotas.categories[ci];
                        let known: Vec<&str> = cat
                            .values
                            .iter()
                            .map(|&v| quotas.values[v].name.as_str())
                            .collect();
                        let problem = if raw.is_empty() {
                            "blank category value".to_string()
                        } else {
                            format!(
                                "this value has no quota row for category \"{}\" in {}",
                                cat.name,
                                quotas.path.display()
                            )
                        };
                        errors.push(
                            InputError::invalid(&path, problem)
                                .line(row.line)
                                .column(table.header[c].trim())
                                .value(raw)
                                .hint(format!(
                                    "use one of the quota values ({}) or add a quota row for this value",
                                    crate::error::quoted_list(&known)
                                )),
                        );
                    }
                }
            }
            if !ok {
                continue;
            }
            if let Some(&first) = seen.get(&id) {
                let earlier: &Person = &people[first];
                if earlier.cells == row.cells {
                    warnings.push(Warning(format!(
                        "{}, line {}: exact duplicate of line {} (id \"{id}\"); kept line {} only",
                        path.display(),
                        row.line,
                        earlier.line,
                        earlier.line
                    )));
                } else {
                    let IdSource::Column(c) = id_source else {
                        unreachable!("row numbers are unique")
                    };
                    errors.push(
                        InputError::invalid(
                            &path,
                            format!(
                                "duplicate id: line {} has the same id with different data",
                                earlier.line
                            ),
                        )
                        .line(row.line)
                        .column(table.header[c].trim())
                        .value(&id)
                        .hint("ids must be unique: correct one of the two ids or remove one row"),
                    );
                }
                continue;
            }
            seen.insert(id.clone(), people.len());
            people.push(Person {
                id,
                line: row.line,
                cells: row.cells,
                values,
            });
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        if people.is_empty() {
            return Err(
                InputError::invalid(&path, "the respondents file has no data rows")
                    .hint("add one row per volunteer below the header")
                    .into(),
            );
        }
        let pool = Pool {
            path,
            sha256: table.sha256,
            header: table.header,
            id_source,
            category_columns,
            people,
        };
        pool.check_quota_values_present(quotas, &mut warnings)?;
        Ok((pool, warnings))
    }

    /// Number of volunteers.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// How many people have each quota value (indexed like `Quotas::values`).
    pub fn value_counts(&self, quotas: &Quotas) -> Vec<usize> {
        let mut counts = vec![0; quotas.values.len()];
        for p in &self.people {
            for &v in &p.values {
                counts[v] += 1;
            }
        }
        counts
    }

    /// The id column's header, or `id` for row-number ids.
    pub fn id_header(&self) -> &str {
        match self.id_source {
            IdSource::Column(c) => self.header[c].trim(),
            IdSource::RowNumber => "id",
        }
    }

    /// A quota value nobody has is harmless when its minimum is 0 (warning)
    /// and impossible otherwise (error naming the quota row).
    fn check_quota_values_present(
        &self,
        quotas: &Quotas,
        warnings: &mut Vec<Warning>,
    ) -> Result<(), Error> {
        // Warnings shown one by one; the rest are counted.
        const SHOWN: usize = 5;
        let counts = self.value_counts(quotas);
        let mut errors = Vec::new();
        let mut unseen = 0;
        for (v, q) in quotas.values.iter().enumerate() {
            if counts[v] > 0 {
                continue;
            }
            if q.min > 0 {
                errors.push(
                    InputError::invalid(
                        &quotas.path,
                        format!(
                            "{} has minimum {} but nobody in the pool ({}) has this value",
                            quotas.label(v),
                            q.min,
                            self.path.display()
                        ),
                    )
                    .line(q.line)
                    .value(&q.name)
                    .hint(
                        "check the spelling against the respondents file, or set the minimum to 0",
                    ),
                );
            } else {
                unseen += 1;
                if unseen <= SHOWN {
                    warnings.push(Warning(format!(
                        "{}, line {}: nobody in the pool has {} (its minimum is 0, so this is harmless)",
                        quotas.path.display(),
                        q.line,
                        crate::error::bounded(&quotas.label(v))
                    )));
                }
            }
        }
        if unseen > SHOWN {
            warnings.push(Warning(format!(
                "{}: {} more quota values that nobody in the pool has, each with minimum 0 (harmless)",
                quotas.path.display(),
                unseen - SHOWN
            )));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Input(errors))
        }
    }
}

pub(crate) fn find_id_column(
    table: &Table,
    explicit: Option<&str>,
) -> Result<IdSource, InputError> {
    if let Some(name) = explicit {
        return table
            .column(name)
            .map(IdSource::Column)
            .ok_or_else(|| {
                InputError::invalid(
                    &table.path,
                    format!(
                        "the id column is given as \"{name}\", but the respondents have no such column; columns are {}",
                        table.header_list()
                    ),
                )
                .line(1)
                .hint("name one of the listed columns as the id column")
            });
    }
    let candidates: Vec<usize> = table
        .header
        .iter()
        .enumerate()
        .filter(|(_, h)| ID_COLUMN_NAMES.contains(&crate::files::table::header_key(h).as_str()))
        .map(|(i, _)| i)
        .collect();
    match candidates.as_slice() {
        [] => Ok(IdSource::RowNumber),
        [c] => Ok(IdSource::Column(*c)),
        many => Err(InputError::invalid(
            &table.path,
            format!(
                "more than one column could be the id: {}",
                many.iter()
                    .map(|&c| format!("\"{}\"", table.header[c].trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .line(1)
        .hint("say which column is the id column")),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::error::{Error, InputKind};
    use crate::files::table::Table;
    use crate::model::pool::{IdSource, Pool};
    use crate::model::quotas::Quotas;

    fn quotas() -> Quotas {
        Quotas::from_table(
            &Table::parse(
                Path::new("quotas.csv"),
                b"feature,value,min,max\ngender,f,1,2\ngender,m,1,2\n",
            )
            .unwrap(),
        )
        .unwrap()
    }

    fn pool(text: &str, id: Option<&str>) -> Result<Pool, Error> {
        let table = Table::parse(Path::new("pool.csv"), text.as_bytes()).unwrap();
        Pool::from_table(table, &quotas(), id).map(|(p, _)| p)
    }

    fn input_errors(e: Error) -> Vec<crate::error::InputError> {
        match e {
            Error::Input(errors) => errors,
            other => panic!("expected input errors, got {other}"),
        }
    }

    #[test]
    fn ids_come_from_a_known_column_or_from_row_numbers() {
        let p = pool("nationbuilder_id,Gender\nx7,F\ny8,m\n", None).unwrap();
        assert_eq!(p.id_source, IdSource::Column(0));
        assert_eq!(p.people[0].id, "x7");
        // Values match by the one rule: trimmed, case-insensitive.
        assert_eq!(p.people[0].values, vec![0]);
        let p = pool("gender\nf\nm\n", None).unwrap();
        assert_eq!(p.id_source, IdSource::RowNumber);
        assert_eq!(
            p.people.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            ["1", "2"]
        );
    }

    #[test]
    fn a_value_the_quotas_do_not_know_is_named_with_its_place() {
        let errors = input_errors(pool("id,gender\na,f\nb,x\n", None).unwrap_err());
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.kind, InputKind::Invalid);
        assert_eq!(e.file, Path::new("pool.csv"));
        assert_eq!(e.line, Some(3));
        assert_eq!(e.column.as_deref(), Some("gender"));
        assert_eq!(e.value.as_deref(), Some("x"));
        assert!(!e.hint.is_empty());
    }

    #[test]
    fn a_missing_category_column_and_a_wrong_id_column_are_refused() {
        let errors = input_errors(pool("id,age\na,young\n", None).unwrap_err());
        assert!(errors[0].problem.contains("gender"), "{}", errors[0]);
        let errors = input_errors(pool("id,gender\na,f\n", Some("ident")).unwrap_err());
        assert!(errors[0].problem.contains("ident"), "{}", errors[0]);
    }
}
