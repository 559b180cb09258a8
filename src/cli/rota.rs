//! `kleroterion rota`: facilitators for every table and round.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use kleroterion::error::exit;
use kleroterion::output::{self, CsvDoc};
use kleroterion::rota;
use kleroterion::table::Table;
use kleroterion::{Error, InputError};

/// Assign facilitators: one per table per round, a lead every round.
///
/// Reads a seating.csv (from `kleroterion seat`) and facilitators.csv
/// (id,role,rounds: role is lead, table or note-taker; rounds lists the
/// rounds they are available for, blank for all). Honours availability and
/// gives each table a table facilitator (and a note-taker while there are
/// enough), each round a lead, keeps loads within one session, avoids
/// three rounds in a row, and, while rounds do not outnumber tables, never
/// lets a member meet the same facilitator twice. Writes rota.csv
/// (round,table,role,facilitator) and rota-report.txt, which names every
/// goal not met and warns about tables above 7 members per facilitator.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct RotaArgs {
    /// seating.csv written by `kleroterion seat`.
    #[arg(long, value_name = "CSV")]
    pub seating: PathBuf,
    /// Facilitators CSV: id,role,rounds.
    #[arg(long, value_name = "CSV")]
    pub facilitators: PathBuf,
    /// Seed text for the search.
    #[arg(long, value_name = "TEXT", default_value = "kleroterion rota")]
    pub seed: String,
    /// Search effort: swaps tried per table.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub effort: usize,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: RotaArgs) -> Result<i32, Error> {
    if !(1..=kleroterion::seating::MAX_EFFORT).contains(&args.effort) {
        return Err(Error::Usage(format!(
            "--effort must be between 1 and {}",
            kleroterion::seating::MAX_EFFORT
        )));
    }
    let (tables, members) = read_seating(&args.seating)?;
    let rounds = tables.len();
    let facilitators = rota::facilitators_from_table(
        &Table::read(&args.facilitators)?,
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
    let plan = rota::solve(&problem, &args.seed, args.effort);
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
    output::ensure_dir(&args.out)?;
    let csv = args.out.join("rota.csv");
    output::write_atomic(&csv, &doc.into_bytes())?;
    let mut report = String::new();
    let _ = writeln!(
        report,
        "Rota: {} rounds, {} facilitators, {} members ({})",
        problem.tables.len(),
        problem.facilitators.len(),
        members.len(),
        args.seating.display()
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
    super::list(&mut report, "Unmet goals", &a.unmet);
    for w in &a.warnings {
        let _ = writeln!(report, "warning: {w}");
    }
    let rep = args.out.join("rota-report.txt");
    output::write_atomic(&rep, report.as_bytes())?;
    print!("{report}");
    println!("\nwrote {}\nwrote {}", csv.display(), rep.display());
    Ok(exit::OK)
}

/// Per round, per table: member indices; and the member ids.
type SeatingTables = (Vec<Vec<Vec<usize>>>, Vec<String>);

fn read_seating(path: &Path) -> Result<SeatingTables, Error> {
    let rows = kleroterion::seating::parse_plan(&Table::read(path)?)?;
    let mut ids: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut seats: std::collections::BTreeMap<(usize, usize), Vec<usize>> = Default::default();
    let mut seen: std::collections::HashSet<(usize, usize)> = Default::default();
    let mut errors = Vec::new();
    for row in rows {
        let next = ids.len();
        let m = *index.entry(row.id.clone()).or_insert_with(|| {
            ids.push(row.id.clone());
            next
        });
        if !seen.insert((row.round, m)) {
            errors.push(
                InputError::invalid(
                    path,
                    format!("{} is seated twice in round {}", row.id, row.round + 1),
                )
                .line(row.line)
                .hint("give the seating.csv written by `kleroterion seat`"),
            );
            continue;
        }
        seats
            .entry((row.round + 1, row.table + 1))
            .or_default()
            .push(m);
    }
    // Rounds and tables numbered 1, 2, … without gaps (so nothing large
    // is allocated from a number in the file).
    let mut tables: Vec<Vec<Vec<usize>>> = Vec::new();
    for ((r, t), members) in seats {
        if r != tables.len() && r != tables.len() + 1 || (r == tables.len() + 1 && t != 1) {
            errors.push(
                InputError::invalid(
                    path,
                    format!("round {r}, table {t} does not follow the rounds and tables before it"),
                )
                .hint("number rounds and tables from 1 without gaps, as `kleroterion seat` does"),
            );
            break;
        }
        if r == tables.len() + 1 {
            tables.push(Vec::new());
        }
        let round = &mut tables[r - 1];
        if t != round.len() + 1 {
            errors.push(
                InputError::invalid(
                    path,
                    format!("round {r}: table {t} follows table {}", round.len()),
                )
                .hint("number tables from 1 without gaps, as `kleroterion seat` does"),
            );
            break;
        }
        round.push(members);
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    Ok((tables, ids))
}
