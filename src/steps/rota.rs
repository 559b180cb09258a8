//! Rota: facilitators for every table and round of a seating.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::error::Error;
use crate::files::csv::CsvDoc;
use crate::files::dir::Outputs;
use crate::files::table::Table;
use crate::logistics::rota;
use crate::logistics::seating::{self, MAX_EFFORT};

use crate::report::list;

/// The default search effort: swaps tried per table.
pub const DEFAULT_EFFORT: usize = 20_000;

/// What to staff.
#[derive(Debug, Clone)]
pub struct RotaOptions {
    /// seating.csv written by `seat`.
    pub seating: PathBuf,
    /// The facilitators file.
    pub facilitators: PathBuf,
    pub seed: String,
    pub effort: usize,
    pub out: PathBuf,
}

/// A rota and its report.
#[derive(Debug)]
pub struct Staffed {
    /// rota.csv and rota-report.txt.
    pub outputs: Outputs,
    pub text: String,
}

pub fn rota(options: &RotaOptions) -> Result<Staffed, Error> {
    if !(1..=MAX_EFFORT).contains(&options.effort) {
        return Err(Error::Usage(format!(
            "the search effort must be between 1 and {MAX_EFFORT}"
        )));
    }
    let (tables, members) = seating::csv::tables(
        &options.seating,
        seating::csv::parse_plan(&Table::read(&options.seating)?)?,
    )?;
    let rounds = tables.len();
    let facilitators = rota::facilitators_from_table(
        &Table::read(&options.facilitators)?,
        rounds,
        &|w| {
            w.parse::<usize>()
                .ok()
                .filter(|x| (1..=rounds).contains(x))
                .map(|x| vec![x - 1])
        },
        "list round numbers from 1 to the number of rounds, separated by spaces; blank for all",
    )?;
    let problem = rota::Problem {
        tables,
        members: members.len(),
        facilitators,
        previous: None,
        fixed_rounds: 0,
        adjacent: Vec::new(),
    };
    let plan = rota::solve(&problem, &options.seed, options.effort);
    let a = rota::assess(&problem, &plan);
    let name = |f: Option<usize>| f.map_or(String::new(), |f| problem.facilitators[f].id.clone());
    let mut doc = CsvDoc::default();
    doc.record(["round", "table", "role", "facilitator"]);
    for r in 0..problem.tables.len() {
        doc.record([
            (r + 1).to_string(),
            String::new(),
            "lead".into(),
            name(plan.lead[r]),
        ]);
        for t in 0..problem.tables[r].len() {
            doc.record([
                (r + 1).to_string(),
                (t + 1).to_string(),
                "table".into(),
                name(plan.table[r][t]),
            ]);
            if plan.note[r][t].is_some() {
                doc.record([
                    (r + 1).to_string(),
                    (t + 1).to_string(),
                    "note-taker".into(),
                    name(plan.note[r][t]),
                ]);
            }
        }
    }
    let mut out = Outputs::into_dir(options.out.clone());
    out.add("rota.csv", doc.into_bytes());
    let mut report = String::new();
    let _ = writeln!(
        report,
        "Rota: {} rounds, {} facilitators, {} members ({})",
        problem.tables.len(),
        problem.facilitators.len(),
        members.len(),
        options.seating.display()
    );
    let _ = writeln!(
        report,
        "Repeated member–facilitator meetings: {}",
        a.repeats
    );
    for (role, lo, hi) in &a.loads {
        let _ = writeln!(
            report,
            "Sessions per {} facilitator: {lo} to {hi}",
            role.name()
        );
    }
    let _ = writeln!(report, "{}", a.sizes_line());
    list(&mut report, "Unmet goals", &a.unmet);
    for w in &a.warnings {
        let _ = writeln!(report, "warning: {w}");
    }
    out.add("rota-report.txt", report.clone());
    Ok(Staffed {
        outputs: out,
        text: report,
    })
}
