//! Seat: table seatings for the deliberation rounds.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use crate::error::Error;
use crate::files::csv::CsvDoc;
use crate::files::dir::Outputs;
use crate::files::table::Table;
use crate::logistics::members::Members;
use crate::logistics::rules::{self, Constraint};
use crate::logistics::seating::{self, Layout, MAX_EFFORT, Problem};

use crate::report::list;

/// What to seat and how.
#[derive(Debug, Clone)]
pub struct SeatOptions {
    /// The members file.
    pub members: PathBuf,
    /// Its id column (None: auto-detected).
    pub id_column: Option<String>,
    /// Members per table.
    pub table_size: usize,
    pub rounds: usize,
    /// Columns whose values every table should mirror.
    pub balance: Vec<String>,
    /// The hard rules file.
    pub constraints: Option<PathBuf>,
    /// Seed text of the search.
    pub seed: String,
    /// Swaps tried per member per round.
    pub effort: usize,
    /// An earlier seating.csv to revise.
    pub previous: Option<PathBuf>,
    /// With `previous`: keep this many first rounds as they were.
    pub fixed_rounds: usize,
    pub out: PathBuf,
}

/// A seating and its report.
#[derive(Debug)]
pub struct Seated {
    /// seating.csv and seating-report.txt.
    pub outputs: Outputs,
    /// The report.
    pub text: String,
    pub seconds: f64,
    /// Hard rules the seating could not meet (named in the report).
    pub rules_unmet: usize,
}

/// Seats the members; `progress` is told the share of the search done.
pub fn seat(options: &SeatOptions, progress: &dyn Fn(f64)) -> Result<Seated, Error> {
    let started = Instant::now();
    if !(1..=MAX_EFFORT).contains(&options.effort) {
        return Err(Error::Usage(format!(
            "the search effort must be between 1 and {MAX_EFFORT}"
        )));
    }
    if options.table_size < 2 || !(1..=1000).contains(&options.rounds) {
        return Err(Error::Usage(
            "tables need at least 2 members, and the rounds must number between 1 and 1000".into(),
        ));
    }
    if options.fixed_rounds > 0 && options.previous.is_none() {
        return Err(Error::Usage(
            "keeping rounds as they were needs the earlier seating.csv".into(),
        ));
    }
    let rounds = options.rounds;
    let members =
        Members::from_table(Table::read(&options.members)?, options.id_column.as_deref())?;
    let categories = members.categories(&options.balance)?;
    let constraints = match &options.constraints {
        Some(path) => rules::from_table(&Table::read(path)?, &members, rounds, None)?,
        None => Vec::new(),
    };
    let previous_rows = match &options.previous {
        Some(path) => seating::csv::parse_plan(&Table::read(path)?)?,
        None => Vec::new(),
    };
    let previous = options
        .previous
        .as_ref()
        .map(|_| seating::csv::previous(previous_rows.clone(), &members, rounds));
    let problem = Problem {
        n: members.len(),
        rounds,
        layout: vec![Layout::Size(options.table_size); rounds],
        categories,
        constraints,
        previous: previous.clone(),
        fixed_rounds: options.fixed_rounds.min(rounds),
    };
    let plan = seating::solve_with(&problem, &options.seed, options.effort, progress)?;
    let used = seating::capped_effort(options.effort, problem.n, problem.open_rounds());
    let seconds = started.elapsed().as_secs_f64();
    let describe = |c: &Constraint| c.describe(&members);
    let a = seating::assess(&problem, &plan, &describe);

    let mut doc = CsvDoc::default();
    doc.record(["round", "table", members.id_header.as_str()]);
    for r in 0..rounds {
        if r < problem.fixed_rounds {
            // A kept round is written as it was, members since withdrawn
            // included: the past is not rewritten.
            for row in previous_rows.iter().filter(|row| row.round == r) {
                doc.record([
                    (r + 1).to_string(),
                    (row.table + 1).to_string(),
                    row.id.clone(),
                ]);
            }
            continue;
        }
        for (t, table) in plan.tables(r).iter().enumerate() {
            for &i in table {
                doc.record([
                    (r + 1).to_string(),
                    (t + 1).to_string(),
                    members.ids[i].clone(),
                ]);
            }
        }
    }
    let mut out = Outputs::into_dir(options.out.clone());
    out.add("seating.csv", doc.into_bytes());

    let mut report = String::new();
    let sizes = seating::table_sizes(problem.present(0).len(), options.table_size);
    let _ = writeln!(
        report,
        "Seating: {} members ({}), {} rounds, tables of {} (round 1: {}), balancing {}",
        members.len(),
        members.path.display(),
        rounds,
        options.table_size,
        describe_sizes(&sizes),
        if options.balance.is_empty() {
            "nothing".to_string()
        } else {
            options.balance.join(", ")
        }
    );
    let _ = writeln!(
        report,
        "Distinct pairs met: {} of {} possible ({:.1}%)",
        a.distinct_pairs,
        a.pair_bound,
        100.0 * a.distinct_pairs as f64 / a.pair_bound.max(1) as f64
    );
    let hist: Vec<String> = a
        .histogram
        .iter()
        .enumerate()
        .map(|(c, k)| format!("{c}×: {k}"))
        .collect();
    let _ = writeln!(report, "Pairs by number of meetings: {}", hist.join(", "));
    let _ = writeln!(report, "Most meetings of one pair: {}", a.max_meetings());
    let _ = writeln!(
        report,
        "Table×value cells within ⌊q⌋..⌈q⌉: {} of {} ({:.1}%); largest deviation {}",
        a.cells_in_band,
        a.cells,
        100.0 * a.cells_in_band as f64 / a.cells.max(1) as f64,
        a.largest_deviation
    );
    list(&mut report, "Unmet rules", &a.unmet);
    if let Some(prev) = &previous {
        let changed: usize = (0..rounds)
            .map(|r| {
                (0..members.len())
                    .filter(|&i| {
                        prev.table_of[r][i].is_some() && prev.table_of[r][i] != plan.table_of[r][i]
                    })
                    .count()
            })
            .sum();
        let _ = writeln!(
            report,
            "Changes from the previous plan: {changed} member-rounds at another table (first {} rounds fixed)",
            problem.fixed_rounds
        );
    }
    let _ = writeln!(
        report,
        "Search: simulated annealing then tabu search, seed \"{}\", effort {} swaps per member per round{}",
        options.seed,
        used,
        if used < options.effort {
            format!(
                " (lowered from {}: a search tries at most {} swaps in all)",
                options.effort,
                seating::MAX_MOVES
            )
        } else {
            String::new()
        }
    );
    out.add("seating-report.txt", report.clone());
    Ok(Seated {
        outputs: out,
        text: report,
        seconds,
        rules_unmet: a.unmet.len(),
    })
}

/// "12×8 + 2×7".
fn describe_sizes(sizes: &[usize]) -> String {
    let mut parts: Vec<(usize, usize)> = Vec::new();
    for &s in sizes {
        match parts.last_mut() {
            Some((size, count)) if *size == s => *count += 1,
            _ => parts.push((s, 1)),
        }
    }
    parts
        .iter()
        .map(|(s, c)| format!("{c}×{s}"))
        .collect::<Vec<_>>()
        .join(" + ")
}
