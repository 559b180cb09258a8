//! The selection's output tables as bytes: the panel and everyone else
//! (`selected.csv`, `remaining.csv`), every person's probability and the
//! distribution. Writing them is the front-end's job.

use crate::files::csv::CsvDoc;
use crate::model::instance::Instance;
use crate::model::panel::Panel;
use crate::model::pool::IdSource;
use crate::selection::distribution::probability;

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
pub fn panel_files(instance: &Instance, panel: &Panel) -> Vec<(String, Vec<u8>)> {
    let mut excluded = vec![false; instance.n()];
    for &i in panel.members() {
        excluded[i] = true;
        for h in instance.households.housemates(i) {
            excluded[h] = true;
        }
    }
    vec![
        (
            "selected.csv".to_string(),
            people_csv(instance, panel.members().iter().copied()),
        ),
        (
            "remaining.csv".to_string(),
            people_csv(instance, (0..instance.n()).filter(|&i| !excluded[i])),
        ),
    ]
}

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
pub fn distribution_csv(
    instance: &Instance,
    d: &crate::selection::distribution::Distribution,
) -> Vec<u8> {
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
