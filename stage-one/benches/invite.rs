//! Stage one at national scale: a stratified draw of 30,000 letters over a
//! synthetic register of 30 million addresses, by the core's streaming
//! csv engine (`kleroterion invite`) and by the polars engine
//! (`kleroterion-invite`) from the same CSV and from Parquet, in one run,
//! each step in its own process so that its peak memory is its own.
//!
//!     cargo build --release && cargo bench -p kleroterion-invite --bench invite
//!
//! Environment: `ADDRESSES` (default 30000000), `LETTERS` (30000, for the
//! example plan), `PLAN` (another plan file instead of the example's),
//! `DIR` (default target/stage-one-bench; the register is generated there
//! once and reused). The two CSV bundles must be byte-identical; the run stops
//! if they are not.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kleroterion::synth::register::{Register, RegisterSpec};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Runs a command; returns (seconds, peak resident memory in MB) and
/// panics with its output if it fails.
fn measure(program: &Path, args: &[&str]) -> (f64, f64) {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} cannot run: {e}", program.display()));
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let secs = started.elapsed().as_secs_f64();
    let out = child.wait_with_output().unwrap();
    assert!(
        status.success(),
        "{} {args:?} failed:\n{}\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (secs, peak_kb as f64 / 1024.0)
}

fn main() {
    let addresses = env_u64("ADDRESSES", 30_000_000);
    let letters = env_u64("LETTERS", 30_000);
    let exe = std::env::current_exe().unwrap();
    let release = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    let core = release.join("kleroterion");
    let polars = release.join("kleroterion-invite");
    for b in [&core, &polars] {
        assert!(
            b.exists(),
            "{} is missing: run `cargo build --release --workspace` first",
            b.display()
        );
    }
    let dir = std::env::var("DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| release.parent().unwrap().join("stage-one-bench"));
    let data = dir.join(format!("register-{addresses}"));
    std::fs::create_dir_all(&data).unwrap();
    let register = data.join("register.csv");
    if !register.exists() {
        let started = Instant::now();
        let r = Register::new(&RegisterSpec {
            addresses,
            seed: "bench".into(),
        });
        kleroterion::files::dir::write_streamed(&register, |w| r.write_register(w)).unwrap();
        std::fs::write(data.join("areas.csv"), r.areas_csv()).unwrap();
        eprintln!(
            "generated {} in {:.1} s",
            register.display(),
            started.elapsed().as_secs_f64()
        );
    }
    // `PLAN` replaces the example plan (other strata, another allocation).
    let plan_text = match std::env::var("PLAN") {
        Ok(p) => std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}")),
        Err(_) => Register::new(&RegisterSpec {
            addresses: 1,
            seed: "plan".into(),
        })
        .plan_toml(letters),
    };
    std::fs::write(data.join("plan.toml"), plan_text).unwrap();
    let parquet = data.join("register.parquet");
    let mut rows: Vec<(String, String, f64, f64)> = Vec::new();
    if !parquet.exists() {
        let (s, m) = measure(
            &polars,
            &[
                "to-parquet",
                register.to_str().unwrap(),
                parquet.to_str().unwrap(),
            ],
        );
        rows.push(("convert CSV → Parquet".into(), "polars".into(), s, m));
    }
    let size = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len() as f64 / 1e9)
            .unwrap_or(0.0)
    };
    eprintln!(
        "register: {addresses} addresses, CSV {:.2} GB, Parquet {:.2} GB",
        size(&register),
        size(&parquet)
    );
    let key = data.join("secret.key");
    std::fs::write(&key, "5e".repeat(32)).unwrap();
    let areas_s = data.join("areas.csv").display().to_string();
    let plan_s = data.join("plan.toml").display().to_string();
    let runs = [
        ("csv crate (kleroterion invite)", &core, &register, "a"),
        ("polars, CSV", &polars, &register, "b"),
        ("polars, Parquet", &polars, &parquet, "c"),
    ];
    for (label, program, input, name) in runs {
        let bundle = dir.join(format!("bundle-{name}"));
        let _ = std::fs::remove_dir_all(&bundle);
        let mut args: Vec<&str> = Vec::new();
        if program == &core {
            args.push("invite");
        }
        let bundle_s = bundle.to_str().unwrap().to_string();
        let private = dir.join(format!("bundle-{name}-private"));
        let _ = std::fs::remove_dir_all(&private);
        let commit: Vec<&str> = args
            .iter()
            .copied()
            .chain([
                "commit",
                "--register",
                input.to_str().unwrap(),
                "--areas",
                &areas_s,
                "--plan",
                &plan_s,
                "--bundle",
                &bundle_s,
                "--secret-key",
                key.to_str().unwrap(),
                "--seed-format",
                "numbers",
                "--seed-count",
                "3",
                "--seed-source",
                "benchmark",
            ])
            .collect();
        let (s, m) = measure(program, &commit);
        rows.push((format!("commit ({label})"), label.into(), s, m));
        let draw: Vec<&str> = args
            .iter()
            .copied()
            .chain(["draw", "--bundle", &bundle_s, "--seed", "1 2 3"])
            .collect();
        let (s, m) = measure(program, &draw);
        rows.push((format!("draw ({label})"), label.into(), s, m));
    }
    // The engines agree byte for byte (CSV), and on the frame (Parquet).
    for f in [
        "round-1/addresses.csv",
        "round-1/strata.csv",
        "round-1/manifest.json",
        "round-1/drawn.csv",
    ] {
        let a = std::fs::read(dir.join("bundle-a").join(f)).unwrap();
        let b = std::fs::read(dir.join("bundle-b").join(f)).unwrap();
        assert!(a == b, "{f} differs between the engines");
    }
    for f in ["round-1/addresses.csv", "round-1/strata.csv"] {
        let a = std::fs::read(dir.join("bundle-a").join(f)).unwrap();
        let c = std::fs::read(dir.join("bundle-c").join(f)).unwrap();
        assert!(a == c, "{f} differs between CSV and Parquet");
    }
    let listing = std::fs::read_to_string(dir.join("bundle-a/round-1/commitment.txt")).unwrap();
    let commitment = listing.trim_end().rsplit(' ').next().unwrap().to_string();
    let (s, m) = measure(
        &core,
        &[
            "verify",
            dir.join("bundle-a").to_str().unwrap(),
            "--commitment",
            &commitment,
            "--seed",
            "1 2 3",
            "-q",
        ],
    );
    rows.push(("verify (reviewer)".into(), "csv crate".into(), s, m));
    let manifest = std::fs::read_to_string(dir.join("bundle-a/round-1/manifest.json")).unwrap();
    let field = |name: &str| -> String {
        let key = format!("\"{name}\": ");
        manifest
            .lines()
            .find_map(|l| l.trim().strip_prefix(key.as_str()).map(str::to_string))
            .unwrap_or_else(|| "?".into())
            .trim_end_matches(',')
            .to_string()
    };
    let (letters, strata) = (field("letters"), field("strata"));
    println!(
        "\nStage one: {letters} letters in {strata} strata over {addresses} addresses (register CSV {:.2} GB, Parquet {:.2} GB), 2 cores",
        size(&register),
        size(&parquet)
    );
    println!("{:<44} {:>9} {:>12}", "step", "seconds", "peak MB");
    for (step, _, s, m) in &rows {
        println!("{step:<44} {s:>9.1} {m:>12.0}");
    }
    let total = |label: &str| -> f64 { rows.iter().filter(|r| r.1 == label).map(|r| r.2).sum() };
    let base = total("csv crate (kleroterion invite)");
    for label in ["polars, CSV", "polars, Parquet"] {
        println!(
            "commit + draw, {label}: {:.1} s, {:.2}× the csv crate's {:.1} s",
            total(label),
            total(label) / base,
            base
        );
    }
}
