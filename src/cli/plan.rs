//! `kleroterion plan`: seating, rota and programme from the assembly file,
//! with every export; re-planning with past sessions kept.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kleroterion::Error;
use kleroterion::error::exit;
use kleroterion::steps::plan::{self, PlanOptions};

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
    #[command(flatten)]
    pub sheets: super::SheetArgs,
    #[command(flatten)]
    pub quiet: super::QuietArg,
}

pub fn run(args: PlanArgs) -> Result<i32, Error> {
    let started = Instant::now();
    let bar = super::progress_bar(args.quiet.quiet);
    let share = super::show_share(&bar);
    let planned = plan::plan(
        &PlanOptions {
            assembly: args.assembly.clone(),
            out: args.out.clone(),
            force: args.force,
            previous: args.previous.clone(),
            from: args.from.clone(),
            issued: args.issued.clone(),
        },
        &share,
    );
    bar.finish_and_clear();
    let mut planned = planned?;
    args.sheets.apply(&mut planned.outputs, "plan.xlsx", &[])?;
    planned.outputs.write()?;
    if !args.quiet.quiet {
        out!("{}", planned.text);
        let [seat, rota, programme] = planned.seconds;
        outln!(
            "Time: {:.1} s (seating {seat:.1} s, rota {rota:.1} s, programme {programme:.1} s)\n",
            started.elapsed().as_secs_f64()
        );
    }
    outln!("wrote {}", args.out.display());
    Ok(if planned.rules_unmet > 0 {
        exit::RULES_UNMET
    } else {
        exit::OK
    })
}
