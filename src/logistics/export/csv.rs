//! The plan's CSV tables: seating, rota, programme, schedule (one row per
//! person per session) and the schedule by person.

use super::*;

/// `seating.csv`: round,table,<id column>,session.
pub fn seating_csv(plan: &Plan) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    doc.record(["round", "table", plan.members.id_header.as_str(), "session"]);
    for (r, &s) in plan.rounds.iter().enumerate() {
        for (t, table) in plan.seating.tables(r).iter().enumerate() {
            for &i in table {
                doc.record([
                    (r + 1).to_string(),
                    (t + 1).to_string(),
                    plan.members.ids[i].clone(),
                    plan.assembly.sessions[s].id.clone(),
                ]);
            }
        }
    }
    doc.into_bytes()
}

/// `rota.csv`: round,table,role,facilitator,session.
pub fn rota_csv(plan: &Plan) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    doc.record(["round", "table", "role", "facilitator", "session"]);
    if let Some(rota) = &plan.rota {
        for (r, &s) in plan.rounds.iter().enumerate() {
            let session = plan.assembly.sessions[s].id.clone();
            let name =
                |f: Option<usize>| f.map_or(String::new(), |f| plan.facilitators[f].id.clone());
            doc.record([
                (r + 1).to_string(),
                String::new(),
                "lead".into(),
                name(rota.lead[r]),
                session.clone(),
            ]);
            for t in 0..rota.table[r].len() {
                for (role, post) in [("table", rota.table[r][t]), ("note-taker", rota.note[r][t])] {
                    if post.is_some() || role == "table" {
                        doc.record([
                            (r + 1).to_string(),
                            (t + 1).to_string(),
                            role.into(),
                            name(post),
                            session.clone(),
                        ]);
                    }
                }
            }
        }
    }
    doc.into_bytes()
}

/// `programme.csv`: one row per placed contribution, in running order.
pub fn programme_csv(p: &programme::Problem, prog: &programme::Programme) -> Vec<u8> {
    let a = p.assembly;
    let mut doc = CsvDoc::default();
    doc.record([
        "session",
        "date",
        "start",
        "end",
        "room",
        "speaker",
        "name",
        "topic",
        "perspective",
        "side",
        "minutes",
    ]);
    for slot in programme::slots(p, prog) {
        let c = &p.contributions[slot.contribution];
        let (perspective, side) = match &c.perspective {
            Perspective::Informant => ("informant", String::new()),
            Perspective::Advocate(s) => ("advocate", s.clone()),
            Perspective::Testimony => ("testimony", String::new()),
        };
        doc.record([
            a.sessions[slot.session].id.clone(),
            a.days[a.sessions[slot.session].day].date.to_string(),
            slot.start.format("%H:%M").to_string(),
            slot.end.format("%H:%M").to_string(),
            a.place(slot.session),
            c.speaker.clone(),
            c.name.clone(),
            c.topic.clone(),
            perspective.into(),
            side,
            c.minutes.to_string(),
        ]);
    }
    doc.into_bytes()
}

/// `schedule.csv`: one row per person per session.
pub fn schedule_csv(plan: &Plan) -> Vec<u8> {
    let a = plan.assembly;
    let mut doc = CsvDoc::default();
    doc.record([
        "kind", "id", "name", "session", "title", "date", "start", "end", "room", "table", "what",
    ]);
    for e in &plan.entries {
        if let Some(cells) = &e.row {
            doc.record(cells.iter());
            continue;
        }
        let p = &plan.people[e.person];
        let s = &a.sessions[e.session];
        doc.record([
            p.who.name().to_string(),
            p.id.clone(),
            p.name.clone(),
            s.id.clone(),
            s.title.clone(),
            a.days[s.day].date.to_string(),
            e.start.format("%H:%M").to_string(),
            e.end.format("%H:%M").to_string(),
            e.room.clone(),
            e.table.map_or(String::new(), |t| (t + 1).to_string()),
            e.what.clone(),
        ]);
    }
    doc.into_bytes()
}

/// `schedule-by-person.csv`: one row per person, one column per held
/// session; a cell says what the person does there (blank: not there).
pub fn pivot_csv(plan: &Plan) -> Vec<u8> {
    let a = plan.assembly;
    let held = a.held();
    let mut doc = CsvDoc::default();
    let mut header = vec!["kind".to_string(), "id".into(), "name".into()];
    header.extend(held.iter().map(|&s| a.sessions[s].id.clone()));
    doc.record(header);
    for (i, p) in plan.people.iter().enumerate() {
        let mut row = vec![p.who.name().to_string(), p.id.clone(), p.name.clone()];
        for &s in &held {
            let here: Vec<String> = plan
                .entries
                .iter()
                .filter(|e| e.person == i && e.session == s)
                .map(|e| {
                    if p.who == Who::Speaker {
                        format!("{} {}", e.what, e.start.format("%H:%M"))
                    } else {
                        e.what.clone()
                    }
                })
                .collect();
            row.push(here.join("; "));
        }
        doc.record(row);
    }
    doc.into_bytes()
}

// ---- calendars -----------------------------------------------------------------
