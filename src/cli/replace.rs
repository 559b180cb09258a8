//! `kleroterion replace`: a fair, committed replacement round.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kleroterion::audit::{self, Bundle};
use kleroterion::error::exit;
use kleroterion::{Error, store};

use super::organiser::{self, Private};
use super::{LotteryArgs, print_stage, progress_bar, show_progress};

/// Start a replacement round: a new fair lottery for the withdrawn seats.
///
/// Everyone on the current panel who is not --withdrawn is held. The round's
/// quotas are max(0, min − held) .. max − held per value, its panel size is
/// k − held, and its pool is everyone not on the panel, never withdrawn,
/// and not a housemate of someone held. The round gets its own LEXIMIN
/// lottery, commitment (chained to the previous stage's) and seed; it is
/// written to BUNDLE/replacement-N/ and drawn with `kleroterion draw`.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct ReplaceArgs {
    /// The audit bundle directory (every stage drawn).
    pub bundle: PathBuf,
    /// Panel members who withdrew: ids (mapped with the private directory) or pseudonyms.
    #[arg(long, value_name = "ID,ID,...", value_delimiter = ',', required = true)]
    pub withdrawn: Vec<String>,
    /// If the round's quotas cannot be met, apply the smallest relaxation (recorded in the manifest; `verify` re-checks that it was needed and smallest).
    #[arg(long)]
    pub relax: bool,
    /// The organiser's private directory (default: BUNDLE-private, used if present).
    #[arg(long, value_name = "DIR")]
    pub private: Option<PathBuf>,
    #[command(flatten)]
    pub lottery: LotteryArgs,
}

pub fn run(args: ReplaceArgs) -> Result<i32, Error> {
    let started = Instant::now();
    let options = args.lottery.options(started)?;
    let files = store::read_dir(&args.bundle)?;
    let stages = audit::parse_all(&Bundle::from_files(&args.bundle, files))?;
    let known = stages
        .first()
        .ok_or(Error::Usage("empty bundle".into()))?
        .index();
    let private_dir = args
        .private
        .clone()
        .unwrap_or_else(|| organiser::default_dir(&args.bundle));
    let private = if private_dir.join(organiser::SOURCE_FILE).exists() {
        Some(Private::open(&private_dir)?)
    } else {
        None
    };
    let mut withdrawn = Vec::new();
    for raw in &args.withdrawn {
        let id = raw.trim();
        if known.contains_key(id) {
            withdrawn.push(id.to_string());
            continue;
        }
        let Some(p) = &private else {
            return Err(Error::Usage(format!(
                "\"{id}\" is not a pseudonym of the bundle, and there is no private directory at {} to map ids",
                private_dir.display()
            )));
        };
        let name = p.secret.pseudonym(id);
        if !known.contains_key(name.as_str()) {
            return Err(Error::Usage(format!(
                "\"{id}\" is neither an id of {} nor a pseudonym of the bundle",
                p.source.respondents.display()
            )));
        }
        withdrawn.push(name);
    }
    let bar = progress_bar(args.lottery.quiet);
    let built = audit::replacement_stage(
        &stages,
        &withdrawn,
        args.relax,
        &options,
        &mut show_progress(&bar, options.optimise.objective),
    )?;
    bar.finish_and_clear();
    let dir = args
        .bundle
        .join(kleroterion::bundle::stage_dir(built.manifest.stage));
    println!(
        "Replacement round {}: {} held, {} withdrawn, {} seats to fill from {} people.",
        built.manifest.stage,
        built.manifest.held.len(),
        built.manifest.withdrawn.len(),
        built.manifest.panel_size,
        built.manifest.people
    );
    for r in &built.manifest.relaxed {
        println!("  relaxed (needed): {r}");
    }
    println!();
    store::write_new_dir(&dir, &built.files, false)?;
    print_stage(&built, &args.bundle, &dir);
    if built.made.computed.complete {
        Ok(exit::OK)
    } else {
        Ok(exit::TIME_LIMIT)
    }
}
