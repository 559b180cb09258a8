//! Verify: every reviewer check of an audit bundle, from the bundle alone.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::audit::{self, Bundle, Check, VerifyOptions as Protocol};
use crate::error::Error;
use crate::files::dir;
use crate::selection::optimise::Progress;
use crate::solver::Settings;

/// What to verify against.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub bundle: PathBuf,
    /// The published seed of each stage, in order.
    pub seeds: Vec<String>,
    /// The published commitment of each stage, in order.
    pub commitments: Vec<String>,
    /// Recompute every exact distribution.
    pub resolve: bool,
}

/// The checks and their verdict.
#[derive(Debug)]
pub struct Verified {
    pub checks: Vec<Check>,
    /// One line per check, then the verdict.
    pub text: String,
}

impl Verified {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

/// Runs every check on the bundle.
pub fn verify(
    options: &VerifyOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Verified, Error> {
    let files = dir::read_dir(&options.bundle)?;
    let bundle = Bundle::from_files(&options.bundle, files);
    let protocol = Protocol {
        seeds: options.seeds.clone(),
        commitments: options.commitments.clone(),
        resolve: options.resolve,
        settings: Settings::default(),
    };
    let checks = audit::verify(&bundle, &protocol, progress);
    let failed = checks.iter().filter(|c| !c.passed).count();
    let mut text = String::new();
    for c in &checks {
        let _ = writeln!(
            text,
            "{} stage {} {} ({}): {}",
            if c.passed { "PASS" } else { "FAIL" },
            c.stage,
            c.kind,
            c.file.display(),
            c.detail
        );
    }
    let stages = checks.iter().map(|c| c.stage).max().map_or(0, |s| s + 1);
    if failed == 0 {
        let _ = writeln!(
            text,
            "\nverified: all {} checks passed over {stages} stage(s)",
            checks.len()
        );
    } else {
        let _ = writeln!(text, "\nFAILED: {failed} of {} checks", checks.len());
    }
    Ok(Verified { checks, text })
}
