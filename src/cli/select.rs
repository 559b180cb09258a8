//! `kleroterion select`: compute a fair distribution and draw a panel.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use kleroterion::error::exit;
use kleroterion::selection::legacy;
use kleroterion::selection::optimise::{Gamma, Objective};
use kleroterion::steps::select::{self, SelectOptions};
use kleroterion::{Error, steps};

use super::{PoolArgs, SheetArgs, print_warnings, progress_bar, show_progress, write_and_show};

/// The selection algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// Maximise the lowest selection probability, then the next lowest, and so on (Flanigan et al. 2021).
    Leximin,
    /// Maximise the lowest selection probability (certified); above it, the LEXIMIN distribution when the relaxation reaches it.
    Maximin,
    /// Maximise the product of selection probabilities (Σ log π).
    Nash,
    /// Keep every selection probability close to k/n from both sides: minimise highest/(k/n) + gamma × (k/n)/lowest (Baharav and Flanigan 2024).
    Goldilocks,
    /// The Sortition Foundation's original greedy draw (meets quotas, not fair; no probabilities).
    Legacy,
}

/// Draw a panel that meets every quota and the household rule.
///
/// The optimising algorithms (leximin, the default; maximin; nash;
/// goldilocks) compute a
/// probability distribution over quota-satisfying panels and every
/// volunteer's exact selection probability, check it, and draw one panel
/// from it. The draw is seeded: the same inputs, options and --seed give
/// byte-identical outputs.
///
/// Writes under --out: selected.csv (the panel, id column first),
/// remaining.csv (everyone else, minus the selected people's housemates)
/// explanations.csv (every volunteer's chance and why; private), report.txt
/// and report.html (charts and explanations, no personal data) and, for the
/// optimising algorithms, probabilities.csv, distribution.csv and
/// certificate.json.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct SelectArgs {
    #[command(flatten)]
    pub inputs: PoolArgs,
    #[command(flatten)]
    pub invitations: super::InvitationArgs,
    /// Seed text (any string, e.g. numbers drawn in public); the ChaCha20 key is SHA-256 of it (docs/draw-spec.md).
    #[arg(long, value_name = "TEXT")]
    pub seed: String,
    /// Selection algorithm.
    #[arg(long, value_enum, default_value_t = Algorithm::Leximin)]
    pub algorithm: Algorithm,
    /// Output directory (created if missing; files in it are replaced atomically).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Stop the optimisation after this many seconds with the best certified distribution so far (exit code 8).
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// Quiet: no progress bar, and a few summary lines instead of the whole report.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Also estimate LEGACY's chances from this many seeded LEGACY draws and show them beside the algorithm's in report.html (the comparison of Flanigan et al. 2021).
    #[arg(long, value_name = "N")]
    pub compare_legacy: Option<u32>,
    #[command(flatten)]
    pub sheets: SheetArgs,
    /// GOLDILOCKS: weight of the lowest chance's shortfall against the highest chance's excess.
    #[arg(long, value_name = "G", default_value_t = 1.0)]
    pub gamma: f64,
    /// LEGACY: restarts allowed after dead ends before giving up.
    #[arg(long, value_name = "N", default_value_t = legacy::DEFAULT_ATTEMPTS)]
    pub max_attempts: u32,
}

pub fn run(args: SelectArgs) -> Result<i32, Error> {
    let started = Instant::now();
    let instance = args.inputs.load()?;
    if !args.quiet {
        outln!("{}\n", steps::describe_instance(&instance));
    }
    let algorithm = match args.algorithm {
        Algorithm::Legacy => select::Algorithm::Legacy,
        Algorithm::Leximin => select::Algorithm::Fair(Objective::Leximin),
        Algorithm::Maximin => select::Algorithm::Fair(Objective::Maximin),
        Algorithm::Nash => select::Algorithm::Fair(Objective::Nash),
        Algorithm::Goldilocks => select::Algorithm::Fair(Objective::Goldilocks(Gamma(args.gamma))),
    };
    let options = SelectOptions {
        algorithm,
        seed: args.seed.clone(),
        time_limit: args.time_limit,
        max_attempts: args.max_attempts,
        compare_legacy: args.compare_legacy,
        out: args.out.clone(),
        started,
        cancel: Default::default(),
        invitations: args.invitations.invitations(),
    };
    let bar = progress_bar(args.quiet || algorithm == select::Algorithm::Legacy);
    let objective = match algorithm {
        select::Algorithm::Fair(o) => o,
        select::Algorithm::Legacy => Objective::Leximin,
    };
    let selected = select::select(&instance, &options, &mut show_progress(&bar, objective));
    bar.finish_and_clear();
    let mut selected = selected?;
    // distribution.csv can be large and is for checking, not reading.
    args.sheets.apply(
        &mut selected.outputs,
        "selection.xlsx",
        &["distribution.csv"],
    )?;
    write_and_show(
        &selected.outputs,
        if args.quiet {
            &selected.summary
        } else {
            &selected.text
        },
    )?;
    print_warnings(&selected.warnings);
    Ok(if selected.complete {
        exit::OK
    } else {
        exit::TIME_LIMIT
    })
}
