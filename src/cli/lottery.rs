//! `kleroterion lottery`: compute a fair uniform lottery and write its
//! audit bundle.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kleroterion::steps::lottery::{self, NewBundle};
use kleroterion::{Error, steps};

use super::{LotteryArgs, PoolArgs, progress_bar, publish, show_progress};

/// Compute a fair lottery of m panels and write its audit bundle.
///
/// Computes the exact distribution (LEXIMIN by default), rounds it to a
/// uniform lottery of --panels panels (each drawn with probability 1/m) so
/// that every person's probability changes as little as possible and the
/// minimum falls by less than 1/m, and writes the audit bundle: a public
/// directory with no personal data (pseudonymous pool, quotas, lottery,
/// exact and lottery probabilities, manifest with the seed rule and what
/// the bundle reveals). Prints the COMMITMENT and the SEED RULE to publish
/// before the seed exists: the rule (--seed-format, --seed-count,
/// --seed-source) fixes how the seed will be written, so nobody can pick a
/// spelling after the event. The private directory (default:
/// BUNDLE-private) keeps the secret pseudonym key, the map back to ids and
/// auditor.key (for an auditor of sealed categories); keep it, and never
/// publish it.
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
    let target = NewBundle {
        bundle: args.bundle.clone(),
        private: args.private.clone(),
        secret_key: args.secret_key.clone(),
        force: args.force,
    };
    // Refused before the pool is read; the step checks again, for front-ends
    // that call it directly.
    target.check_free()?;
    let instance = args.inputs.load()?;
    outln!("{}\n", steps::describe_instance(&instance));
    let settings = args.lottery.settings(started)?;
    let bar = progress_bar(args.lottery.quiet);
    let published = lottery::lottery(
        &instance,
        &args.inputs.files(),
        &settings,
        &target,
        &mut show_progress(&bar, settings.algorithm),
    );
    bar.finish_and_clear();
    publish(&published?)
}
