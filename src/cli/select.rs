//! `kleroterion select`: draw a panel.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use kleroterion::error::exit;
use kleroterion::rng::{DrawRng, LEGACY_DOMAIN};
use kleroterion::{Error, legacy, output, report};

use super::{PoolArgs, describe_instance};

/// The selection algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// The Sortition Foundation's original greedy draw (meets quotas, not fair).
    Legacy,
}

/// Draw a panel that meets every quota and the household rule.
///
/// The draw is seeded: the same inputs, options and --seed give byte-identical
/// outputs. Writes selected.csv (the panel, id column first) and remaining.csv
/// (everyone else, minus the selected people's housemates) under --out.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct SelectArgs {
    #[command(flatten)]
    pub inputs: PoolArgs,
    /// Seed text (any string, e.g. numbers drawn in public); the ChaCha20 key is SHA-256 of it (docs/draw-spec.md).
    #[arg(long, value_name = "TEXT")]
    pub seed: String,
    /// Selection algorithm.
    #[arg(long, value_enum, default_value_t = Algorithm::Legacy)]
    pub algorithm: Algorithm,
    /// Output directory (created if missing; files in it are replaced atomically).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// LEGACY: restarts allowed after dead ends before giving up.
    #[arg(long, value_name = "N", default_value_t = legacy::DEFAULT_ATTEMPTS)]
    pub max_attempts: u32,
}

pub fn run(args: SelectArgs) -> Result<i32, Error> {
    let instance = args.inputs.load()?;
    println!("{}\n", describe_instance(&instance));
    let quick = instance.quick_infeasibility();
    if !quick.is_empty() {
        return Err(Error::Infeasible(format!(
            "the quotas cannot be met:\n  {}\n  what to do: run `kleroterion check` for the smallest relaxation",
            quick.join("\n  ")
        )));
    }
    let (panel, detail) = match args.algorithm {
        Algorithm::Legacy => {
            let mut rng = DrawRng::new(LEGACY_DOMAIN, &args.seed);
            let d = legacy::draw(&instance, &mut rng, args.max_attempts)?;
            (
                d.panel,
                format!("LEGACY, seed \"{}\", attempt {}", args.seed, d.attempt),
            )
        }
    };
    let violations = panel.violations(&instance);
    if !violations.is_empty() {
        return Err(Error::Solver(format!(
            "internal check failed, nothing written: the drawn panel breaks {}",
            violations.join("; ")
        )));
    }
    let files = output::write_panel_files(&instance, &panel, &args.out)?;
    println!(
        "Drew a panel of {} ({detail}); every quota{} checked.\n",
        panel.len(),
        if instance.households.columns.is_empty() {
            ""
        } else {
            " and the household rule"
        }
    );
    print!(
        "{}",
        report::composition(&instance, Some(&panel.value_counts(&instance)))
    );
    println!();
    for f in files {
        println!("wrote {}", f.display());
    }
    Ok(exit::OK)
}
