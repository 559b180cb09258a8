//! Draw: the public draw of a committed stage's panel number from a seed,
//! and, with the organiser's private directory, the panel's personal data.

use std::path::PathBuf;

use crate::audit::Status;
use crate::audit::bundle::{COMMITMENT_FILE, DRAW_FILE, group_sizes};
use crate::audit::private;
use crate::audit::seed::quoted;
use crate::audit::{self, Bundle};
use crate::error::InputError;
use crate::error::{Error, Warning};
use crate::files::dir::{self, Outputs};

/// What to draw.
#[derive(Debug, Clone)]
pub struct DrawOptions {
    pub bundle: PathBuf,
    /// The public seed as typed, fixed after the commitment was published;
    /// put in its canonical form by the stage's committed seed rule.
    pub seed: String,
    /// The commitment the organiser published for the stage drawn, to
    /// compare with the files (None: compared with commitment.txt only).
    pub commitment: Option<String>,
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
    /// What to tell the user: the seed in its committed form, the panel
    /// number and its members' pseudonyms.
    pub text: String,
    /// draw.json into the stage's directory.
    pub record: Outputs,
    /// The panel's personal data, or where the private directory was
    /// looked for.
    pub private: PrivateFiles,
    pub warnings: Vec<Warning>,
}

/// Refuses a bundle whose files no longer give the commitment their
/// commitment.txt states (edited after it was printed), or, for the stage
/// `published` names, not the published commitment.
pub fn unchanged(bundle: &Bundle, published: Option<(u32, &str)>) -> Result<(), Error> {
    for raw in &bundle.stages {
        let given = published
            .filter(|(stage, _)| *stage == raw.stage)
            .map(|(_, c)| c);
        let (file, (status, detail)) = audit::check_commitment(raw, given);
        if status == Status::Fail {
            return Err(InputError::invalid(&raw.dir.join(file), detail)
                .hint("restore the bundle exactly as it was when its commitment was published")
                .into());
        }
        if raw.commitment_txt.is_none() {
            return Err(
                InputError::invalid(&raw.dir.join(COMMITMENT_FILE), "the file is missing")
                    .hint("restore the bundle exactly as it was when its commitment was published")
                    .into(),
            );
        }
    }
    Ok(())
}

/// Draws the first stage of the bundle not drawn yet.
pub fn draw(options: &DrawOptions) -> Result<Drawn, Error> {
    let files = dir::read_dir(&options.bundle)?;
    let bundle = Bundle::from_files(&options.bundle, files);
    let (private_dir, private) = private::beside(&options.bundle, options.private.as_deref())?;
    let key = private.as_ref().map(|p| p.secret.auditor_key());
    let undrawn = bundle
        .stages
        .iter()
        .position(|raw| raw.draw.is_none())
        .unwrap_or(bundle.stages.len()) as u32;
    unchanged(&bundle, options.commitment.as_deref().map(|c| (undrawn, c)))?;
    let mut stages = audit::parse_all(&bundle, key.as_ref())?;
    let mut again = false;
    let at = match stages.iter().position(|s| s.draw.is_none()) {
        Some(at) => at,
        None => {
            let last = stages.last().ok_or(Error::Usage("empty bundle".into()))?;
            let Some(d) = last.draw.as_ref() else {
                return Err(Error::Internal("a stage is neither drawn nor not".into()));
            };
            // The recorded seed given again (say, after a run stopped
            // before the private files were written): the same draw, its
            // files written again.
            if audit::draw(last, &options.seed).is_ok_and(|r| r.seed == d.seed) {
                again = true;
                stages.len() - 1
            } else {
                return Err(Error::Usage(format!(
                    "every stage of {} is drawn already (stage {} drew panel {} with the seed {}); for withdrawals, start a replacement round",
                    options.bundle.display(),
                    last.stage,
                    d.panel,
                    quoted(&d.seed)
                )));
            }
        }
    };
    let stage = &stages[at];
    let record = match &stage.draw {
        // Repeated: the record as it was (the seed as first typed).
        Some(d) if again => d.clone(),
        _ => audit::draw(stage, &options.seed).map_err(Error::Usage)?,
    };
    if let Some(why) = audit::reused_seed(stage, &record.seed, &stages[..at]) {
        return Err(Error::Usage(format!(
            "this round cannot be drawn with the seed {}: {why}. Use the result of a public event that happens after this round's commitment is published",
            quoted(&record.seed)
        )));
    }
    let mut written = Outputs::into_dir(stage.dir.clone());
    written.add(DRAW_FILE, record.to_bytes());
    let sizes = group_sizes(&stage.instance, &stage.manifest.sealed);
    let index = stage.index();
    let unique = record
        .members
        .iter()
        .filter(|n| index.get(n.as_str()).is_some_and(|&i| sizes[i] == 1))
        .count();
    let text = format!(
        "{}Stage {} (commitment {})\nseed as typed {}\nin the committed form ({}): {}\npanel {} of {}\n{} {}: {}\nunique on pool.csv's published columns: {unique} of them\n",
        if again {
            "Drawn already with this seed: the same panel, its files written again.\n"
        } else {
            ""
        },
        record.stage,
        record.commitment,
        quoted(&record.seed_as_typed),
        stage.manifest.seed_rule.describe(),
        quoted(&record.seed),
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
    let (private, warnings) = match private {
        Some(p) => {
            let (files, warnings) = p.selection_files(&stages)?;
            (PrivateFiles::Written(files), warnings)
        }
        None => (PrivateFiles::Absent(private_dir), Vec::new()),
    };
    Ok(Drawn {
        text,
        record: written,
        private,
        warnings,
    })
}
