//! Reading a bundle back: its stages' files into checked `Stage`s, through
//! the same importers the organiser used.

use super::*;

/// One stage's files as found in a bundle.
#[derive(Debug, Clone)]
pub struct RawStage {
    pub stage: u32,
    /// The stage's directory (for messages).
    pub dir: PathBuf,
    /// The committed files that are present.
    pub files: StageFiles,
    pub commitment_txt: Option<Vec<u8>>,
    pub draw: Option<Vec<u8>>,
    /// `report.html`, optional and not committed: checked by re-rendering.
    pub report: Option<Vec<u8>>,
}

/// A bundle's stages, in order.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub root: PathBuf,
    pub stages: Vec<RawStage>,
    /// Files that belong to no stage (relative paths).
    pub unexpected: Vec<String>,
}

impl Bundle {
    /// Groups a bundle's files (relative paths with `/`) into stages 0, 1, …
    /// (stopping at the first missing replacement directory).
    pub fn from_files(root: &Path, mut all: BTreeMap<String, Vec<u8>>) -> Bundle {
        let mut stages = Vec::new();
        for stage in 0u32.. {
            let dir = bundle::stage_dir(stage);
            let prefix = if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            };
            let mut take = |name: &str| all.remove(&format!("{prefix}{name}"));
            let mut files = StageFiles::new();
            for name in COMMITTED_FILES {
                if let Some(b) = take(name) {
                    files.insert(name.into(), b);
                }
            }
            let commitment_txt = take(COMMITMENT_FILE);
            let draw = take(DRAW_FILE);
            let report = take(crate::audit::page::REPORT_FILE);
            if stage > 0 && files.is_empty() && commitment_txt.is_none() && draw.is_none() {
                break;
            }
            stages.push(RawStage {
                stage,
                dir: root.join(&dir),
                files,
                commitment_txt,
                draw,
                report,
            });
        }
        Bundle {
            root: root.to_path_buf(),
            stages,
            unexpected: all.into_keys().collect(),
        }
    }
}

/// A stage read back and parsed.
#[derive(Debug, Clone)]
pub struct Stage {
    pub stage: u32,
    pub dir: PathBuf,
    pub commitment: String,
    pub manifest: Manifest,
    pub instance: Instance,
    /// Lottery panels (people of `instance`), in panel-number order.
    pub lottery: Vec<Panel>,
    pub draw: Option<DrawRecord>,
    /// Sealed categories left closed (no auditor key): missing from
    /// `instance`, so their quotas are not checked.
    pub hidden: Vec<String>,
}

impl Stage {
    /// Person index of each pseudonym.
    pub fn index(&self) -> HashMap<&str, usize> {
        self.instance
            .pool
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect()
    }

    pub fn names(&self, people: impl Iterator<Item = usize>) -> Vec<String> {
        people
            .map(|i| self.instance.pool.people[i].id.clone())
            .collect()
    }
}

/// A problem in a bundle file: the file and what is wrong.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: PathBuf,
    pub problem: String,
}

impl Problem {
    fn new(file: PathBuf, problem: impl Into<String>) -> Problem {
        Problem {
            file,
            problem: problem.into(),
        }
    }

    pub fn into_error(self) -> Error {
        InputError::invalid(&self.file, self.problem)
            .hint("the audit bundle is damaged or was edited; restore it from the copy that was published")
            .into()
    }
}

/// Parses a stage's committed files (and its draw record, if any),
/// opening its sealed categories when the auditor `key` is given.
pub fn parse_stage(raw: &RawStage, key: Option<&AuditorKey>) -> Result<Stage, Problem> {
    let file = |name: &str| raw.dir.join(name);
    for name in COMMITTED_FILES {
        if !raw.files.contains_key(name) {
            return Err(Problem::new(file(name), "the file is missing"));
        }
    }
    let manifest: Manifest = serde_json::from_slice(&raw.files["manifest.json"]).map_err(|e| {
        Problem::new(
            file("manifest.json"),
            format!("not a valid manifest: {}", plain_json_error(&e)),
        )
    })?;
    let mut sealed = manifest.sealed.clone();
    sealed.sort();
    sealed.dedup();
    if sealed.len() != manifest.sealed.len() {
        return Err(Problem::new(
            file("manifest.json"),
            "a sealed category is listed twice",
        ));
    }
    if manifest.format != FORMAT {
        return Err(Problem::new(
            file("manifest.json"),
            format!(
                "format \"{}\" is not \"{FORMAT}\" (written by another version?)",
                manifest.format
            ),
        ));
    }
    if manifest.stage != raw.stage {
        return Err(Problem::new(
            file("manifest.json"),
            format!(
                "says stage {} but sits in the directory of stage {}",
                manifest.stage, raw.stage
            ),
        ));
    }
    let seals = Seals {
        categories: &manifest.sealed,
        key,
    };
    let instance = bundle::stage_instance(
        &raw.dir,
        &raw.files["pool.csv"],
        &raw.files["quotas.csv"],
        manifest.panel_size,
        manifest.household_rule,
        &seals,
    )
    .map_err(|e| {
        // Name the file the problem is in (pool.csv or quotas.csv).
        let path = match &e {
            Error::Input(errors) => errors.first().map(|i| i.file.clone()),
            _ => None,
        };
        Problem::new(path.unwrap_or_else(|| file("pool.csv")), e.to_string())
    })?;
    let hidden = if key.is_some() {
        Vec::new()
    } else {
        manifest.sealed.clone()
    };
    let stage = Stage {
        stage: raw.stage,
        dir: raw.dir.clone(),
        commitment: bundle::commitment(&raw.files),
        lottery: Vec::new(),
        draw: None,
        hidden,
        manifest,
        instance,
    };
    let index = stage.index();
    let path = file("lottery.csv");
    let table = Table::parse(&path, &raw.files["lottery.csv"])
        .map_err(|e| Problem::new(path.clone(), e.problem))?;
    let (Some(pc), Some(mc)) = (table.column("panel"), table.column("members")) else {
        return Err(Problem::new(path, "the header must be panel,members"));
    };
    let mut lottery = Vec::with_capacity(table.rows.len());
    for (j, row) in table.rows.iter().enumerate() {
        if row.cells[pc].trim() != (j + 1).to_string() {
            return Err(Problem::new(
                path,
                format!(
                    "line {}: panel number \"{}\" where {} was expected (panels are numbered 1, 2, … in order)",
                    row.line,
                    row.cells[pc],
                    j + 1
                ),
            ));
        }
        let mut members = Vec::new();
        for name in row.cells[mc].split_whitespace() {
            match index.get(name) {
                Some(&i) => members.push(i),
                None => {
                    return Err(Problem::new(
                        path,
                        format!(
                            "line {}: \"{name}\" is not in pool.csv (panel {})",
                            row.line,
                            j + 1
                        ),
                    ));
                }
            }
        }
        if let Some(w) = members.windows(2).find(|w| w[0] > w[1]) {
            let (a, b) = (
                &stage.instance.pool.people[w[0]].id,
                &stage.instance.pool.people[w[1]].id,
            );
            return Err(Problem::new(
                path,
                format!(
                    "line {}: panel {} lists \"{b}\" after \"{a}\": members are listed in pseudonym order",
                    row.line,
                    j + 1
                ),
            ));
        }
        lottery.push(Panel::new(members));
    }
    if lottery.is_empty() {
        return Err(Problem::new(path, "lottery.csv lists no panels"));
    }
    let draw = match &raw.draw {
        None => None,
        Some(bytes) => Some(serde_json::from_slice(bytes).map_err(|e| {
            Problem::new(
                file(DRAW_FILE),
                format!("not a valid draw record: {}", plain_json_error(&e)),
            )
        })?),
    };
    Ok(Stage {
        lottery,
        draw,
        ..stage
    })
}

/// A JSON reader's complaint in people's words: where, and what kind of
/// problem (the reader's own text names Rust types, so only its field
/// names are kept).
pub(crate) fn plain_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let field = ["missing field", "unknown field", "duplicate field"]
        .iter()
        .find_map(|k| {
            let rest = text.split(k).nth(1)?;
            let name = rest.split('`').nth(1)?;
            Some(format!("{k} \"{name}\""))
        });
    let what = match (e.classify(), field) {
        (_, Some(f)) => f,
        (serde_json::error::Category::Data, None) => "a value of the wrong kind".into(),
        _ => "not well-formed JSON".into(),
    };
    format!(
        "line {}, column {}: {what} (the file is written by the tool and must not be edited)",
        e.line(),
        e.column()
    )
}

/// Parses every stage, failing on the first problem.
pub fn parse_all(bundle: &Bundle, key: Option<&AuditorKey>) -> Result<Vec<Stage>, Error> {
    bundle
        .stages
        .iter()
        .map(|raw| parse_stage(raw, key).map_err(Problem::into_error))
        .collect()
}
