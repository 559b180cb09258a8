//! The link from stage one to stage two: the volunteers' invitation codes
//! checked against the letters sent (invitations.csv, in the organiser's
//! private directory), and how many replied in each stratum.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::code;
use crate::error::{Error, InputError, Warning};
use crate::files::csv::CsvDoc;
use crate::model::pool::Pool;
use crate::report::TextTable;
use crate::report::html;

/// What to check the volunteers' codes against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitations {
    /// invitations.csv from `kleroterion invite draw`.
    pub file: PathBuf,
    /// The respondents' column holding the code they typed.
    pub column: String,
}

/// Replies per stratum.
#[derive(Debug, Clone, PartialEq)]
pub struct Replies {
    pub columns: Vec<String>,
    /// (stratum values, letters, volunteers).
    pub rows: Vec<(Vec<String>, u64, u64)>,
    /// Codes typed by two or more volunteers: their lines.
    pub shared: Vec<Vec<u64>>,
}

/// invitations.csv as read: the stratum columns, the strata, and each
/// code's stratum.
struct Issued {
    columns: Vec<String>,
    strata: Vec<Vec<String>>,
    codes: HashMap<String, usize>,
}

/// Reads invitations.csv.
fn read_invitations(path: &Path) -> Result<Issued, Error> {
    let bytes = crate::files::dir::read(path, "invitations file")?;
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::from(InputError::unreadable(path, e.to_string())))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.len() < 3 || header[..3] != ["code", "round", "stratum"] {
        return Err(InputError::invalid(
            path,
            "this is not an invitations file (its first columns are not code, round, stratum)",
        )
        .line(1)
        .hint("give invitations.csv from the private directory of the invitation bundle")
        .into());
    }
    let columns = header[3..].to_vec();
    let mut strata: Vec<Vec<String>> = Vec::new();
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    let mut codes = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            Error::from(InputError::unreadable(path, e.to_string()).line(i as u64 + 2))
        })?;
        let values: Vec<String> = record.iter().skip(3).map(str::to_string).collect();
        let next = strata.len();
        let s = *index.entry(values.clone()).or_insert(next);
        if s == next {
            strata.push(values);
        }
        codes.insert(record[0].to_string(), s);
    }
    Ok(Issued {
        columns,
        strata,
        codes,
    })
}

/// Checks every volunteer's code: one that was never issued (or is
/// mistyped beyond the check character) is an error naming its line; a
/// code typed by several volunteers (one household's letter) is a warning.
pub fn check(
    pool: &Pool,
    invitations: &Invitations,
    household_columns: &[String],
) -> Result<(Replies, Vec<Warning>), Error> {
    let Issued {
        columns,
        strata,
        codes,
    } = read_invitations(&invitations.file)?;
    let at = pool
        .header
        .iter()
        .position(|h| h == &invitations.column)
        .ok_or_else(|| {
            Error::from(
                InputError::invalid(
                    &pool.path,
                    format!(
                        "the respondents have no column \"{}\" for the invitation code",
                        invitations.column
                    ),
                )
                .line(1)
                .hint(format!(
                    "its columns are {}; name the column holding the code from the letter",
                    crate::error::quoted_list(&pool.header)
                )),
            )
        })?;
    let mut letters = vec![0u64; strata.len()];
    for s in codes.values() {
        letters[*s] += 1;
    }
    let mut volunteers = vec![0u64; strata.len()];
    let mut errors = Vec::new();
    let mut by_code: HashMap<String, Vec<u64>> = HashMap::new();
    for p in &pool.people {
        let typed = &p.cells[at];
        let normal = code::normalise(typed);
        match normal.as_ref().and_then(|c| codes.get(c)) {
            Some(&s) => {
                volunteers[s] += 1;
                by_code.entry(normal.unwrap_or_default()).or_default().push(p.line);
            }
            None => errors.push(
                InputError::invalid(&pool.path, if normal.is_some() { "this invitation code was never issued" } else { "this is not an invitation code (11 letters and digits, like 7KQ3-M9XD-R2P)" })
                    .line(p.line)
                    .column(&invitations.column)
                    .value(typed)
                    .hint("check the code against the volunteer's letter; a volunteer without a valid code was not invited and must be removed from the respondents"),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    let mut shared: Vec<Vec<u64>> = by_code.into_values().filter(|l| l.len() > 1).collect();
    for l in &mut shared {
        l.sort_unstable();
    }
    shared.sort();
    let mut warnings = Vec::new();
    if !shared.is_empty() {
        let covered = household_columns.iter().any(|c| c == &invitations.column);
        let examples: Vec<String> = shared
            .iter()
            .take(5)
            .map(|l| {
                l.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        warnings.push(Warning(format!(
            "{} invitation codes were each given by two or more volunteers (lines {}{}): one letter per household, so they live together{}",
            shared.len(),
            examples.join("; "),
            if shared.len() > 5 { "; …" } else { "" },
            if covered { " (the household rule seats at most one of each)" } else { "; add the code column to the household columns so that at most one of each household is selected" }
        )));
    }
    let rows = strata
        .into_iter()
        .zip(letters)
        .zip(volunteers)
        .map(|((v, l), n)| (v, l, n))
        .collect::<Vec<_>>();
    let mut replies = Replies {
        columns,
        rows,
        shared,
    };
    replies.rows.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((replies, warnings))
}

fn rate(volunteers: u64, letters: u64) -> String {
    if letters == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * volunteers as f64 / letters as f64)
    }
}

impl Replies {
    fn totals(&self) -> (u64, u64) {
        (
            self.rows.iter().map(|r| r.1).sum(),
            self.rows.iter().map(|r| r.2).sum(),
        )
    }

    /// replies.csv: the stratum columns, letters, volunteers, reply_rate.
    pub fn csv(&self) -> Vec<u8> {
        let mut doc = CsvDoc::default();
        let mut header = self.columns.clone();
        header.extend(["letters", "volunteers", "reply_rate"].map(String::from));
        doc.record(header);
        for (v, l, n) in &self.rows {
            let mut row = v.clone();
            row.extend([
                l.to_string(),
                n.to_string(),
                if *l == 0 {
                    String::new()
                } else {
                    format!("{:.6}", *n as f64 / *l as f64)
                },
            ]);
            doc.record(row);
        }
        doc.into_bytes()
    }

    /// The report's section, as text.
    pub fn render_text(&self) -> String {
        let (letters, volunteers) = self.totals();
        let mut s = format!(
            "\nReplies to the invitation letters: {volunteers} volunteers from {letters} letters ({})\n",
            rate(volunteers, letters)
        );
        let mut spec: Vec<(&str, bool)> =
            self.columns.iter().map(|c| (c.as_str(), false)).collect();
        spec.extend([
            ("letters", true),
            ("volunteers", true),
            ("reply rate", true),
        ]);
        let mut t = TextTable::new(&spec);
        for (v, l, n) in &self.rows {
            let mut row = v.clone();
            row.extend([l.to_string(), n.to_string(), rate(*n, *l)]);
            t.row(row);
        }
        s.push_str(&t.render());
        if !self.shared.is_empty() {
            let _ = writeln!(
                s,
                "{} letters were answered by more than one volunteer of the household.",
                self.shared.len()
            );
        }
        s
    }

    /// The report's section, as HTML.
    pub fn render_html(&self) -> String {
        let (letters, volunteers) = self.totals();
        let mut header: Vec<(&str, bool)> =
            self.columns.iter().map(|c| (c.as_str(), false)).collect();
        header.extend([
            ("letters", true),
            ("volunteers", true),
            ("reply rate", true),
        ]);
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|(v, l, n)| {
                let mut row = v.clone();
                row.extend([l.to_string(), n.to_string(), rate(*n, *l)]);
                row
            })
            .collect();
        format!(
            "<h2>Replies to the invitation letters</h2>\n<p>{volunteers} volunteers from {letters} letters ({}). Strata that replied less are under-represented in the pool; the quotas correct for that.</p>\n{}",
            rate(volunteers, letters),
            html::table(Some("Replies by stratum"), &header, &rows)
        )
    }
}
