//! Writing outputs: atomically (a temporary file in the same directory, then
//! a rename), so a reader never sees half a file and an interrupted run
//! leaves the previous output intact. Inputs are never written.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::instance::Instance;
use crate::panel::Panel;
use crate::pool::IdSource;

fn output_error(path: &Path, source: std::io::Error) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        source,
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

/// A CSV document built in memory with the csv crate (comma-delimited,
/// `\n` line ends, quoting only where needed).
pub struct CsvDoc {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvDoc {
    fn default() -> Self {
        CsvDoc {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new()),
        }
    }
}

impl CsvDoc {
    pub fn record<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        self.writer
            .write_record(cells)
            .expect("writing CSV to memory cannot fail");
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.writer
            .into_inner()
            .expect("flushing CSV to memory cannot fail")
    }
}

/// The pool's columns with the id column first (an `id` column of row
/// numbers is added for pools without one).
fn column_order(instance: &Instance) -> (Vec<String>, Vec<Option<usize>>) {
    let pool = &instance.pool;
    let mut header = vec![pool.id_header().to_string()];
    let mut cols = vec![None];
    for (c, h) in pool.header.iter().enumerate() {
        if pool.id_source != IdSource::Column(c) {
            header.push(h.trim().to_string());
            cols.push(Some(c));
        }
    }
    (header, cols)
}

/// People as a CSV in pool order: the pool's columns, id column first.
pub fn people_csv(instance: &Instance, people: impl Iterator<Item = usize>) -> Vec<u8> {
    let (header, cols) = column_order(instance);
    let mut doc = CsvDoc::default();
    doc.record(&header);
    for i in people {
        let p = &instance.pool.people[i];
        doc.record(cols.iter().map(|c| match c {
            None => p.id.as_str(),
            Some(c) => p.cells[*c].as_str(),
        }));
    }
    doc.into_bytes()
}

/// The files every draw writes: `selected.csv` (the panel) and
/// `remaining.csv` (everyone else but the selected people's housemates).
pub fn write_panel_files(
    instance: &Instance,
    panel: &Panel,
    dir: &Path,
) -> Result<Vec<PathBuf>, Error> {
    ensure_dir(dir)?;
    let mut excluded = vec![false; instance.n()];
    for &i in panel.members() {
        excluded[i] = true;
        for h in instance.households.housemates(i) {
            excluded[h] = true;
        }
    }
    let selected = dir.join("selected.csv");
    let remaining = dir.join("remaining.csv");
    write_atomic(
        &selected,
        &people_csv(instance, panel.members().iter().copied()),
    )?;
    write_atomic(
        &remaining,
        &people_csv(instance, (0..instance.n()).filter(|&i| !excluded[i])),
    )?;
    Ok(vec![selected, remaining])
}

/// Formats a probability for CSV outputs: 12 decimals, fixed (stable across
/// platforms for identical floats).
pub fn probability(p: f64) -> String {
    format!("{:.12}", if p.abs() < 5e-13 { 0.0 } else { p })
}

/// `probabilities.csv`: `id,probability`, one row per volunteer in pool order.
pub fn probabilities_csv(instance: &Instance, pi: &[f64]) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    doc.record(["id", "probability"]);
    for (p, &x) in instance.pool.people.iter().zip(pi) {
        doc.record([p.id.as_str(), probability(x).as_str()]);
    }
    doc.into_bytes()
}

/// `distribution.csv`: `panel,probability,member_1..member_k`, one row per
/// panel; members' ids in pool order.
pub fn distribution_csv(instance: &Instance, d: &crate::distribution::Distribution) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    let mut header = vec!["panel".to_string(), "probability".to_string()];
    header.extend((1..=instance.k).map(|i| format!("member_{i}")));
    doc.record(&header);
    for (j, (panel, &p)) in d.panels.iter().zip(&d.probabilities).enumerate() {
        let mut row = vec![(j + 1).to_string(), probability(p)];
        row.extend(
            panel
                .members()
                .iter()
                .map(|&i| instance.pool.people[i].id.clone()),
        );
        doc.record(&row);
    }
    doc.into_bytes()
}
