//! Files and directories on disk, written atomically: a file through a
//! temporary file in the same directory and a rename, a new directory
//! under a temporary name and a rename, so a reader never sees half an
//! output and an interrupted run leaves the previous one intact. Also
//! reading a whole directory (a bundle, an earlier plan). Inputs are never
//! written.

use std::collections::BTreeMap;
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
            Mode::Into => self.write_into(),
            Mode::New { force } => {
                // Borrowed: an output can be large (an invitation frame).
                let map: BTreeMap<String, &[u8]> = self
                    .files
                    .iter()
                    .map(|(n, b)| (n.clone(), b.as_slice()))
                    .collect();
                write_new_dir(&self.dir, &map, force)?;
                Ok(self.files.iter().map(|(n, _)| self.dir.join(n)).collect())
            }
        }
    }
}

impl Outputs {
    /// Into an existing or new directory, as a set: every file is first
    /// written in full to a temporary beside it (so a full disk or any
    /// write error leaves the previous set whole); then a journal naming
    /// the set is written, the temporaries are renamed into place, and the
    /// journal is removed. A run killed before the journal exists leaves
    /// the previous set (its temporaries are removed later); one killed
    /// after leaves a journal, and whoever next reads or writes the
    /// directory finishes the renames first ([`recover`]), so a reader
    /// never sees a mixed set.
    fn write_into(&self) -> Result<Vec<PathBuf>, Error> {
        ensure_dir(&self.dir)?;
        recover(&self.dir);
        let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
        let journal = self.dir.join(format!("{JOURNAL}{}", std::process::id()));
        let result = (|| -> Result<(), Error> {
            for (name, bytes) in &self.files {
                let path = self.dir.join(name);
                if let Some(parent) = path.parent() {
                    ensure_dir(parent)?;
                    remove_dead_temporaries(&path);
                }
                let tmp = temporary(&path);
                staged.push((tmp.clone(), path.clone()));
                write_synced(&tmp, bytes).map_err(|e| output_error(&path, e))?;
                fault_point();
            }
            let names: String = self.files.iter().map(|(n, _)| format!("{n}\n")).collect();
            let part = temporary(&journal);
            write_synced(&part, names.as_bytes()).map_err(|e| output_error(&journal, e))?;
            fault_point();
            std::fs::rename(&part, &journal).map_err(|e| output_error(&journal, e))?;
            sync_dir(&self.dir);
            fault_point();
            for (tmp, path) in &staged {
                std::fs::rename(tmp, path).map_err(|e| output_error(path, e))?;
                fault_point();
            }
            sync_dir(&self.dir);
            let _ = std::fs::remove_file(&journal);
            fault_point();
            Ok(())
        })();
        if let Err(e) = result {
            // Before the journal: nothing was renamed, so undo. After it,
            // a rename failed (rare: the files are in place as temporaries):
            // finish what can be finished, as a later run would.
            if journal.exists() {
                finish_journal(&self.dir, &journal, std::process::id());
            }
            for (tmp, _) in &staged {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e);
        }
        Ok(staged.into_iter().map(|(_, p)| p).collect())
    }
}

/// `.kleroterion-set-PID`: the journal of a set of files being renamed
/// into a directory, one name (relative, with `/`) per line.
const JOURNAL: &str = ".kleroterion-set-";

/// `.NAME.tmp-PID` beside `path`.
fn temporary(path: &Path) -> PathBuf {
    temporary_of(path, std::process::id())
}

fn temporary_of(path: &Path, pid: u32) -> PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.tmp-{pid}"))
}

/// Whether process `pid` is known to be gone: only where the system says
/// which processes exist (Linux's /proc); elsewhere nothing is taken for
/// dead, and what an interrupted run left stays, hidden and harmless.
fn dead(pid: u32) -> bool {
    pid != std::process::id()
        && Path::new("/proc/self").exists()
        && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Finishes what interrupted runs left in `dir`: each journal of a dead
/// writer is completed (its set was whole when the journal was written, so
/// the remaining temporaries are renamed into place) and removed. Called
/// before a directory is written into or read.
pub fn recover(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .strip_prefix(JOURNAL)
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|&p| dead(p))
        {
            finish_journal(dir, &e.path(), pid);
        } else if name.starts_with(&format!(".{JOURNAL}"))
            && name
                .rsplit(".tmp-")
                .next()
                .and_then(|p| p.parse::<u32>().ok())
                .is_some_and(dead)
        {
            // A journal still being written: its set was never renamed.
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Renames into place the temporaries of writer `pid` that `journal` names,
/// then removes the journal.
fn finish_journal(dir: &Path, journal: &Path, pid: u32) {
    if let Ok(text) = std::fs::read_to_string(journal) {
        // Only names inside `dir` (a journal is ours, but the folder may be
        // shared: nothing outside it is ever renamed).
        let inside = |n: &str| {
            !n.is_empty()
                && Path::new(n)
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)))
        };
        for name in text.lines().filter(|n| inside(n)) {
            let path = dir.join(name);
            let tmp = temporary_of(&path, pid);
            if tmp.is_file() {
                let _ = std::fs::rename(&tmp, &path);
            }
        }
        sync_dir(dir);
    }
    let _ = std::fs::remove_file(journal);
}

/// Removes `.NAME.tmp-PID` beside `path` left by dead writers.
fn remove_dead_temporaries(path: &Path) {
    for tmp in dead_leftovers(path, ".tmp-") {
        let _ = std::fs::remove_file(tmp);
    }
}

/// `.NAME{kind}PID` beside `path` (`kind` `.tmp-` or `.old-`) whose
/// process `PID` is gone: what killed runs left.
fn dead_leftovers(path: &Path, kind: &str) -> Vec<PathBuf> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}{kind}", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix(&prefix)
                .and_then(|p| p.parse::<u32>().ok())
                .is_some_and(dead)
        })
        .map(|e| e.path())
        .collect()
}

/// Makes a directory's renames durable (best effort: not every system can
/// sync a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Fault injection for the test that stops a writer at every step: with
/// `KLEROTERION_ABORT_AFTER=N` in the environment the process aborts after
/// its N-th step of writing outputs, as if killed there (nothing is
/// cleaned up). Without it, nothing happens.
fn fault_point() {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LEFT: std::sync::OnceLock<AtomicI64> = std::sync::OnceLock::new();
    let left = LEFT.get_or_init(|| {
        AtomicI64::new(
            std::env::var("KLEROTERION_ABORT_AFTER")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1),
        )
    });
    if left.load(Ordering::Relaxed) >= 0 && left.fetch_sub(1, Ordering::Relaxed) == 0 {
        std::process::abort();
    }
}

/// Writes one large file through `fill`, streamed to a temporary beside
/// `path` and renamed into place when complete (for outputs too large to
/// hold in memory, like a synthetic national register).
pub fn write_streamed(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        ensure_dir(parent)?;
        remove_dead_temporaries(path);
    }
    let tmp = temporary(path);
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        fill(&mut f)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(output_error(path, e));
    }
    Ok(())
}

/// Opens an input file for streaming (`what` names it in the message).
pub fn open(path: &Path, what: &str) -> Result<std::fs::File, Error> {
    std::fs::File::open(path).map_err(|e| {
        crate::error::InputError::unreadable(path, format!("cannot read the {what}: {e}"))
            .hint("check the path")
            .into()
    })
}

/// Reads a whole input file (`what` names it in the message).
pub fn read(path: &Path, what: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| {
        crate::error::InputError::unreadable(path, format!("cannot read the {what}: {e}"))
            .hint("check the path")
            .into()
    })
}

/// Reads a file if it exists.
pub fn read_if_present(path: &Path, what: &str) -> Result<Option<Vec<u8>>, Error> {
    if path.exists() {
        read(path, what).map(Some)
    } else {
        Ok(None)
    }
}

/// The names of a directory's entries (empty when it cannot be read).
pub fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Creates the output directory (and its parents) if needed.
pub fn ensure_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| output_error(dir, e))
}

/// Every file under `root`, at any depth, keyed by its relative path with
/// `/` (hidden files included: in an audit bundle nothing may hide).
/// Anything that is not a regular file or a directory (a link, a pipe, a
/// device) is refused, since reading it could hang or never end.
pub fn read_dir(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let hint = "give the path of a directory written by kleroterion (an audit bundle or a plan)";
    let unreadable = |p: &Path, e: std::io::Error| -> Error {
        InputError::unreadable(p, format!("cannot read: {e}"))
            .hint(hint)
            .into()
    };
    if !root.is_dir() {
        return Err(InputError::unreadable(root, "not a directory")
            .hint(hint)
            .into());
    }
    let mut out = BTreeMap::new();
    let mut walk = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = walk.pop() {
        recover(&dir);
        let entries = std::fs::read_dir(&dir).map_err(|e| unreadable(&dir, e))?;
        let mut empty = true;
        for entry in entries {
            empty = false;
            let entry = entry.map_err(|e| unreadable(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| unreadable(&path, e))?;
            if kind.is_dir() {
                walk.push((path, format!("{prefix}{name}/")));
            } else if kind.is_file() {
                let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, e))?;
                out.insert(format!("{prefix}{name}"), bytes);
            } else {
                return Err(InputError::unreadable(
                    &path,
                    "not a regular file (a link, a pipe or a device), so it is not read",
                )
                .hint("remove it: the directory should hold only the files kleroterion wrote")
                .into());
            }
        }
        // An empty subdirectory is listed too (by its name and "/"), so
        // that nothing in the directory goes unseen.
        if empty && !prefix.is_empty() {
            out.insert(prefix, Vec::new());
        }
    }
    Ok(out)
}

/// Whether `dir` may be written as a new directory: refused when it exists
/// (unless `replace`) and always when it is not a directory. Checked again
/// when writing; front-ends call it first so that nothing is computed for
/// an output that would be refused.
pub fn check_new_dir(dir: &Path, replace: bool) -> Result<(), Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(output_error(
            dir,
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a file of that name exists, and it is not a directory: choose another name",
            ),
        ));
    }
    if dir.exists() && !replace {
        return Err(Error::Exists(dir.to_path_buf()));
    }
    Ok(())
}

/// Writes `files` (relative paths with `/`) as the new directory `dir`.
/// An existing `dir` is an error unless `replace` is set, in which case it
/// is swapped out only once the new one is complete. Temporaries left
/// beside it by an interrupted run are removed first.
pub fn write_new_dir<B: AsRef<[u8]>>(
    dir: &Path,
    files: &BTreeMap<String, B>,
    replace: bool,
) -> Result<(), Error> {
    check_new_dir(dir, replace)?;
    remove_stale(dir);
    check_new_dir(dir, replace)?;
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
            write_synced(&path, bytes.as_ref()).map_err(|e| (path.clone(), e))?;
            fault_point();
        }
        sync_dir(&tmp);
        if dir.exists() {
            // One atomic exchange where the system has it: at every moment
            // `dir` is the old directory or the new one. Elsewhere two
            // renames, and a run killed between them is rolled back by the
            // next run's `remove_stale`.
            if exchange(&tmp, dir) {
                fault_point();
                sync_dir(parent);
                let _ = std::fs::remove_dir_all(&tmp);
                fault_point();
                return Ok(());
            }
            std::fs::rename(dir, &old).map_err(|e| (dir.to_path_buf(), e))?;
            fault_point();
        }
        std::fs::rename(&tmp, dir).map_err(|e| (dir.to_path_buf(), e))?;
        sync_dir(parent);
        fault_point();
        let _ = std::fs::remove_dir_all(&old);
        fault_point();
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

/// Swaps two directories in one step (Linux's renameat2 with
/// RENAME_EXCHANGE); false where the system or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Cleans up beside `dir` after runs that were killed (their process no
/// longer exists): if `dir` is missing while a dead run's `.NAME.old-PID`
/// holds it (killed between its two renames), that is put back; then the
/// dead runs' `.NAME.tmp-PID` and `.NAME.old-PID` are removed.
fn remove_stale(dir: &Path) {
    for old in dead_leftovers(dir, ".old-") {
        if !dir.exists() && std::fs::rename(&old, dir).is_ok() {
            continue;
        }
        let _ = std::fs::remove_dir_all(&old);
    }
    for tmp in dead_leftovers(dir, ".tmp-") {
        let _ = std::fs::remove_dir_all(&tmp);
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("kleroterion-dir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn one_file() -> BTreeMap<String, Vec<u8>> {
        BTreeMap::from([("a.txt".to_string(), b"new".to_vec())])
    }

    #[test]
    fn a_new_directory_is_refused_when_it_exists_and_never_replaces_a_file() {
        let root = scratch("refuse");
        let out = root.join("out");
        std::fs::create_dir(&out).unwrap();
        assert!(matches!(
            write_new_dir(&out, &one_file(), false),
            Err(Error::Exists(_))
        ));
        write_new_dir(&out, &one_file(), true).unwrap();
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"new");
        // A regular file of that name stays, even when replacing.
        let file = root.join("plan.txt");
        std::fs::write(&file, "mine").unwrap();
        assert!(matches!(
            write_new_dir(&file, &one_file(), true),
            Err(Error::Output { .. })
        ));
        assert_eq!(std::fs::read(&file).unwrap(), b"mine");
        let names: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn files_into_a_directory_are_written_as_a_set() {
        let root = scratch("set");
        std::fs::write(root.join("a.txt"), "old a").unwrap();
        std::fs::write(root.join("x"), "a file, not a directory").unwrap();
        let mut out = Outputs::into_dir(root.clone());
        out.add("a.txt", "new a");
        out.add("x/b.txt", "new b");
        // b.txt cannot be written (x is a file): a.txt keeps its old
        // content and no temporary is left.
        assert!(out.write().is_err());
        assert_eq!(
            std::fs::read_to_string(root.join("a.txt")).unwrap(),
            "old a"
        );
        let names: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
        let mut ok = Outputs::into_dir(root.clone());
        ok.add("a.txt", "new a");
        ok.add("c.txt", "new c");
        assert_eq!(ok.write().unwrap().len(), 2);
        assert_eq!(
            std::fs::read_to_string(root.join("a.txt")).unwrap(),
            "new a"
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_dead_writers_journal_is_finished_inside_its_folder_only() {
        if !Path::new("/proc/self").exists() {
            return; // dead runs cannot be told from live ones here
        }
        let root = scratch("journal");
        let dir = root.join("out");
        std::fs::create_dir_all(&dir).unwrap();
        let dead = u32::MAX;
        for (name, old, new) in [("a.csv", "old a", "new a"), ("b.txt", "old b", "new b")] {
            std::fs::write(dir.join(name), old).unwrap();
            std::fs::write(temporary_of(&dir.join(name), dead), new).unwrap();
        }
        // A name outside the folder is never followed.
        std::fs::write(root.join("escape"), "mine").unwrap();
        std::fs::write(temporary_of(&root.join("escape"), dead), "theirs").unwrap();
        std::fs::write(
            dir.join(format!("{JOURNAL}{dead}")),
            "a.csv\nb.txt\n../escape\n/etc/passwd\n",
        )
        .unwrap();
        recover(&dir);
        assert_eq!(std::fs::read_to_string(dir.join("a.csv")).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(dir.join("b.txt")).unwrap(), "new b");
        assert_eq!(
            std::fs::read_to_string(root.join("escape")).unwrap(),
            "mine"
        );
        assert!(!dir.join(format!("{JOURNAL}{dead}")).exists());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn temporaries_of_killed_runs_are_removed_and_others_kept() {
        if !Path::new("/proc/self").exists() {
            return; // dead runs cannot be told from live ones here
        }
        let root = scratch("stale");
        let out = root.join("out");
        // u32::MAX is no process; pid 1 always runs.
        let dead = root.join(format!(".out.tmp-{}", u32::MAX));
        let old = root.join(format!(".out.old-{}", u32::MAX));
        let other = root.join(".other.tmp-1");
        for d in [&dead, &old, &other] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(old.join("a.txt"), "old").unwrap();
        // A run killed between its two renames: `out` is missing and the
        // dead run's old copy is put back (so it is not written over).
        assert!(matches!(
            write_new_dir(&out, &one_file(), false),
            Err(Error::Exists(_))
        ));
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"old");
        assert!(!dead.exists() && !old.exists());
        // Otherwise the dead run's temporaries are removed.
        std::fs::create_dir_all(&dead).unwrap();
        std::fs::create_dir_all(&old).unwrap();
        write_new_dir(&out, &one_file(), true).unwrap();
        assert!(!dead.exists() && !old.exists());
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"new");
        assert!(
            other.exists(),
            "another output's temporaries are not touched"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
