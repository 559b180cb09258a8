//! The organiser's private directory (never published): the secret
//! pseudonym key, the map from ids to pseudonyms, where the original inputs
//! are, and the selected people's personal data after each draw.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::audit::bundle::{self, Secret};
use crate::audit::{self, Stage};
use crate::files::csv::CsvDoc;
use crate::files::dir::Outputs;
use crate::selection::outputs;
use crate::{Error, InputError, Inputs, Instance, Warning};
use serde::{Deserialize, Serialize};

pub const SECRET_FILE: &str = "secret.key";
pub const SOURCE_FILE: &str = "source.json";
pub const PSEUDONYMS_FILE: &str = "pseudonyms.csv";
/// The auditor's key (see [`bundle::Secret::auditor_key`]): the one file
/// of the private directory an auditor may be given.
pub const AUDITOR_FILE: &str = "auditor.key";

/// Where the original inputs are and how they were read (their names and
/// plain digests stay here; the public manifest has keyed digests only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub respondents: PathBuf,
    pub respondents_sha256: String,
    pub quotas: PathBuf,
    pub quotas_sha256: String,
    pub size: usize,
    pub id_column: Option<String>,
    pub address_columns: Vec<String>,
    /// (respondents' column, category) pairs the categories were read by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<(String, String)>,
    /// A replacement round started from the inputs: the panel file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel_sha256: Option<String>,
}

/// `BUNDLE-private` next to the bundle.
pub fn default_dir(bundle: &Path) -> PathBuf {
    let name = bundle
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    bundle.with_file_name(format!("{name}-private"))
}

/// A key file's text: a regular file, read up to 1 KiB (a key is 64 hex
/// digits), so that a pipe or a device given by mistake cannot hang the
/// run or fill the memory.
fn read_key_file(path: &Path, what: &str, hint: &str) -> Result<String, Error> {
    use std::io::Read;
    let unreadable =
        |problem: String| -> Error { InputError::unreadable(path, problem).hint(hint).into() };
    let meta =
        std::fs::metadata(path).map_err(|e| unreadable(format!("cannot read {what}: {e}")))?;
    if !meta.is_file() {
        return Err(unreadable(format!("{what} must be a regular file")));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(1024).read_to_string(&mut text))
        .map_err(|e| unreadable(format!("cannot read {what}: {e}")))?;
    Ok(text)
}

fn read_secret(path: &Path) -> Result<Secret, Error> {
    let text = read_key_file(
        path,
        "the secret key",
        "give the key file written by an earlier `kleroterion lottery` (64 hex digits)",
    )?;
    Secret::from_hex(&text).ok_or_else(|| {
        InputError::invalid(path, "not a secret key (expected 64 hex digits)")
            .hint("give the key file written by an earlier `kleroterion lottery`")
            .into()
    })
}

/// The private directory of a new bundle (`private`, else BUNDLE-private)
/// and its secret key: from `file`, else the directory's, else new.
pub fn private_and_secret(
    bundle: &Path,
    private: Option<&Path>,
    file: Option<&Path>,
) -> Result<(PathBuf, Secret), Error> {
    let dir = private.map_or_else(|| default_dir(bundle), Path::to_path_buf);
    if let Some(f) = file {
        return Ok((dir, read_secret(f)?));
    }
    let existing = dir.join(SECRET_FILE);
    let secret = if existing.exists() {
        read_secret(&existing)?
    } else {
        Secret::generate()?
    };
    Ok((dir, secret))
}

/// The files of a new bundle's private directory: the secret key, the
/// map from ids to pseudonyms, and where the inputs are.
pub fn files(
    dir: &Path,
    secret: &Secret,
    source: &Source,
    original: &Instance,
    names: &[String],
) -> Result<Outputs, Error> {
    let mut out = Outputs::into_dir(dir.to_path_buf());
    out.add(SECRET_FILE, format!("{}\n", secret.to_hex()));
    out.add(AUDITOR_FILE, format!("{}\n", secret.auditor_key().to_hex()));
    let mut doc = CsvDoc::default();
    doc.record([original.pool.id_header(), "pseudonym"]);
    for (p, n) in original.pool.people.iter().zip(names) {
        doc.record([p.id.as_str(), n.as_str()]);
    }
    out.add(PSEUDONYMS_FILE, doc.into_bytes());
    let mut json = serde_json::to_vec_pretty(source)
        .map_err(|e| Error::Internal(format!("cannot encode the source record: {e}")))?;
    json.push(b'\n');
    out.add(SOURCE_FILE, json);
    Ok(out)
}

/// Reads an auditor's key file (64 hex digits).
pub fn read_auditor_key(path: &Path) -> Result<bundle::AuditorKey, Error> {
    let text = read_key_file(
        path,
        "the auditor's key",
        "give the auditor.key file from the organiser's private directory",
    )?;
    bundle::AuditorKey::from_hex(&text).ok_or_else(|| {
        InputError::invalid(path, "not an auditor's key (expected 64 hex digits)")
            .hint("give the auditor.key file from the organiser's private directory")
            .into()
    })
}

/// The private directory of `bundle`: `given`, else BUNDLE-private; opened
/// when it is one (None when it is absent and was not named).
pub fn beside(bundle: &Path, given: Option<&Path>) -> Result<(PathBuf, Option<Private>), Error> {
    let dir = given.map_or_else(|| default_dir(bundle), Path::to_path_buf);
    // A private directory that is there but damaged is an error, not
    // "no private directory": drawing without it would record the draw
    // and never write the panel's personal data.
    if dir.join(SOURCE_FILE).exists() || dir.join(SECRET_FILE).exists() {
        let private = Private::open(&dir)?;
        Ok((dir, Some(private)))
    } else if given.is_some() {
        Err(Error::Usage(format!(
            "{} is not a private directory written with a bundle (it has no {SOURCE_FILE})",
            dir.display()
        )))
    } else {
        Ok((dir, None))
    }
}

/// An opened private directory.
pub struct Private {
    pub dir: PathBuf,
    pub secret: Secret,
    pub source: Source,
}

impl Private {
    pub fn open(dir: &Path) -> Result<Private, Error> {
        let secret = read_secret(&dir.join(SECRET_FILE))?;
        let path = dir.join(SOURCE_FILE);
        let bytes = std::fs::read(&path).map_err(|e| {
            InputError::unreadable(&path, format!("cannot read: {e}"))
                .hint("give the private directory written with the bundle")
        })?;
        let source = serde_json::from_slice(&bytes).map_err(|e| {
            InputError::invalid(&path, format!("not a source record: {e}"))
                .hint("restore the private directory written by `kleroterion lottery`")
        })?;
        Ok(Private {
            dir: dir.to_path_buf(),
            secret,
            source,
        })
    }

    /// The original instance, checked to be the one the bundle was made
    /// from.
    pub fn original(&self) -> Result<(Instance, Vec<Warning>), Error> {
        let s = &self.source;
        let inputs = Inputs {
            pool: s.respondents.clone(),
            quotas: s.quotas.clone(),
            k: s.size,
            id_column: s.id_column.clone(),
            address_columns: s.address_columns.clone(),
            columns: s.columns.clone(),
        };
        let (instance, warnings) = inputs.load()?;
        for (path, now, then) in [
            (&s.respondents, &instance.pool.sha256, &s.respondents_sha256),
            (&s.quotas, &instance.quotas.sha256, &s.quotas_sha256),
        ] {
            if now != then {
                return Err(InputError::invalid(
                    path,
                    format!(
                        "the file changed since the lottery was made (SHA-256 {now}, was {then})"
                    ),
                )
                .hint("restore the file the lottery was made from")
                .into());
            }
        }
        Ok((instance, warnings))
    }

    /// Original person index per pseudonym.
    pub fn people(&self, original: &Instance) -> HashMap<String, usize> {
        original
            .pool
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| (self.secret.pseudonym(&p.id), i))
            .collect()
    }

    /// After a draw: the panel's and everyone else's personal data, to go
    /// in the stage's directory of the private directory.
    pub fn selection_files(&self, stages: &[Stage]) -> Result<(Outputs, Vec<Warning>), Error> {
        let (original, warnings) = self.original()?;
        let of = self.people(&original);
        let to_original = |names: &[String]| -> Result<Vec<usize>, Error> {
            names
                .iter()
                .map(|n| {
                    of.get(n).copied().ok_or_else(|| {
                        Error::Usage(format!(
                            "pseudonym {n} matches nobody in {}: is this the private directory of this bundle?",
                            self.source.respondents.display()
                        ))
                    })
                })
                .collect()
        };
        let panel = audit::panel_names_after(stages).map_err(Error::Usage)?;
        let mut selected = to_original(&panel)?;
        selected.sort_unstable();
        let last = stages.last().expect("at least one stage");
        let mut withdrawn = Vec::new();
        for s in stages {
            withdrawn.extend(to_original(&s.manifest.withdrawn)?);
        }
        let mut excluded = vec![false; original.n()];
        for &i in selected.iter().chain(&withdrawn) {
            excluded[i] = true;
        }
        for &i in &selected {
            for h in original.households.housemates(i) {
                excluded[h] = true;
            }
        }
        let mut out = Outputs::into_dir(self.dir.join(bundle::stage_dir(last.stage)));
        let mut put = |name: &str, people: Vec<usize>| {
            out.add(name, outputs::people_csv(&original, people.into_iter()));
        };
        put("selected.csv", selected.clone());
        if audit::is_replacement(last)
            && let Some(d) = &last.draw
        {
            let mut new = to_original(&d.members)?;
            new.sort_unstable();
            put("replacements.csv", new);
        }
        put(
            "remaining.csv",
            (0..original.n()).filter(|&i| !excluded[i]).collect(),
        );
        Ok((out, warnings))
    }
}
