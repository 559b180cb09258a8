//! `kleroterion seat`: table seatings for the deliberation rounds.

use std::path::PathBuf;

use clap::Args;
use kleroterion::Error;
use kleroterion::error::exit;
use kleroterion::logistics::seating;
use kleroterion::steps::seat::{self, SeatOptions};

use super::{QuietArg, SheetArgs, progress_bar, show_share, write_and_show};

/// Seat the members at tables for each deliberation round.
///
/// Every round splits the members present into ⌈n / --table-size⌉ tables of
/// near-equal size. Hard rules come from --constraints (apart, together,
/// pin, absent). The plan keeps every (round, table, value) count of each
/// --balance column within ⌊q⌋..⌈q⌉ (q = table size × the value's share),
/// makes as many different pairs meet as possible, and no pair meet more
/// than twice, as far as the rules allow. Deterministic for a given --seed.
///
/// Writes seating.csv (round,table,id; one row per member per round) and
/// seating-report.txt (pairs met against the bound, meetings per pair,
/// cells in band, largest deviation, every unmet rule). Re-planning:
/// --previous with the earlier seating.csv and --fixed-rounds for the rounds
/// already held; later rounds change as little as the new situation allows.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct SeatArgs {
    /// Members CSV (e.g. the selected.csv of a draw).
    #[arg(long, value_name = "CSV")]
    pub members: PathBuf,
    /// The members' id column (default: auto-detected like the pool's; else row numbers).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Members per table (tables are near-equal: 110 at 8 gives 12 × 8 + 2 × 7).
    #[arg(long, value_name = "N")]
    pub table_size: usize,
    /// Number of deliberation rounds.
    #[arg(long, value_name = "R")]
    pub rounds: usize,
    /// Columns whose values every table should mirror.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub balance: Vec<String>,
    /// Constraints CSV: kind,members,table,rounds (kind: apart, together, pin, absent).
    #[arg(long, value_name = "CSV")]
    pub constraints: Option<PathBuf>,
    /// Seed text for the search (same inputs and seed give the same plan).
    #[arg(long, value_name = "TEXT", default_value = "kleroterion seating")]
    pub seed: String,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub sheets: SheetArgs,
    #[command(flatten)]
    pub quiet: QuietArg,
    /// Search effort: swaps tried per member per round.
    #[arg(long, value_name = "N", default_value_t = seating::DEFAULT_EFFORT)]
    pub effort: usize,
    /// An earlier seating.csv to revise (withdrawn members dropped, new members added).
    #[arg(long, value_name = "CSV")]
    pub previous: Option<PathBuf>,
    /// With --previous: keep this many first rounds exactly as they were.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fixed_rounds: usize,
}

pub fn run(args: SeatArgs) -> Result<i32, Error> {
    let bar = progress_bar(args.quiet.quiet);
    let share = show_share(&bar);
    let seated = seat::seat(
        &SeatOptions {
            members: args.members.clone(),
            id_column: args.id_column.clone(),
            table_size: args.table_size,
            rounds: args.rounds,
            balance: args.balance.clone(),
            constraints: args.constraints.clone(),
            seed: args.seed.clone(),
            effort: args.effort,
            previous: args.previous.clone(),
            fixed_rounds: args.fixed_rounds,
            out: args.out.clone(),
        },
        &|f| share("seating", f),
    );
    bar.finish_and_clear();
    let mut seated = seated?;
    let text = if args.quiet.quiet {
        String::new()
    } else {
        format!("{}Time: {:.1} s\n", seated.text, seated.seconds)
    };
    args.sheets
        .apply(&mut seated.outputs, "seating.xlsx", &[])?;
    write_and_show(&seated.outputs, &text)?;
    Ok(if seated.rules_unmet > 0 {
        exit::RULES_UNMET
    } else {
        exit::OK
    })
}
