//! `kleroterion verify`: check an audit bundle, for independent reviewers.

use std::path::PathBuf;

use clap::Args;
use kleroterion::Error;
use kleroterion::audit::CheckKind;
use kleroterion::error::exit;
use kleroterion::selection::optimise::Objective;
use kleroterion::steps::verify::{self, Verdict, VerifyOptions};

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
/// drawn panel number from the seed; and checks each stage's optimality
/// certificate in exact arithmetic (with --certificate, only that question
/// is asked and judged). With --resolve it also recomputes each
/// exact distribution from the pseudonymous pool (this takes as long as the
/// original computation), and checks that every lottery chance is within
/// the rounding's guaranteed bound of the exact one. Prints PASS, FAIL or
/// NOT CHECKED per check. Exit code 0 only when everything was checked and
/// passed: 9 when a check fails, 10 when none failed but something could
/// not be checked (no published commitment or seed given, no --resolve, a
/// sealed category without the auditor's key).
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
    /// Recompute every distribution and its rounding and require the same probabilities and lottery (takes about as long as making the lottery did).
    #[arg(long)]
    pub resolve: bool,
    /// Only whether the exact probabilities are provably the fairest the quotas allow: checks each stage's certificate.json in exact arithmetic (no solver, no seed or commitment needed) and reports that and any failure; exit 0 only when every stage's certificate holds.
    #[arg(long)]
    pub certificate: bool,
    /// The auditor's key (auditor.key from the organiser's private directory): opens sealed categories so that their quotas are checked too.
    #[arg(long, value_name = "FILE")]
    pub auditor_key: Option<PathBuf>,
    /// Also write the verification as a page (every check with its result and what it means) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Quiet: no progress bar, and only the verdict on the terminal.
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
            auditor_key: args.auditor_key.clone(),
            certificate_only: args.certificate,
        },
        &mut show_progress(&bar, Objective::Leximin),
    );
    bar.finish_and_clear();
    let verified = verified?;
    if args.quiet {
        outln!(
            "{}",
            verified.text.trim_end().lines().last().unwrap_or_default()
        );
    } else {
        out!("{}", verified.text);
    }
    if let Some(path) = &args.html {
        let mut page = kleroterion::steps::Outputs::into_dir(
            path.parent().map(PathBuf::from).unwrap_or_default(),
        );
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::Usage("the page needs a file name".into()))?;
        page.add(
            name,
            kleroterion::audit::page::verify_html(
                &args.bundle.display().to_string(),
                &verified.checks,
            ),
        );
        for f in page.write()? {
            outln!("wrote {}", f.display());
        }
    }
    let unchecked = verified.unchecked();
    let mut todo = Vec::new();
    for (kind, what) in [
        (
            CheckKind::Commitment,
            "give the published commitment of each stage (--commitment)",
        ),
        (
            CheckKind::Draw,
            "give the published seed of each drawn stage (--seed)",
        ),
        (CheckKind::Resolve, "recompute the lotteries (--resolve)"),
        // Only the certificates asked about: a stage with no proof is
        // covered by recomputing it.
        (
            CheckKind::Certificate,
            "recompute the lotteries (--resolve)",
        ),
        (
            CheckKind::Sealed,
            "as an auditor, give the auditor's key (--auditor-key)",
        ),
    ] {
        let given = match kind {
            CheckKind::Resolve => args.resolve,
            // Recomputing covers a stage with no proof of its own, not one
            // whose quotas are sealed (the auditor's key is the way then).
            CheckKind::Certificate => {
                !args.certificate || args.resolve || unchecked.contains(&CheckKind::Sealed)
            }
            CheckKind::Draw => !args.seed.is_empty(),
            CheckKind::Commitment => !args.commitment.is_empty(),
            _ => false,
        };
        if unchecked.contains(&kind) && !given && !todo.contains(&what) {
            todo.push(what);
        }
    }
    if !todo.is_empty() {
        outln!("To check the rest: {}.", todo.join("; "));
    }
    Ok(match verified.verdict() {
        Verdict::Verified => exit::OK,
        Verdict::Incomplete => exit::VERIFY_INCOMPLETE,
        Verdict::Failed => exit::VERIFY_FAILED,
    })
}
