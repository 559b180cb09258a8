//! What a plan gives people: CSV tables, RFC 5545 calendars and printable
//! HTML pages. Everything here is bytes in memory; the caller writes them.
//!
//! Calendars: one for the whole assembly and one per member, facilitator
//! and speaker. Event UIDs depend only on the assembly, the person and the
//! session, so they survive re-planning; `CalendarState` (kept with the
//! plan) remembers each event's content digest and SEQUENCE, which rises
//! when the content changes; events that disappear are sent once more as
//! STATUS:CANCELLED. Times are local with the assembly's TZID, defined by a
//! VTIMEZONE built from the compiled IANA database for the years the
//! events fall in (so calendars do not depend on the reader's zone data).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use serde::{Deserialize, Serialize};

use crate::files::csv::CsvDoc;
use crate::files::table::sha256_hex;
use crate::logistics::assembly::Assembly;
use crate::logistics::plan::{Plan, Who};
use crate::logistics::programme::{self, Perspective};

/// Product identifier of our calendars.
pub const PRODID: &str = "-//kleroterion//kleroterion plan//EN";

/// `member`, `facilitator`, `speaker` + a file-safe form of the id (with a
/// short digest when the id had to be changed, so names never collide).
pub fn file_stem(who: Who, id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    if safe == id && !id.is_empty() {
        format!("{}-{safe}", who.name())
    } else {
        format!("{}-{safe}-{}", who.name(), &sha256_hex(id.as_bytes())[..8])
    }
}

/// Each person's file stem; stems that would collide on a file system that
/// ignores case get the id's digest appended.
pub fn stems(plan: &Plan) -> Vec<String> {
    let base: Vec<String> = plan
        .people
        .iter()
        .map(|p| file_stem(p.who, &p.id))
        .collect();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for b in &base {
        *count.entry(b.to_lowercase()).or_default() += 1;
    }
    base.into_iter()
        .zip(&plan.people)
        .map(|(b, p)| {
            if count[&b.to_lowercase()] > 1 {
                format!("{b}-{}", &sha256_hex(p.id.as_bytes())[..8])
            } else {
                b
            }
        })
        .collect()
}

// ---- CSV ---------------------------------------------------------------------

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

/// One event as remembered between plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remembered {
    pub sequence: u32,
    pub digest: String,
    /// DTSTAMP: when this content was issued.
    pub stamp: String,
    pub summary: String,
    pub start: String,
    pub end: String,
    pub location: String,
    pub description: String,
    pub cancelled: bool,
}

/// Per calendar file, per UID: what was last published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarState {
    pub calendars: BTreeMap<String, BTreeMap<String, Remembered>>,
}

struct Draft {
    uid: String,
    summary: String,
    /// Local times in the assembly's zone.
    start: NaiveDateTime,
    end: NaiveDateTime,
    location: String,
    description: String,
}

/// Text for a calendar value: control characters (CR, tabs, stray
/// newlines from a quoted CSV cell) become spaces, so nothing can start a
/// new content line; the crate escapes TEXT values.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// `clean`, then RFC 5545 TEXT escaping, for properties the crate does not
/// know as TEXT (X-WR-CALNAME).
fn escape_text(s: &str) -> String {
    let mut out = String::new();
    for c in clean(s).chars() {
        if matches!(c, '\\' | ',' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_text(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let m = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// The VTIMEZONE of `tz` for the years `from..=to` (RFC 5545 §3.6.5): the
/// observance in effect on 31 December before `from`, then one STANDARD or
/// DAYLIGHT sub-component per change of offset in those years (found hour
/// by hour, then to the minute, from the compiled IANA database), each
/// starting at the local time before the change. Lines end in CRLF.
pub fn vtimezone(tz: Tz, from: i32, to: i32) -> String {
    use chrono::{Offset, TimeZone};
    use chrono_tz::{OffsetComponents, OffsetName};
    let at = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc());
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    // From 31 December before (UTC), so the first observance covers local
    // 1 January in zones east of Greenwich too.
    let start = Utc.with_ymd_and_hms(from - 1, 12, 31, 0, 0, 0).single();
    let end = Utc.with_ymd_and_hms(to + 1, 1, 1, 0, 0, 0).single();
    let mut changes = Vec::new();
    if let (Some(mut t), Some(end)) = (start, end) {
        let mut before = at(t);
        // The observance in effect when the range begins.
        changes.push((t, before, before));
        while t < end {
            let next = t + chrono::Duration::hours(1);
            let after = at(next);
            if after.fix() != before.fix() || after.abbreviation() != before.abbreviation() {
                // The change lies in (t, next]: find the exact minute.
                let (mut lo, mut hi) = (t, next);
                while hi - lo > chrono::Duration::minutes(1) {
                    let mid = lo + (hi - lo) / 2;
                    if at(mid).fix() == before.fix()
                        && at(mid).abbreviation() == before.abbreviation()
                    {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                changes.push((hi, before, after));
                before = after;
            }
            t = next;
        }
    }
    for (when, before, after) in changes {
        let kind = if after.dst_offset().num_seconds() != 0 {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        let from_s = before.fix().local_minus_utc();
        let to_s = after.fix().local_minus_utc();
        let local = when.naive_utc() + chrono::Duration::seconds(i64::from(from_s));
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", local_text(local)));
        lines.push(format!("TZOFFSETFROM:{}", offset_text(from_s)));
        lines.push(format!("TZOFFSETTO:{}", offset_text(to_s)));
        if let Some(name) = after.abbreviation() {
            lines.push(format!("TZNAME:{name}"));
        }
        lines.push(format!("END:{kind}"));
    }
    lines.push("END:VTIMEZONE".into());
    lines.join("\r\n") + "\r\n"
}

fn uid(a: &Assembly, parts: &[&str]) -> String {
    let mut text = a.name.clone();
    for p in parts {
        text.push('\u{1f}');
        text.push_str(p);
    }
    format!("{}@kleroterion", &sha256_hex(text.as_bytes())[..32])
}

/// Builds one calendar, updating `state` for its file name.
fn calendar(
    a: &Assembly,
    title: &str,
    zone: &str,
    drafts: Vec<Draft>,
    issued: DateTime<Utc>,
    old: Option<&BTreeMap<String, Remembered>>,
) -> (String, BTreeMap<String, Remembered>) {
    let mut now: BTreeMap<String, Remembered> = BTreeMap::new();
    for d in drafts {
        let digest = sha256_hex(
            [
                d.summary.as_str(),
                &local_text(d.start),
                &local_text(d.end),
                &d.location,
                &d.description,
            ]
            .join("\u{1f}")
            .as_bytes(),
        );
        let (sequence, stamp) = match old.and_then(|o| o.get(&d.uid)) {
            Some(r) if r.digest == digest && !r.cancelled => (r.sequence, r.stamp.clone()),
            Some(r) => (r.sequence + 1, utc_text(issued)),
            None => (0, utc_text(issued)),
        };
        now.insert(
            d.uid,
            Remembered {
                sequence,
                digest,
                stamp,
                summary: d.summary,
                start: local_text(d.start),
                end: local_text(d.end),
                location: d.location,
                description: d.description,
                cancelled: false,
            },
        );
    }
    // Events that were published and are gone: cancelled (once more each
    // time, with the same sequence once cancelled).
    if let Some(old) = old {
        for (u, r) in old {
            if now.contains_key(u) {
                continue;
            }
            let mut gone = r.clone();
            if !r.cancelled {
                gone.sequence += 1;
                gone.stamp = utc_text(issued);
                gone.cancelled = true;
            }
            now.insert(u.clone(), gone);
        }
    }
    let mut cal = Calendar::empty();
    for (k, v) in [
        ("VERSION", "2.0"),
        ("PRODID", PRODID),
        ("CALSCALE", "GREGORIAN"),
        ("X-WR-CALNAME", &escape_text(title)),
        ("X-WR-TIMEZONE", a.time_zone.name()),
    ] {
        cal.append_property(icalendar::Property::new(k, v));
    }
    let mut events: Vec<(&String, &Remembered)> = now.iter().collect();
    events.sort_by(|x, y| (&x.1.start, x.0).cmp(&(&y.1.start, y.0)));
    for (u, r) in events {
        let mut e = Event::new();
        let tzid = a.time_zone.name();
        e.uid(u)
            .summary(&clean(&r.summary))
            .append_property(
                icalendar::Property::new("DTSTART", &r.start)
                    .add_parameter("TZID", tzid)
                    .done(),
            )
            .append_property(
                icalendar::Property::new("DTEND", &r.end)
                    .add_parameter("TZID", tzid)
                    .done(),
            )
            .add_property("DTSTAMP", &r.stamp)
            .sequence(r.sequence);
        if !r.location.is_empty() {
            e.location(&clean(&r.location));
        }
        if !r.description.is_empty() {
            let lines: Vec<String> = r.description.lines().map(clean).collect();
            e.description(&lines.join("\n"));
        }
        e.status(if r.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
        cal.push(e.done());
    }
    let text = cal.done().to_string();
    let at = text
        .find("\r\nBEGIN:VEVENT\r\n")
        .or_else(|| text.find("\r\nEND:VCALENDAR"))
        .map_or(text.len(), |i| i + 2);
    (format!("{}{zone}{}", &text[..at], &text[at..]), now)
}

fn describe_local(
    a: &Assembly,
    e_session: usize,
    start: chrono::NaiveTime,
    end: chrono::NaiveTime,
) -> String {
    let s = &a.sessions[e_session];
    format!(
        "{}: {} {}–{} ({})",
        a.name,
        a.days[s.day].date.format("%a %-d %b %Y"),
        start.format("%H:%M"),
        end.format("%H:%M"),
        a.time_zone.name()
    )
}

/// Every calendar of a plan: file name (under calendars/) → text, and the
/// new state.
pub fn calendars(
    plan: &Plan,
    issued: DateTime<Utc>,
    old: &CalendarState,
) -> (BTreeMap<String, String>, CalendarState) {
    let a = plan.assembly;
    let stems = stems(plan);
    let mut files = BTreeMap::new();
    let mut state = CalendarState::default();
    // The zone's rules for every year an event (now or earlier) falls in.
    let years: Vec<i32> = old
        .calendars
        .values()
        .flat_map(|c| c.values())
        .filter_map(|r| r.start.get(..4)?.parse().ok())
        .chain(a.days.iter().map(|d| d.date.year()))
        .collect();
    let zone = vtimezone(
        a.time_zone,
        years.iter().copied().min().unwrap_or(1970),
        years.iter().copied().max().unwrap_or(1970),
    );
    let mut emit = |file: String, title: String, drafts: Vec<Draft>| {
        let (text, now) = calendar(a, &title, &zone, drafts, issued, old.calendars.get(&file));
        files.insert(file.clone(), text);
        state.calendars.insert(file, now);
    };
    // The whole assembly: every held session.
    let drafts = a
        .held()
        .into_iter()
        .map(|s| {
            let x = &a.sessions[s];
            Draft {
                uid: uid(a, &["session", &x.id]),
                summary: format!("{} ({})", x.title, a.name),
                start: a.days[x.day].date.and_time(x.start),
                end: a.days[x.day].date.and_time(x.end),
                location: a.place(s),
                description: format!(
                    "{}\n{}",
                    describe_local(a, s, x.start, x.end),
                    x.kind.default_title()
                ),
            }
        })
        .collect();
    emit("assembly.ics".into(), a.name.clone(), drafts);
    for (i, p) in plan.people.iter().enumerate() {
        let mut per_session: BTreeMap<usize, usize> = BTreeMap::new();
        let drafts = plan
            .entries
            .iter()
            .filter(|e| e.person == i)
            .map(|e| {
                let x = &a.sessions[e.session];
                let n = per_session.entry(e.session).or_insert(0);
                *n += 1;
                let location = match e.table {
                    Some(t) if !e.room.is_empty() => format!("{}, table {}", e.room, t + 1),
                    Some(t) => format!("Table {}", t + 1),
                    None => e.room.clone(),
                };
                Draft {
                    uid: uid(a, &[p.who.name(), &p.id, &x.id, &n.to_string()]),
                    summary: if e.what == x.title {
                        x.title.clone()
                    } else {
                        format!("{}: {}", x.title, e.what)
                    },
                    start: a.days[x.day].date.and_time(e.start),
                    end: a.days[x.day].date.and_time(e.end),
                    location,
                    description: describe_local(a, e.session, e.start, e.end),
                }
            })
            .collect();
        let name = if p.name.is_empty() {
            p.id.clone()
        } else {
            p.name.clone()
        };
        emit(
            format!("{}.ics", stems[i]),
            format!("{} – {name}", a.name),
            drafts,
        );
    }
    // People no longer in the plan: their calendars, every event cancelled.
    let gone: Vec<String> = old
        .calendars
        .keys()
        .filter(|f| !files.contains_key(*f))
        .cloned()
        .collect();
    for file in gone {
        let (text, now) = calendar(
            a,
            &a.name,
            &zone,
            Vec::new(),
            issued,
            old.calendars.get(&file),
        );
        files.insert(file.clone(), text);
        state.calendars.insert(file, now);
    }
    (files, state)
}

// ---- HTML ------------------------------------------------------------------------

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#111}\
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#eee}.tables{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #999;padding:.5em;min-width:14em}\
.note{color:#555;font-size:.9em}section{page-break-after:always;break-after:page}\
@media print{body{margin:0}a{color:inherit;text-decoration:none}nav{display:none}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

fn flags(p: &crate::logistics::plan::Person) -> String {
    let mut f = Vec::new();
    if !p.needs.is_empty() {
        f.push(format!("needs: {}", p.needs.join(", ")));
    }
    if !p.language.is_empty() {
        f.push(format!("language: {}", p.language));
    }
    if !p.consent.is_empty() {
        f.push(format!("consent: {}", p.consent));
    }
    f.join("; ")
}

/// Every printable page: file name (under html/) → text.
pub fn html(plan: &Plan) -> BTreeMap<String, String> {
    let a = plan.assembly;
    let stems = stems(plan);
    let mut out = BTreeMap::new();
    let person_name = |i: usize| {
        let p = &plan.people[i];
        if p.name.is_empty() {
            esc(&p.id)
        } else {
            format!("{} ({})", esc(&p.name), esc(&p.id))
        }
    };
    // Per person.
    let mut index = format!(
        "<h1>{}</h1>\n<nav><p><a href=\"tables.html\">Table plans</a> · <a href=\"rota.html\">Facilitator rota</a> · <a href=\"run-sheet.html\">Speaker run-sheet</a></p></nav>\n",
        esc(&a.name)
    );
    for who in [Who::Member, Who::Facilitator, Who::Speaker] {
        let of: Vec<usize> = (0..plan.people.len())
            .filter(|&i| plan.people[i].who == who)
            .collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(index, "<h2>{}s</h2>\n<ul>", capitalise(who.name()));
        for &i in &of {
            let p = &plan.people[i];
            let file = format!("{}.html", stems[i]);
            let _ = writeln!(
                index,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&file),
                person_name(i)
            );
            let mut body = format!(
                "<h1>{}</h1>\n<p>{} of {}</p>\n",
                person_name(i),
                capitalise(who.name()),
                esc(&a.name)
            );
            let f = flags(p);
            if !f.is_empty() {
                let _ = writeln!(body, "<p class=\"note\">{}</p>", esc(&f));
            }
            body.push_str("<table>\n<tr><th>Date</th><th>Time</th><th>Session</th><th>What</th><th>Where</th></tr>\n");
            let mut any = false;
            for e in plan.entries.iter().filter(|e| e.person == i) {
                any = true;
                let s = &a.sessions[e.session];
                let _ = writeln!(
                    body,
                    "<tr><td>{}</td><td>{}–{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    a.days[s.day].date.format("%a %-d %b %Y"),
                    e.start.format("%H:%M"),
                    e.end.format("%H:%M"),
                    esc(&s.title),
                    esc(&e.what),
                    esc(&e.room)
                );
            }
            body.push_str("</table>\n");
            if !any {
                body.push_str("<p>No sessions in this plan.</p>\n");
            }
            let _ = writeln!(
                body,
                "<p class=\"note\">Times are local ({}).</p>",
                esc(a.time_zone.name())
            );
            out.insert(file, page(&format!("{} – {}", a.name, p.id), &body));
        }
        index.push_str("</ul>\n");
    }
    out.insert("index.html".into(), page(&a.name, &index));

    // Table plans, one section per round.
    let mut body = format!("<h1>{}: table plans</h1>\n", esc(&a.name));
    for (r, &s) in plan.rounds.iter().enumerate() {
        let x = &a.sessions[s];
        let _ = writeln!(
            body,
            "<section>\n<h2>Round {}: {} – {}</h2>\n<div class=\"tables\">",
            r + 1,
            esc(&x.title),
            esc(&a.when(s))
        );
        for (t, members) in plan.seating.tables(r).iter().enumerate() {
            let _ = writeln!(
                body,
                "<div class=\"card\"><h3>Table {} <span class=\"note\">{}</span></h3>",
                t + 1,
                esc(&plan.table_room(s, t))
            );
            if let Some(rota) = &plan.rota {
                for (label, post) in [
                    ("Facilitator", rota.table[r].get(t)),
                    ("Note-taker", rota.note[r].get(t)),
                ] {
                    if let Some(Some(f)) = post {
                        let _ = writeln!(body, "<p>{label}: {}</p>", staff(plan, *f));
                    }
                }
            }
            body.push_str("<ol>\n");
            for &m in members {
                let p = &plan.people[m];
                let f = flags(p);
                let _ = writeln!(
                    body,
                    "<li>{}{}</li>",
                    person_name(m),
                    if f.is_empty() {
                        String::new()
                    } else {
                        format!(" <span class=\"note\">{}</span>", esc(&f))
                    }
                );
            }
            body.push_str("</ol></div>\n");
        }
        body.push_str("</div>\n</section>\n");
    }
    out.insert(
        "tables.html".into(),
        page(&format!("{}: table plans", a.name), &body),
    );

    // Rota.
    let mut body = format!("<h1>{}: facilitator rota</h1>\n", esc(&a.name));
    if let Some(rota) = &plan.rota {
        let most = rota.table.iter().map(Vec::len).max().unwrap_or(0);
        body.push_str("<table>\n<tr><th>Round</th><th>Session</th><th>Lead</th>");
        for t in 0..most {
            let _ = write!(body, "<th>Table {}</th>", t + 1);
        }
        body.push_str("</tr>\n");
        let name = |f: Option<usize>| f.map_or("—".to_string(), |f| staff(plan, f));
        for (r, &s) in plan.rounds.iter().enumerate() {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td>",
                r + 1,
                esc(&a.when(s)),
                name(rota.lead[r])
            );
            for t in 0..most {
                let cell = match (rota.table[r].get(t), rota.note[r].get(t)) {
                    (Some(f), Some(Some(n))) => format!(
                        "{}<br><span class=\"note\">notes: {}</span>",
                        name(*f),
                        staff(plan, *n)
                    ),
                    (Some(f), _) => name(*f),
                    _ => String::new(),
                };
                let _ = write!(body, "<td>{cell}</td>");
            }
            body.push_str("</tr>\n");
        }
        body.push_str("</table>\n");
    } else {
        body.push_str("<p>No facilitators file was given.</p>\n");
    }
    out.insert(
        "rota.html".into(),
        page(&format!("{}: facilitator rota", a.name), &body),
    );

    // Speaker run-sheet.
    let mut body = format!("<h1>{}: speaker run-sheet</h1>\n", esc(&a.name));
    if let Some(prog) = &plan.programme {
        let slots = programme::slots(&plan.programme_problem(), prog);
        for s in a.plenaries() {
            let here: Vec<&programme::Slot> = slots.iter().filter(|x| x.session == s).collect();
            let _ = writeln!(
                body,
                "<h2>{} – {} <span class=\"note\">{}</span></h2>",
                esc(&a.sessions[s].title),
                esc(&a.when(s)),
                esc(&a.place(s))
            );
            if here.is_empty() {
                body.push_str("<p>No speakers.</p>\n");
                continue;
            }
            body.push_str("<table>\n<tr><th>Time</th><th>Speaker</th><th>Topic</th><th>Perspective</th><th>Minutes</th></tr>\n");
            for x in here {
                let c = &plan.contributions[x.contribution];
                let who = if c.name.is_empty() {
                    esc(&c.speaker)
                } else {
                    format!("{} ({})", esc(&c.name), esc(&c.speaker))
                };
                let _ = writeln!(
                    body,
                    "<tr><td>{}–{}</td><td>{who}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    x.start.format("%H:%M"),
                    x.end.format("%H:%M"),
                    esc(&c.topic),
                    esc(&c.perspective.describe()),
                    c.minutes
                );
            }
            body.push_str("</table>\n");
        }
    } else {
        body.push_str("<p>No speakers file was given.</p>\n");
    }
    out.insert(
        "run-sheet.html".into(),
        page(&format!("{}: speaker run-sheet", a.name), &body),
    );
    out
}

/// A facilitator for a page: "Name (id)", or the id.
fn staff(plan: &Plan, f: usize) -> String {
    let x = &plan.facilitators[f];
    if x.name.is_empty() {
        esc(&x.id)
    } else {
        format!("{} ({})", esc(&x.name), esc(&x.id))
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_start_a_content_line() {
        assert_eq!(clean("Ann\r\nSUMMARY:x\tY "), "Ann  SUMMARY:x Y");
        assert_eq!(escape_text("a, b; c\\d\ne"), "a\\, b\\; c\\\\d e");
        assert_eq!(file_stem(Who::Member, "M007"), "member-M007");
        let odd = file_stem(Who::Speaker, "../x y");
        assert!(
            odd.starts_with("speaker-___x_y-") && !odd.contains('/'),
            "{odd}"
        );
    }

    #[test]
    fn vtimezone_lists_the_changes_of_the_years() {
        let z = vtimezone(chrono_tz::Europe::London, 2027, 2027);
        let lines: Vec<&str> = z.split("\r\n").collect();
        assert_eq!(
            lines,
            [
                "BEGIN:VTIMEZONE",
                "TZID:Europe/London",
                "BEGIN:STANDARD",
                "DTSTART:20261231T000000",
                "TZOFFSETFROM:+0000",
                "TZOFFSETTO:+0000",
                "TZNAME:GMT",
                "END:STANDARD",
                "BEGIN:DAYLIGHT",
                "DTSTART:20270328T010000",
                "TZOFFSETFROM:+0000",
                "TZOFFSETTO:+0100",
                "TZNAME:BST",
                "END:DAYLIGHT",
                "BEGIN:STANDARD",
                "DTSTART:20271031T020000",
                "TZOFFSETFROM:+0100",
                "TZOFFSETTO:+0000",
                "TZNAME:GMT",
                "END:STANDARD",
                "END:VTIMEZONE",
                ""
            ]
        );
        // A zone without changes: one observance; half-hour offsets.
        let k = vtimezone(chrono_tz::Asia::Kolkata, 2027, 2028);
        assert!(k.contains("TZOFFSETTO:+0530"));
        assert_eq!(k.matches("BEGIN:STANDARD").count(), 1);
        // Southern hemisphere, west of Greenwich.
        let s = vtimezone(chrono_tz::America::Santiago, 2027, 2027);
        assert!(s.contains("TZOFFSETFROM:-0300") && s.contains("TZOFFSETTO:-0400"));
    }
}
