//! `kleroterion draw`: the public draw of a panel number.

use std::path::PathBuf;

use clap::Args;
use kleroterion::Error;
use kleroterion::error::exit;
use kleroterion::steps::draw::{self, DrawOptions, PrivateFiles};

use super::print_warnings;

/// Draw the panel of a committed lottery from a public seed.
///
/// The seed is put in its canonical form by the seed rule the stage
/// committed to (e.g. "03, 17 + 5" under `numbers` is "3 17 5"); panel
/// number = 1 + a uniform integer below m from the ChaCha20 stream keyed by
/// SHA-256("kleroterion/lottery-draw/v1" ‖ 0x00 ‖ commitment ‖ 0x00 ‖
/// canonical seed) (docs/draw-spec.md), so anyone can recompute it. Refuses
/// a bundle whose files changed since their commitment. Draws the first
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
    /// The public seed as announced, fixed after the commitment was published (e.g. the lottery numbers drawn, a beacon value); it must fit the committed seed rule.
    #[arg(long, value_name = "TEXT")]
    pub seed: String,
    /// The commitment published for the stage drawn (compared with the files before drawing).
    #[arg(long, value_name = "HEX")]
    pub commitment: Option<String>,
    /// The organiser's private directory (default: BUNDLE-private, used if present).
    #[arg(long, value_name = "DIR")]
    pub private: Option<PathBuf>,
    /// Quiet: only the panel number and the files written, not its members.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// For the private selected.csv and remaining.csv.
    #[command(flatten)]
    pub sheets: super::SheetArgs,
}

pub fn run(args: DrawArgs) -> Result<i32, Error> {
    let drawn = draw::draw(&DrawOptions {
        bundle: args.bundle.clone(),
        seed: args.seed.clone(),
        commitment: args.commitment.clone(),
        private: args.private.clone(),
    })?;
    let record = drawn.record.write()?;
    if args.quiet {
        outln!("{}", drawn.text.lines().next().unwrap_or_default());
    } else {
        out!("{}", drawn.text);
    }
    for f in record {
        outln!("\nwrote {}", f.display());
    }
    print_warnings(&drawn.warnings);
    match &drawn.private {
        PrivateFiles::Written(files) => {
            let mut files = files.clone();
            args.sheets.apply(&mut files, "panel.xlsx", &[])?;
            for f in files.write()? {
                outln!("wrote {} (personal data: keep private)", f.display());
            }
        }
        PrivateFiles::Absent(dir) => outln!(
            "(no private directory at {}: selected.csv with personal data not written)",
            dir.display()
        ),
    }
    Ok(exit::OK)
}
