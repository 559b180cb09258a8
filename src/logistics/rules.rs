//! Seating constraints (`constraints.csv`): `kind,members,table,rounds`.
//!
//! - `apart`: the listed members never share a table;
//! - `together`: the listed members always share a table;
//! - `pin`: the member sits at `table` (1-based);
//! - `absent`: the member is not there.
//!
//! `members` are ids separated by spaces; `rounds` lists 1-based round
//! numbers separated by spaces (blank: every round).

use crate::error::{Error, InputError};
use crate::files::table::{Table, key};
use crate::logistics::members::Members;

/// Turns a word (a session or day id) into the rounds it covers.
pub type RoundWords<'a> = &'a dyn Fn(&str) -> Option<Vec<usize>>;

/// Which rounds a constraint holds in (None: all).
pub type Rounds = Option<Vec<usize>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Apart,
    Together,
    Pin(usize),
    Absent,
}

/// One constraint row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub kind: Kind,
    /// Member indices.
    pub members: Vec<usize>,
    /// 0-based rounds, or None for all.
    pub rounds: Rounds,
    pub line: u64,
}

impl Constraint {
    pub fn applies(&self, round: usize) -> bool {
        self.rounds.as_ref().is_none_or(|r| r.contains(&round))
    }

    /// A short name for reports, e.g. `apart P1 P2 (line 3)`.
    pub fn describe(&self, members: &Members) -> String {
        let kind = match self.kind {
            Kind::Apart => "apart".to_string(),
            Kind::Together => "together".to_string(),
            Kind::Pin(t) => format!("pin to table {}", t + 1),
            Kind::Absent => "absent".to_string(),
        };
        let who: Vec<&str> = self
            .members
            .iter()
            .map(|&i| members.ids[i].as_str())
            .collect();
        format!("{kind} {} (line {})", who.join(" "), self.line)
    }
}

/// Reads `constraints.csv` against the members.
/// `named` (when planning from an assembly file) turns a word of the
/// rounds column that is not a round number, such as a session or day id,
/// into rounds.
pub fn from_table(
    table: &Table,
    members: &Members,
    rounds: usize,
    named: Option<RoundWords>,
) -> Result<Vec<Constraint>, Error> {
    let path = &table.path;
    let col = |n: &str| table.column(n);
    let (Some(kc), Some(mc)) = (col("kind"), col("members")) else {
        return Err(InputError::unreadable(
            path,
            format!(
                "not a constraints file: the header has {}",
                table.header_list()
            ),
        )
        .line(1)
        .hint("the header must be kind,members,table,rounds (table and rounds may be left blank)")
        .into());
    };
    let (tc, rc) = (col("table"), col("rounds"));
    let index = members.index();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in &table.rows {
        let at =
            |c: usize, problem: String, hint: &str| table.cell_error(row, c, problem).hint(hint);
        let mut ids = Vec::new();
        let mut bad = false;
        for id in row.cells[mc].split_whitespace() {
            match index.get(id) {
                Some(&i) => ids.push(i),
                None => {
                    errors.push(at(
                        mc,
                        format!("\"{id}\" is not a member"),
                        "use ids from the members file, separated by spaces",
                    ));
                    bad = true;
                }
            }
        }
        let number = |c: Option<usize>, what: &str| -> Result<Option<Vec<usize>>, InputError> {
            let Some(c) = c else { return Ok(None) };
            let text = row.cells[c].trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.split_whitespace()
                .map(|w| {
                    w.parse::<usize>()
                        .ok()
                        .filter(|&x| x >= 1)
                        .map(|x| x - 1)
                        .ok_or_else(|| {
                            at(
                                c,
                                format!("\"{w}\" is not a {what} number"),
                                &format!("{what} numbers start at 1"),
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        };
        let mut round_list = None;
        if let Some(c) = rc
            && !row.cells[c].trim().is_empty()
        {
            let mut list = Vec::new();
            let mut bad = None;
            for w in crate::files::table::words(&row.cells[c]) {
                match (w.parse::<usize>(), named) {
                    (Ok(x), _) if (1..=rounds).contains(&x) => list.push(x - 1),
                    (Ok(x), _) => {
                        bad = Some(format!("round {x} is not a round from 1 to {rounds}"));
                    }
                    (Err(_), Some(f)) => match f(w) {
                        Some(rs) => list.extend(rs),
                        None => {
                            bad = Some(format!("\"{w}\" is not a round number, session or day"))
                        }
                    },
                    (Err(_), None) => bad = Some(format!("\"{w}\" is not a round number")),
                }
            }
            if let Some(problem) = bad {
                let hint = if named.is_some() {
                    "list round numbers (tables sessions in time order, from 1), session ids or day ids"
                } else {
                    "use round numbers from 1 to the number of rounds"
                };
                errors.push(at(c, problem, hint));
                continue;
            }
            list.sort_unstable();
            list.dedup();
            round_list = Some(list);
        }
        let kind = match key(&row.cells[kc]).as_str() {
            "apart" => Kind::Apart,
            "together" => Kind::Together,
            "absent" => Kind::Absent,
            "pin" => match number(tc, "table") {
                Ok(Some(t)) if t.len() == 1 => Kind::Pin(t[0]),
                Ok(_) => {
                    errors.push(
                        InputError::invalid(path, "a pin needs one table number")
                            .line(row.line)
                            .hint("put the table number (from 1) in the table column"),
                    );
                    continue;
                }
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            },
            other => {
                errors.push(at(
                    kc,
                    format!("unknown kind \"{other}\""),
                    "kind is one of apart, together, pin, absent",
                ));
                continue;
            }
        };
        if bad {
            continue;
        }
        let needed = match kind {
            Kind::Apart | Kind::Together => 2,
            _ => 1,
        };
        if ids.len() < needed {
            errors.push(at(
                mc,
                format!("{} member(s) listed, {needed} or more needed", ids.len()),
                "list the members' ids separated by spaces",
            ));
            continue;
        }
        out.push(Constraint {
            kind,
            members: ids,
            rounds: round_list,
            line: row.line,
        });
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    Ok(out)
}
