//! Files and directories on disk, written atomically: a file through a
//! temporary file in the same directory and a rename, a new directory
//! under a temporary name and a rename, so a reader never sees half an
//! output and an interrupted run leaves the previous one intact. Also
//! reading a whole directory (a bundle, an earlier plan). Inputs are never
//! written.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, InputError};

fn output_error(path: &Path, source: std::io::Error) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        source,
    }
}

/// Files to write into one directory, by name relative to it (`/` for a
/// subdirectory), in the order they are listed: what an organiser action
/// hands its front-end to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs {
    pub dir: PathBuf,
    pub files: Vec<(String, Vec<u8>)>,
    pub mode: Mode,
}

/// How an output directory is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Into a directory that may exist: each file replaced atomically,
    /// other files left alone.
    Into,
    /// As a new directory, complete or not at all; an existing one is
    /// refused, or with `force` swapped out once the new one is complete.
    New { force: bool },
}

impl Outputs {
    pub fn into_dir(dir: PathBuf) -> Outputs {
        Outputs {
            dir,
            files: Vec::new(),
            mode: Mode::Into,
        }
    }

    pub fn new_dir(dir: PathBuf, force: bool) -> Outputs {
        Outputs {
            dir,
            files: Vec::new(),
            mode: Mode::New { force },
        }
    }

    pub fn add(&mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.push((name.into(), bytes.into()));
    }

    /// Writes every file; returns their paths in order.
    pub fn write(&self) -> Result<Vec<PathBuf>, Error> {
        match self.mode {
            Mode::Into => {
                ensure_dir(&self.dir)?;
                let mut written = Vec::new();
                for (name, bytes) in &self.files {
                    let path = self.dir.join(name);
                    if let Some(parent) = path.parent() {
                        ensure_dir(parent)?;
                    }
                    write_atomic(&path, bytes)?;
                    written.push(path);
                }
                Ok(written)
            }
            Mode::New { force } => {
                let map: BTreeMap<String, Vec<u8>> = self.files.iter().cloned().collect();
                write_new_dir(&self.dir, &map, force)?;
                Ok(self.files.iter().map(|(n, _)| self.dir.join(n)).collect())
            }
        }
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(output_error(path, e));
    }
    Ok(())
}

/// Creates the output directory (and its parents) if needed.
pub fn ensure_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| output_error(dir, e))
}

/// Every file under `root` (one level of subdirectories), keyed by its
/// relative path with `/`. Hidden files (leftover temporaries) are skipped.
pub fn read_dir(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let unreadable = |p: &Path, e: std::io::Error| -> Error {
        InputError::unreadable(p, format!("cannot read: {e}"))
            .hint("give the path of an audit bundle directory written by `kleroterion lottery`")
            .into()
    };
    if !root.is_dir() {
        return Err(InputError::unreadable(root, "not a directory")
            .hint("give the path of an audit bundle directory written by `kleroterion lottery`")
            .into());
    }
    let mut out = BTreeMap::new();
    let mut walk = vec![(root.to_path_buf(), String::new(), 0)];
    while let Some((dir, prefix, depth)) = walk.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| unreadable(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| unreadable(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                if depth == 0 {
                    walk.push((path, format!("{name}/"), 1));
                }
            } else {
                let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, e))?;
                out.insert(format!("{prefix}{name}"), bytes);
            }
        }
    }
    Ok(out)
}

/// Writes `files` (relative paths with `/`) as the new directory `dir`.
/// An existing `dir` is an error unless `replace` is set, in which case it
/// is swapped out only once the new one is complete.
pub fn write_new_dir(
    dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    replace: bool,
) -> Result<(), Error> {
    if dir.exists() && !replace {
        return Err(Error::Exists(dir.to_path_buf()));
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| output_error(parent, e))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let result = (|| -> Result<(), (PathBuf, std::io::Error)> {
        let _ = std::fs::remove_dir_all(&tmp);
        for (rel, bytes) in files {
            let path = tmp.join(rel);
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p).map_err(|e| (p.to_path_buf(), e))?;
            }
            write_synced(&path, bytes).map_err(|e| (path.clone(), e))?;
        }
        if dir.exists() {
            std::fs::rename(dir, &old).map_err(|e| (dir.to_path_buf(), e))?;
        }
        std::fs::rename(&tmp, dir).map_err(|e| (dir.to_path_buf(), e))?;
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    })();
    if let Err((path, e)) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        if old.exists() && !dir.exists() {
            let _ = std::fs::rename(&old, dir);
        }
        return Err(output_error(&path, e));
    }
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
