//! `kleroterion verify`: check an audit bundle, for independent reviewers.

use std::path::PathBuf;

use clap::Args;
use kleroterion::Error;
use kleroterion::error::exit;
use kleroterion::selection::optimise::Objective;
use kleroterion::steps::verify::{self, VerifyOptions};

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
    let bar = progress_bar(args.quiet || !args.resolve);
    let verified = verify::verify(
        &VerifyOptions {
            bundle: args.bundle.clone(),
            seeds: args.seed.clone(),
            commitments: args.commitment.clone(),
            resolve: args.resolve,
        },
        &mut show_progress(&bar, Objective::Leximin),
    );
    bar.finish_and_clear();
    let verified = verified?;
    print!("{}", verified.text);
    Ok(if verified.passed() {
        exit::OK
    } else {
        exit::VERIFY_FAILED
    })
}
