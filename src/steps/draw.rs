//! Draw: the public draw of a committed stage's panel number from a seed,
//! and, with the organiser's private directory, the panel's personal data.

use std::path::PathBuf;

use crate::audit::bundle::DRAW_FILE;
use crate::audit::private::{self, Private};
use crate::audit::{self, Bundle};
use crate::error::{Error, Warning};
use crate::files::dir::{self, Outputs};

/// What to draw.
#[derive(Debug, Clone)]
pub struct DrawOptions {
    pub bundle: PathBuf,
    /// The public seed, fixed after the commitment was published.
    pub seed: String,
    /// The organiser's private directory (None: BUNDLE-private, if present).
    pub private: Option<PathBuf>,
}

/// What a draw writes with personal data.
#[derive(Debug)]
pub enum PrivateFiles {
    /// selected.csv, remaining.csv (and replacements.csv) into the
    /// private directory.
    Written(Outputs),
    /// No private directory here: nothing with personal data is written.
    Absent(PathBuf),
}

/// A drawn stage.
#[derive(Debug)]
pub struct Drawn {
    /// What to tell the user: the panel number and its members'
    /// pseudonyms.
    pub text: String,
    /// draw.json into the stage's directory.
    pub record: Outputs,
    /// The panel's personal data, or where the private directory was
    /// looked for.
    pub private: PrivateFiles,
    pub warnings: Vec<Warning>,
}

/// Draws the first stage of the bundle not drawn yet.
pub fn draw(options: &DrawOptions) -> Result<Drawn, Error> {
    let files = dir::read_dir(&options.bundle)?;
    let mut stages = audit::parse_all(&Bundle::from_files(&options.bundle, files))?;
    let Some(at) = stages.iter().position(|s| s.draw.is_none()) else {
        let last = stages.last().ok_or(Error::Usage("empty bundle".into()))?;
        let Some(d) = last.draw.as_ref() else {
            return Err(Error::Internal("a stage is neither drawn nor not".into()));
        };
        return Err(Error::Usage(format!(
            "every stage of {} is drawn already (stage {} drew panel {} with seed \"{}\"); for a replacement round run `kleroterion replace`",
            options.bundle.display(),
            last.stage,
            d.panel,
            d.seed
        )));
    };
    let stage = &stages[at];
    let record = audit::draw(stage, &options.seed);
    let mut written = Outputs::into_dir(stage.dir.clone());
    written.add(DRAW_FILE, record.to_bytes());
    let text = format!(
        "Stage {} (commitment {}), seed \"{}\": panel {} of {}\n{} {}: {}\n",
        record.stage,
        record.commitment,
        record.seed,
        record.panel,
        stage.lottery.len(),
        if audit::is_replacement(stage) {
            "replacements"
        } else {
            "members"
        },
        record.members.len(),
        record.members.join(" ")
    );
    stages[at].draw = Some(record);
    stages.truncate(at + 1);
    let private_dir = options
        .private
        .clone()
        .unwrap_or_else(|| private::default_dir(&options.bundle));
    let (private, warnings) = if private_dir.join(private::SOURCE_FILE).exists() {
        let (files, warnings) = Private::open(&private_dir)?.selection_files(&stages)?;
        (PrivateFiles::Written(files), warnings)
    } else if options.private.is_some() {
        return Err(Error::Usage(format!(
            "{} is not a private directory written by `kleroterion lottery` (no {})",
            private_dir.display(),
            private::SOURCE_FILE
        )));
    } else {
        (PrivateFiles::Absent(private_dir), Vec::new())
    };
    Ok(Drawn {
        text,
        record: written,
        private,
        warnings,
    })
}
