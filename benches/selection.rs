//! Selection benchmark (a bench binary, not a timed test):
//!
//!     cargo bench --bench selection                 # shared instances + real-shaped pools
//!     cargo bench --bench selection -- --quick      # shared instances only
//!     cargo bench --bench selection -- --limit 300  # seconds per run (default 120)
//!     cargo bench --bench selection -- --only hd_30  # instances whose name contains it
//!     cargo bench --bench selection -- --legacy N   # also N LEGACY draws per instance
//!     cargo bench --bench selection -- --stagewise  # LEXIMIN without its relaxation first
//!     cargo bench --bench selection -- --peel-after N  # peel the target after N master-LP iterations (0: at once)
//!     cargo bench --bench selection -- --peel-below Z  # ... or at once if the first master LP's z < Z (0: never)
//!     cargo bench --bench selection -- --settings plain  # one generator setting (plain, skewed, regions)
//!     cargo bench --bench selection -- --no-check   # skip the independent exactness check
//!     cargo bench --bench selection -- --algorithms leximin,nash  # only these on the synthetic pools
//!     cargo bench --bench selection -- --skip pool_10000  # leave out instances whose name contains it
//!     cargo bench --bench selection -- --detail     # where each run's time went
//!
//! Runs LEXIMIN, MAXIMIN and NASH on the shared instances (skipped with a
//! message when ../shared/instances is absent) and LEXIMIN and MAXIMIN on
//! synthetic pools (and NASH) shaped like the ten real instances of Flanigan et al.
//! (same n, k and number of categories; made by `kleroterion::synth` with
//! fixed seeds) and on a 10,000-person pool, each shape under three
//! generator settings ([`SETTINGS`]), so that no figure rests on one
//! generator. Prints time, minimum probability, Gini, number of panels,
//! whether the run finished (or hit the limit), the process's peak memory so far (it only grows) and, for each
//! LEXIMIN over the relaxation, the largest rise found by the independent
//! person-level check (tests/suite/exactness.rs); then per shape the
//! slowest and median LEXIMIN time over the settings.

#[path = "../tests/suite/exactness.rs"]
mod exactness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kleroterion::model::profiles::Profiles;
use kleroterion::random::DrawRng;
use kleroterion::selection::distribution::Fairness;
use kleroterion::selection::feasibility;
use kleroterion::selection::legacy;
use kleroterion::selection::optimise::{self, Gamma, Objective, Options, Peel};
use kleroterion::solver::Settings;
use kleroterion::synth::{self, Shape, SynthSpec};
use kleroterion::{Inputs, Instance};

/// Real instances of the table in ../shared/docs/selection.md: name, n, k,
/// categories.
const SHAPES: &[(&str, usize, usize, usize)] = &[
    ("mass_24", 70, 24, 5),
    ("sf_c_44", 161, 44, 7),
    ("hd_30", 239, 30, 7),
    ("sf_b_20", 250, 20, 6),
    ("sf_a_35", 312, 35, 6),
    ("obf_30", 321, 30, 8),
    ("nexus_170", 342, 170, 5),
    ("sf_d_40", 404, 40, 6),
    ("cca_75", 825, 75, 4),
    ("sf_e_110", 1727, 110, 7),
    ("pool_10000", 10000, 150, 6),
];

/// Generator settings each shape is made under: (name, household rate,
/// shape). Plain is the model of data/; skewed has keener keen groups,
/// correlated categories, 10% households and a minimum of 1 for every value
/// (rare ones included); regions has twelve regions (some of 3–4%), strong
/// correlation, 2% households and rare minima.
const SETTINGS: &[(&str, f64, Shape)] = &[
    (
        "plain",
        0.05,
        Shape {
            skew: 1.0,
            correlation: 0.0,
            twelve_regions: false,
            rare_minimum: false,
        },
    ),
    (
        "skewed",
        0.10,
        Shape {
            skew: 2.0,
            correlation: 0.3,
            twelve_regions: false,
            rare_minimum: true,
        },
    ),
    (
        "regions",
        0.02,
        Shape {
            skew: 1.5,
            correlation: 0.6,
            twelve_regions: true,
            rare_minimum: true,
        },
    ),
];

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn load(pool: PathBuf, quotas: PathBuf, k: usize, address: &[&str]) -> Instance {
    let inputs = Inputs {
        pool,
        quotas,
        k,
        id_column: None,
        address_columns: address.iter().map(|s| s.to_string()).collect(),
        columns: Vec::new(),
    };
    inputs.load().expect("benchmark inputs load").0
}

/// A synthetic pool shaped like a real instance. The slack of the quotas is
/// widened (deterministically) until a panel exists.
fn synthetic(
    name: &str,
    (n, k, categories): (usize, usize, usize),
    (household_rate, shape): (f64, Shape),
    dir: &Path,
) -> Option<Instance> {
    for slack in 1..=10 {
        let pool = synth::generate(&SynthSpec {
            n,
            k,
            categories,
            household_rate,
            slack,
            seed: format!("kleroterion bench {name}"),
            shape,
        });
        let d = dir.join(name);
        std::fs::create_dir_all(&d).expect("bench directory");
        std::fs::write(d.join("pool.csv"), &pool.pool_csv).expect("write pool");
        std::fs::write(d.join("quotas.csv"), &pool.quotas_csv).expect("write quotas");
        let instance = load(
            d.join("pool.csv"),
            d.join("quotas.csv"),
            k,
            &pool.address_columns,
        );
        if instance.quick_infeasibility().is_empty()
            && feasibility::best_panel(
                &instance,
                &kleroterion::model::profiles::Profiles::new(&instance),
                &vec![0.0; n],
                &Settings::default(),
            )
            .expect("solver runs")
            .is_some()
        {
            return Some(instance);
        }
    }
    println!("{name:<32} skipped: no feasible quotas within slack 10");
    None
}

/// One run; prints its line and returns its seconds.
fn run(
    name: &str,
    instance: &Instance,
    objective: Objective,
    limit: f64,
    (relaxation_first, peel): (bool, Peel),
    (check, detail): (bool, bool),
) -> f64 {
    let profiles = Profiles::new(instance);
    let start = Instant::now();
    let options = Options {
        objective,
        settings: Settings::default(),
        deadline: Some(start + Duration::from_secs_f64(limit)),
        relaxation_first,
        peel,
        cancel: Default::default(),
    };
    let computed = optimise::optimise(instance, &profiles, &options, &mut |_| {});
    let seconds = start.elapsed().as_secs_f64();
    match computed {
        Ok(c) => {
            let pi: Vec<f64> = profiles
                .of_person
                .iter()
                .map(|&t| c.profile_probabilities[t])
                .collect();
            let f = Fairness::of(&pi);
            let peak = peak_rss_mib();
            // The independent check, for a LEXIMIN over the relaxation.
            let rise =
                if check && objective == Objective::Leximin && c.target.is_some() && c.complete {
                    let bounds: Vec<f64> = c.stages.iter().map(|s| s.bound).collect();
                    let found = exactness::check(instance, &exactness::claimed(&pi, &bounds));
                    format!("{:.1e}", found.largest_rise.max(found.stage_error))
                } else {
                    "-".into()
                };
            println!(
                "{:<32} {:>6} {:>4} {:>4} {:<10} {:>9.2} {:>9.4}% {:>9.4}% {:>6.3} {:>7.2}% {:>7} {:>7} {:>8} {:>8.0} {:>7} {:>8}",
                name,
                instance.n(),
                instance.k,
                instance.quotas.categories.len(),
                objective.name(),
                seconds,
                100.0 * f.min,
                100.0 * f.max,
                f.max / f.mean,
                100.0 * f.gini,
                c.distribution.panels.len(),
                profiles.len(),
                if c.complete { "yes" } else { "LIMIT" },
                peak,
                match (objective, &c.target) {
                    (Objective::Leximin, Some(_)) => "relaxed",
                    (Objective::Leximin, None) => "stages",
                    _ => "-",
                },
                rise
            );
            if detail {
                let relaxed: f64 = c.stages.iter().map(|s| s.seconds).sum();
                let target = c.target.as_ref();
                println!(
                    "{:<32} seeding {:.2} s, {} stages {:.2} s, target: {} peeled, {} LPs, {} pricings, {:.2} s; all LPs {:.2} s ({}), all pricing {:.2} s ({}), {} columns",
                    "",
                    c.seed_seconds,
                    c.stages.len(),
                    relaxed,
                    target.map_or(0, |t| t.peeled),
                    target.map_or(0, |t| t.lp_solves),
                    target.map_or(0, |t| t.pricing_solves),
                    target.map_or(0.0, |t| t.seconds),
                    c.lp_seconds,
                    c.lp_solves,
                    c.pricing_seconds,
                    c.pricing_solves,
                    c.columns,
                );
            }
        }
        Err(e) => println!("{name:<32} {}: error {e}", objective.name()),
    }
    seconds
}

fn legacy_draws(name: &str, instance: &Instance, draws: usize) {
    let mut hits = vec![0u32; instance.n()];
    let mut rng = DrawRng::new("kleroterion/bench/v1", name);
    let start = Instant::now();
    for _ in 0..draws {
        let d = legacy::draw(instance, &mut rng, 100).expect("legacy draws");
        for &i in d.panel.members() {
            hits[i] += 1;
        }
    }
    let per = start.elapsed().as_secs_f64() / draws as f64;
    let min = *hits.iter().min().unwrap_or(&0) as f64 / draws as f64;
    println!(
        "{name:<32} LEGACY: {draws} draws, {:.3} ms per draw, lowest empirical frequency {:.2}%",
        per * 1e3,
        100.0 * min
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<f64>().ok())
    };
    let limit = value("--limit").unwrap_or(120.0);
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let skip = args
        .iter()
        .position(|a| a == "--skip")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let chosen = |name: &str| {
        only.as_ref().is_none_or(|o| name.contains(o.as_str()))
            && skip.as_ref().is_none_or(|s| !name.contains(s.as_str()))
    };
    let legacy_n = value("--legacy").map_or(0, |v| v as usize);
    let relaxation_first = !args.iter().any(|a| a == "--stagewise");
    let peel = Peel {
        after: value("--peel-after").map_or(Peel::DEFAULT.after, |v| v as u64),
        below: value("--peel-below").unwrap_or(Peel::DEFAULT.below),
    };
    let route = (relaxation_first, peel);
    let check = (
        !args.iter().any(|a| a == "--no-check"),
        args.iter().any(|a| a == "--detail"),
    );
    let algorithms = args
        .iter()
        .position(|a| a == "--algorithms")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let setting = args
        .iter()
        .position(|a| a == "--settings")
        .and_then(|i| args.get(i + 1))
        .cloned();
    println!(
        "{:<32} {:>6} {:>4} {:>4} {:<10} {:>9} {:>10} {:>10} {:>6} {:>8} {:>7} {:>7} {:>8} {:>8} {:>7} {:>8}",
        "instance",
        "n",
        "k",
        "cats",
        "algo",
        "seconds",
        "min",
        "max",
        "max/kn",
        "Gini",
        "panels",
        "profiles",
        "finished",
        "peakMiB",
        "route",
        "rise"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/instances");
    if shared.is_dir() {
        let s = |i: &str, f: &str| shared.join(i).join(f);
        let cases = [
            ("example_small_20", "respondents.csv", "categories.csv", 20),
            (
                "example_large_200",
                "respondents.csv",
                "categories.csv",
                200,
            ),
            (
                "sortition_algorithms_fixture_22",
                "candidates.csv",
                "features.csv",
                22,
            ),
        ];
        for (name, pool, quotas, k) in cases {
            if !chosen(name) {
                continue;
            }
            let instance = load(s(name, pool), s(name, quotas), k, &[]);
            for objective in [Objective::Leximin, Objective::Maximin, Objective::Nash] {
                run(name, &instance, objective, limit, route, check);
            }
            if legacy_n > 0 {
                legacy_draws(name, &instance, legacy_n);
            }
        }
    } else {
        eprintln!(
            "SKIPPED: {} is absent; no shared instances",
            shared.display()
        );
    }
    if quick {
        return;
    }
    let dir = std::env::temp_dir().join(format!("kleroterion-bench-{}", std::process::id()));
    let mut spread: Vec<(&str, Vec<f64>)> = Vec::new();
    for &(name, n, k, c) in SHAPES {
        if !chosen(name) {
            continue;
        }
        let mut times = Vec::new();
        for &(set, households, shape) in SETTINGS {
            if setting.as_ref().is_some_and(|s| s != set) {
                continue;
            }
            let label = format!("{name}/{set}");
            // The plain pools keep the seeds of the earlier benchmark.
            let seed = if set == "plain" { name } else { &label };
            let Some(instance) = synthetic(seed, (n, k, c), (households, shape), &dir) else {
                continue;
            };
            // MAXIMIN and NASH beside LEXIMIN: MAXIMIN takes the same
            // route, so it must not be slower; NASH should stay within 3×.
            for objective in [
                Objective::Leximin,
                Objective::Maximin,
                Objective::Nash,
                Objective::Goldilocks(Gamma(1.0)),
            ]
            .into_iter()
            .filter(|o| {
                algorithms
                    .as_ref()
                    .is_none_or(|a| a.split(',').any(|x| x.eq_ignore_ascii_case(o.name())))
            }) {
                let seconds = run(&label, &instance, objective, limit, route, check);
                if objective == Objective::Leximin {
                    times.push(seconds);
                }
            }
            if legacy_n > 0 {
                legacy_draws(&label, &instance, legacy_n);
            }
        }
        spread.push((name, times));
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("\nLEXIMIN seconds per shape over the generator settings:");
    println!("{:<14} {:>9} {:>9}", "shape", "slowest", "median");
    for (name, mut times) in spread {
        if times.is_empty() {
            continue;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name:<14} {:>9.2} {:>9.2}",
            times[times.len() - 1],
            times[times.len() / 2]
        );
    }
}
