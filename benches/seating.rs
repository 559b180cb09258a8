//! Seating benchmark: the GroupSelect examples (R1-R3 of issue 5), the
//! classic repeat-free designs, and re-planning after withdrawals. Prints
//! distinct pairs against the bound, the most meetings of one pair, the
//! share of (round, table, value) cells in band and the time.
//!
//!     cargo bench --bench seating [-- --effort N] [--only NAME-PART]

use std::path::Path;
use std::time::Instant;

use kleroterion::files::table::Table;
use kleroterion::logistics::members::Members;
use kleroterion::logistics::seating::{self, Problem};

struct Case {
    name: &'static str,
    file: Option<(&'static str, &'static str)>,
    n: usize,
    size: usize,
    rounds: usize,
    balance: &'static [&'static str],
    target: usize,
    /// GroupSelect's figures where published (../shared/docs/logistics.md).
    groupselect: &'static str,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let effort = args
        .iter()
        .position(|a| a == "--effort")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(seating::DEFAULT_EFFORT);
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/groupselect-examples");
    let cases = [
        Case {
            name: "R1 philipps 110, size 8, 6 rounds",
            file: Some(("philipps_example_data.csv", "name")),
            n: 110,
            size: 8,
            rounds: 6,
            balance: &["gender", "age", "education", "ethnicity", "region"],
            target: 2240,
            groupselect: "1,290-1,303 pairs, 84% in band, a pair 6x",
        },
        Case {
            name: "R2 100i, size 10, 4 rounds",
            file: Some(("100i_4j_3k_3d_data.csv", "ID")),
            n: 100,
            size: 10,
            rounds: 4,
            balance: &["gender", "age", "region", "nation"],
            target: 1780,
            groupselect: "not published",
        },
        Case {
            name: "R3 100i, size 8, 6 rounds",
            file: Some(("100i_4j_3k_3d_data.csv", "ID")),
            n: 100,
            size: 8,
            rounds: 6,
            balance: &["gender", "age", "region", "nation"],
            target: 1990,
            groupselect: "not published",
        },
        Case {
            name: "Kirkman 15 in 5x3, 7 rounds",
            file: None,
            n: 15,
            size: 3,
            rounds: 7,
            balance: &[],
            target: 105,
            groupselect: "not published",
        },
        Case {
            name: "golfers 32 in 8x4, 9 rounds",
            file: None,
            n: 32,
            size: 4,
            rounds: 9,
            balance: &[],
            target: 432,
            groupselect: "not published",
        },
        Case {
            name: "golfers 32 in 8x4, 10 rounds",
            file: None,
            n: 32,
            size: 4,
            rounds: 10,
            balance: &[],
            target: 480,
            groupselect: "not published",
        },
    ];
    println!("effort {effort}");
    println!(
        "{:<36} {:>7} {:>7} {:>7} {:>5} {:>8} {:>7}   GroupSelect",
        "case", "pairs", "bound", "target", "max", "in band", "secs"
    );
    let mut r1: Option<(Problem, seating::Seating)> = None;
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    for case in &cases {
        if only
            .as_ref()
            .is_some_and(|o| !case.name.contains(o.as_str()))
        {
            continue;
        }
        let (categories, n) = match case.file {
            Some((file, id)) => {
                let path = shared.join(file);
                if !path.exists() {
                    println!("{:<36} SKIPPED: {} not found", case.name, path.display());
                    continue;
                }
                let members = Members::from_table(Table::read(&path).unwrap(), Some(id)).unwrap();
                let cols: Vec<String> = case.balance.iter().map(|s| s.to_string()).collect();
                (members.categories(&cols).unwrap(), members.len())
            }
            None => (Vec::new(), case.n),
        };
        let problem = Problem {
            n,
            rounds: case.rounds,
            layout: vec![kleroterion::logistics::seating::Layout::Size(case.size); case.rounds],
            categories,
            constraints: Vec::new(),
            previous: None,
            fixed_rounds: 0,
        };
        let t = Instant::now();
        let plan = seating::solve(&problem, "bench", effort).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let a = seating::assess(&problem, &plan, &|_| String::new());
        let band = if a.cells == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", 100.0 * a.cells_in_band as f64 / a.cells as f64)
        };
        println!(
            "{:<36} {:>7} {:>7} {:>7} {:>5} {:>8} {:>7.1}   {}",
            case.name,
            a.distinct_pairs,
            a.pair_bound,
            case.target,
            a.max_meetings(),
            band,
            secs,
            case.groupselect
        );
        if case.name.starts_with("R1") {
            r1 = Some((problem, plan));
        }
    }
    // Re-planning R1: 5 withdrawals after round 3, rounds 1-3 pinned.
    if let Some((problem, plan)) = r1 {
        let gone = [3usize, 17, 42, 77, 101];
        let keep: Vec<usize> = (0..problem.n).filter(|i| !gone.contains(i)).collect();
        let categories = problem
            .categories
            .iter()
            .map(|c| kleroterion::logistics::members::Category {
                name: c.name.clone(),
                values: c.values.clone(),
                of_member: keep.iter().map(|&i| c.of_member[i]).collect(),
            })
            .collect();
        let previous = seating::Seating {
            table_of: plan
                .table_of
                .iter()
                .map(|round| keep.iter().map(|&i| round[i]).collect())
                .collect(),
        };
        let replan = Problem {
            n: keep.len(),
            categories,
            previous: Some(previous.clone()),
            fixed_rounds: 3,
            ..problem
        };
        let t = Instant::now();
        let new = seating::solve(&replan, "bench", effort / 4).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let changed: usize = (3..replan.rounds)
            .map(|r| {
                (0..replan.n)
                    .filter(|&i| previous.table_of[r][i] != new.table_of[r][i])
                    .count()
            })
            .sum();
        let fixed_same = (0..3).all(|r| previous.table_of[r] == new.table_of[r]);
        let a = seating::assess(&replan, &new, &|_| String::new());
        println!(
            "{:<36} {:>7} {:>7} {:>7} {:>5} {:>7.1}% {:>7.1}   rounds 1-3 unchanged: {fixed_same}; member-rounds moved in 4-6: {changed}",
            "R1 re-plan, 5 withdrawn, 3 fixed",
            a.distinct_pairs,
            a.pair_bound,
            "-",
            a.max_meetings(),
            100.0 * a.cells_in_band as f64 / a.cells.max(1) as f64,
            secs
        );
    }
}
