//! The one reader of `seating.csv`, as `seat` writes it
//! (`round,table,<id column>`) and as `plan` does (the same with a
//! `session` column), and what the steps make of it: an earlier seating to
//! revise, the tables a rota staffs, or an earlier plan's seats by
//! session.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use crate::error::{Error, InputError};
use crate::files::table::Table;
use crate::logistics::members::Members;
use crate::logistics::seating::Seating;

/// One row of a `seating.csv`: round and table (0-based), member id, line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub round: usize,
    pub table: usize,
    pub id: String,
    /// The session id, in a plan's seating.csv.
    pub session: Option<String>,
    pub line: u64,
}

/// Reads a `seating.csv` as `seat` writes it: `round,table,<id column>`.
/// Round and table numbers start at 1 and cannot exceed the number of rows
/// (so nothing large is allocated from a number in the file).
pub fn parse_plan(table: &Table) -> Result<Vec<PlanRow>, Error> {
    let path = &table.path;
    let hint = "give the seating.csv written by `kleroterion seat` or `kleroterion plan`";
    let [rc, tc] = table.require(["round", "table"], "a seating.csv", hint)?;
    let sc = table.column("session");
    let Some(ic) = (0..table.header.len()).find(|&c| c != rc && c != tc && Some(c) != sc) else {
        return Err(
            InputError::unreadable(path, "not a seating.csv: no id column")
                .line(1)
                .hint(hint)
                .into(),
        );
    };
    let most = table.rows.len().max(1);
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    for row in &table.rows {
        let num = |c: usize| {
            row.cells[c]
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&x| (1..=most).contains(&x))
        };
        match (num(rc), num(tc)) {
            (Some(r), Some(t)) => rows.push(PlanRow {
                round: r - 1,
                table: t - 1,
                id: row.cells[ic].trim().to_string(),
                session: sc.map(|c| row.cells[c].trim().to_string()),
                line: row.line,
            }),
            (r, _) => {
                let c = if r.is_none() { rc } else { tc };
                errors.push(
                    InputError::invalid(path, format!("not a number from 1 to {most}"))
                        .line(row.line)
                        .column(table.header[c].trim())
                        .value(row.cells[c].trim())
                        .hint(hint),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    Ok(rows)
}

/// An earlier plan for `members` over `rounds` rounds: ids no longer
/// members are dropped.
pub fn previous(rows: Vec<PlanRow>, members: &Members, rounds: usize) -> Seating {
    let index: HashMap<&str, usize> = members.index();
    let mut table_of = vec![vec![None; members.len()]; rounds];
    for row in rows {
        if row.round < rounds
            && let Some(&i) = index.get(row.id.as_str())
        {
            table_of[row.round][i] = Some(row.table);
        }
    }
    Seating { table_of }
}

/// Per round, per table: member indices; and the member ids.
pub type Tables = (Vec<Vec<Vec<usize>>>, Vec<String>);

/// The tables of every round, for a rota: members numbered in order of
/// first appearance; rounds and tables must run from 1 without gaps and
/// nobody may sit twice in a round.
pub fn tables(path: &Path, rows: Vec<PlanRow>) -> Result<Tables, Error> {
    let mut ids: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut seats: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut errors = Vec::new();
    for row in rows {
        let next = ids.len();
        let m = *index.entry(row.id.clone()).or_insert_with(|| {
            ids.push(row.id.clone());
            next
        });
        if !seen.insert((row.round, m)) {
            errors.push(
                InputError::invalid(
                    path,
                    format!("{} is seated twice in round {}", row.id, row.round + 1),
                )
                .line(row.line)
                .hint("give the seating.csv written by `kleroterion seat`"),
            );
            continue;
        }
        seats
            .entry((row.round + 1, row.table + 1))
            .or_default()
            .push(m);
    }
    // Rounds and tables numbered 1, 2, … without gaps (so nothing large
    // is allocated from a number in the file).
    let mut tables: Vec<Vec<Vec<usize>>> = Vec::new();
    for ((r, t), members) in seats {
        if r != tables.len() && r != tables.len() + 1 || (r == tables.len() + 1 && t != 1) {
            errors.push(
                InputError::invalid(
                    path,
                    format!("round {r}, table {t} does not follow the rounds and tables before it"),
                )
                .hint("number rounds and tables from 1 without gaps, as `kleroterion seat` does"),
            );
            break;
        }
        if r == tables.len() + 1 {
            tables.push(Vec::new());
        }
        let round = &mut tables[r - 1];
        if t != round.len() + 1 {
            errors.push(
                InputError::invalid(
                    path,
                    format!("round {r}: table {t} follows table {}", round.len()),
                )
                .hint("number tables from 1 without gaps, as `kleroterion seat` does"),
            );
            break;
        }
        round.push(members);
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    Ok((tables, ids))
}
