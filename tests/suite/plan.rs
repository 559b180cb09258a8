//! `kleroterion plan` and `programme` on the bundled example assembly:
//! every export, re-planning, calendars, printable pages (in headless
//! Chromium when it is installed) and bad input.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{kleroterion, scratch};
use icalendar::{Calendar, CalendarComponent, Component};

const ISSUED: &str = "2027-02-01T12:00:00Z";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/assembly")
}

fn plan(assembly: &Path, out: &Path, extra: &[&str]) -> crate::common::Run {
    let mut args = vec![
        "plan",
        assembly.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--issued",
        ISSUED,
    ];
    args.extend_from_slice(extra);
    kleroterion(&args)
}

fn csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            for (k, v) in read_tree(&p) {
                out.insert(
                    format!("{}/{k}", p.file_name().unwrap().to_string_lossy()),
                    v,
                );
            }
        } else {
            out.insert(
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            );
        }
    }
    out
}

fn parse_calendar(text: &str) -> Calendar {
    text.parse::<Calendar>().expect("a valid iCalendar file")
}

#[test]
fn example_plan_is_complete_consistent_and_deterministic() {
    let dir = scratch("plan");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let assembly = example().join("assembly.toml");
    let run = plan(&assembly, &a, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Not placed: none"), "{}", run.stdout);
    assert!(run.stdout.contains("Broken rules: none"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Unmet seating rules: none"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("(100.0%), largest deviation 0"),
        "{}",
        run.stdout
    );
    let run2 = plan(&assembly, &b, &[]);
    assert_eq!(run2.code, 0);
    assert_eq!(read_tree(&a), read_tree(&b), "same inputs, different plan");

    // Every member present at a tables session sits at exactly one table;
    // absent members are not seated; hard rules hold.
    let members = csv(&example().join("members.csv"));
    let seating = csv(&a.join("seating.csv"));
    let schedule = csv(&a.join("schedule.csv"));
    let sessions: BTreeSet<String> = seating.iter().map(|r| r["session"].clone()).collect();
    assert_eq!(sessions.len(), 8);
    for m in &members {
        let id = &m["id"];
        let available = &m["available"];
        for s in &sessions {
            let seats = seating
                .iter()
                .filter(|r| &r["id"] == id && &r["session"] == s)
                .count();
            let day = &s[..6];
            let expected = usize::from(available.is_empty() || available.contains(day));
            assert_eq!(seats, expected, "{id} in {s}");
        }
    }
    let table_of = |id: &str, s: &str| {
        seating
            .iter()
            .find(|r| r["id"] == id && r["session"] == s)
            .map(|r| r["table"].clone())
    };
    for s in &sessions {
        assert_ne!(
            table_of("M014", s),
            table_of("M015", s).or(Some("-".into()))
        );
        let group: BTreeSet<_> = ["M090", "M091", "M092"]
            .iter()
            .filter_map(|m| table_of(m, s))
            .collect();
        assert!(group.len() <= 1, "language group split in {s}");
        if let Some(t) = table_of("M060", s) {
            assert_eq!(t, "10", "M060 pinned to table 10");
        }
    }
    // M007 needs the hearing loop, which only the hall has: every table
    // M007 sits at is in the hall (half the tables are in the annex).
    let m7: Vec<_> = schedule
        .iter()
        .filter(|e| e["id"] == "M007" && !e["table"].is_empty())
        .collect();
    assert!(!m7.is_empty());
    assert!(m7.iter().all(|e| e["room"] == "Main hall"), "{m7:?}");
    assert!(
        schedule
            .iter()
            .any(|e| !e["table"].is_empty() && e["room"] == "Annex")
    );
    // The schedule agrees with the seating.
    for r in &seating {
        assert!(schedule.iter().any(|e| e["kind"] == "member"
            && e["id"] == r["id"]
            && e["session"] == r["session"]
            && e["table"] == r["table"]));
    }
    // Each contribution once, within its session, no overlap in a session.
    let programme = csv(&a.join("programme.csv"));
    let speakers = csv(&example().join("speakers.csv"));
    assert_eq!(programme.len(), speakers.len());
    let mut by_session: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for p in &programme {
        by_session
            .entry(p["session"].clone())
            .or_default()
            .push((p["start"].clone(), p["end"].clone()));
    }
    for slots in by_session.values_mut() {
        slots.sort();
        for w in slots.windows(2) {
            assert!(w[0].1 <= w[1].0, "overlapping talks {w:?}");
        }
    }

    // Calendars: valid, unique UIDs, events match the schedule.
    let calendars = fs::read_dir(a.join("calendars")).unwrap().count();
    let people: BTreeSet<(String, String)> = schedule
        .iter()
        .map(|e| (e["kind"].clone(), e["id"].clone()))
        .collect();
    assert_eq!(calendars, people.len() + 1);
    let m7 = fs::read_to_string(a.join("calendars/member-M007.ics")).unwrap();
    let cal = parse_calendar(&m7);
    let events: Vec<_> = cal
        .components
        .iter()
        .filter_map(CalendarComponent::as_event)
        .collect();
    let expected = schedule
        .iter()
        .filter(|e| e["kind"] == "member" && e["id"] == "M007")
        .count();
    assert_eq!(events.len(), expected);
    let uids: BTreeSet<&str> = events.iter().map(|e| e.get_uid().unwrap()).collect();
    assert_eq!(uids.len(), events.len());
    assert!(m7.contains("X-WR-TIMEZONE:Europe/London"));
    assert!(m7.contains("DTSTAMP:20270201T120000Z"));
    // Local times with the zone, which the calendar defines itself.
    assert!(
        m7.contains("DTSTART;TZID=Europe/London:20270306T113000"),
        "{m7}"
    );
    assert!(m7.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"));
    assert!(m7.contains("TZOFFSETTO:+0100\r\nTZNAME:BST"));
    assert!(events.iter().all(|e| e.get_summary().is_some()));
    for line in m7.lines() {
        assert!(line.len() <= 75, "line longer than 75 octets: {line}");
    }
    assert!(m7.contains("\r\n"), "iCalendar lines end in CRLF");

    // HTML: one page per person, the table plans, rota and run-sheet.
    let pages = fs::read_dir(a.join("html")).unwrap().count();
    assert_eq!(pages, people.len() + 4);
    let tables = fs::read_to_string(a.join("html/tables.html")).unwrap();
    assert!(tables.contains("Round 8"));
    assert!(tables.contains("needs: hearing-loop"));
}

#[test]
fn replanning_after_withdrawals_keeps_the_past_and_lists_only_the_affected() {
    let dir = scratch("replan");
    let first = dir.join("first");
    let run = plan(&example().join("assembly.toml"), &first, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Five members withdraw after the first weekend.
    let edited = dir.join("inputs");
    fs::create_dir_all(&edited).unwrap();
    for f in fs::read_dir(example()).unwrap() {
        let p = f.unwrap().path();
        fs::copy(&p, edited.join(p.file_name().unwrap())).unwrap();
    }
    let withdrawn = ["M020", "M021", "M022", "M023", "M024"];
    let members = fs::read_to_string(example().join("members.csv")).unwrap();
    let kept: String = members
        .lines()
        .filter(|l| !withdrawn.iter().any(|w| l.starts_with(&format!("{w},"))))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(edited.join("members.csv"), kept).unwrap();
    let second = dir.join("second");
    let started = std::time::Instant::now();
    let run = kleroterion(&[
        "plan",
        edited.join("assembly.toml").to_str().unwrap(),
        "--out",
        second.to_str().unwrap(),
        "--previous",
        first.to_str().unwrap(),
        "--from",
        "w2-sat-welcome",
        "--issued",
        "2027-03-10T09:00:00Z",
    ]);
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    eprintln!("re-plan took {seconds:.1} s");

    // The held sessions (everything before w2-sat-welcome: the first
    // weekend) are written again byte for byte, the withdrawn included.
    for (file, column) in [
        ("seating.csv", 3),
        ("rota.csv", 4),
        ("programme.csv", 0),
        ("schedule.csv", 3),
    ] {
        let held = |d: &Path| -> Vec<String> {
            fs::read_to_string(d.join(file))
                .unwrap()
                .lines()
                .skip(1)
                .filter(|l| {
                    l.split(',')
                        .nth(column)
                        .is_some_and(|s| s.starts_with("w1-"))
                })
                .map(String::from)
                .collect()
        };
        let (mut before, mut after) = (held(&first), held(&second));
        assert!(!before.is_empty(), "{file}: no held rows");
        if file == "schedule.csv" {
            // One block per person; the withdrawn now come last.
            before.sort();
            after.sort();
        }
        let differ = before.iter().zip(&after).find(|(b, a)| b != a);
        assert!(
            before.len() == after.len() && differ.is_none(),
            "{file}: held rows rewritten ({} rows, then {}; first difference {differ:?})",
            before.len(),
            after.len()
        );
        // ... and, but for the schedule, they come first, as the sessions
        // did.
        if file != "schedule.csv" {
            let text = fs::read_to_string(second.join(file)).unwrap();
            let lines: Vec<&str> = text.lines().skip(1).take(after.len()).collect();
            assert_eq!(lines, after, "{file}: held rows not first");
        }
    }
    let after = csv(&second.join("seating.csv"));
    for w in withdrawn {
        assert!(
            after
                .iter()
                .any(|r| r["id"] == w && r["session"].starts_with("w1-")),
            "{w} is gone from the held weekend"
        );
        assert!(
            after
                .iter()
                .all(|r| r["id"] != w || r["session"].starts_with("w1-")),
            "{w} is still seated after withdrawing"
        );
    }

    // The change list names the withdrawn, and nobody whose timetable is
    // the same.
    let changes = fs::read_to_string(second.join("changes.txt")).unwrap();
    for w in withdrawn {
        assert!(
            changes.contains(&format!("member {w}: withdrawn;")),
            "{changes}"
        );
    }
    let schedule = |d: &Path| -> BTreeMap<(String, String), Vec<String>> {
        let mut m: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for r in csv(&d.join("schedule.csv")) {
            m.entry((r["kind"].clone(), r["id"].clone()))
                .or_default()
                .push(format!("{}{}{}", r["session"], r["start"], r["what"]));
        }
        m
    };
    let (s1, s2) = (schedule(&first), schedule(&second));
    let listed: BTreeSet<String> = changes
        .lines()
        .skip(1)
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    // Only the affected change: the past is not listed, and most members
    // keep every table (moving someone costs more than one new pair).
    let m020 = changes
        .lines()
        .find(|l| l.starts_with("member M020"))
        .unwrap();
    assert!(!m020.contains("w1-"), "past sessions listed: {m020}");
    let moved = listed
        .iter()
        .filter(|n| n.starts_with("member ") && !withdrawn.iter().any(|w| n.ends_with(w)))
        .count();
    assert!(moved <= 35, "{moved} of 105 members changed table");
    for (k, v) in &s2 {
        let name = format!("{} {}", k.0, k.1);
        assert_eq!(
            listed.contains(&name),
            s1.get(k) != Some(v),
            "{name} wrongly (un)listed"
        );
    }

    // Calendars: same UIDs; a withdrawn member's held events are exactly
    // as before and only the sessions to come are cancelled.
    let events = |text: &str| -> BTreeMap<String, String> {
        text.split("BEGIN:VEVENT\r\n")
            .skip(1)
            .map(|e| {
                let e = &e[..e.find("END:VEVENT").unwrap()];
                let uid = e.lines().find(|l| l.starts_with("UID:")).unwrap();
                (uid.to_string(), e.to_string())
            })
            .collect()
    };
    let gone_before = events(&fs::read_to_string(first.join("calendars/member-M020.ics")).unwrap());
    let gone = fs::read_to_string(second.join("calendars/member-M020.ics")).unwrap();
    let cal = parse_calendar(&gone);
    let (mut kept, mut cancelled) = (0, 0);
    for e in cal
        .components
        .iter()
        .filter_map(CalendarComponent::as_event)
    {
        let uid = format!("UID:{}", e.get_uid().unwrap());
        let start = e.property_value("DTSTART").unwrap();
        if start < "20270320" {
            // The first weekend (before the second's Saturday).
            assert_eq!(
                events(&gone)[&uid],
                gone_before[&uid],
                "held event rewritten"
            );
            assert_eq!(e.property_value("STATUS"), Some("CONFIRMED"));
            kept += 1;
        } else {
            assert_eq!(e.property_value("STATUS"), Some("CANCELLED"), "{uid}");
            assert_eq!(e.property_value("SEQUENCE"), Some("1"));
            cancelled += 1;
        }
    }
    assert!(
        kept > 0 && cancelled > 0,
        "{kept} kept, {cancelled} cancelled"
    );
    assert!(changes.contains("member M020: withdrawn;"), "{changes}");

    // changes.txt and the calendars agree: a person is listed exactly when
    // some event of theirs changed.
    let (cals1, cals2) = (
        read_tree(&first.join("calendars")),
        read_tree(&second.join("calendars")),
    );
    for (file, text) in &cals2 {
        let Some(stem) = file.strip_suffix(".ics").filter(|f| *f != "assembly") else {
            continue;
        };
        let (kind, id) = stem.split_once('-').unwrap();
        let old = cals1.get(file).map(|t| events(&String::from_utf8_lossy(t)));
        let changed = old != Some(events(&String::from_utf8_lossy(text)));
        assert_eq!(
            listed.contains(&format!("{kind} {id}")),
            changed,
            "{file}: calendar and changes.txt disagree"
        );
    }
    let changed = listed
        .iter()
        .find(|n| n.starts_with("member ") && !withdrawn.iter().any(|w| n.ends_with(w)))
        .expect("someone else moved table")
        .trim_start_matches("member ")
        .to_string();
    let text = fs::read_to_string(second.join(format!("calendars/member-{changed}.ics"))).unwrap();
    assert!(text.contains("SEQUENCE:1"), "{text}");
    assert!(text.contains("SEQUENCE:0"), "unchanged events keep 0");
    assert!(text.contains("DTSTAMP:20270201T120000Z"));
    assert!(text.contains("DTSTAMP:20270310T090000Z"));
}

#[test]
fn bad_assembly_files_are_located() {
    let dir = scratch("bad-assembly");
    let text = fs::read_to_string(example().join("assembly.toml"))
        .unwrap()
        .replacen("start = \"11:30\"", "start = \"11h30\"", 1);
    let line = text.lines().position(|l| l.contains("11h30")).unwrap() + 1;
    for f in [
        "members.csv",
        "facilitators.csv",
        "speakers.csv",
        "constraints.csv",
    ] {
        fs::copy(example().join(f), dir.join(f)).unwrap();
    }
    fs::write(dir.join("assembly.toml"), text).unwrap();
    let run = plan(&dir.join("assembly.toml"), &dir.join("out"), &[]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("line {line}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("sessions.start"), "{}", run.stderr);
    assert!(run.stderr.contains("11h30"), "{}", run.stderr);
    assert!(!dir.join("out").exists());

    // A speaker row with an unknown perspective: file, line, column, value.
    let speakers = fs::read_to_string(example().join("speakers.csv"))
        .unwrap()
        .replacen("informant", "lobbyist", 1);
    fs::write(dir.join("speakers.csv"), speakers).unwrap();
    fs::write(
        dir.join("assembly.toml"),
        fs::read(example().join("assembly.toml")).unwrap(),
    )
    .unwrap();
    let run = kleroterion(&[
        "programme",
        dir.join("assembly.toml").to_str().unwrap(),
        "--out",
        dir.join("p").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("speakers.csv"), "{}", run.stderr);
    assert!(run.stderr.contains("lobbyist"), "{}", run.stderr);
    assert!(run.stderr.contains("perspective"), "{}", run.stderr);
}

#[test]
fn printable_pages_render_in_headless_chromium() {
    let Some(browser) = crate::reports::chromium() else {
        eprintln!(
            "SKIPPED: no chromium on this machine (install the chromium package to run this test)"
        );
        return;
    };
    let dir = scratch("chromium");
    let out = dir.join("plan");
    let run = plan(&example().join("assembly.toml"), &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let profile = dir.join("profile");
    for (page, expect) in [
        ("index.html", "Member 007"),
        ("member-M007.html", "Table 1"),
        ("tables.html", "Round 8"),
        ("rota.html", "Lead"),
        ("run-sheet.html", "Speaker 01"),
    ] {
        let path = out.join("html").join(page);
        let url = format!("file://{}", path.display());
        let common = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let dom = Command::new(&browser)
            .args(common)
            .args(["--dump-dom", &url])
            .output()
            .expect("chromium runs");
        let text = String::from_utf8_lossy(&dom.stdout);
        assert!(
            text.contains(expect) && text.contains("</body>"),
            "{page}: {}",
            String::from_utf8_lossy(&dom.stderr)
        );
        let pdf = dir.join(format!("{page}.pdf"));
        let printed = Command::new(&browser)
            .args(common)
            .args([
                &format!("--print-to-pdf={}", pdf.display()),
                "--no-pdf-header-footer",
                &url,
            ])
            .output()
            .expect("chromium runs");
        let bytes = fs::read(&pdf).unwrap_or_default();
        assert!(
            bytes.starts_with(b"%PDF") && bytes.len() > 1000,
            "{page} did not print: {}",
            String::from_utf8_lossy(&printed.stderr)
        );
    }
}

/// `plan` refuses an existing output folder before reading anything (so
/// before any computing): with a missing assembly file, the error is about
/// the folder.
#[test]
fn plan_refuses_an_existing_output_before_computing() {
    let dir = scratch("plan-exists");
    let out = dir.join("out");
    std::fs::create_dir(&out).unwrap();
    let r = kleroterion(&[
        "plan",
        dir.join("missing.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    // A regular file named as the output is never replaced, even with
    // --force.
    let file = dir.join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let r = kleroterion(&[
        "plan",
        dir.join("missing.toml").to_str().unwrap(),
        "--out",
        file.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(r.code, 7, "{}", r.stderr);
    assert!(r.stderr.contains("not a directory"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

/// A long speakers list (the example's rows cycled, 100 contributions,
/// most of which cannot fit) keeps the topic order: a topic with nothing
/// placed used to let its neighbours overlap. A list over the documented
/// limit is refused, naming the file.
#[test]
fn a_long_speakers_list_keeps_the_topic_order_and_a_too_long_one_is_refused() {
    let dir = scratch("speakers");
    let text = fs::read_to_string(example().join("speakers.csv")).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    let cycled = |n: usize| -> String {
        let mut out = format!("{}\n", text.lines().next().unwrap());
        for i in 0..n {
            let row = rows[i % rows.len()];
            let rest = row.split_once(',').unwrap().1;
            out.push_str(&format!("X{i:05},{rest}\n"));
        }
        out
    };
    let speakers = dir.join("speakers.csv");
    fs::write(&speakers, cycled(100)).unwrap();
    let out = dir.join("out");
    let programme = || {
        kleroterion(&[
            "programme",
            example().join("assembly.toml").to_str().unwrap(),
            "--speakers",
            speakers.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let r = programme();
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Broken rules: none"), "{}", r.stdout);
    // Topics run in the assembly's order through the sessions.
    let order = ["context", "energy", "transport", "food"];
    let placed: Vec<usize> = csv(&out.join("programme.csv"))
        .iter()
        .map(|row| order.iter().position(|t| *t == row["topic"]).unwrap())
        .collect();
    assert!(placed.windows(2).all(|w| w[0] <= w[1]), "{placed:?}");

    fs::write(&speakers, cycled(1001)).unwrap();
    let r = programme();
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("speakers.csv: 1001 contributions"),
        "{}",
        r.stderr
    );
}
