//! End-to-end tests of `check`, `select --algorithm legacy` and `synth` on
//! the bundled example and on the shared benchmark instances.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;

const DATA_ADDRESS: &str = "address_line_1,postcode";

fn data(name: &str) -> String {
    data_dir().join(name).to_string_lossy().into_owned()
}

#[test]
fn check_on_the_example_is_feasible() {
    let r = kleroterion(&[
        "check",
        "--pool",
        &data("pool.csv"),
        "--quotas",
        &data("quotas.csv"),
        "--size",
        "110",
        "--address-columns",
        DATA_ADDRESS,
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Feasible: yes"), "{}", r.stdout);
    assert!(r.stdout.contains("households of 2+ people"), "{}", r.stdout);
    // The composition table lists every quota value with its pool count.
    assert!(
        r.stdout.contains("Degree or above"),
        "composition table missing: {}",
        r.stdout
    );
}

#[test]
fn legacy_on_the_example_meets_quotas_households_and_is_reproducible() {
    let dir = scratch("legacy-example");
    let run = |out: &str, seed: &str| {
        kleroterion(&[
            "select",
            "--algorithm",
            "legacy",
            "--pool",
            &data("pool.csv"),
            "--quotas",
            &data("quotas.csv"),
            "--size",
            "110",
            "--address-columns",
            DATA_ADDRESS,
            "--seed",
            seed,
            "--out",
            out,
        ])
    };
    let a = dir.join("a");
    let b = dir.join("b");
    let c = dir.join("c");
    for (out, seed) in [(&a, "seed 1"), (&b, "seed 1"), (&c, "seed 2")] {
        let r = run(out.to_str().unwrap(), seed);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    let quotas = data_dir().join("quotas.csv");
    assert_meets_quotas(&a.join("selected.csv"), &quotas, 110);
    assert_one_per_household(&a.join("selected.csv"), &["address_line_1", "postcode"]);
    assert_meets_quotas(&c.join("selected.csv"), &quotas, 110);
    for f in ["selected.csv", "remaining.csv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two runs with the same seed"
        );
    }
    assert_ne!(
        std::fs::read(a.join("selected.csv")).unwrap(),
        std::fs::read(c.join("selected.csv")).unwrap(),
        "two different seeds drew the same panel"
    );
    // selected + remaining + excluded housemates = pool; id column first.
    let (sh, sel) = read_csv(&a.join("selected.csv"));
    let (_, rem) = read_csv(&a.join("remaining.csv"));
    let (_, pool) = read_csv(&data_dir().join("pool.csv"));
    assert_eq!(sh[0], "id");
    let selected_ids: std::collections::HashSet<&str> = sel.iter().map(|r| r[0].as_str()).collect();
    assert!(rem.iter().all(|r| !selected_ids.contains(r[0].as_str())));
    let housemates_removed = pool.len() - sel.len() - rem.len();
    let addr = |r: &Vec<String>| (r[5].to_lowercase(), r[6].to_lowercase());
    let selected_addresses: std::collections::HashSet<_> = sel.iter().map(addr).collect();
    let expected_removed = pool
        .iter()
        .filter(|r| !selected_ids.contains(r[0].as_str()) && selected_addresses.contains(&addr(r)))
        .count();
    assert_eq!(housemates_removed, expected_removed);
}

#[test]
fn synth_regenerates_the_bundled_example_byte_for_byte() {
    let dir = scratch("synth");
    let r = kleroterion(&["synth", "--out", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in ["pool.csv", "quotas.csv"] {
        assert_eq!(
            std::fs::read(dir.join(f)).unwrap(),
            std::fs::read(data_dir().join(f)).unwrap(),
            "data/{f} is not what `kleroterion synth` generates"
        );
    }
}

fn shared(instance: &str, file: &str) -> Option<String> {
    shared_instances().map(|p| p.join(instance).join(file).to_string_lossy().into_owned())
}

#[test]
fn check_on_shared_instances_is_feasible() {
    let Some(pool) = shared("sortition_algorithms_fixture_22", "candidates.csv") else {
        return;
    };
    let quotas = shared("sortition_algorithms_fixture_22", "features.csv").unwrap();
    let r = kleroterion(&[
        "check",
        "--pool",
        &pool,
        "--quotas",
        &quotas,
        "-k",
        "22",
        "--address-columns",
        "primary_address1,primary_zip",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Feasible: yes"));
    assert!(r.stdout.contains("id column \"nationbuilder_id\""));
    // Two quota values nobody has, both with minimum 0: warnings only.
    assert!(
        r.stderr
            .contains("nobody in the pool has Gender=Non-binary or other")
    );

    for (name, k) in [("example_small_20", "20"), ("example_large_200", "200")] {
        let pool = shared(name, "respondents.csv").unwrap();
        let quotas = shared(name, "categories.csv").unwrap();
        let r = kleroterion(&["check", "--pool", &pool, "--quotas", &quotas, "-k", k]);
        assert_eq!(r.code, 0, "{name}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("Feasible: yes"), "{name}");
        assert!(r.stdout.contains("ids are row numbers"), "{name}");
    }
}

#[test]
fn check_with_a_quota_tightened_past_the_pool_prints_a_relaxation() {
    let Some(pool) = shared("sortition_algorithms_fixture_22", "candidates.csv") else {
        return;
    };
    let quotas =
        std::fs::read_to_string(shared("sortition_algorithms_fixture_22", "features.csv").unwrap())
            .unwrap();
    // Require 8 people from Central Scotland while every other region keeps
    // its minimum: the region minimums then add up to 22 - 3 + 8 = 27, so
    // the smallest relaxation lowers minimums by 5 in total.
    let tightened = quotas.replace(
        "geo_bucket,Central Scotland,3,5,0,5",
        "geo_bucket,Central Scotland,8,8,0,8",
    );
    assert_ne!(tightened, quotas);
    let dir = scratch("tight");
    let q = write(&dir, "features.csv", tightened.as_bytes());
    let r = kleroterion(&["check", "--pool", &pool, "--quotas", &q, "-k", "22"]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Feasible: NO"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("The smallest relaxation that makes the quotas feasible (total change 5)"),
        "{}",
        r.stdout
    );
    let changes: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("  geo_bucket=") && l.contains(": minimum "))
        .collect();
    assert!(!changes.is_empty(), "{}", r.stdout);
}

#[test]
fn legacy_on_shared_instances_meets_every_quota_reproducibly() {
    let Some(base) = shared_instances() else {
        return;
    };
    let cases: [(&str, &str, &str, &str, &[&str]); 3] = [
        (
            "sortition_algorithms_fixture_22",
            "candidates.csv",
            "features.csv",
            "22",
            &["primary_address1", "primary_zip"],
        ),
        (
            "example_small_20",
            "respondents.csv",
            "categories.csv",
            "20",
            &[],
        ),
        (
            "example_large_200",
            "respondents.csv",
            "categories.csv",
            "200",
            &[],
        ),
    ];
    for (name, pool, quotas, k, address) in cases {
        let dir = scratch(name);
        let pool = base.join(name).join(pool);
        let quotas = base.join(name).join(quotas);
        let mut outputs = Vec::new();
        for run in ["a", "b"] {
            let out = dir.join(run);
            let joined = address.join(",");
            let mut args = vec![
                "select",
                "--algorithm",
                "legacy",
                "--pool",
                pool.to_str().unwrap(),
                "--quotas",
                quotas.to_str().unwrap(),
                "-k",
                k,
                "--seed",
                "2026-11-26 public draw",
                "--out",
                out.to_str().unwrap(),
            ];
            if !address.is_empty() {
                args.extend(["--address-columns", joined.as_str()]);
            }
            let r = kleroterion(&args);
            assert_eq!(r.code, 0, "{name}: {}{}", r.stdout, r.stderr);
            assert_meets_quotas(&out.join("selected.csv"), &quotas, k.parse().unwrap());
            if !address.is_empty() {
                assert_one_per_household(&out.join("selected.csv"), address);
            }
            outputs.push(std::fs::read(out.join("selected.csv")).unwrap());
        }
        assert_eq!(outputs[0], outputs[1], "{name}: not reproducible");
    }
}

#[test]
fn panelot_pools_get_row_number_ids_in_the_output() {
    let dir = scratch("panelot");
    let pool = write(
        &dir,
        "respondents.csv",
        b"gender,age\nf,young\nm,old\nf,old\nm,young",
    );
    let quotas = write(
        &dir,
        "categories.csv",
        b"category,feature,min,max\ngender,f,1,1\ngender,m,1,1\nage,young,1,1\nage,old,1,1\n",
    );
    let out = dir.join("out");
    let r = kleroterion(&[
        "select",
        "--pool",
        &pool,
        "--quotas",
        &quotas,
        "-k",
        "2",
        "--seed",
        "x",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (header, rows) = read_csv(&out.join("selected.csv"));
    assert_eq!(header, vec!["id", "gender", "age"]);
    // Valid panels: rows {1,2} (f young, m old) or {3,4} (f old, m young).
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert!(ids == ["1", "2"] || ids == ["3", "4"], "{ids:?}");
}

#[test]
fn european_spreadsheet_exports_are_read() {
    // Semicolons, CRLF, a BOM, no final newline, values in other case and
    // with spaces, Sortition Foundation's older quota header.
    let dir = scratch("excel");
    let pool = write(
        &dir,
        "pool.csv",
        b"\xEF\xBB\xBFID;Name;Gender\r\na1;Ann;FEMALE \r\na2;Bob; male\r\na3;Cy;Female",
    );
    let quotas = write(
        &dir,
        "quotas.csv",
        b"\xEF\xBB\xBFcategory;name;min;max\r\ngender;female;1;1\r\ngender;male;1;1",
    );
    let r = kleroterion(&["check", "--pool", &pool, "--quotas", &quotas, "-k", "2"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Feasible: yes"));
    assert!(r.stdout.contains("id column \"ID\""));
}

#[test]
fn people_in_no_feasible_panel_are_listed() {
    let dir = scratch("unselectable");
    let pool = write(&dir, "pool.csv", UNSELECTABLE_POOL);
    let quotas = write(&dir, "quotas.csv", UNSELECTABLE_QUOTAS);
    let r = kleroterion(&["check", "--pool", &pool, "--quotas", &quotas, "-k", "2"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("1 people cannot sit on any feasible panel"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("  p1 (line 2)"), "{}", r.stdout);
}

#[test]
fn household_rule_decides_feasibility() {
    // Two women who live together: a panel needing two women is impossible.
    let dir = scratch("household");
    let pool = write(
        &dir,
        "pool.csv",
        b"id,street,gender\n1,1 Main St.,f\n2,1 main st,f\n3,2 Elm,m\n4,3 Oak,m\n",
    );
    let quotas = write(
        &dir,
        "quotas.csv",
        b"feature,value,min,max\ngender,f,2,2\ngender,m,0,2\n",
    );
    let args = |extra: &[&'static str]| {
        let mut a = vec!["check", "--pool", &pool, "--quotas", &quotas, "-k", "3"];
        a.extend_from_slice(extra);
        kleroterion(&a)
    };
    assert_eq!(args(&[]).code, 0);
    let r = args(&["--address-columns", "street"]);
    assert_eq!(r.code, 5, "{}", r.stdout);
    assert!(
        r.stdout.contains("gender=f: minimum 2 -> 1"),
        "{}",
        r.stdout
    );
}

#[test]
fn help_lists_exit_codes_and_commands() {
    let r = kleroterion(&["--help"]);
    assert_eq!(r.code, 0);
    for s in ["check", "select", "synth", "5 quotas cannot be met"] {
        assert!(r.stdout.contains(s), "{s}: {}", r.stdout);
    }
    let r = kleroterion(&["select", "--help"]);
    for s in [
        "--pool",
        "--quotas",
        "--size",
        "--seed",
        "--algorithm",
        "--out",
        "--id-column",
        "--address-columns",
    ] {
        assert!(r.stdout.contains(s), "{s}");
    }
}

#[test]
fn outputs_do_not_touch_inputs() {
    let dir = scratch("inputs-untouched");
    let pool_bytes = std::fs::read(data_dir().join("pool.csv")).unwrap();
    let pool = write(&dir, "pool.csv", &pool_bytes);
    let quotas = write(
        &dir,
        "quotas.csv",
        &std::fs::read(data_dir().join("quotas.csv")).unwrap(),
    );
    let r = kleroterion(&[
        "select",
        "--algorithm",
        "legacy",
        "--pool",
        &pool,
        "--quotas",
        &quotas,
        "-k",
        "110",
        "--seed",
        "s",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(Path::new(&pool)).unwrap(), pool_bytes);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

/// Runs the binary with stdout a pipe nobody reads (as `cmd | head -0`)
/// or the full device (`cmd > /dev/full`); returns the exit code and
/// stderr.
fn with_stdout(args: &[&str], full: bool) -> (i32, String) {
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kleroterion"));
    cmd.args(args).stderr(Stdio::piped());
    if full {
        cmd.stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        );
    } else {
        cmd.stdout(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A closed stdout never panics, for every subcommand (replace last): the command
/// finishes (its files are complete) and keeps its own exit code; a full
/// stdout is exit 7.
#[test]
fn a_closed_or_full_stdout_ends_quietly_with_a_documented_code() {
    let dir = scratch("pipes");
    let d = dir.to_str().unwrap();
    let (pool, quotas) = small_pool(&dir);
    let sel = format!("{d}/sel");
    let bundle = format!("{d}/bundle");
    let inputs = ["--pool", &pool, "--quotas", &quotas, "-k", "8"];
    let members = write(
        &dir,
        "members.csv",
        b"id,g\nA,x\nB,y\nC,x\nD,y\nE,x\nF,y\nG,x\nH,y\n",
    );
    let facilitators = write(
        &dir,
        "facilitators.csv",
        b"id,role\nF1,table\nF2,table\nL,lead\n",
    );
    let (seats, rota, programme, plan, synth) = (
        format!("{d}/seats"),
        format!("{d}/rota"),
        format!("{d}/programme"),
        format!("{d}/plan"),
        format!("{d}/synth"),
    );
    let seating = format!("{seats}/seating.csv");
    let assembly = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/assembly/assembly.toml")
        .to_string_lossy()
        .into_owned();
    let commands: Vec<(Vec<&str>, i32, Option<String>)> = vec![
        (vec!["--help"], 0, None),
        ([&["check"][..], &inputs].concat(), 0, None),
        (
            [&["select", "--seed", "s", "-q", "--out", &sel][..], &inputs].concat(),
            0,
            Some(format!("{sel}/report.txt")),
        ),
        (
            [
                &["lottery", "--panels", "100", "-q", "--bundle", &bundle][..],
                &inputs,
                &["--seed-format", "text", "--seed-source", "e"],
            ]
            .concat(),
            0,
            Some(format!("{bundle}/commitment.txt")),
        ),
        (
            vec!["draw", &bundle, "--seed", "s"],
            0,
            Some(format!("{bundle}-private/selected.csv")),
        ),
        (vec!["verify", &bundle], 10, None),
        (
            vec![
                "seat",
                "--members",
                &members,
                "--table-size",
                "4",
                "--rounds",
                "2",
                "--effort",
                "50",
                "--out",
                &seats,
            ],
            0,
            Some(format!("{seats}/seating.csv")),
        ),
        (
            vec![
                "rota",
                "--seating",
                &seating,
                "--facilitators",
                &facilitators,
                "--out",
                &rota,
            ],
            0,
            Some(format!("{rota}/rota.csv")),
        ),
        (
            vec!["programme", &assembly, "--out", &programme],
            0,
            Some(format!("{programme}/programme.csv")),
        ),
        (
            vec![
                "plan",
                &assembly,
                "--issued",
                "2027-02-01T12:00:00Z",
                "--out",
                &plan,
            ],
            0,
            Some(format!("{plan}/plan-report.txt")),
        ),
        (
            vec!["synth", "--n", "30", "-k", "5", "--out", &synth],
            0,
            Some(format!("{synth}/pool.csv")),
        ),
        (
            vec![
                "check",
                "--pool",
                "missing.csv",
                "--quotas",
                &quotas,
                "-k",
                "8",
            ],
            3,
            None,
        ),
    ];
    for full in [false, true] {
        for (args, code, file) in &commands {
            let mut args = args.clone();
            // lottery and plan write a new directory each time.
            let force = args[0] == "lottery" || args[0] == "plan";
            if force {
                args.push("--force");
            }
            if args[0] == "draw" {
                // A bundle is drawn once: draw a fresh one each time.
                let _ = std::fs::remove_file(format!("{bundle}/draw.json"));
            }
            let (got, stderr) = with_stdout(&args, full);
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            let expected = if full && *code == 0 { 7 } else { *code };
            assert_eq!(got, expected, "{args:?} full={full}: {stderr}");
            if let Some(f) = file {
                assert!(std::path::Path::new(f).is_file(), "{f} not written");
            }
        }
    }
    // replace: a round on a fresh copy of the drawn bundle each time, with
    // the code a normal run gives (on a pool this small a seat may have no
    // one to refill it; the code then says so).
    let private = format!("{bundle}-private");
    let selected = std::fs::read_to_string(format!("{private}/selected.csv")).unwrap();
    let gone = selected
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let pristine = dir.join("pristine");
    copy_tree(Path::new(&bundle), &pristine.join("bundle"));
    copy_tree(Path::new(&private), &pristine.join("private"));
    let restore = || {
        for (from, to) in [("bundle", &bundle), ("private", &private)] {
            let _ = std::fs::remove_dir_all(to);
            copy_tree(&pristine.join(from), Path::new(to));
        }
    };
    let args = [
        "replace",
        &bundle,
        "--withdrawn",
        &gone,
        "--seed-format",
        "text",
        "--seed-source",
        "a later event",
        "-q",
    ];
    restore();
    let normal = kleroterion(&args);
    assert!(!normal.stderr.contains("panicked"), "{}", normal.stderr);
    eprintln!("replace: a normal run exits {}", normal.code);
    for full in [false, true] {
        restore();
        let (got, stderr) = with_stdout(&args, full);
        assert!(!stderr.contains("panicked"), "replace: {stderr}");
        let expected = if full && normal.code == 0 {
            7
        } else {
            normal.code
        };
        assert_eq!(got, expected, "replace full={full}: {stderr}");
    }
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The visible files of a directory (hidden temporaries and journals
/// aside), by name.
fn visible(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Runs the binary stopped (as by SIGKILL: nothing cleaned up) after its
/// `n`-th step of writing outputs; true if it was stopped.
fn stopped_after(n: usize, args: &[&str]) -> bool {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kleroterion"))
        .args(args)
        .env("KLEROTERION_ABORT_AFTER", n.to_string())
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => false,
        None => true,
        Some(c) => panic!(
            "{args:?} exit {c}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Output sets are whole after a stop at any step of writing them: a
/// selection written into a folder (files, then a journal, then renames)
/// is the old set or the new one once the folder is next read or written,
/// and a bundle replaced with --force (a new directory swapped in) is the
/// old one or a new one that passes verify's own checks.
#[test]
fn output_sets_are_whole_after_a_stop_at_every_step() {
    let dir = scratch("kill");
    let (pool, quotas) = small_pool(&dir);
    let select = |seed: &'static str, out: &Path| -> Vec<String> {
        let mut v: Vec<String> = ["select", "--pool", &pool, "--quotas", &quotas, "-k", "8"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(["--seed", seed, "-q", "--out"].map(String::from));
        v.push(out.to_string_lossy().into_owned());
        v
    };
    let (old_dir, new_dir) = (dir.join("old"), dir.join("new"));
    assert_eq!(kleroterion(&strs(&select("first", &old_dir))).code, 0);
    assert_eq!(kleroterion(&strs(&select("second", &new_dir))).code, 0);
    let (old, new) = (visible(&old_dir), visible(&new_dir));
    assert_ne!(old, new);
    let target = dir.join("target");
    let again = select("second", &target);
    let hidden = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    };
    let mut steps = 0;
    for n in 0.. {
        let _ = std::fs::remove_dir_all(&target);
        std::fs::create_dir_all(&target).unwrap();
        for (name, bytes) in &old {
            std::fs::write(target.join(name), bytes).unwrap();
        }
        if !stopped_after(n, &strs(&again)) {
            steps = n;
            break;
        }
        // What the next reader or writer sees.
        kleroterion::files::dir::recover(&target);
        let now = visible(&target);
        assert!(
            now == old || now == new,
            "stopped after step {n}: a mixed set {:?}",
            now.keys().collect::<Vec<_>>()
        );
        // A later run cleans up what the stopped one left.
        assert_eq!(kleroterion(&strs(&again)).code, 0);
        assert!(
            hidden(&target).is_empty(),
            "left behind: {:?}",
            hidden(&target)
        );
    }
    assert!(steps > old.len(), "only {steps} steps");

    // A bundle replaced with --force, stopped at every step.
    let bundle = dir.join("bundle");
    let b = bundle.to_str().unwrap();
    let mut lottery = lottery_args(&pool, &quotas, "8", b);
    lottery.push("--force");
    assert_eq!(kleroterion(&lottery).code, 0);
    for n in 0.. {
        if !stopped_after(n, &lottery) {
            break;
        }
        // Old or new, the bundle's own checks pass (NOT VERIFIED only for
        // want of a published commitment and seed).
        let v = kleroterion(&["verify", b]);
        assert_eq!(
            v.code, 10,
            "stopped after step {n}: {}{}",
            v.stdout, v.stderr
        );
    }
    assert!(hidden(&dir).is_empty(), "left behind: {:?}", hidden(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_subcommand_takes_q_and_a_quiet_run_prints_only_what_it_wrote() {
    for c in [
        "check",
        "select",
        "lottery",
        "draw",
        "verify",
        "replace",
        "seat",
        "rota",
        "programme",
        "plan",
        "synth",
    ] {
        let r = kleroterion(&[c, "--help"]);
        assert!(r.stdout.contains("-q, --quiet"), "{c}: {}", r.stdout);
    }
    let dir = scratch("quiet");
    let d = dir.to_str().unwrap();
    let r = kleroterion(&[
        "synth",
        "--n",
        "40",
        "-k",
        "8",
        "--categories",
        "2",
        "--out",
        d,
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = dir.join("seated");
    let r = kleroterion(&[
        "seat",
        "--members",
        &format!("{d}/pool.csv"),
        "--table-size",
        "5",
        "--rounds",
        "2",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.lines().all(|l| l.starts_with("wrote ")),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.is_empty(),
        "no progress off a terminal: {}",
        r.stderr
    );
}
