//! The whole assembly plan: seating for every tables session, the
//! facilitator rota, the speaker programme, and everyone's timetable.
//!
//! `build` takes an `Assembly` and already-read tables, runs the three
//! planners, and joins them into a `Schedule` (one `Entry` per person per
//! session they attend). Re-planning takes the earlier plan (`Previous`)
//! and a first open session: everything before it is kept, later sessions
//! change as little as the new situation allows, and `changes` lists the
//! people whose timetable differs.

mod previous;
mod timetable;

use timetable::*;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveTime;

use crate::error::{Error, InputError};
use crate::files::table::{Table, key};
use crate::logistics::assembly::Assembly;
use crate::logistics::members::Members;
use crate::logistics::programme::{self, Contribution, Programme};
use crate::logistics::rota::{self, Facilitator, Role, Rota};
use crate::logistics::rules::{self as constraints, Constraint};
use crate::logistics::seating::{self, Seating};

/// Who a person is in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Who {
    Member,
    Facilitator,
    Speaker,
}

impl Who {
    pub fn name(self) -> &'static str {
        match self {
            Who::Member => "member",
            Who::Facilitator => "facilitator",
            Who::Speaker => "speaker",
        }
    }
}

/// Someone with a timetable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub who: Who,
    pub id: String,
    pub name: String,
    /// Members: support needs (keyed words), language, consent notes.
    pub needs: Vec<String>,
    pub language: String,
    pub consent: String,
    /// In the earlier plan's held sessions but no longer in the inputs
    /// (a withdrawn member, a facilitator or speaker who left): kept so
    /// the sessions they attended stay as they were.
    pub withdrawn: bool,
}

/// One person in one session.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub person: usize,
    pub session: usize,
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// What they do: "Table 3", "Table 3 facilitator", "Lead facilitator",
    /// "Plenary", "Speaker: energy, informant".
    pub what: String,
    /// 0-based table, for tables sessions.
    pub table: Option<usize>,
    pub room: String,
    /// For a held session of a re-plan: the earlier schedule.csv row,
    /// written again as it was.
    pub row: Option<Vec<String>>,
}

/// The earlier plan, as read back from its files (ids, not indices).
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// session id → member id → 0-based table.
    pub seating: HashMap<String, HashMap<String, usize>>,
    /// (session id, table or None for lead, role) → facilitator id.
    pub rota: HashMap<(String, Option<usize>, Role), String>,
    /// (speaker id, topic key, occurrence) → session id.
    pub programme: HashMap<(String, String, usize), String>,
    /// The earlier timetable: (person kind, id) → sorted entry lines.
    pub timetable: BTreeMap<(Who, String), Vec<String>>,
    /// The earlier plan's seating, rota and programme tables, by file
    /// name: the rows of held sessions are written again as they were.
    pub tables: BTreeMap<String, Table>,
    /// The earlier schedule.csv, row by row.
    pub schedule: Vec<HeldRow>,
}

/// One row of an earlier plan's schedule.csv.
#[derive(Debug, Clone)]
pub struct HeldRow {
    pub who: Who,
    pub id: String,
    pub name: String,
    pub session: String,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub room: String,
    pub table: Option<usize>,
    pub what: String,
    /// The row's cells as written.
    pub cells: Vec<String>,
}

/// The inputs of a plan, read.
pub struct Inputs<'a> {
    pub assembly: &'a Assembly,
    pub members: Members,
    pub constraints: Option<Table>,
    pub facilitators: Option<Table>,
    pub speakers: Option<Table>,
    pub previous: Option<Previous>,
    /// First open session id when re-planning (sessions before are kept).
    pub from: Option<String>,
    /// Told what is being planned ("seating", "rota", "programme") and the
    /// share of it done, now and then.
    pub progress: &'a dyn Fn(&str, f64),
}

/// A finished plan.
pub struct Plan<'a> {
    pub assembly: &'a Assembly,
    pub members: Members,
    pub people: Vec<Person>,
    /// Session index of each seating round.
    pub rounds: Vec<usize>,
    pub seating_problem: seating::Problem,
    pub seating: Seating,
    pub facilitators: Vec<Facilitator>,
    pub rota_problem: Option<rota::Problem>,
    pub rota: Option<Rota>,
    pub contributions: Vec<Contribution>,
    pub programme: Option<Programme>,
    /// First open session (chronological index); 0 for a new plan.
    pub from: usize,
    /// The earlier plan when re-planning: sessions before `from` are
    /// written as it had them.
    pub previous: Option<Previous>,
    pub entries: Vec<Entry>,
    /// Needs a room does not meet, in words.
    pub unmet_needs: Vec<String>,
    /// The members' column that colours the plan's pictures, if any.
    pub colour_by: Option<crate::logistics::members::Category>,
    /// Seconds spent seating, on the rota and on the programme (for the
    /// terminal only: outputs never depend on the clock).
    pub seconds: [f64; 3],
}

impl<'a> Plan<'a> {
    /// The earlier plan if `session` was held before this re-plan (its
    /// rows are then kept as they were).
    pub fn held(&self, session: usize) -> Option<&Previous> {
        self.previous.as_ref().filter(|_| session < self.from)
    }

    /// A CSV file of the plan whose rows name their session in a
    /// `session` column and run in session order (seating, rota,
    /// programme): the held sessions' rows as the earlier plan wrote them,
    /// then the computed rows of the open sessions.
    pub fn keep_held_rows(&self, file: &str, computed: Vec<u8>) -> Vec<u8> {
        let Some(prev) = self.previous.as_ref().filter(|_| self.from > 0) else {
            return computed;
        };
        let held: HashSet<&str> = self.assembly.sessions[..self.from]
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        let Ok(now) = Table::parse(std::path::Path::new(file), &computed) else {
            return computed;
        };
        let session_of = |t: &Table| t.header.iter().position(|h| key(h) == "session");
        let (Some(old), Some(c_now)) = (prev.tables.get(file), session_of(&now)) else {
            return computed;
        };
        let Some(c_old) = session_of(old) else {
            return computed;
        };
        let mut doc = crate::files::csv::CsvDoc::default();
        doc.record(now.header.iter());
        for row in old
            .rows
            .iter()
            .filter(|r| held.contains(r.cells[c_old].trim()))
        {
            doc.record(row.cells.iter());
        }
        for row in now
            .rows
            .iter()
            .filter(|r| !held.contains(r.cells[c_now].trim()))
        {
            doc.record(row.cells.iter());
        }
        doc.into_bytes()
    }

    pub fn programme_problem(&self) -> programme::Problem<'a> {
        programme::Problem {
            assembly: self.assembly,
            contributions: self.contributions.clone(),
            previous: Vec::new(),
            from: self.from,
        }
    }

    /// The table → room assignment of a tables session: tables fill the
    /// session's rooms in order, as far as each room's capacity allows.
    pub fn table_room(&self, session: usize, table: usize) -> String {
        let a = self.assembly;
        let Some(r) = self.rounds.iter().position(|&x| x == session) else {
            return a.place(session);
        };
        let sizes: Vec<usize> = self.seating.tables(r).iter().map(Vec::len).collect();
        rooms_of_tables(a, session, &sizes)
            .get(table)
            .copied()
            .flatten()
            .map_or(String::new(), |ri| a.rooms[ri].name.clone())
    }
}

/// The room of each table of a tables session: tables fill the session's
/// rooms in order, moving on when a room's capacity (in members) is full.
pub fn rooms_of_tables(a: &Assembly, session: usize, sizes: &[usize]) -> Vec<Option<usize>> {
    let s = &a.sessions[session];
    let mut room = 0;
    let mut used = 0usize;
    let mut out = Vec::with_capacity(sizes.len());
    for &size in sizes {
        if let Some(&ri) = s.rooms.get(room)
            && let Some(cap) = a.rooms[ri].capacity
            && used + size > cap
            && room + 1 < s.rooms.len()
        {
            room += 1;
            used = 0;
        }
        used += size;
        out.push(s.rooms.get(room).copied());
    }
    out
}

/// Pins for members whose needs name a room tag (e.g. hearing-loop): in
/// every round where some tables are in rooms without it, the member is
/// pinned to a table in a room with it (members spread over those tables
/// as room allows). Rounds with an explicit pin for the member are left
/// alone.
fn room_need_pins(
    a: &Assembly,
    rounds: &[usize],
    problem: &seating::Problem,
    people: &[Person],
    lines: &[u64],
) -> Vec<Constraint> {
    let tags = a.room_tags();
    let mut out = Vec::new();
    for (r, &s) in rounds.iter().enumerate() {
        if r < problem.fixed_rounds && problem.previous.is_some() {
            continue; // held as it was
        }
        let sizes = problem.sizes(r);
        let rooms = rooms_of_tables(a, s, &sizes);
        let mut left: Vec<usize> = sizes.clone();
        let present = problem.present(r);
        for &i in &present {
            if problem.constraints.iter().any(|c| {
                matches!(c.kind, constraints::Kind::Pin(_))
                    && c.applies(r)
                    && c.members.contains(&i)
            }) {
                continue;
            }
            let needs: Vec<&String> = people[i]
                .needs
                .iter()
                .filter(|n| tags.contains(n.as_str()))
                .collect();
            if needs.is_empty() {
                continue;
            }
            let fits = |t: usize| {
                rooms[t].is_some_and(|ri| needs.iter().all(|n| a.rooms[ri].tags.contains(n)))
            };
            if (0..sizes.len()).all(fits) {
                continue;
            }
            // A different fitting table each round (for mixing).
            let fitting: Vec<usize> = (0..sizes.len()).filter(|&t| fits(t)).collect();
            let pick = (0..fitting.len())
                .map(|k| fitting[(r + i + k) % fitting.len()])
                .find(|&t| left[t] > 0);
            if let Some(t) = pick {
                left[t] -= 1;
                out.push(Constraint {
                    kind: constraints::Kind::Pin(t),
                    members: vec![i],
                    rounds: Some(vec![r]),
                    line: lines[i],
                });
            }
        }
    }
    out
}

/// Builds the plan (see the module notes).
pub fn build<'a>(inputs: Inputs<'a>) -> Result<Plan<'a>, Error> {
    let a = inputs.assembly;
    let members = inputs.members;
    let from = match &inputs.from {
        None => 0,
        Some(id) => a.sessions.iter().position(|s| &s.id == id).ok_or_else(|| {
            Error::Usage(format!(
                "the session to re-plan from, \"{id}\", is not a session of the assembly"
            ))
        })?,
    };
    let rounds = a.rounds();
    if rounds.is_empty() {
        return Err(Error::Usage(
            "the assembly has no held tables sessions to seat".into(),
        ));
    }

    let (available, mut people) = member_people(a, &members)?;

    // Session, day or weekend-N → the seating rounds it covers.
    let round_words = |w: &str| -> Option<Vec<usize>> {
        a.sessions_named(w).map(|of| {
            (0..rounds.len())
                .filter(|r| of.contains(&rounds[*r]))
                .collect()
        })
    };

    // Seating: rounds, absences, constraints, the earlier plan.
    let mut cons: Vec<Constraint> = match &inputs.constraints {
        Some(t) => constraints::from_table(t, &members, rounds.len(), Some(&round_words))?,
        None => Vec::new(),
    };
    // Held rounds are kept as the earlier plan had them, so an absence
    // entered afterwards does not rewrite them.
    let fixed_rounds = rounds.iter().filter(|&&s| s < from).count();
    let kept = |r: usize| inputs.previous.is_some() && r < fixed_rounds;
    for (i, av) in available.iter().enumerate() {
        let absent: Vec<usize> = (0..rounds.len())
            .filter(|&r| !av[rounds[r]] && !kept(r))
            .collect();
        if !absent.is_empty() {
            cons.push(Constraint {
                kind: constraints::Kind::Absent,
                members: vec![i],
                rounds: Some(absent),
                line: members.lines[i],
            });
        }
    }
    let mut seating_problem =
        seating_problem(a, &members, &rounds, from, inputs.previous.as_ref(), cons)?;
    if let Some(column) = &a.seating.colour_by
        && !members
            .header
            .iter()
            .any(|h| crate::files::table::header_key(h) == crate::files::table::header_key(column))
    {
        return Err(crate::error::InputError::invalid(
            &members.path,
            format!(
                "the assembly file colours the seating pictures by \"{column}\" (seating.colour_by), but the members file has no such column; columns are {}",
                crate::error::quoted_list(&members.header)
            ),
        )
        .line(1)
        .hint("name one of the members file's columns, or leave colour_by out to colour by the first balanced column")
        .into());
    }
    // The pictures' colours: the chosen column (blank cells leave it
    // unused), else the first balanced one.
    let colour_by = a
        .seating
        .colour_by
        .as_ref()
        .and_then(|c| members.categories(std::slice::from_ref(c)).ok())
        .and_then(|mut c| c.pop())
        .or_else(|| seating_problem.categories.first().cloned());
    let pins = room_need_pins(a, &rounds, &seating_problem, &people, &members.lines);
    seating_problem.constraints.extend(pins);
    let clock = std::time::Instant::now();
    let progress = inputs.progress;
    let seating = seating::solve_with(&seating_problem, &a.seating.seed, a.seating.effort, &|f| {
        progress("seating", f)
    })?;
    let mut seconds = [clock.elapsed().as_secs_f64(), 0.0, 0.0];
    let clock = std::time::Instant::now();

    // Rota.
    let facilitators = match &inputs.facilitators {
        Some(t) => rota::facilitators_from_table(
            t,
            rounds.len(),
            &round_words,
            "list session ids, day ids or weekend-N separated by spaces; blank for always",
        )?,
        None => Vec::new(),
    };
    let (rota_problem, rota) = if facilitators.is_empty() {
        (None, None)
    } else {
        let problem = rota_problem(
            a,
            &rounds,
            &seating,
            &facilitators,
            members.len(),
            fixed_rounds,
            inputs.previous.as_ref(),
        );
        progress("rota", 0.0);
        let r = rota::solve(&problem, &a.rota_seed, a.rota_effort);
        (Some(problem), Some(r))
    };
    seconds[1] = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    for f in &facilitators {
        people.push(Person {
            who: Who::Facilitator,
            id: f.id.clone(),
            name: f.name.clone(),
            needs: Vec::new(),
            language: String::new(),
            consent: String::new(),
            withdrawn: false,
        });
    }

    // Programme.
    let contributions = match &inputs.speakers {
        Some(t) => programme::from_table(t, a)?,
        None => Vec::new(),
    };
    let programme = if contributions.is_empty() {
        None
    } else {
        let previous = programme_previous(a, &contributions, inputs.previous.as_ref());
        let problem = programme::Problem {
            assembly: a,
            contributions: contributions.clone(),
            previous,
            from,
        };
        progress("programme", 0.0);
        Some(programme::solve(&problem)?)
    };
    seconds[2] = clock.elapsed().as_secs_f64();
    let mut speaker_ids: BTreeSet<&str> = BTreeSet::new();
    for c in &contributions {
        if speaker_ids.insert(c.speaker.as_str()) {
            people.push(Person {
                who: Who::Speaker,
                id: c.speaker.clone(),
                name: c.name.clone(),
                needs: Vec::new(),
                language: String::new(),
                consent: String::new(),
                withdrawn: false,
            });
        }
    }

    // Whoever the held sessions had and the inputs no longer name.
    if let Some(prev) = &inputs.previous {
        let held: HashSet<&str> = a.sessions[..from].iter().map(|s| s.id.as_str()).collect();
        let mut known: HashSet<(Who, String)> =
            people.iter().map(|p| (p.who, p.id.clone())).collect();
        for row in prev
            .schedule
            .iter()
            .filter(|r| held.contains(r.session.as_str()))
        {
            if known.insert((row.who, row.id.clone())) {
                people.push(Person {
                    who: row.who,
                    id: row.id.clone(),
                    name: row.name.clone(),
                    needs: Vec::new(),
                    language: String::new(),
                    consent: String::new(),
                    withdrawn: true,
                });
            }
        }
    }

    let mut plan = Plan {
        assembly: a,
        members,
        people,
        rounds,
        seating_problem,
        seating,
        facilitators,
        rota_problem,
        rota,
        contributions,
        programme,
        from,
        previous: inputs.previous,
        entries: Vec::new(),
        unmet_needs: Vec::new(),
        colour_by,
        seconds,
    };
    plan.entries = timetable(&plan, &available);
    plan.unmet_needs = unmet_needs(&plan);
    Ok(plan)
}

/// The rota problem of the plan's tables, with the earlier plan's posts
/// (by facilitator id) where it had them.
fn rota_problem(
    a: &Assembly,
    rounds: &[usize],
    seating: &Seating,
    facilitators: &[Facilitator],
    members: usize,
    fixed_rounds: usize,
    previous: Option<&Previous>,
) -> rota::Problem {
    let index: HashMap<&str, usize> = facilitators
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let tables: Vec<Vec<Vec<usize>>> = (0..rounds.len()).map(|r| seating.tables(r)).collect();
    let previous = previous.map(|p| {
        let get = |r: usize, t: Option<usize>, role: Role| {
            p.rota
                .get(&(a.sessions[rounds[r]].id.clone(), t, role))
                .and_then(|id| index.get(id.as_str()).copied())
        };
        Rota {
            lead: (0..rounds.len())
                .map(|r| get(r, None, Role::Lead))
                .collect(),
            table: (0..rounds.len())
                .map(|r| {
                    (0..tables[r].len())
                        .map(|t| get(r, Some(t), Role::Table))
                        .collect()
                })
                .collect(),
            note: (0..rounds.len())
                .map(|r| {
                    (0..tables[r].len())
                        .map(|t| get(r, Some(t), Role::NoteTaker))
                        .collect()
                })
                .collect(),
        }
    });
    rota::Problem {
        tables,
        members,
        facilitators: facilitators.to_vec(),
        previous,
        fixed_rounds,
        adjacent: (0..rounds.len())
            .map(|r| r > 0 && a.sessions[rounds[r]].day == a.sessions[rounds[r - 1]].day)
            .collect(),
    }
}

/// Each contribution's session in the earlier plan, matched by speaker,
/// topic and occurrence.
fn programme_previous(
    a: &Assembly,
    contributions: &[Contribution],
    previous: Option<&Previous>,
) -> Vec<Option<usize>> {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    contributions
        .iter()
        .map(|c| {
            let k = (c.speaker.clone(), key(&c.topic));
            let n = seen.entry(k.clone()).or_insert(0);
            *n += 1;
            previous.and_then(|p| {
                p.programme
                    .get(&(k.0, k.1, *n))
                    .and_then(|id| a.sessions.iter().position(|s| &s.id == id))
            })
        })
        .collect()
}

/// Each member's availability per session and their details (needs,
/// language, consent) from the members file's optional columns.
fn member_people(a: &Assembly, members: &Members) -> Result<(Vec<Vec<bool>>, Vec<Person>), Error> {
    let table_of_members = Table {
        path: members.path.clone(),
        sha256: members.sha256.clone(),
        delimiter: b',',
        header: members.header.clone(),
        rows: members
            .cells
            .iter()
            .zip(&members.lines)
            .map(|(cells, &line)| crate::files::table::Row {
                line,
                cells: cells.clone(),
            })
            .collect(),
    };
    let col = |n: &str| table_of_members.column(n);
    let mut errors = Vec::new();
    let mut available: Vec<Vec<bool>> = Vec::new();
    for row in &table_of_members.rows {
        let av = col("available")
            .and_then(|c| a.availability(&table_of_members, row, c, &mut errors))
            .unwrap_or_else(|| vec![true; a.sessions.len()]);
        available.push(av);
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    let cell = |i: usize, n: &str| {
        col(n).map_or(String::new(), |c| members.cells[i][c].trim().to_string())
    };
    let people: Vec<Person> = (0..members.len())
        .map(|i| Person {
            who: Who::Member,
            id: members.ids[i].clone(),
            name: cell(i, "name"),
            needs: cell(i, "needs")
                .split([';', ','])
                .map(key)
                .filter(|w| !w.is_empty())
                .collect(),
            language: cell(i, "language"),
            consent: cell(i, "consent"),
            withdrawn: false,
        })
        .collect();
    Ok((available, people))
}

/// The seating problem of the plan's rounds: their layouts, the balanced
/// categories, the rules (absences included) and the earlier plan's
/// tables, with the rounds before `from` fixed.
fn seating_problem(
    a: &Assembly,
    members: &Members,
    rounds: &[usize],
    from: usize,
    previous: Option<&Previous>,
    cons: Vec<Constraint>,
) -> Result<seating::Problem, Error> {
    let fixed_rounds = rounds.iter().filter(|&&s| s < from).count();
    let previous_seating = previous.map(|p| {
        let index = members.index();
        let mut table_of = vec![vec![None; members.len()]; rounds.len()];
        for (r, &s) in rounds.iter().enumerate() {
            if let Some(seats) = p.seating.get(&a.sessions[s].id) {
                for (id, &t) in seats {
                    if let Some(&i) = index.get(id.as_str()) {
                        table_of[r][i] = Some(t);
                    }
                }
            }
        }
        Seating { table_of }
    });
    Ok(seating::Problem {
        n: members.len(),
        rounds: rounds.len(),
        layout: rounds
            .iter()
            .map(|&s| {
                a.sessions[s]
                    .layout
                    .unwrap_or(seating::Layout::Size(a.seating.table_size))
            })
            .collect(),
        categories: members.categories(&a.seating.balance)?,
        constraints: cons,
        previous: previous_seating,
        fixed_rounds,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::synth::assembly_example;

    /// The example assembly, with a small seating effort (the plan's
    /// structure, not its quality, is under test here).
    fn example() -> (Assembly, BTreeMap<&'static str, Vec<u8>>) {
        let files: BTreeMap<&'static str, Vec<u8>> = assembly_example().into_iter().collect();
        let text = String::from_utf8(files["assembly.toml"].clone())
            .unwrap()
            .replace("effort = 5000", "effort = 200");
        (
            Assembly::parse(Path::new("assembly.toml"), &text).unwrap(),
            files,
        )
    }

    fn table(files: &BTreeMap<&'static str, Vec<u8>>, name: &str) -> Table {
        Table::parse(Path::new(name), &files[name]).unwrap()
    }

    fn inputs<'a>(a: &'a Assembly, files: &BTreeMap<&'static str, Vec<u8>>) -> Inputs<'a> {
        Inputs {
            assembly: a,
            members: Members::from_table(table(files, "members.csv"), Some("id")).unwrap(),
            constraints: Some(table(files, "constraints.csv")),
            facilitators: Some(table(files, "facilitators.csv")),
            speakers: Some(table(files, "speakers.csv")),
            previous: None,
            from: None,
            progress: &|_, _| {},
        }
    }

    #[test]
    fn a_plan_seats_staffs_and_times_everyone_present() {
        let (a, files) = example();
        let plan = build(inputs(&a, &files)).unwrap();
        assert_eq!(plan.rounds, a.rounds());
        let rota = plan.rota.as_ref().expect("a rota");
        for r in 0..plan.rounds.len() {
            let present = plan.seating_problem.present(r);
            // Everyone present sits at exactly one table; nobody else does.
            for i in 0..plan.members.len() {
                assert_eq!(
                    plan.seating.table_of[r][i].is_some(),
                    present.contains(&i),
                    "round {r}, member {i}"
                );
            }
            // Tables of near-equal size, each with a facilitator, and a lead.
            let tables = plan.seating.tables(r);
            let sizes: Vec<usize> = tables.iter().map(Vec::len).collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "round {r}: {sizes:?}");
            assert!(rota.table[r].iter().all(Option::is_some), "round {r}");
            assert!(rota.lead[r].is_some(), "round {r}");
            // The timetable gives each seated member their table.
            for (t, members) in tables.iter().enumerate() {
                for &m in members {
                    assert!(plan.entries.iter().any(|e| e.person == m
                        && e.session == plan.rounds[r]
                        && e.table == Some(t)));
                }
            }
        }
        // The hard rules from constraints.csv hold in every round.
        let described = |c: &Constraint| c.describe(&plan.members);
        let assessed = seating::assess(&plan.seating_problem, &plan.seating, &described);
        assert!(assessed.unmet.is_empty(), "{:?}", assessed.unmet);
        // Every speaker's contribution lands in a held plenary.
        let programme = plan.programme.as_ref().expect("a programme");
        let problem = plan.programme_problem();
        let assessed = programme::assess(&problem, programme);
        assert!(assessed.broken.is_empty(), "{:?}", assessed.broken);
    }

    #[test]
    fn re_planning_keeps_the_sessions_already_held() {
        let (a, files) = example();
        let first = build(inputs(&a, &files)).unwrap();
        let from = "w2-sat-welcome";
        let from_index = a.sessions.iter().position(|s| s.id == from).unwrap();
        // The earlier plan as its files say it, by ids.
        let mut previous = Previous::default();
        for (r, &session) in first.rounds.iter().enumerate() {
            let seats = previous
                .seating
                .entry(a.sessions[session].id.clone())
                .or_default();
            for (i, t) in first.seating.table_of[r].iter().enumerate() {
                if let Some(t) = t {
                    seats.insert(first.members.ids[i].clone(), *t);
                }
            }
        }
        let mut again = inputs(&a, &files);
        again.previous = Some(previous);
        again.from = Some(from.into());
        let second = build(again).unwrap();
        for (r, &session) in first.rounds.iter().enumerate() {
            if session < from_index {
                assert_eq!(
                    first.seating.table_of[r], second.seating.table_of[r],
                    "held round {r} changed"
                );
            }
        }
        // A session that is not in the assembly is refused, in words.
        let mut wrong = inputs(&a, &files);
        wrong.from = Some("no-such-session".into());
        assert!(build(wrong).is_err());
    }
}
