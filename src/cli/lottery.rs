//! `kleroterion lottery`: compute a fair uniform lottery and write its
//! audit bundle.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kleroterion::{Error, audit};

use super::organiser;
use super::{
    LotteryArgs, PoolArgs, describe_instance, progress_bar, publish_first_stage, show_progress,
};

/// Compute a fair lottery of m panels and write its audit bundle.
///
/// Computes the exact distribution (LEXIMIN by default), rounds it to a
/// uniform lottery of --panels panels (each drawn with probability 1/m) so
/// that every person's probability changes as little as possible and the
/// minimum falls by less than 1/m, and writes the audit bundle: a public
/// directory with no personal data (pseudonymous pool, quotas, lottery,
/// exact and lottery probabilities, manifest). Prints the COMMITMENT to
/// publish before the seed is fixed. The private directory (default:
/// BUNDLE-private) keeps the secret pseudonym key and the map back to ids;
/// keep it, and never publish it.
///
/// Next: `kleroterion draw BUNDLE --seed TEXT` once the seed is public;
/// reviewers run `kleroterion verify BUNDLE`.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct LotteryCmd {
    #[command(flatten)]
    pub inputs: PoolArgs,
    #[command(flatten)]
    pub lottery: LotteryArgs,
    /// Audit bundle directory to create (public; no personal data).
    #[arg(long, value_name = "DIR")]
    pub bundle: PathBuf,
    /// The organiser's private directory (default: BUNDLE-private).
    #[arg(long, value_name = "DIR")]
    pub private: Option<PathBuf>,
    /// File with the 32-byte secret pseudonym key in hex (default: the private directory's secret.key if present, else a new random key).
    #[arg(long, value_name = "FILE")]
    pub secret_key: Option<PathBuf>,
    /// Replace an existing bundle.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: LotteryCmd) -> Result<i32, Error> {
    let started = Instant::now();
    if args.bundle.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} already exists; nothing was written (use --force to replace it, or choose another directory)",
            args.bundle.display()
        )));
    }
    let instance = args.inputs.load()?;
    println!("{}\n", describe_instance(&instance));
    let options = args.lottery.options(started)?;
    let (private, secret) = organiser::private_and_secret(
        &args.bundle,
        args.private.as_deref(),
        args.secret_key.as_deref(),
    )?;
    let bar = progress_bar(args.lottery.quiet);
    let (built, names) = audit::first_stage(
        &instance,
        &secret,
        &options,
        &mut show_progress(&bar, options.optimise.objective),
    )?;
    bar.finish_and_clear();
    publish_first_stage(
        &built,
        &names,
        &args.inputs,
        &instance,
        &private,
        &secret,
        &args.bundle,
        args.force,
    )
}
