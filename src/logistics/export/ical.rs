//! RFC 5545 calendars: one for the whole assembly and one per member,
//! facilitator and speaker. Event UIDs depend only on the assembly, the
//! person and the session, so they survive re-planning; `CalendarState`
//! (kept with the plan) remembers each event's content digest and
//! SEQUENCE, which rises when the content changes; events that disappear
//! are sent once more as STATUS:CANCELLED. Times are local with the
//! assembly's TZID, defined by a VTIMEZONE built from the compiled IANA
//! database for the years the events fall in (so calendars do not depend
//! on the reader's zone data).

use super::*;

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

pub(super) struct Draft {
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
pub(super) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// `clean`, then RFC 5545 TEXT escaping, for properties the crate does not
/// know as TEXT (X-WR-CALNAME).
pub(super) fn escape_text(s: &str) -> String {
    let mut out = String::new();
    for c in clean(s).chars() {
        if matches!(c, '\\' | ',' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(super) fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

pub(super) fn local_text(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

pub(super) fn offset_text(seconds: i32) -> String {
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

pub(super) fn uid(a: &Assembly, parts: &[&str]) -> String {
    let mut text = a.name.clone();
    for p in parts {
        text.push('\u{1f}');
        text.push_str(p);
    }
    format!("{}@kleroterion", &sha256_hex(text.as_bytes())[..32])
}

/// Builds one calendar, updating `state` for its file name.
pub(super) fn calendar(
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

pub(super) fn describe_local(
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
