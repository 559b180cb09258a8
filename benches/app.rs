//! The browser app's speed: how long each page of data/'s example takes to
//! serve (the computation a page starts excluded), and how long uploading
//! a 10,000-person pool and seeing its composition take. Runs the release
//! binary as `kleroterion serve` and times requests over loopback.
//!
//!     cargo bench --bench app [-- --runs N]
//!
//! Figures go to docs/benchmarks.md ("The app").

#[path = "../tests/suite/http.rs"]
#[allow(dead_code)]
mod http;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use http::{Server, wait_for_run};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Median and largest of `runs` timings of `f`, in milliseconds.
fn time(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let clock = Instant::now();
            f();
            clock.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[t.len() / 2], t[t.len() - 1])
}

fn upload(s: &Server, at: &str, csrf: &str, role: &str, path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let r = s.upload(
        &format!("{at}/upload"),
        &[("csrf", csrf), ("role", role)],
        ("file", "upload.csv", &bytes),
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let work = std::env::temp_dir().join(format!("kleroterion-bench-app-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let s = Server::start_at(work.join("workspace"), &[]);
    let csrf = s.csrf();

    // data/'s example, worked through to a lottery.
    let r = s.post("/assemblies", &[("csrf", &csrf), ("name", "Example")]);
    let at = r.header("location").unwrap().to_string();
    upload(&s, &at, &csrf, "pool", &data().join("pool.csv"));
    upload(&s, &at, &csrf, "quotas", &data().join("quotas.csv"));
    s.post(
        &format!("{at}/settings"),
        &[
            ("csrf", &csrf),
            ("size", "110"),
            ("address", "address_line_1"),
            ("address", "postcode"),
        ],
    );
    let select = s
        .post(
            &format!("{at}/select"),
            &[("csrf", &csrf), ("algorithm", "leximin"), ("seed", "bench")],
        )
        .header("location")
        .unwrap()
        .to_string();
    assert_eq!(wait_for_run(&s, &select), "done");
    let lottery = s
        .post(
            &format!("{at}/lottery"),
            &[
                ("csrf", &csrf),
                ("panels", "1000"),
                ("seed_format", "numbers"),
                ("seed_count", "7"),
                ("seed_source", "a public lottery"),
            ],
        )
        .header("location")
        .unwrap()
        .to_string();
    assert_eq!(wait_for_run(&s, &lottery), "done");
    let page = s.get(&select).body;
    let report = page
        .split('"')
        .find(|t| t.ends_with("report.html"))
        .unwrap()
        .replace("&#x2f;", "/");

    println!("Pages of data/'s example ({runs} requests each; median and largest, ms):");
    println!(
        "{:<44} {:>8} {:>8} {:>9}",
        "page", "median", "largest", "bytes"
    );
    for (name, path) in [
        ("assemblies", "/".to_string()),
        ("assembly (composition charts, lottery)", at.clone()),
        ("a select run", select.clone()),
        ("a lottery run", lottery.clone()),
        ("a run's progress (JSON)", format!("{select}/progress")),
        ("select's report.html", report.clone()),
        ("the reviewer's form", "/review".to_string()),
        ("style", "/static/app.css".to_string()),
        ("the public bundle as .zip", format!("{lottery}/bundle.zip")),
    ] {
        let bytes = s.get(&path).body.len();
        let (median, largest) = time(runs, || {
            assert_eq!(s.get(&path).status, 200);
        });
        println!("{name:<44} {median:>8.1} {largest:>8.1} {bytes:>9}");
    }

    // A 10,000-person pool: upload it, then show its composition.
    let big = work.join("big");
    let out = Command::new(env!("CARGO_BIN_EXE_kleroterion"))
        .args([
            "synth",
            "--n",
            "10000",
            "-k",
            "150",
            "--categories",
            "8",
            "--seed",
            "bench app",
            "--out",
        ])
        .arg(&big)
        .output()
        .unwrap();
    assert!(out.status.success());
    let r = s.post("/assemblies", &[("csrf", &csrf), ("name", "Large")]);
    let large = r.header("location").unwrap().to_string();
    upload(&s, &large, &csrf, "quotas", &big.join("quotas.csv"));
    s.post(
        &format!("{large}/settings"),
        &[("csrf", &csrf), ("size", "150")],
    );
    let size = std::fs::metadata(big.join("pool.csv")).unwrap().len();
    let uploads = runs.min(10);
    let (median, largest) = time(uploads, || {
        upload(&s, &large, &csrf, "pool", &big.join("pool.csv"));
        let page = s.get(&large);
        assert!(page.body.contains("10000 people"), "composition shown");
    });
    println!(
        "\nUpload a 10,000-person pool ({:.1} MB) and show its composition ({uploads} times): median {median:.0} ms, largest {largest:.0} ms",
        size as f64 / 1e6
    );
    let (median, largest) = time(runs.min(20), || {
        assert_eq!(s.get(&large).status, 200);
    });
    println!(
        "The assembly page of that pool alone: median {median:.0} ms, largest {largest:.0} ms"
    );
    drop(s);
    let _ = std::fs::remove_dir_all(&work);
}
