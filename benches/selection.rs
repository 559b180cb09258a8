//! Selection benchmark: `cargo bench --bench selection [-- DRAWS]`.
//!
//! For the bundled example and the shared instances (skipped when
//! ../shared/instances is absent), prints the time of an exact feasibility
//! check and, over DRAWS LEGACY draws (default 1000), the mean time per draw
//! and the lowest and highest empirical selection frequency.

use std::path::{Path, PathBuf};
use std::time::Instant;

use kleroterion::feasibility;
use kleroterion::rng::DrawRng;
use kleroterion::solver::Settings;
use kleroterion::{Inputs, legacy};

fn main() {
    let draws: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/instances");
    let mut cases: Vec<(&str, PathBuf, PathBuf, usize, Vec<String>)> = vec![(
        "data (example)",
        root.join("data/pool.csv"),
        root.join("data/quotas.csv"),
        110,
        vec!["address_line_1".into(), "postcode".into()],
    )];
    if shared.is_dir() {
        let s = |i: &str, f: &str| shared.join(i).join(f);
        cases.push((
            "sortition_algorithms_fixture_22",
            s("sortition_algorithms_fixture_22", "candidates.csv"),
            s("sortition_algorithms_fixture_22", "features.csv"),
            22,
            vec!["primary_address1".into(), "primary_zip".into()],
        ));
        for (name, k) in [("example_small_20", 20), ("example_large_200", 200)] {
            cases.push((
                name,
                s(name, "respondents.csv"),
                s(name, "categories.csv"),
                k,
                vec![],
            ));
        }
    } else {
        eprintln!(
            "SKIPPED: {} is absent; benchmarking data/ only",
            shared.display()
        );
    }
    println!(
        "{:<34} {:>5} {:>4} {:>10} {:>12} {:>9} {:>9}",
        "instance", "n", "k", "check ms", "legacy ms", "min freq", "max freq"
    );
    for (name, pool, quotas, k, address) in cases {
        let inputs = Inputs {
            pool,
            quotas,
            k,
            id_column: None,
            address_columns: address,
        };
        let (instance, _) = inputs.load().expect("benchmark inputs load");
        let t = Instant::now();
        let f = feasibility::check(&instance, &Settings::default()).expect("check runs");
        let check_ms = t.elapsed().as_secs_f64() * 1e3;
        assert!(f.example.is_some(), "{name} is infeasible");
        let mut hits = vec![0u32; instance.n()];
        let mut rng = DrawRng::new("kleroterion/bench/v1", name);
        let t = Instant::now();
        for _ in 0..draws {
            let d = legacy::draw(&instance, &mut rng, 100).expect("legacy draws");
            for &i in d.panel.members() {
                hits[i] += 1;
            }
        }
        let legacy_ms = t.elapsed().as_secs_f64() * 1e3 / draws as f64;
        let freq = |h: u32| h as f64 / draws as f64;
        println!(
            "{:<34} {:>5} {:>4} {:>10.1} {:>12.3} {:>8.2}% {:>8.2}%",
            name,
            instance.n(),
            k,
            check_ms,
            legacy_ms,
            100.0 * freq(*hits.iter().min().unwrap()),
            100.0 * freq(*hits.iter().max().unwrap()),
        );
    }
}
