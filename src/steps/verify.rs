//! Verify: every reviewer check of an audit bundle, from the bundle alone.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::audit::private;
use crate::audit::seed::printable;
use crate::audit::{self, Bundle, Check, CheckKind, Status, VerifyOptions as Protocol};
use crate::error::Error;
use crate::files::dir;
use crate::selection::optimise::Progress;
use crate::solver::Settings;

/// What to verify against.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub bundle: PathBuf,
    /// The published seed of each stage, in order, as people typed them.
    pub seeds: Vec<String>,
    /// The published commitment of each stage, in order.
    pub commitments: Vec<String>,
    /// Recompute every distribution and its rounding.
    pub resolve: bool,
    /// An auditor's key file (opens sealed categories).
    pub auditor_key: Option<PathBuf>,
    /// Only the optimality question: report the checks the certificates
    /// rest on (the files, the probabilities, each stage's certificate) and
    /// any check that failed, and judge the bundle by those alone.
    pub certificate_only: bool,
}

/// The kinds `certificate_only` keeps: what a certificate's check needs
/// read and agreed (sealed categories: whether their quotas could be
/// opened), and the check itself.
const CERTIFICATE_KINDS: [CheckKind; 6] = [
    CheckKind::Files,
    CheckKind::Readable,
    CheckKind::Sealed,
    CheckKind::Probabilities,
    CheckKind::Certificate,
    CheckKind::Resolve,
];

/// The verdict on a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed and nothing was left unchecked.
    Verified,
    /// No check failed, but some could not be made (they say what would
    /// make them).
    Incomplete,
    Failed,
}

/// The checks and their verdict.
#[derive(Debug)]
pub struct Verified {
    pub checks: Vec<Check>,
    /// One line per check, then the verdict.
    pub text: String,
}

impl Verified {
    pub fn verdict(&self) -> Verdict {
        if self.checks.iter().any(|c| c.status == Status::Fail) {
            Verdict::Failed
        } else if self.checks.iter().any(|c| c.status == Status::Unverified) {
            Verdict::Incomplete
        } else {
            Verdict::Verified
        }
    }

    /// The kinds of check that could not be made.
    pub fn unchecked(&self) -> Vec<CheckKind> {
        let mut kinds: Vec<CheckKind> = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Unverified)
            .map(|c| c.kind)
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// Runs every check on the bundle.
pub fn verify(
    options: &VerifyOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Verified, Error> {
    // An invitation bundle (stage one) has its own checks; its address
    // list can be large, so it is streamed rather than read whole.
    let invitation = crate::invite::verify::is_invitation_bundle(&options.bundle);
    let checks = if invitation {
        let published = crate::invite::verify::Published {
            seeds: options.seeds.clone(),
            commitments: options.commitments.clone(),
        };
        crate::invite::verify::verify(&options.bundle, &published, threads())
    } else {
        let auditor = options
            .auditor_key
            .as_deref()
            .map(private::read_auditor_key)
            .transpose()?;
        let files = dir::read_dir(&options.bundle)?;
        let bundle = Bundle::from_files(&options.bundle, files);
        let protocol = Protocol {
            seeds: options.seeds.clone(),
            commitments: options.commitments.clone(),
            resolve: options.resolve,
            auditor,
            settings: Settings::default(),
        };
        audit::verify(&bundle, &protocol, progress)
    };
    let checks = if options.certificate_only {
        certificate_checks(checks, invitation, options.resolve)
    } else {
        checks
    };
    let unit = if invitation { "round" } else { "stage" };
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let (failed, unverified) = (count(Status::Fail), count(Status::Unverified));
    let mut text = String::new();
    for c in &checks {
        // Bundle text can hold anything: print it so that it cannot
        // rewrite the screen (a fake "verified" line, say).
        let _ = writeln!(
            text,
            "{} {unit} {} {} ({}): {}",
            c.status.word(),
            c.stage,
            c.kind,
            printable(&c.file.display().to_string()),
            printable(&c.detail).replace('\n', " ")
        );
    }
    let stages = checks
        .iter()
        .map(|c| c.stage)
        .max()
        .map_or(0, |s| if invitation { s } else { s + 1 });
    if failed > 0 {
        let _ = writeln!(text, "\nFAILED: {failed} of {} checks", checks.len());
    } else if unverified > 0 {
        let _ = writeln!(
            text,
            "\nNOT VERIFIED: nothing failed, but {unverified} of {} checks could not be made (NOT CHECKED above)",
            checks.len()
        );
    } else {
        let _ = writeln!(
            text,
            "\nverified: all {} checks passed over {stages} {unit}(s)",
            checks.len()
        );
    }
    Ok(Verified { checks, text })
}

/// The checks `certificate_only` keeps. A failed check of any kind stays
/// (a focused question must not hide a broken bundle), and a bundle with no
/// certificate to check (an invitation bundle, or one whose certificates
/// could not be reached) says so rather than passing on nothing.
fn certificate_checks(checks: Vec<Check>, invitation: bool, resolve: bool) -> Vec<Check> {
    let mut kept: Vec<Check> = checks
        .into_iter()
        .filter(|c| {
            c.status == Status::Fail
                || (CERTIFICATE_KINDS.contains(&c.kind)
                    && (resolve || c.kind != CheckKind::Resolve))
        })
        .collect();
    if invitation {
        kept.push(Check {
            stage: 0,
            kind: CheckKind::Files,
            file: PathBuf::new(),
            status: Status::Unverified,
            detail: "an invitation bundle draws addresses, not a panel, so it has no optimality certificate: verify it without the certificate question".into(),
        });
    } else if !kept.iter().any(|c| c.kind == CheckKind::Certificate) {
        kept.push(Check {
            stage: 0,
            kind: CheckKind::Certificate,
            file: PathBuf::from("certificate.json"),
            status: Status::Fail,
            detail: "no stage's certificate could be checked (see the failures above)".into(),
        });
    }
    kept
}

/// Threads for the checks that hash every address: the machine's, at
/// most 8.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}
