//! The polars engine against the core's csv engine: the same register
//! gives the same frame, so the same bundle byte for byte; a Parquet copy
//! of it gives the same frame too; and bad registers get the same kind of
//! message from both.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use kleroterion::audit::seed::{SeedFormat, SeedRule};
use kleroterion::invite::frame::{CsvRegister, Reader, Source};
use kleroterion::invite::plan::Plan;
use kleroterion::steps::invite::{self, CommitOptions};
use kleroterion::synth::register::{Register, RegisterSpec};
use kleroterion_invite::engine::{PolarsRegister, to_parquet};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn synth(dir: &Path, n: u64, letters: u64) -> Register {
    let r = Register::new(&RegisterSpec {
        addresses: n,
        seed: "engines".into(),
    });
    let mut f = std::fs::File::create(dir.join("register.csv")).unwrap();
    r.write_register(&mut f).unwrap();
    std::fs::write(dir.join("areas.csv"), r.areas_csv()).unwrap();
    std::fs::write(dir.join("plan.toml"), r.plan_toml(letters)).unwrap();
    r
}

fn source(dir: &Path, register: &str) -> Source {
    Source {
        register: dir.join(register),
        areas: Some(dir.join("areas.csv")),
        exclusions: Vec::new(),
    }
}

fn commit(dir: &Path, register: &str, bundle: &str, reader: &dyn Reader) -> Vec<(String, Vec<u8>)> {
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    let key = dir.join("keys/secret.key");
    if !key.exists() {
        std::fs::write(&key, "11".repeat(32)).unwrap();
    }
    let committed = invite::commit(
        &CommitOptions {
            source: source(dir, register),
            plan: dir.join("plan.toml"),
            bundle: dir.join(bundle),
            private: Some(dir.join(format!("{bundle}-private"))),
            secret_key: Some(key),
            seed_rule: SeedRule::new(SeedFormat::Text, None, "test").unwrap(),
            force: false,
        },
        reader,
    )
    .unwrap();
    committed.public.files
}

#[test]
fn both_engines_and_both_formats_give_the_same_bundle() {
    let dir = scratch("engines-same");
    synth(&dir, 30_000, 900);
    let csv = commit(&dir, "register.csv", "a", &CsvRegister);
    let polars = commit(&dir, "register.csv", "b", &PolarsRegister);
    assert_eq!(csv.len(), polars.len());
    for ((name, a), (_, b)) in csv.iter().zip(&polars) {
        assert!(a == b, "{name} differs between the engines");
    }
    // From Parquet: the same frame and strata (the manifest differs only
    // in the register file's digest).
    assert_eq!(
        to_parquet(&dir.join("register.csv"), &dir.join("register.parquet")).unwrap(),
        30_000
    );
    let parquet = commit(&dir, "register.parquet", "c", &PolarsRegister);
    for ((name, a), (_, b)) in csv.iter().zip(&parquet) {
        if name.ends_with("addresses.csv")
            || name.ends_with("strata.csv")
            || name.ends_with("plan.toml")
        {
            assert!(a == b, "{name} differs between CSV and Parquet");
        }
    }
    // The draw's addresses are found by both engines alike.
    let plan = Plan::parse(
        &dir.join("plan.toml"),
        &std::fs::read_to_string(dir.join("plan.toml")).unwrap(),
    )
    .unwrap();
    let key = [7u8; 32];
    let first = CsvRegister
        .read(&source(&dir, "register.csv"), &plan, &key, &HashSet::new())
        .unwrap();
    let wanted: HashSet<_> = first
        .frame
        .entries
        .iter()
        .step_by(97)
        .map(|e| e.pseudonym)
        .collect();
    let a = CsvRegister
        .read(&source(&dir, "register.csv"), &plan, &key, &wanted)
        .unwrap();
    let b = PolarsRegister
        .read(&source(&dir, "register.csv"), &plan, &key, &wanted)
        .unwrap();
    let c = PolarsRegister
        .read(&source(&dir, "register.parquet"), &plan, &key, &wanted)
        .unwrap();
    assert_eq!(a.wanted.len(), wanted.len());
    assert_eq!(a.wanted, b.wanted);
    assert_eq!(a.wanted, c.wanted);
    assert_eq!((a.rows, a.excluded), (b.rows, b.excluded));
}

#[test]
fn exclusions_and_bad_registers_agree() {
    let dir = scratch("engines-bad");
    synth(&dir, 4_000, 100);
    let reg = std::fs::read_to_string(dir.join("register.csv")).unwrap();
    let ids: Vec<&str> = reg
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let list: String = std::iter::once("address_id")
        .chain(ids.iter().step_by(3).copied())
        .map(|s| format!("{s}\n"))
        .collect();
    std::fs::write(dir.join("exclude.csv"), list).unwrap();
    let plan = Plan::parse(
        &dir.join("plan.toml"),
        &std::fs::read_to_string(dir.join("plan.toml")).unwrap(),
    )
    .unwrap();
    let mut src = source(&dir, "register.csv");
    src.exclusions = vec![dir.join("exclude.csv")];
    let a = CsvRegister
        .read(&src, &plan, &[1; 32], &HashSet::new())
        .unwrap();
    let b = PolarsRegister
        .read(&src, &plan, &[1; 32], &HashSet::new())
        .unwrap();
    assert_eq!(a.frame, b.frame);
    assert_eq!((a.rows, a.excluded), (4_000, ids.len().div_ceil(3) as u64));
    assert_eq!((b.rows, b.excluded), (a.rows, a.excluded));
    // A line cut short before its area code: the csv crate refuses the
    // ragged line, polars reads the missing cells as empty; both refuse
    // the register, naming it.
    let twelfth = reg.lines().nth(12).unwrap();
    let short = reg.replace(twelfth, &twelfth[..twelfth.rfind(',').unwrap()]);
    std::fs::write(dir.join("short.csv"), short).unwrap();
    for reader in [&CsvRegister as &dyn Reader, &PolarsRegister] {
        let e = reader
            .read(&source(&dir, "short.csv"), &plan, &[1; 32], &HashSet::new())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("short.csv") && e.contains("line 13"),
            "{}: {e}",
            reader.name()
        );
    }
    // Each bad register is refused by both, with the same kind of message.
    let lines: Vec<&str> = reg.lines().collect();
    let cells: Vec<&str> = lines[9].split(',').collect();
    let bad_area = reg.replace(
        lines[9],
        &format!("{},ZZ1", cells[..cells.len() - 1].join(",")),
    );
    let duplicate = format!("{reg}{}\n", lines[3]);
    for (name, text, expected) in [
        ("area.csv", bad_area, "not in the area table"),
        ("dup.csv", duplicate, "same address id"),
        (
            "column.csv",
            reg.replacen("area_code", "area", 1),
            "no column \"area_code\"",
        ),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
        for reader in [&CsvRegister as &dyn Reader, &PolarsRegister] {
            let e = reader
                .read(&source(&dir, name), &plan, &[1; 32], &HashSet::new())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(name) && e.contains(expected),
                "{}: {e}",
                reader.name()
            );
        }
    }
}
