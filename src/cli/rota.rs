//! `kleroterion rota`: facilitators for every table and round.

use std::path::PathBuf;

use clap::Args;
use kleroterion::Error;
use kleroterion::error::exit;
use kleroterion::steps::rota::{self, DEFAULT_EFFORT, RotaOptions};

use super::{QuietArg, SheetArgs, write_and_show};

/// Assign facilitators: one per table per round, a lead every round.
///
/// Reads a seating.csv (from `kleroterion seat`) and facilitators.csv
/// (id,role,rounds: role is lead, table or note-taker; rounds lists the
/// rounds they are available for, blank for all). Honours availability and
/// gives each table a table facilitator (and a note-taker while there are
/// enough), each round a lead, keeps loads within one session, avoids
/// three rounds in a row, and, while rounds do not outnumber tables, never
/// lets a member meet the same facilitator twice. Writes rota.csv
/// (round,table,role,facilitator) and rota-report.txt, which names every
/// goal not met, counts the tables above 7 members per facilitator (Involve: 7 desirable) and warns about those above 9 (essential).
#[derive(Debug, Args)]
#[command(long_about)]
pub struct RotaArgs {
    /// seating.csv written by `kleroterion seat`.
    #[arg(long, value_name = "CSV")]
    pub seating: PathBuf,
    /// Facilitators CSV: id,role,rounds.
    #[arg(long, value_name = "CSV")]
    pub facilitators: PathBuf,
    /// Seed text for the search.
    #[arg(long, value_name = "TEXT", default_value = "kleroterion rota")]
    pub seed: String,
    /// Search effort: swaps tried per table.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_EFFORT)]
    pub effort: usize,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub sheets: SheetArgs,
    #[command(flatten)]
    pub quiet: QuietArg,
}

pub fn run(args: RotaArgs) -> Result<i32, Error> {
    // A spinner with the time taken: these searches report no share.
    let bar = super::progress_bar(args.quiet.quiet);
    bar.set_message("assigning facilitators");
    let staffed = rota::rota(&RotaOptions {
        seating: args.seating.clone(),
        facilitators: args.facilitators.clone(),
        seed: args.seed.clone(),
        effort: args.effort,
        out: args.out.clone(),
    });
    bar.finish_and_clear();
    let mut staffed = staffed?;
    args.sheets.apply(&mut staffed.outputs, "rota.xlsx", &[])?;
    write_and_show(
        &staffed.outputs,
        if args.quiet.quiet { "" } else { &staffed.text },
    )?;
    Ok(exit::OK)
}
