//! `kleroterion draw`: the public draw of a panel number.

use std::path::PathBuf;

use clap::Args;
use kleroterion::audit::{self, Bundle};
use kleroterion::bundle::DRAW_FILE;
use kleroterion::error::exit;
use kleroterion::{Error, output, store};

use super::organiser::{self, Private};

/// Draw the panel of a committed lottery from a public seed.
///
/// Panel number = 1 + a uniform integer below m from the ChaCha20 stream
/// keyed by SHA-256("kleroterion/lottery-draw/v1" ‖ 0x00 ‖ commitment ‖ 0x00 ‖
/// seed) (docs/draw-spec.md), so anyone can recompute it. Draws the first
/// stage of the bundle not drawn yet, records it in that stage's draw.json,
/// and prints the panel number and its pseudonymous members. When the
/// organiser's private directory is present, writes selected.csv (personal
/// data) and remaining.csv there. A stage is drawn once: the seed must be
/// fixed after the commitment is published.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct DrawArgs {
    /// The audit bundle directory.
    pub bundle: PathBuf,
    /// The public seed, fixed after the commitment was published (e.g. numbers drawn live, a beacon value).
    #[arg(long, value_name = "TEXT")]
    pub seed: String,
    /// The organiser's private directory (default: BUNDLE-private, used if present).
    #[arg(long, value_name = "DIR")]
    pub private: Option<PathBuf>,
}

pub fn run(args: DrawArgs) -> Result<i32, Error> {
    let files = store::read_dir(&args.bundle)?;
    let mut stages = audit::parse_all(&Bundle::from_files(&args.bundle, files))?;
    let Some(at) = stages.iter().position(|s| s.draw.is_none()) else {
        let last = stages.last().ok_or(Error::Usage("empty bundle".into()))?;
        let d = last.draw.as_ref().expect("all drawn");
        return Err(Error::Usage(format!(
            "every stage of {} is drawn already (stage {} drew panel {} with seed \"{}\"); for a replacement round run `kleroterion replace`",
            args.bundle.display(),
            last.stage,
            d.panel,
            d.seed
        )));
    };
    let stage = &stages[at];
    let record = audit::draw(stage, &args.seed);
    let path = stage.dir.join(DRAW_FILE);
    output::write_atomic(&path, &record.to_bytes())?;
    println!(
        "Stage {} (commitment {}), seed \"{}\": panel {} of {}",
        record.stage,
        record.commitment,
        record.seed,
        record.panel,
        stage.lottery.len()
    );
    println!(
        "{} {}: {}",
        if audit::is_replacement(stage) {
            "replacements"
        } else {
            "members"
        },
        record.members.len(),
        record.members.join(" ")
    );
    println!("\nwrote {}", path.display());
    stages[at].draw = Some(record);
    stages.truncate(at + 1);
    let private = args
        .private
        .clone()
        .unwrap_or_else(|| organiser::default_dir(&args.bundle));
    if private.join(organiser::SOURCE_FILE).exists() {
        for f in Private::open(&private)?.write_selection(&stages)? {
            println!("wrote {} (personal data: keep private)", f.display());
        }
    } else if args.private.is_some() {
        return Err(Error::Usage(format!(
            "{} is not a private directory written by `kleroterion lottery` (no {})",
            private.display(),
            organiser::SOURCE_FILE
        )));
    } else {
        println!(
            "(no private directory at {}: selected.csv with personal data not written)",
            private.display()
        );
    }
    Ok(exit::OK)
}
