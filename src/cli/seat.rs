//! `kleroterion seat`: table seatings for the deliberation rounds.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kleroterion::error::exit;
use kleroterion::members::Members;
use kleroterion::output::{self, CsvDoc};
use kleroterion::seating::{self, Problem, Seating};
use kleroterion::table::Table;
use kleroterion::{Error, constraints};

/// Seat the members at tables for each deliberation round.
///
/// Every round splits the members present into ⌈n / --table-size⌉ tables of
/// near-equal size. Hard rules come from --constraints (apart, together,
/// pin, absent). The plan keeps every (round, table, value) count of each
/// --balance column within ⌊q⌋..⌈q⌉ (q = table size × the value's share),
/// makes as many different pairs meet as possible, and no pair meet more
/// than twice, as far as the rules allow. Deterministic for a given --seed.
///
/// Writes seating.csv (round,table,id; one row per member per round) and
/// seating-report.txt (pairs met against the bound, meetings per pair,
/// cells in band, largest deviation, every unmet rule). Re-planning:
/// --previous with the earlier seating.csv and --fixed-rounds for the rounds
/// already held; later rounds change as little as the new situation allows.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct SeatArgs {
    /// Members CSV (e.g. the selected.csv of a draw).
    #[arg(long, value_name = "CSV")]
    pub members: PathBuf,
    /// The members' id column (default: auto-detected like the pool's; else row numbers).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Members per table (tables are near-equal: 110 at 8 gives 12 × 8 + 2 × 7).
    #[arg(long, value_name = "N")]
    pub table_size: usize,
    /// Number of deliberation rounds.
    #[arg(long, value_name = "R")]
    pub rounds: usize,
    /// Columns whose values every table should mirror.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub balance: Vec<String>,
    /// Constraints CSV: kind,members,table,rounds (kind: apart, together, pin, absent).
    #[arg(long, value_name = "CSV")]
    pub constraints: Option<PathBuf>,
    /// Seed text for the search (same inputs and seed give the same plan).
    #[arg(long, value_name = "TEXT", default_value = "kleroterion seating")]
    pub seed: String,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Search effort: swaps tried per member per round.
    #[arg(long, value_name = "N", default_value_t = seating::DEFAULT_EFFORT)]
    pub effort: usize,
    /// An earlier seating.csv to revise (withdrawn members dropped, new members added).
    #[arg(long, value_name = "CSV")]
    pub previous: Option<PathBuf>,
    /// With --previous: keep this many first rounds exactly as they were.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fixed_rounds: usize,
}

use kleroterion::seating::MAX_EFFORT;

pub fn run(args: SeatArgs) -> Result<i32, Error> {
    let started = Instant::now();
    if !(1..=MAX_EFFORT).contains(&args.effort) {
        return Err(Error::Usage(format!(
            "--effort must be between 1 and {MAX_EFFORT}"
        )));
    }
    if args.table_size < 2 || !(1..=1000).contains(&args.rounds) {
        return Err(Error::Usage(
            "--table-size must be at least 2 and --rounds between 1 and 1000".into(),
        ));
    }
    if args.fixed_rounds > 0 && args.previous.is_none() {
        return Err(Error::Usage("--fixed-rounds needs --previous".into()));
    }
    let members = Members::from_table(Table::read(&args.members)?, args.id_column.as_deref())?;
    let categories = members.categories(&args.balance)?;
    let constraints = match &args.constraints {
        Some(path) => constraints::from_table(&Table::read(path)?, &members, args.rounds, None)?,
        None => Vec::new(),
    };
    let previous = match &args.previous {
        Some(path) => Some(read_previous(path, &members, args.rounds)?),
        None => None,
    };
    let problem = Problem {
        n: members.len(),
        rounds: args.rounds,
        layout: vec![seating::Layout::Size(args.table_size); args.rounds],
        categories,
        constraints,
        previous: previous.clone(),
        fixed_rounds: args.fixed_rounds.min(args.rounds),
    };
    let plan = seating::solve(&problem, &args.seed, args.effort)?;
    let seconds = started.elapsed().as_secs_f64();
    let describe = |c: &constraints::Constraint| c.describe(&members);
    let a = seating::assess(&problem, &plan, &describe);

    let mut doc = CsvDoc::default();
    doc.record(["round", "table", members.id_header.as_str()]);
    for r in 0..args.rounds {
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
    output::ensure_dir(&args.out)?;
    let csv_path = args.out.join("seating.csv");
    output::write_atomic(&csv_path, &doc.into_bytes())?;

    let mut report = String::new();
    let sizes = seating::table_sizes(problem.present(0).len(), args.table_size);
    let _ = writeln!(
        report,
        "Seating: {} members ({}), {} rounds, tables of {} (round 1: {}), balancing {}",
        members.len(),
        members.path.display(),
        args.rounds,
        args.table_size,
        describe_sizes(&sizes),
        if args.balance.is_empty() {
            "nothing".to_string()
        } else {
            args.balance.join(", ")
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
    super::list(&mut report, "Unmet rules", &a.unmet);
    if let Some(prev) = &previous {
        let changed: usize = (0..args.rounds)
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
        "Search: simulated annealing then tabu search, seed \"{}\", effort {} swaps per member per round",
        args.seed, args.effort
    );
    let report_path = args.out.join("seating-report.txt");
    output::write_atomic(&report_path, report.as_bytes())?;
    print!("{report}");
    println!("Time: {seconds:.1} s");
    println!(
        "\nwrote {}\nwrote {}",
        csv_path.display(),
        report_path.display()
    );
    Ok(exit::OK)
}

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

/// An earlier seating.csv: ids no longer members are dropped.
fn read_previous(
    path: &std::path::Path,
    members: &Members,
    rounds: usize,
) -> Result<Seating, Error> {
    let rows = seating::parse_plan(&Table::read(path)?)?;
    let index: HashMap<&str, usize> = members.index();
    let mut table_of = vec![vec![None; members.len()]; rounds];
    for row in rows {
        if row.round < rounds
            && let Some(&i) = index.get(row.id.as_str())
        {
            table_of[row.round][i] = Some(row.table);
        }
    }
    Ok(Seating { table_of })
}
