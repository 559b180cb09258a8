//! Plan: seating, rota and programme from the assembly file, with every
//! export; re-planning with past sessions kept.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::error::{Error, InputError};
use crate::files::dir::{self, Outputs};
use crate::files::table::Table;
use crate::logistics::export::{self, CalendarState};
use crate::logistics::members::Members;
use crate::logistics::plan::{self, Inputs, Previous};
use crate::report;

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The assembly file.
    pub assembly: PathBuf,
    /// The output directory (written as a whole).
    pub out: PathBuf,
    /// Replace `out` if it exists.
    pub force: bool,
    /// The directory of the plan being revised.
    pub previous: Option<PathBuf>,
    /// With `previous`: the first session still to come.
    pub from: Option<String>,
    /// The calendars' issue time (RFC 3339); None: $SOURCE_DATE_EPOCH if
    /// set, else now.
    pub issued: Option<String>,
}

/// A plan and everything written from it.
#[derive(Debug)]
pub struct Planned {
    /// The whole plan directory.
    pub outputs: Outputs,
    /// plan-report.txt.
    pub text: String,
    /// Seconds seating, on the rota and on the programme.
    pub seconds: [f64; 3],
    /// Hard seating rules the plan could not meet and hard programme rules
    /// it breaks (named in the report).
    pub rules_unmet: usize,
}

fn issued(arg: &Option<String>) -> Result<DateTime<Utc>, Error> {
    if let Some(t) = arg {
        return DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| {
                Error::Usage(format!(
                    "the calendars' issue time \"{t}\" is not an RFC 3339 time such as 2027-02-01T12:00:00Z"
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

pub fn plan(options: &PlanOptions, progress: &dyn Fn(&str, f64)) -> Result<Planned, Error> {
    if options.from.is_some() && options.previous.is_none() {
        return Err(Error::Usage(
            "re-planning from a session needs the earlier plan's directory".into(),
        ));
    }
    dir::check_new_dir(&options.out, options.force)?;
    let issued = issued(&options.issued)?;
    let (assembly, base) = super::load_assembly(&options.assembly)?;
    let optional = |f: &Option<String>| -> Result<Option<Table>, Error> {
        f.as_ref()
            .map(|f| Table::read(&base.join(f)).map_err(Error::from))
            .transpose()
    };
    let members = Members::from_table(
        Table::read(&base.join(&assembly.files.members))?,
        assembly.seating.id_column.as_deref(),
    )?;
    let (previous, old_state) = match &options.previous {
        Some(dir) => {
            let files = dir::read_dir(dir)?;
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
        previous,
        from: options.from.clone(),
        progress,
    })?;
    let file = options
        .assembly
        .file_name()
        .map_or(String::new(), |f| f.to_string_lossy().into_owned());
    let mut report = report::plan::plan(&built, &file, options.from.as_deref());

    let mut out = Outputs::new_dir(options.out.clone(), options.force);
    // Held sessions' rows as the earlier plan wrote them.
    let kept = |file: &str, bytes: Vec<u8>| built.keep_held_rows(file, bytes);
    out.add(
        "seating.csv",
        kept("seating.csv", export::seating_csv(&built)),
    );
    out.add("rota.csv", kept("rota.csv", export::rota_csv(&built)));
    if let Some(prog) = &built.programme {
        out.add(
            "programme.csv",
            kept(
                "programme.csv",
                export::programme_csv(&built.programme_problem(), prog),
            ),
        );
    }
    out.add("schedule.csv", export::schedule_csv(&built));
    out.add("schedule-by-person.csv", export::pivot_csv(&built));
    let (calendars, state) = export::calendars(&built, issued, &old_state);
    let calendar_count = calendars.len();
    for (name, text) in calendars {
        out.add(format!("calendars/{name}"), text);
    }
    let state_json = serde_json::to_vec_pretty(&state)
        .map_err(|e| Error::Internal(format!("cannot encode the calendar state: {e}")))?;
    out.add("calendar-state.json", state_json);
    let pages = export::html(&built);
    let page_count = pages.len();
    for (name, text) in pages {
        out.add(format!("html/{name}"), text);
    }
    if let Some(prev) = &built.previous {
        let changes = built.changes(prev);
        let mut text = format!(
            "Changes from the earlier plan: {} people affected\n",
            changes.len()
        );
        for c in &changes {
            let _ = writeln!(text, "{c}");
        }
        let _ = writeln!(report, "\n{}", text.lines().next().unwrap_or(""));
        out.add("changes.txt", text);
    }
    let _ = writeln!(
        report,
        "\nWritten: {} calendars, {} HTML pages; seating seed \"{}\", rota seed \"{}\"",
        calendar_count, page_count, assembly.seating.seed, assembly.rota_seed
    );
    out.add("plan-report.txt", report.clone());
    out.add(
        "plan-report.html",
        crate::report::plan::plan_html(&built, &report),
    );
    let describe = |c: &crate::logistics::rules::Constraint| c.describe(&built.members);
    let rules_unmet =
        crate::logistics::seating::assess(&built.seating_problem, &built.seating, &describe)
            .unmet
            .len()
            + built.programme.as_ref().map_or(0, |prog| {
                crate::logistics::programme::assess(&built.programme_problem(), prog)
                    .broken
                    .len()
            });
    Ok(Planned {
        outputs: out,
        text: report,
        seconds: built.seconds,
        rules_unmet,
    })
}
