//! `kleroterion plan`: seating, rota and programme from the assembly file,
//! with every export; re-planning with past sessions kept.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use clap::Args;
use kleroterion::error::exit;
use kleroterion::export::{self, CalendarState};
use kleroterion::members::Members;
use kleroterion::plan::{self, Inputs, Previous};
use kleroterion::table::Table;
use kleroterion::{Error, InputError, rota, seating, store};

/// Plan the whole assembly from its assembly file.
///
/// Seats the members at tables for every tables session, builds the
/// facilitator rota and places the speakers in the plenaries, then writes
/// into --out: seating.csv, rota.csv, programme.csv, schedule.csv (one row
/// per person per session), schedule-by-person.csv, calendars/ (one .ics
/// for the assembly and one per member, facilitator and speaker), html/
/// (printable pages per person, table plans, rota, speaker run-sheet) and
/// plan-report.txt.
///
/// Re-planning after withdrawals, replacements or a cancelled day: edit the
/// inputs, then run with --previous (the earlier plan's directory) and
/// --from (the first session still to come). Earlier sessions are kept as
/// they were; later ones change as little as the new situation allows;
/// changes.txt lists only the people whose timetable changed, and their
/// calendar events carry a higher SEQUENCE (removed events are CANCELLED).
#[derive(Debug, Args)]
#[command(long_about)]
pub struct PlanArgs {
    /// The assembly file (TOML).
    #[arg(value_name = "ASSEMBLY")]
    pub assembly: PathBuf,
    /// Output directory (written as a whole; see --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace --out if it exists (it is swapped out only once the new plan is complete).
    #[arg(long)]
    pub force: bool,
    /// The directory of the plan being revised.
    #[arg(long, value_name = "DIR")]
    pub previous: Option<PathBuf>,
    /// With --previous: the first session still to come (earlier sessions are kept).
    #[arg(long, value_name = "SESSION")]
    pub from: Option<String>,
    /// Issue time of the calendars (RFC 3339, e.g. 2027-02-01T12:00:00Z); default:
    /// $SOURCE_DATE_EPOCH if set, else now. Only DTSTAMP lines depend on it.
    #[arg(long, value_name = "TIME")]
    pub issued: Option<String>,
}

fn issued(arg: &Option<String>) -> Result<DateTime<Utc>, Error> {
    if let Some(t) = arg {
        return DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| {
                Error::Usage(format!(
                    "--issued \"{t}\" is not an RFC 3339 time such as 2027-02-01T12:00:00Z"
                ))
            });
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH")
        && let Some(t) = s
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|x| DateTime::from_timestamp(x, 0))
    {
        return Ok(t);
    }
    let now = Utc::now();
    Ok(DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now))
}

pub fn run(args: PlanArgs) -> Result<i32, Error> {
    let started = Instant::now();
    if args.from.is_some() && args.previous.is_none() {
        return Err(Error::Usage("--from needs --previous".into()));
    }
    let issued = issued(&args.issued)?;
    let (assembly, base) = super::load_assembly(&args.assembly)?;
    let optional = |f: &Option<String>| -> Result<Option<Table>, Error> {
        f.as_ref()
            .map(|f| Table::read(&base.join(f)).map_err(Error::from))
            .transpose()
    };
    let members = Members::from_table(
        Table::read(&base.join(&assembly.files.members))?,
        assembly.seating.id_column.as_deref(),
    )?;
    let (previous, old_state) = match &args.previous {
        Some(dir) => {
            let files = store::read_dir(dir)?;
            let state: CalendarState = match files.get("calendar-state.json") {
                Some(bytes) => serde_json::from_slice(bytes).map_err(|e| {
                    InputError::invalid(
                        &dir.join("calendar-state.json"),
                        format!("unreadable: {e}"),
                    )
                    .hint("give the directory `kleroterion plan` wrote, unedited")
                })?,
                None => CalendarState::default(),
            };
            (Some(Previous::from_files(dir, &files)?), state)
        }
        None => (None, CalendarState::default()),
    };
    let built = plan::build(Inputs {
        assembly: &assembly,
        members,
        constraints: optional(&assembly.files.constraints)?,
        facilitators: optional(&assembly.files.facilitators)?,
        speakers: optional(&assembly.files.speakers)?,
        previous: previous.clone(),
        from: args.from.clone(),
    })?;

    // Report.
    let mut report = String::new();
    let _ = writeln!(
        report,
        "Plan: {} ({}), {} members, {} days, {} sessions held, {} seating rounds{}",
        assembly.name,
        args.assembly
            .file_name()
            .map_or(String::new(), |f| f.to_string_lossy().into_owned()),
        built.members.len(),
        assembly.days.iter().filter(|d| !d.cancelled).count(),
        assembly.held().len(),
        built.rounds.len(),
        match &args.from {
            Some(f) => format!(", re-planned from session {f}"),
            None => String::new(),
        }
    );
    let describe = |c: &kleroterion::constraints::Constraint| c.describe(&built.members);
    let sa = seating::assess(&built.seating_problem, &built.seating, &describe);
    let _ = writeln!(
        report,
        "\nSeating: distinct pairs met {} of {} ({:.1}%); most meetings of one pair {}; cells in band {} of {} ({:.1}%), largest deviation {}",
        sa.distinct_pairs,
        sa.pair_bound,
        100.0 * sa.distinct_pairs as f64 / sa.pair_bound.max(1) as f64,
        sa.max_meetings(),
        sa.cells_in_band,
        sa.cells,
        100.0 * sa.cells_in_band as f64 / sa.cells.max(1) as f64,
        sa.largest_deviation
    );
    super::list(&mut report, "Unmet seating rules", &sa.unmet);
    match (&built.rota_problem, &built.rota) {
        (Some(p), Some(r)) => {
            let ra = rota::assess(p, r);
            let _ = writeln!(
                report,
                "\nRota: {} facilitators; repeated member–facilitator meetings {}",
                p.facilitators.len(),
                ra.repeats
            );
            super::list(&mut report, "Unmet rota goals", &ra.unmet);
            for w in &ra.warnings {
                let _ = writeln!(report, "warning: {w}");
            }
        }
        _ => {
            let _ = writeln!(report, "\nRota: no facilitators file");
        }
    }
    report.push('\n');
    match &built.programme {
        Some(prog) => report.push_str(&super::programme::report(&built.programme_problem(), prog)),
        None => report.push_str("Programme: no speakers file\n"),
    }
    report.push('\n');
    super::list(
        &mut report,
        "Support needs a room does not meet",
        &built.unmet_needs,
    );

    // Files.
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    files.insert("seating.csv".into(), export::seating_csv(&built));
    files.insert("rota.csv".into(), export::rota_csv(&built));
    if let Some(prog) = &built.programme {
        files.insert(
            "programme.csv".into(),
            export::programme_csv(&built.programme_problem(), prog),
        );
    }
    files.insert("schedule.csv".into(), export::schedule_csv(&built));
    files.insert("schedule-by-person.csv".into(), export::pivot_csv(&built));
    let (calendars, state) = export::calendars(&built, issued, &old_state);
    let calendar_count = calendars.len();
    for (name, text) in calendars {
        files.insert(format!("calendars/{name}"), text.into_bytes());
    }
    let state_json = serde_json::to_vec_pretty(&state)
        .map_err(|e| Error::Solver(format!("cannot encode the calendar state: {e}")))?;
    files.insert("calendar-state.json".into(), state_json);
    let pages = export::html(&built);
    let page_count = pages.len();
    for (name, text) in pages {
        files.insert(format!("html/{name}"), text.into_bytes());
    }
    if let Some(prev) = &previous {
        let changes = built.changes(prev);
        let mut text = format!(
            "Changes from the earlier plan: {} people affected\n",
            changes.len()
        );
        for c in &changes {
            let _ = writeln!(text, "{c}");
        }
        let _ = writeln!(report, "\n{}", text.lines().next().unwrap_or(""));
        files.insert("changes.txt".into(), text.into_bytes());
    }
    let _ = writeln!(
        report,
        "\nWritten: {} calendars, {} HTML pages; seating seed \"{}\", rota seed \"{}\"",
        calendar_count, page_count, assembly.seating.seed, assembly.rota_seed
    );
    files.insert("plan-report.txt".into(), report.clone().into_bytes());
    store::write_new_dir(&args.out, &files, args.force)?;
    print!("{report}");
    let [seat, rota, programme] = built.seconds;
    println!(
        "Time: {:.1} s (seating {seat:.1} s, rota {rota:.1} s, programme {programme:.1} s)",
        started.elapsed().as_secs_f64()
    );
    println!("\nwrote {}", args.out.display());
    Ok(exit::OK)
}
