//! `kleroterion verify`: check an audit bundle, for independent reviewers.

use std::path::PathBuf;

use clap::Args;
use kleroterion::audit::{self, Bundle, VerifyOptions};
use kleroterion::error::exit;
use kleroterion::optimise::Objective;
use kleroterion::{Error, store};

use super::{progress_bar, show_progress};

/// Check an audit bundle: commitment, quotas, households, probabilities, draw.
///
/// Needs only the bundle (no personal data). Per stage (the first draw, then
/// each replacement round in order) it recomputes the commitment and
/// compares it with --commitment; checks that every lottery panel has
/// exactly k distinct members, meets every quota and the household rule;
/// recounts every person's lottery probability and the summary figures;
/// checks that the minimum fell by less than 1/m; that a replacement round's
/// pool, quotas and size follow from the earlier stages; and recomputes the
/// drawn panel number from the seed. With --resolve it also recomputes each
/// exact distribution from the pseudonymous pool (this takes as long as the
/// original computation). Prints PASS or FAIL per check; exit code 9 when
/// any check fails.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct VerifyArgs {
    /// The audit bundle directory.
    pub bundle: PathBuf,
    /// The published seed of each stage, in order (repeat for replacement rounds).
    #[arg(long, value_name = "TEXT")]
    pub seed: Vec<String>,
    /// The published commitment of each stage, in order (repeat for replacement rounds).
    #[arg(long, value_name = "HEX")]
    pub commitment: Vec<String>,
    /// Recompute every exact distribution and compare the probabilities.
    #[arg(long)]
    pub resolve: bool,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

pub fn run(args: VerifyArgs) -> Result<i32, Error> {
    let files = store::read_dir(&args.bundle)?;
    let bundle = Bundle::from_files(&args.bundle, files);
    let options = VerifyOptions {
        seeds: args.seed.clone(),
        commitments: args.commitment.clone(),
        resolve: args.resolve,
        settings: kleroterion::solver::Settings::default(),
    };
    let bar = progress_bar(args.quiet || !args.resolve);
    let checks = audit::verify(
        &bundle,
        &options,
        &mut show_progress(&bar, Objective::Leximin),
    );
    bar.finish_and_clear();
    let failed = checks.iter().filter(|c| !c.passed).count();
    for c in &checks {
        println!(
            "{} stage {} {} ({}): {}",
            if c.passed { "PASS" } else { "FAIL" },
            c.stage,
            c.name,
            c.file.display(),
            c.detail
        );
    }
    let stages = checks.iter().map(|c| c.stage).max().map_or(0, |s| s + 1);
    if failed == 0 {
        println!(
            "\nverified: all {} checks passed over {stages} stage(s)",
            checks.len()
        );
        Ok(exit::OK)
    } else {
        println!("\nFAILED: {failed} of {} checks", checks.len());
        Ok(exit::VERIFY_FAILED)
    }
}
