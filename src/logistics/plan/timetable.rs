//! Everyone's timetable (one entry per person per session), room needs no
//! room meets, and the change list against an earlier plan.

use super::*;

pub(super) fn timetable(plan: &Plan, available: &[Vec<bool>]) -> Vec<Entry> {
    let a = plan.assembly;
    let mut out = Vec::new();
    let person_of = |who: Who, id: &str| {
        plan.people
            .iter()
            .position(|p| p.who == who && p.id == id)
            .expect("every planned person is listed")
    };
    // A held session of a re-plan: its rows as the earlier plan wrote them.
    let kept = |s: usize| plan.held(s).filter(|p| !p.schedule.is_empty());
    for s in a.held() {
        let session = &a.sessions[s];
        if let Some(prev) = kept(s) {
            for row in prev.schedule.iter().filter(|r| r.session == session.id) {
                out.push(Entry {
                    person: person_of(row.who, &row.id),
                    session: s,
                    start: row.start,
                    end: row.end,
                    what: row.what.clone(),
                    table: row.table,
                    room: row.room.clone(),
                    row: Some(row.cells.clone()),
                });
            }
            continue;
        }
        let round = plan.rounds.iter().position(|&x| x == s);
        for (i, av) in available.iter().enumerate() {
            if !av[s] {
                continue;
            }
            let (what, table, room) = match round {
                Some(r) => match plan.seating.table_of[r][i] {
                    Some(t) => (format!("Table {}", t + 1), Some(t), plan.table_room(s, t)),
                    None => continue,
                },
                None => (session.title.clone(), None, a.place(s)),
            };
            out.push(Entry {
                person: i,
                session: s,
                start: session.start,
                end: session.end,
                what,
                table,
                room,
                row: None,
            });
        }
        if let (Some(r), Some(rota)) = (round, &plan.rota) {
            if let Some(f) = rota.lead[r] {
                out.push(Entry {
                    person: person_of(Who::Facilitator, &plan.facilitators[f].id),
                    session: s,
                    start: session.start,
                    end: session.end,
                    what: "Lead facilitator".into(),
                    table: None,
                    room: a.place(s),
                    row: None,
                });
            }
            for (t, posts) in [(&rota.table, "facilitator"), (&rota.note, "note-taker")]
                .iter()
                .flat_map(|(v, label)| v[r].iter().enumerate().map(move |(t, f)| (t, (f, *label))))
            {
                if let (Some(f), label) = posts {
                    out.push(Entry {
                        person: person_of(Who::Facilitator, &plan.facilitators[*f].id),
                        session: s,
                        start: session.start,
                        end: session.end,
                        what: format!("Table {} {label}", t + 1),
                        table: Some(t),
                        room: plan.table_room(s, t),
                        row: None,
                    });
                }
            }
        }
    }
    if let Some(prog) = &plan.programme {
        for slot in programme::slots(&plan.programme_problem(), prog) {
            if kept(slot.session).is_some() {
                continue;
            }
            let c = &plan.contributions[slot.contribution];
            out.push(Entry {
                person: person_of(Who::Speaker, &c.speaker),
                session: slot.session,
                start: slot.start,
                end: slot.end,
                what: format!("Speaker: {}, {}", c.topic, c.perspective.describe()),
                table: None,
                room: a.place(slot.session),
                row: None,
            });
        }
    }
    out.sort_by(|x, y| {
        (
            x.person,
            a.days[a.sessions[x.session].day].date,
            x.start,
            x.session,
            &x.what,
        )
            .cmp(&(
                y.person,
                a.days[a.sessions[y.session].day].date,
                y.start,
                y.session,
                &y.what,
            ))
    });
    out
}

/// Members' needs that name a room tag (e.g. step-free, hearing-loop) but
/// whose room for a session lacks it.
pub(super) fn unmet_needs(plan: &Plan) -> Vec<String> {
    let a = plan.assembly;
    let tags = a.room_tags();
    let mut out = Vec::new();
    for e in &plan.entries {
        let p = &plan.people[e.person];
        if p.who != Who::Member {
            continue;
        }
        // The room of the member's table, or any of the session's rooms.
        let rooms: Vec<usize> = match e.table {
            Some(t) => {
                let r = plan.rounds.iter().position(|&x| x == e.session);
                let sizes: Vec<usize> = r
                    .map(|r| plan.seating.tables(r).iter().map(Vec::len).collect())
                    .unwrap_or_default();
                rooms_of_tables(a, e.session, &sizes)
                    .get(t)
                    .copied()
                    .flatten()
                    .into_iter()
                    .collect()
            }
            None => a.sessions[e.session].rooms.clone(),
        };
        if rooms.is_empty() {
            continue;
        }
        for need in p.needs.iter().filter(|n| tags.contains(n.as_str())) {
            if !rooms.iter().any(|&ri| a.rooms[ri].tags.contains(need)) {
                out.push(format!(
                    "member {} needs {need}, but {} ({}) is in {}, which lacks it",
                    p.id,
                    a.sessions[e.session].id,
                    a.when(e.session),
                    rooms
                        .iter()
                        .map(|&ri| a.rooms[ri].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    out
}

impl Plan<'_> {
    /// One line per entry, for comparing timetables between plans.
    pub fn timetable_lines(&self) -> BTreeMap<(Who, String), Vec<String>> {
        let mut out: BTreeMap<(Who, String), Vec<String>> = BTreeMap::new();
        for p in &self.people {
            out.entry((p.who, p.id.clone())).or_default();
        }
        for e in &self.entries {
            let p = &self.people[e.person];
            out.entry((p.who, p.id.clone()))
                .or_default()
                .push(entry_line(self.assembly, e));
        }
        out
    }

    /// The people whose timetable differs from the earlier plan's from the
    /// first open session on (the past is kept, and a withdrawn member's
    /// past sessions did happen), with what was removed and added.
    pub fn changes(&self, previous: &Previous) -> Vec<String> {
        let now = self.timetable_lines();
        let past: HashSet<&str> = self.assembly.sessions[..self.from]
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        let open = |line: &&String| !line.split(' ').next().is_some_and(|id| past.contains(id));
        let mut out = Vec::new();
        let keys: BTreeSet<&(Who, String)> = now.keys().chain(previous.timetable.keys()).collect();
        for k in keys {
            let sorted = |m: &BTreeMap<(Who, String), Vec<String>>| {
                let mut v: Vec<String> = m
                    .get(k)
                    .map(|v| v.iter().filter(open).cloned().collect())
                    .unwrap_or_default();
                v.sort();
                v
            };
            let (before, after) = (&sorted(&previous.timetable), &sorted(&now));
            if before == after && previous.timetable.contains_key(k) == now.contains_key(k) {
                continue;
            }
            let gone: Vec<&String> = before.iter().filter(|l| !after.contains(l)).collect();
            let new: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
            let mut line = format!("{} {}:", k.0.name(), k.1);
            let withdrawn = self
                .people
                .iter()
                .any(|p| p.withdrawn && p.who == k.0 && p.id == k.1);
            if !previous.timetable.contains_key(k) {
                line.push_str(" new to the plan;");
            } else if withdrawn {
                line.push_str(" withdrawn;");
            } else if !now.contains_key(k) {
                line.push_str(" no longer in the plan;");
            }
            for g in gone {
                line.push_str(&format!(" − {g};"));
            }
            for n in new {
                line.push_str(&format!(" + {n};"));
            }
            out.push(line.trim_end_matches(';').to_string());
        }
        out
    }
}

/// `session date start–end: what (room)`: the unit of change lists.
pub fn entry_line(a: &Assembly, e: &Entry) -> String {
    let s = &a.sessions[e.session];
    timetable_line(
        &[
            &s.id,
            &a.days[s.day].date.to_string(),
            &e.start.format("%H:%M").to_string(),
            &e.end.format("%H:%M").to_string(),
            &e.what,
        ],
        &e.room,
    )
}

/// `session date start–end: what (room)` from its parts, as written in
/// schedule.csv (so lines read back from an earlier plan compare equal).
pub(super) fn timetable_line([session, date, start, end, what]: &[&str; 5], room: &str) -> String {
    let room = if room.is_empty() {
        String::new()
    } else {
        format!(" ({room})")
    };
    format!("{session} {date} {start}–{end}: {what}{room}")
}
