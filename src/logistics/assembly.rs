//! The assembly file (TOML): time zone, rooms, days, sessions, and where
//! the members, facilitators, speakers and constraints files are.
//!
//! `Assembly::parse` checks everything it can on its own (dates, times,
//! references between sessions, days and rooms, overlaps in a room, times
//! that do not exist in the time zone) and reports each problem with its
//! line and field. File names stay as written: the caller resolves them.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, InputError};
use crate::files::table::key;
use crate::files::table::words;
use crate::logistics::seating::Layout;

/// Default members per table when neither the session nor `[seating]` says.
pub const DEFAULT_TABLE_SIZE: usize = 8;

/// What happens in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Everyone together; speakers are placed here.
    Plenary,
    /// Table deliberation: one seating round.
    Tables,
    Qa,
    Vote,
    Social,
}

impl Kind {
    pub const ALL: [(&'static str, Kind); 5] = [
        ("plenary", Kind::Plenary),
        ("tables", Kind::Tables),
        ("qa", Kind::Qa),
        ("vote", Kind::Vote),
        ("social", Kind::Social),
    ];

    /// The title used when the file gives none.
    pub fn default_title(self) -> &'static str {
        match self {
            Kind::Plenary => "Plenary",
            Kind::Tables => "Table deliberation",
            Kind::Qa => "Questions and answers",
            Kind::Vote => "Vote",
            Kind::Social => "Social",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match key(s).as_str() {
            "deliberation" | "table" | "table deliberation" => Some(Kind::Tables),
            "q&a" | "q and a" => Some(Kind::Qa),
            k => Self::ALL.iter().find(|(n, _)| *n == k).map(|x| x.1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: String,
    pub name: String,
    pub capacity: Option<usize>,
    /// Accessibility and equipment tags (e.g. step-free, hearing-loop), keyed.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub id: String,
    pub date: NaiveDate,
    /// 1-based weekend (meeting) number.
    pub weekend: u32,
    /// A cancelled day keeps its sessions in the file but none is held.
    pub cancelled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub title: String,
    pub kind: Kind,
    /// Index into `Assembly::days`.
    pub day: usize,
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Indices into `Assembly::rooms` (tables fill them in order).
    pub rooms: Vec<usize>,
    /// Tables sessions: how tables are made.
    pub layout: Option<Layout>,
    /// Plenaries: the topics this session may hear (empty: any).
    pub topics: Vec<String>,
    /// Line of the session's id in the assembly file (for messages).
    pub line: u64,
}

impl Session {
    pub fn minutes(&self) -> u32 {
        ((self.end - self.start).num_minutes()).max(0) as u32
    }
}

/// Options of the seating step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatingOptions {
    pub id_column: Option<String>,
    pub balance: Vec<String>,
    /// The members' column that colours the seating pictures (default:
    /// the first balanced one).
    pub colour_by: Option<String>,
    pub table_size: usize,
    pub seed: String,
    pub effort: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    pub members: String,
    pub facilitators: Option<String>,
    pub speakers: Option<String>,
    pub constraints: Option<String>,
}

/// A checked assembly file. Sessions are in chronological order.
#[derive(Debug, Clone)]
pub struct Assembly {
    pub name: String,
    /// Where it takes place, as people should read it (name and address).
    pub venue: Option<String>,
    pub time_zone: Tz,
    /// The order in which topics are heard (may be empty).
    pub topics: Vec<String>,
    pub files: Files,
    pub seating: SeatingOptions,
    pub rota_seed: String,
    pub rota_effort: usize,
    /// Minutes between two contributions in a plenary.
    pub changeover: u32,
    pub rooms: Vec<Room>,
    pub days: Vec<Day>,
    pub sessions: Vec<Session>,
}

// ---- the file as written -------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    name: String,
    #[serde(default)]
    venue: Option<String>,
    time_zone: Spanned<String>,
    #[serde(default)]
    topics: Vec<String>,
    files: RawFiles,
    #[serde(default)]
    seating: RawSeating,
    #[serde(default)]
    rota: RawRota,
    #[serde(default)]
    programme: RawProgramme,
    #[serde(default)]
    rooms: Vec<RawRoom>,
    days: Vec<RawDay>,
    sessions: Vec<RawSession>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFiles {
    members: String,
    facilitators: Option<String>,
    speakers: Option<String>,
    constraints: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSeating {
    id_column: Option<String>,
    #[serde(default)]
    balance: Vec<String>,
    #[serde(alias = "color_by")]
    colour_by: Option<String>,
    table_size: Option<Spanned<usize>>,
    seed: Option<String>,
    effort: Option<Spanned<usize>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRota {
    seed: Option<String>,
    effort: Option<Spanned<usize>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProgramme {
    changeover_minutes: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoom {
    id: Spanned<String>,
    name: Option<String>,
    capacity: Option<usize>,
    #[serde(default)]
    tags: Vec<String>,
}

/// A date or time written either as a TOML value or as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum When {
    Toml(toml::value::Datetime),
    Text(String),
}

impl When {
    fn text(&self) -> String {
        match self {
            When::Toml(d) => d.to_string(),
            When::Text(s) => s.trim().to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDay {
    id: Spanned<String>,
    date: Spanned<When>,
    weekend: Option<u32>,
    #[serde(default)]
    cancelled: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSession {
    id: Spanned<String>,
    day: Spanned<String>,
    start: Spanned<When>,
    end: Spanned<When>,
    kind: Spanned<String>,
    title: Option<String>,
    room: Option<Spanned<String>>,
    #[serde(default)]
    rooms: Vec<Spanned<String>>,
    table_size: Option<Spanned<usize>>,
    tables: Option<Spanned<usize>>,
    #[serde(default)]
    topics: Vec<Spanned<String>>,
}

/// Collects located errors for one file.
struct Problems<'a> {
    path: &'a Path,
    text: &'a str,
    errors: Vec<InputError>,
}

/// The 1-based line of a byte offset in `text`.
fn line_of(text: &str, offset: usize) -> u64 {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

impl Problems<'_> {
    fn line(&self, offset: usize) -> u64 {
        line_of(self.text, offset)
    }

    fn at<T>(&mut self, field: &str, s: &Spanned<T>, value: &str, problem: String, hint: &str) {
        let e = InputError::invalid(self.path, problem)
            .line(self.line(s.span().start))
            .column(field)
            .value(value)
            .hint(hint);
        self.errors.push(e);
    }
}

impl Problems<'_> {
    /// The time zone (UTC after an error, so the rest is still checked).
    fn time_zone(&mut self, raw: &RawFile) -> Tz {
        match raw.time_zone.get_ref().trim().parse::<Tz>() {
            Ok(tz) => tz,
            Err(_) => {
                let v = raw.time_zone.get_ref().clone();
                self.at(
                    "time_zone",
                    &raw.time_zone,
                    &v,
                    "not a time zone name".into(),
                    "use an IANA name such as Europe/London",
                );
                Tz::UTC
            }
        }
    }

    fn rooms(&mut self, raw: &RawFile) -> Vec<Room> {
        let mut rooms: Vec<Room> = Vec::new();
        for r in &raw.rooms {
            let id = r.id.get_ref().trim().to_string();
            if id.is_empty() || rooms.iter().any(|x| x.id == id) {
                self.at(
                    "rooms.id",
                    &r.id,
                    &id,
                    "blank or duplicate room id".into(),
                    "give every room its own id",
                );
            }
            rooms.push(Room {
                name: r
                    .name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&id)
                    .to_string(),
                id,
                capacity: r.capacity,
                tags: r.tags.iter().map(|t| key(t)).collect(),
            });
        }
        rooms
    }

    /// The days, with weekends numbered by ISO week where not given.
    fn days(&mut self, raw: &RawFile) -> Vec<Day> {
        let mut days: Vec<Day> = Vec::new();
        for d in &raw.days {
            let id = d.id.get_ref().trim().to_string();
            if id.is_empty() || days.iter().any(|x| x.id == id) {
                self.at(
                    "days.id",
                    &d.id,
                    &id,
                    "blank or duplicate day id".into(),
                    "give every day its own id",
                );
            }
            let text = d.date.get_ref().text();
            let date = match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                Ok(date) => date,
                Err(_) => {
                    self.at(
                        "days.date",
                        &d.date,
                        &text,
                        "not a date".into(),
                        "write dates as YYYY-MM-DD",
                    );
                    NaiveDate::MIN
                }
            };
            if days
                .iter()
                .any(|x| x.date == date && date != NaiveDate::MIN)
            {
                self.at(
                    "days.date",
                    &d.date,
                    &text,
                    "two days have this date".into(),
                    "list each day once",
                );
            }
            days.push(Day {
                id,
                date,
                weekend: d.weekend.unwrap_or(0),
                cancelled: d.cancelled,
            });
        }
        if days.is_empty() {
            self.errors.push(
                InputError::invalid(self.path, "the assembly has no days")
                    .column("days")
                    .hint("add [[days]] tables with id and date"),
            );
        }
        // Weekends not given: one per ISO week, numbered in date order.
        if days.iter().any(|d| d.weekend == 0) {
            let mut weeks: Vec<(i32, u32)> = days
                .iter()
                .map(|d| (d.date.iso_week().year(), d.date.iso_week().week()))
                .collect();
            weeks.sort_unstable();
            weeks.dedup();
            for d in days.iter_mut().filter(|d| d.weekend == 0) {
                let w = (d.date.iso_week().year(), d.date.iso_week().week());
                d.weekend = 1 + weeks.iter().position(|&x| x == w).unwrap_or(0) as u32;
            }
        }
        days
    }

    /// The default table size, the changeover minutes and the seating's
    /// and the rota's search efforts.
    fn settings(&mut self, raw: &RawFile) -> (usize, u32, usize, usize) {
        let table_size = raw
            .seating
            .table_size
            .as_ref()
            .map_or(DEFAULT_TABLE_SIZE, |s| *s.get_ref());
        if let Some(s) = &raw.seating.table_size
            && *s.get_ref() < 2
        {
            self.at(
                "seating.table_size",
                s,
                &s.get_ref().to_string(),
                "tables need at least 2 members".into(),
                "give a table size of 2 or more",
            );
        }
        let changeover = match &raw.programme.changeover_minutes {
            Some(c) if *c.get_ref() > 120 => {
                self.at(
                    "programme.changeover_minutes",
                    c,
                    &c.get_ref().to_string(),
                    "more than 120 minutes between two contributions".into(),
                    "give the minutes between two talks (0 to 120)",
                );
                0
            }
            Some(c) => *c.get_ref(),
            None => 0,
        };
        let mut effort = |e: &Option<Spanned<usize>>, field: &str| -> usize {
            match e {
                Some(s) if !(1..=crate::logistics::seating::MAX_EFFORT).contains(s.get_ref()) => {
                    self.at(
                        field,
                        s,
                        &s.get_ref().to_string(),
                        format!(
                            "must be from 1 to {}",
                            crate::logistics::seating::MAX_EFFORT
                        ),
                        "leave it out for the default",
                    );
                    1
                }
                Some(s) => *s.get_ref(),
                None => crate::logistics::seating::DEFAULT_EFFORT,
            }
        };
        let seating_effort = effort(&raw.seating.effort, "seating.effort");
        let rota_effort = effort(&raw.rota.effort, "rota.effort");
        (table_size, changeover, seating_effort, rota_effort)
    }

    /// One session, checked against the days, rooms and topics; `ids`
    /// holds the ids taken so far.
    fn session(
        &mut self,
        raw: &RawFile,
        s: &RawSession,
        days: &[Day],
        room_index: &HashMap<&str, usize>,
        ids: &mut HashSet<String>,
        table_size: usize,
    ) -> Session {
        let id = s.id.get_ref().trim().to_string();
        if id.is_empty() || !ids.insert(id.clone()) {
            self.at(
                "sessions.id",
                &s.id,
                &id,
                "blank session id, or the id of another session or day".into(),
                "give every session an id of its own",
            );
        }
        let day = days.iter().position(|d| d.id == s.day.get_ref().trim());
        if day.is_none() {
            let v = s.day.get_ref().clone();
            self.at(
                "sessions.day",
                &s.day,
                &v,
                format!(
                    "no such day; days are {}",
                    days.iter()
                        .map(|d| d.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "use the id of a [[days]] entry",
            );
        }
        let mut time = |w: &Spanned<When>, field: &str| {
            let t = w.get_ref().text();
            let parsed = parse_time(&t);
            if parsed.is_none() {
                self.at(
                    field,
                    w,
                    &t,
                    "not a time of day".into(),
                    "write times as HH:MM (24-hour clock)",
                );
            }
            parsed
        };
        let (start, end) = (
            time(&s.start, "sessions.start"),
            time(&s.end, "sessions.end"),
        );
        if let (Some(a), Some(b)) = (start, end)
            && b <= a
        {
            let v = s.end.get_ref().text();
            self.at(
                "sessions.end",
                &s.end,
                &v,
                "the session ends before it starts".into(),
                "sessions start and end on the same day",
            );
        }
        let kind = Kind::parse(s.kind.get_ref()).unwrap_or_else(|| {
            let v = s.kind.get_ref().clone();
            self.at(
                "sessions.kind",
                &s.kind,
                &v,
                "unknown kind".into(),
                "kind is one of plenary, tables, qa, vote, social",
            );
            Kind::Social
        });
        let mut room_ids: Vec<&Spanned<String>> = s.room.iter().collect();
        room_ids.extend(s.rooms.iter());
        let mut session_rooms = Vec::new();
        for r in room_ids {
            match room_index.get(r.get_ref().trim()) {
                Some(&i) => session_rooms.push(i),
                None => {
                    let v = r.get_ref().clone();
                    self.at(
                        "sessions.room",
                        r,
                        &v,
                        "no such room".into(),
                        "use the id of a [[rooms]] entry",
                    );
                }
            }
        }
        let layout = self.layout(s, kind, table_size);
        let topics = self.topics(raw, s, kind);
        Session {
            id,
            title: s
                .title
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or(kind.default_title())
                .to_string(),
            kind,
            day: day.unwrap_or(0),
            start: start.unwrap_or(NaiveTime::MIN),
            end: end.unwrap_or(NaiveTime::MIN),
            rooms: session_rooms,
            layout: if kind == Kind::Tables { layout } else { None },
            topics,
            line: self.line(s.id.span().start),
        }
    }

    /// A session's table layout: its own table size or number of tables,
    /// else the assembly's table size; only tables sessions have one.
    fn layout(&mut self, s: &RawSession, kind: Kind, table_size: usize) -> Option<Layout> {
        let layout = match (&s.table_size, &s.tables) {
            (Some(a), Some(_)) => {
                self.at(
                    "sessions.tables",
                    a,
                    &a.get_ref().to_string(),
                    "give table_size or tables, not both".into(),
                    "remove one",
                );
                None
            }
            (Some(x), None) | (None, Some(x)) if *x.get_ref() < 1 => {
                self.at(
                    "sessions.tables",
                    x,
                    "0",
                    "must be at least 1".into(),
                    "give a positive number",
                );
                None
            }
            (Some(x), None) if *x.get_ref() < 2 => {
                self.at(
                    "sessions.table_size",
                    x,
                    &x.get_ref().to_string(),
                    "tables need at least 2 members".into(),
                    "give a table size of 2 or more",
                );
                None
            }
            (Some(x), None) => Some(Layout::Size(*x.get_ref())),
            (None, Some(x)) => Some(Layout::Tables(*x.get_ref())),
            (None, None) => Some(Layout::Size(table_size)),
        };
        if kind != Kind::Tables
            && let Some(x) = s.table_size.as_ref().or(s.tables.as_ref())
        {
            self.at(
                "sessions.tables",
                x,
                &x.get_ref().to_string(),
                "only tables sessions have tables".into(),
                "remove it, or make the session kind = \"tables\"",
            );
        }
        layout
    }

    /// A plenary's topics, keyed; each must be one of the assembly's.
    fn topics(&mut self, raw: &RawFile, s: &RawSession, kind: Kind) -> Vec<String> {
        let mut topics = Vec::new();
        for t in &s.topics {
            if kind != Kind::Plenary {
                self.at(
                    "sessions.topics",
                    t,
                    t.get_ref(),
                    "only plenaries hear speakers".into(),
                    "remove topics, or make the session kind = \"plenary\"",
                );
            } else if !raw.topics.is_empty()
                && !raw.topics.iter().any(|x| key(x) == key(t.get_ref()))
            {
                self.at(
                    "sessions.topics",
                    t,
                    t.get_ref(),
                    "not one of the assembly's topics".into(),
                    "list it in topics = [...] at the top of the file",
                );
            }
            topics.push(key(t.get_ref()));
        }
        topics
    }
}

/// The longest text (a name, title, id, room or file name) an assembly
/// file may hold.
pub const MAX_TEXT: usize = 200;

/// The first text value longer than [`MAX_TEXT`]: its key (`sessions[3].title`)
/// and length.
fn overlong(value: &toml::Value, at: String) -> Option<(String, usize)> {
    match value {
        toml::Value::String(s) => {
            let chars = s.chars().count();
            (chars > MAX_TEXT).then_some((at, chars))
        }
        toml::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| overlong(v, format!("{at}[{i}]"))),
        toml::Value::Table(t) => t.iter().find_map(|(k, v)| {
            let key: String = k.chars().take(40).collect();
            let inner = if at.is_empty() {
                key
            } else {
                format!("{at}.{key}")
            };
            overlong(v, inner)
        }),
        _ => None,
    }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok()
}

impl Assembly {
    /// Parses and checks an assembly file; `path` only names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Assembly, Error> {
        // Names and titles are copied into every calendar event and page:
        // an overlong one would multiply the outputs, so none is taken.
        if let Ok(value) = toml::from_str::<toml::Table>(text)
            && let Some((key, chars)) = overlong(&toml::Value::Table(value), String::new())
        {
            return Err(InputError::invalid(
                path,
                format!("{key} is {chars} characters long; at most {MAX_TEXT} are taken"),
            )
            .hint("shorten it: names, titles and ids are printed on every calendar event and page")
            .into());
        }
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let mut err =
                InputError::unreadable(path, format!("not a valid assembly file: {}", e.message()))
                    .hint("see docs/formats.md (the assembly file) for the fields and an example");
            if let Some(span) = e.span() {
                err = err.line(line_of(text, span.start));
            }
            Error::from(err)
        })?;
        let mut p = Problems {
            path,
            text,
            errors: Vec::new(),
        };
        let time_zone = p.time_zone(&raw);
        let rooms = p.rooms(&raw);
        let days = p.days(&raw);
        let (table_size, changeover, seating_effort, rota_effort) = p.settings(&raw);

        let mut sessions = Vec::new();
        let mut ids: HashSet<String> = days.iter().map(|d| d.id.clone()).collect();
        let room_index: HashMap<&str, usize> = rooms
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        for (order, s) in raw.sessions.iter().enumerate() {
            let session = p.session(&raw, s, &days, &room_index, &mut ids, table_size);
            sessions.push((order, session));
        }
        if !p.errors.is_empty() {
            return Err(Error::Input(p.errors));
        }
        sessions.sort_by_key(|(order, s)| (days[s.day].date, s.start, *order));
        let sessions: Vec<Session> = sessions.into_iter().map(|x| x.1).collect();
        let mut assembly = Assembly {
            name: raw.name.trim().to_string(),
            venue: raw
                .venue
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            time_zone,
            topics: raw.topics.iter().map(|t| t.trim().to_string()).collect(),
            files: Files {
                members: raw.files.members,
                facilitators: raw.files.facilitators,
                speakers: raw.files.speakers,
                constraints: raw.files.constraints,
            },
            seating: SeatingOptions {
                id_column: raw.seating.id_column,
                balance: raw.seating.balance,
                colour_by: raw.seating.colour_by,
                table_size,
                seed: raw
                    .seating
                    .seed
                    .unwrap_or_else(|| "kleroterion seating".into()),
                effort: seating_effort,
            },
            rota_seed: raw.rota.seed.unwrap_or_else(|| "kleroterion rota".into()),
            rota_effort,
            changeover,
            rooms,
            days,
            sessions,
        };
        assembly.check_times(path)?;
        assembly.days.sort_by_key(|d| d.date);
        // Day indices changed with the sort: re-point sessions.
        let order: HashMap<String, usize> = assembly
            .days
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        let names: Vec<String> = raw
            .days
            .iter()
            .map(|d| d.id.get_ref().trim().to_string())
            .collect();
        for s in &mut assembly.sessions {
            s.day = order[&names[s.day]];
        }
        Ok(assembly)
    }

    /// Every session start and end must exist in the time zone, and two
    /// sessions of one day must not overlap.
    fn check_times(&self, path: &Path) -> Result<(), Error> {
        let mut errors = Vec::new();
        for s in &self.sessions {
            for (t, field) in [(s.start, "sessions.start"), (s.end, "sessions.end")] {
                if self.local(s.day, t).is_none() {
                    errors.push(
                        InputError::invalid(
                            path,
                            format!(
                                "session {} at {} on {} does not exist in {} (clocks change)",
                                s.id,
                                t.format("%H:%M"),
                                self.days[s.day].date,
                                self.time_zone
                            ),
                        )
                        .line(s.line)
                        .column(field)
                        .value(t.format("%H:%M").to_string())
                        .hint("move the session out of the skipped hour"),
                    );
                }
            }
        }
        // Members attend every session of a day they come: sessions of one
        // day may not overlap.
        for (i, a) in self.sessions.iter().enumerate() {
            for b in &self.sessions[i + 1..] {
                if a.day == b.day && a.start < b.end && b.start < a.end {
                    errors.push(
                        InputError::invalid(
                            path,
                            format!(
                                "sessions {} ({}–{}) and {} ({}–{}) overlap",
                                a.id,
                                a.start.format("%H:%M"),
                                a.end.format("%H:%M"),
                                b.id,
                                b.start.format("%H:%M"),
                                b.end.format("%H:%M")
                            ),
                        )
                        .line(b.line)
                        .column("sessions.start")
                        .value(b.start.format("%H:%M").to_string())
                        .hint("members attend every session of a day: make them follow each other"),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Input(errors))
        }
    }

    fn local(&self, day: usize, t: NaiveTime) -> Option<DateTime<Tz>> {
        self.time_zone
            .from_local_datetime(&self.days[day].date.and_time(t))
            .earliest()
    }

    /// The weekend numbers, ascending.
    pub fn weekends(&self) -> Vec<u32> {
        let mut w: Vec<u32> = self.days.iter().map(|d| d.weekend).collect();
        w.sort_unstable();
        w.dedup();
        w
    }

    /// Indices of the sessions held (their day is not cancelled).
    pub fn held(&self) -> Vec<usize> {
        (0..self.sessions.len())
            .filter(|&s| !self.days[self.sessions[s].day].cancelled)
            .collect()
    }

    /// The deliberation rounds: held tables sessions, in time order.
    pub fn rounds(&self) -> Vec<usize> {
        self.held()
            .into_iter()
            .filter(|&s| self.sessions[s].kind == Kind::Tables)
            .collect()
    }

    /// The held plenaries, in time order.
    pub fn plenaries(&self) -> Vec<usize> {
        self.held()
            .into_iter()
            .filter(|&s| self.sessions[s].kind == Kind::Plenary)
            .collect()
    }

    /// The sessions an availability word names: a session id, a day id (all
    /// its sessions) or a weekend as `weekend-N`; None if it names nothing.
    pub fn sessions_named(&self, word: &str) -> Option<Vec<usize>> {
        let w = word.trim();
        if let Some(s) = self.sessions.iter().position(|s| s.id == w) {
            return Some(vec![s]);
        }
        if let Some(d) = self.days.iter().position(|d| d.id == w) {
            return Some(
                (0..self.sessions.len())
                    .filter(|&s| self.sessions[s].day == d)
                    .collect(),
            );
        }
        let n = key(w).strip_prefix("weekend-")?.parse::<u32>().ok()?;
        let of: Vec<usize> = (0..self.sessions.len())
            .filter(|&s| self.days[self.sessions[s].day].weekend == n)
            .collect();
        (!of.is_empty()).then_some(of)
    }

    /// An availability cell: session ids, day ids or `weekend-N`, separated
    /// by spaces or `;`. None when blank (always available); unknown words
    /// are reported (file, line, column, value) into `errors`.
    pub fn availability(
        &self,
        table: &crate::files::table::Table,
        row: &crate::files::table::Row,
        c: usize,
        errors: &mut Vec<InputError>,
    ) -> Option<Vec<bool>> {
        let cell = row.cells[c].trim();
        if cell.is_empty() {
            return None;
        }
        let mut out = vec![false; self.sessions.len()];
        for w in words(cell) {
            match self.sessions_named(w) {
                Some(of) => of.into_iter().for_each(|s| out[s] = true),
                None => errors.push(
                    table
                        .cell_error(
                            row,
                            c,
                            format!("\"{w}\" is not a session, a day or weekend-N of the assembly"),
                        )
                        .hint("list session ids, day ids or weekend-N separated by spaces; blank for always"),
                ),
            }
        }
        Some(out)
    }

    /// "Sat 6 Mar 2027 10:00–11:15" style label of a session.
    pub fn when(&self, s: usize) -> String {
        let x = &self.sessions[s];
        format!(
            "{} {}–{}",
            self.days[x.day].date.format("%a %-d %b %Y"),
            x.start.format("%H:%M"),
            x.end.format("%H:%M")
        )
    }

    /// Every tag some room has (keyed).
    pub fn room_tags(&self) -> std::collections::BTreeSet<&str> {
        self.rooms
            .iter()
            .flat_map(|r| r.tags.iter().map(String::as_str))
            .collect()
    }

    /// The room(s) of a session, by name.
    pub fn place(&self, s: usize) -> String {
        self.sessions[s]
            .rooms
            .iter()
            .map(|&r| self.rooms[r].name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
name = "Test assembly"
time_zone = "Europe/London"
topics = ["context", "energy"]

[files]
members = "members.csv"

[[rooms]]
id = "hall"
name = "Main hall"
tags = ["step-free"]

[[days]]
id = "sun"
date = 2027-03-07

[[days]]
id = "sat"
date = "2027-03-06"

[[sessions]]
id = "s2"
day = "sat"
start = "11:00"
end = "12:00"
kind = "tables"
room = "hall"
tables = 3

[[sessions]]
id = "s1"
day = "sat"
start = 10:00:00
end = "10:45"
kind = "plenary"
room = "hall"
topics = ["Energy"]

[[sessions]]
id = "s3"
day = "sun"
start = "10:00"
end = "11:00"
kind = "deliberation"
"#;

    #[test]
    fn an_overlong_name_is_refused_naming_it() {
        let long = "x".repeat(MAX_TEXT + 1);
        let text = EXAMPLE.replacen("Test assembly", &long, 1);
        let Err(Error::Input(e)) = Assembly::parse(Path::new("a.toml"), &text) else {
            panic!("an overlong title was taken");
        };
        let message = e[0].to_string();
        assert!(message.contains("name is 201 characters"), "{message}");
        assert!(message.len() < 400, "{message}");
        let fine = EXAMPLE.replacen("Test assembly", &long[1..], 1);
        assert!(Assembly::parse(Path::new("a.toml"), &fine).is_ok());
    }

    #[test]
    fn parses_and_orders_sessions() {
        let a = Assembly::parse(Path::new("a.toml"), EXAMPLE).unwrap();
        let ids: Vec<&str> = a.sessions.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s2", "s3"]);
        assert_eq!(a.days[0].id, "sat");
        assert_eq!(a.sessions[2].day, 1);
        assert_eq!(a.sessions[0].minutes(), 45);
        assert_eq!(a.sessions[1].layout, Some(Layout::Tables(3)));
        assert_eq!(a.sessions[2].layout, Some(Layout::Size(DEFAULT_TABLE_SIZE)));
        assert_eq!(a.rounds(), vec![1, 2]);
        assert_eq!(a.plenaries(), vec![0]);
        assert_eq!(a.days[0].weekend, 1);
        assert_eq!(a.days[1].weekend, 1);
        assert_eq!(a.sessions_named("sat"), Some(vec![0, 1]));
        assert_eq!(a.sessions_named("weekend-1").map(|v| v.len()), Some(3));
        assert_eq!(a.sessions_named("nothing"), None);
        assert_eq!(a.weekends(), vec![1]);
    }

    #[test]
    fn errors_name_line_field_and_value() {
        let bad = EXAMPLE
            .replace("day = \"sun\"", "day = \"mon\"")
            .replace("end = \"12:00\"", "end = \"25:00\"");
        let Err(Error::Input(errors)) = Assembly::parse(Path::new("a.toml"), &bad) else {
            panic!("accepted a bad file")
        };
        assert_eq!(errors.len(), 2, "{errors:?}");
        let end = errors
            .iter()
            .find(|e| e.column.as_deref() == Some("sessions.end"))
            .unwrap();
        assert_eq!(end.value.as_deref(), Some("25:00"));
        assert_eq!(end.line, Some(26));
        let day = errors
            .iter()
            .find(|e| e.column.as_deref() == Some("sessions.day"))
            .unwrap();
        assert_eq!(day.value.as_deref(), Some("mon"));
        assert_eq!(day.line, Some(42));
        assert!(day.problem.contains("sun, sat"), "{}", day.problem);
    }

    #[test]
    fn overlaps_and_skipped_hours_are_located() {
        // s3 moved onto Saturday over s2; s1 into the hour London skips on
        // 28 March 2027.
        let bad = EXAMPLE
            .replace("day = \"sun\"", "day = \"sat\"")
            .replace(
                "start = \"10:00\"\nend = \"11:00\"",
                "start = \"11:30\"\nend = \"12:30\"",
            )
            .replace("date = \"2027-03-06\"", "date = \"2027-03-28\"")
            .replace("start = 10:00:00", "start = 01:30:00")
            .replace("end = \"10:45\"", "end = \"02:15\"");
        let Err(Error::Input(e)) = Assembly::parse(Path::new("a.toml"), &bad) else {
            panic!("accepted")
        };
        let overlap = e
            .iter()
            .find(|x| x.problem.contains("overlap"))
            .expect("overlap");
        assert_eq!(overlap.line, Some(41));
        assert_eq!(overlap.value.as_deref(), Some("11:30"));
        let skipped = e
            .iter()
            .find(|x| x.problem.contains("clocks"))
            .expect("skipped hour");
        assert_eq!(skipped.line, Some(32));
        assert_eq!(skipped.value.as_deref(), Some("01:30"));
    }

    #[test]
    fn syntax_errors_and_unknown_fields_are_located() {
        let Err(Error::Input(e)) = Assembly::parse(
            Path::new("a.toml"),
            &EXAMPLE.replace("tables = 3", "tabels = 3"),
        ) else {
            panic!()
        };
        assert!(e[0].problem.contains("tabels"), "{}", e[0].problem);
        assert_eq!(e[0].line, Some(29));
    }
}
