//! What a plan gives people: CSV tables (`csv`), RFC 5545 calendars
//! (`ical`) and printable HTML pages (`html`). Everything here is bytes in
//! memory; the caller writes them.

mod csv;
mod html;
mod ical;

pub use csv::*;
pub use html::*;
pub use ical::*;

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
