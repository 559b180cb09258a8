//! `kleroterion programme`: the speaker programme alone.

use std::path::PathBuf;

use clap::Args;
use kleroterion::Error;
use kleroterion::error::exit;
use kleroterion::steps::programme::{self, ProgrammeOptions};

use super::{QuietArg, SheetArgs, write_and_show};

/// Place the speakers' contributions into the assembly's plenaries.
///
/// Reads the assembly file (sessions, topics and their order) and its
/// speakers file (id,name,topic,perspective,side,minutes,available). Hard:
/// no double booking, no session over its length, topic order and
/// availability. Soft, explained when unmet: every contribution placed; a
/// session with an advocate for one side also hears the other side or an
/// informant; per weekend and topic, each side's minutes within ±10% of
/// the sides' mean. Writes programme.csv and programme-report.txt.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct ProgrammeArgs {
    /// The assembly file (TOML).
    #[arg(value_name = "ASSEMBLY")]
    pub assembly: PathBuf,
    /// Speakers CSV (default: the assembly file's files.speakers).
    #[arg(long, value_name = "CSV")]
    pub speakers: Option<PathBuf>,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub sheets: SheetArgs,
    #[command(flatten)]
    pub quiet: QuietArg,
}

pub fn run(args: ProgrammeArgs) -> Result<i32, Error> {
    // A spinner with the time taken: these searches report no share.
    let bar = super::progress_bar(args.quiet.quiet);
    bar.set_message("placing the speakers");
    let done = programme::programme(&ProgrammeOptions {
        assembly: args.assembly.clone(),
        speakers: args.speakers.clone(),
        out: args.out.clone(),
    });
    bar.finish_and_clear();
    let mut done = done?;
    args.sheets
        .apply(&mut done.outputs, "programme.xlsx", &[])?;
    write_and_show(
        &done.outputs,
        if args.quiet.quiet { "" } else { &done.text },
    )?;
    Ok(if done.broken > 0 {
        exit::RULES_UNMET
    } else {
        exit::OK
    })
}
