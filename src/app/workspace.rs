//! The app's workspace: one folder per assembly, holding the same files the
//! command line reads and writes, and a history of runs that is never
//! overwritten.
//!
//! ```text
//! WORKSPACE/
//!   <assembly>/                 a folder per assembly (its name made safe)
//!     assembly.json             name, panel size, household columns, the
//!                               column mapping, the current inputs
//!     inputs/pool-N.csv|xlsx    every uploaded version, numbered
//!     inputs/quotas-N.csv|xlsx
//!     runs/NNNN-<action>/       one per run: run.json (options, inputs'
//!                               digests, times, status, summary) and out/
//!                               (what the action wrote)
//! ```
//!
//! Upload names never become paths: a stored file is named by its role and
//! version only, and its extension by its bytes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The folder of all assemblies.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
}

/// What the app remembers of one assembly (assembly.json).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Meta {
    pub name: String,
    pub created: String,
    /// Panel size k.
    pub size: Option<usize>,
    /// Columns whose equal values mark one household.
    #[serde(default)]
    pub address_columns: Vec<String>,
    /// The respondents' id column (None: found on its own).
    #[serde(default)]
    pub id_column: Option<String>,
    /// (respondents' column, category) pairs.
    #[serde(default)]
    pub columns: Vec<(String, String)>,
    pub pool: Option<Stored>,
    pub quotas: Option<Stored>,
    /// The sheet of a respondents workbook (None: found by its name).
    #[serde(default)]
    pub sheet: Option<String>,
}

/// An uploaded input as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stored {
    /// Relative to the assembly's folder, e.g. `inputs/pool-2.csv`.
    pub file: String,
    /// The name the file had on the organiser's computer (shown, never a
    /// path).
    pub original: String,
    pub sha256: String,
    pub uploaded: String,
    /// Which version of this input it is (1, 2, …).
    pub version: u32,
}

/// The state of a run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Done,
    Failed,
    Cancelled,
    /// Running when the app stopped.
    Interrupted,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Done => "finished",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::Interrupted => "interrupted (the app stopped while it ran)",
        }
    }
}

/// One run of an action (runs/NNNN-action/run.json).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub number: u32,
    pub action: String,
    pub started: String,
    pub finished: Option<String>,
    pub seconds: Option<f64>,
    pub status: Status,
    /// The options, in words (name, value).
    pub options: Vec<(String, String)>,
    /// The inputs it read: (what, original name, SHA-256).
    pub inputs: Vec<(String, String, String)>,
    /// What the action said, in the command line's words.
    #[serde(default)]
    pub summary: String,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Files written, relative to the run's out/ folder.
    #[serde(default)]
    pub outputs: Vec<String>,
}

/// An assembly's folder.
#[derive(Debug, Clone)]
pub struct Assembly {
    pub slug: String,
    pub dir: PathBuf,
}

impl Workspace {
    pub fn open(root: PathBuf) -> std::io::Result<Workspace> {
        std::fs::create_dir_all(&root)?;
        Ok(Workspace { root })
    }

    /// Every assembly, by name.
    pub fn list(&self) -> Vec<(Assembly, Meta)> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return out;
        };
        for e in entries.flatten() {
            let Some(slug) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if let Some(a) = self.assembly(&slug)
                && let Ok(meta) = a.meta()
            {
                out.push((a, meta));
            }
        }
        out.sort_by_key(|a| a.1.name.to_lowercase());
        out
    }

    /// The assembly of this folder name, if it is one (a name from a URL
    /// is only ever looked up, never joined unchecked).
    pub fn assembly(&self, slug: &str) -> Option<Assembly> {
        if !is_slug(slug) {
            return None;
        }
        let dir = self.root.join(slug);
        dir.join(META).is_file().then(|| Assembly {
            slug: slug.to_string(),
            dir,
        })
    }

    /// A new assembly named `name` (its folder name made from it, unique).
    pub fn create(&self, name: &str, now: &str) -> Result<Assembly, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("give the assembly a name".into());
        }
        if name.chars().count() > 120 {
            return Err("the name is too long: at most 120 characters".into());
        }
        let base = slugify(name);
        let mut slug = base.clone();
        let mut n = 2;
        while self.root.join(&slug).exists() {
            slug = format!("{base}-{n}");
            n += 1;
        }
        let dir = self.root.join(&slug);
        std::fs::create_dir_all(dir.join("inputs")).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(dir.join("runs")).map_err(|e| e.to_string())?;
        let a = Assembly { slug, dir };
        a.save(&Meta {
            name: name.to_string(),
            created: now.to_string(),
            ..Meta::default()
        })
        .map_err(|e| e.to_string())?;
        Ok(a)
    }
}

const META: &str = "assembly.json";
const RUN: &str = "run.json";

impl Assembly {
    pub fn meta(&self) -> std::io::Result<Meta> {
        let bytes = std::fs::read(self.dir.join(META))?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }

    pub fn save(&self, meta: &Meta) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(meta).map_err(std::io::Error::other)?;
        write_atomic(&self.dir.join(META), &json)
    }

    /// Stores an upload as the next version of `role` ("pool", "quotas");
    /// the extension follows the bytes, never the uploaded name.
    pub fn store_input(
        &self,
        role: &str,
        original: &str,
        bytes: &[u8],
        now: &str,
    ) -> std::io::Result<Stored> {
        let ext = match kleroterion::files::workbook::kind(bytes) {
            Some(kind) if kind.contains("(.ods)") => "ods",
            Some(kind) if kind.contains("(.xls)") => "xls",
            Some(_) => "xlsx",
            None => "csv",
        };
        let inputs = self.dir.join("inputs");
        std::fs::create_dir_all(&inputs)?;
        let mut version = 1;
        let file = loop {
            let exists = ["csv", "xlsx", "xls", "xlsb", "ods"]
                .iter()
                .any(|e| inputs.join(format!("{role}-{version}.{e}")).exists());
            if !exists {
                break format!("{role}-{version}.{ext}");
            }
            version += 1;
        };
        write_atomic(&inputs.join(&file), bytes)?;
        Ok(Stored {
            file: format!("inputs/{file}"),
            original: display_name(original),
            sha256: kleroterion::files::table::sha256_hex(bytes),
            uploaded: now.to_string(),
            version,
        })
    }

    pub fn path(&self, stored: &Stored) -> PathBuf {
        self.dir.join(&stored.file)
    }

    /// Every run, newest first.
    pub fn runs(&self) -> Vec<Run> {
        let mut runs = Vec::new();
        if let Ok(entries) = std::fs::read_dir(self.dir.join("runs")) {
            for e in entries.flatten() {
                if let Ok(bytes) = std::fs::read(e.path().join(RUN))
                    && let Ok(run) = serde_json::from_slice::<Run>(&bytes)
                {
                    runs.push(run);
                }
            }
        }
        runs.sort_by_key(|r| std::cmp::Reverse(r.number));
        runs
    }

    /// The run of this number.
    pub fn run(&self, number: u32) -> Option<Run> {
        let bytes = std::fs::read(self.run_dir_of(number)?.join(RUN)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The folder of run `number`, if it exists.
    pub fn run_dir_of(&self, number: u32) -> Option<PathBuf> {
        let prefix = format!("{number:04}-");
        std::fs::read_dir(self.dir.join("runs"))
            .ok()?
            .flatten()
            .find(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with(&prefix))
            })
            .map(|e| e.path())
    }

    /// A new run folder for `action`, numbered after every earlier one
    /// (created here, so two runs never share a number).
    pub fn new_run(&self, action: &str) -> std::io::Result<(u32, PathBuf)> {
        let runs = self.dir.join("runs");
        std::fs::create_dir_all(&runs)?;
        let mut number = self.runs().first().map_or(1, |r| r.number + 1);
        loop {
            let dir = runs.join(format!("{number:04}-{action}"));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok((number, dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => number += 1,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn save_run(&self, dir: &Path, run: &Run) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(run).map_err(std::io::Error::other)?;
        write_atomic(&dir.join(RUN), &json)
    }

    /// Marks runs left "running" by an app that stopped as interrupted.
    pub fn mark_interrupted(&self, live: &dyn Fn(u32) -> bool) {
        for mut run in self.runs() {
            if run.status == Status::Running
                && !live(run.number)
                && let Some(dir) = self.run_dir_of(run.number)
            {
                run.status = Status::Interrupted;
                let _ = self.save_run(&dir, &run);
            }
        }
    }
}

/// Writes `bytes` to `path` whole or not at all.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", unique()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// A name no other write of this process or another uses at the same time:
/// the process id and a counter.
pub fn unique() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// A folder name from an assembly's name: lower-case letters, digits and
/// single dashes, at most 60 characters.
pub fn slugify(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
        if s.len() >= 60 {
            break;
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "assembly".into() } else { s }
}

/// True for a name `slugify` can make: nothing that could leave the
/// workspace (no dot, slash or backslash).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 70
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

/// An uploaded file's name as shown: its last part only, printable, short.
pub fn display_name(original: &str) -> String {
    let last = original
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect::<String>();
    if last.trim().is_empty() {
        "upload".into()
    } else {
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_cannot_leave_the_workspace() {
        assert_eq!(slugify("Climate Assembly 2027!"), "climate-assembly-2027");
        assert_eq!(slugify("../../etc"), "etc");
        assert_eq!(slugify("…"), "assembly");
        for bad in ["..", "../x", "a/b", "a\\b", ".hidden", "", "-x", "A"] {
            assert!(!is_slug(bad), "{bad}");
        }
        assert!(is_slug("climate-assembly-2027"));
        assert_eq!(display_name("C:\\Users\\me\\pool.xlsx"), "pool.xlsx");
        assert_eq!(display_name("../../pool.csv"), "pool.csv");
    }

    #[test]
    fn uploads_are_numbered_versions_named_by_their_bytes() {
        let root = std::env::temp_dir().join(format!("kl-ws-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let ws = Workspace::open(root.clone()).unwrap();
        let a = ws.create("Test", "now").unwrap();
        let s1 = a
            .store_input("pool", "../../x.xlsx", b"id\n1\n", "now")
            .unwrap();
        let s2 = a.store_input("pool", "p.csv", b"id\n2\n", "now").unwrap();
        assert_eq!(s1.file, "inputs/pool-1.csv");
        assert_eq!(s2.file, "inputs/pool-2.csv");
        assert_eq!(s1.original, "x.xlsx");
        let (n1, _) = a.new_run("check").unwrap();
        let (n2, _) = a.new_run("check").unwrap();
        assert!(n2 > n1);
        assert!(ws.assembly("test").is_some());
        assert!(ws.assembly("../test").is_none());
        let _ = std::fs::remove_dir_all(&root);
    }
}
