//! Stage one (`kleroterion invite`): a synthetic register committed, drawn
//! and topped up; the bundle verified by `verify` and by the independent
//! Python checker, and refused when tampered with; bad inputs named; the
//! invitation codes checked by `select`.

use std::path::{Path, PathBuf};

use crate::common::{Run, data_dir, kleroterion, scratch};

const SEED_RULE: [&str; 6] = [
    "--seed-format",
    "numbers",
    "--seed-count",
    "3",
    "--seed-source",
    "test draw of round 1",
];

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

/// A register of `n` addresses with its area table and plan in `dir`.
fn register(dir: &Path, n: u64, letters: u64) {
    ok(&kleroterion(&[
        "synth",
        "register",
        "--addresses",
        &n.to_string(),
        "--letters",
        &letters.to_string(),
        "--out",
        dir.to_str().unwrap(),
    ]));
}

fn commit(dir: &Path, bundle: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "invite".to_string(),
        "commit".into(),
        "--register".into(),
        dir.join("register.csv").display().to_string(),
        "--areas".into(),
        dir.join("areas.csv").display().to_string(),
        "--plan".into(),
        dir.join("plan.toml").display().to_string(),
        "--bundle".into(),
        bundle.display().to_string(),
    ];
    args.extend(SEED_RULE.iter().map(|s| s.to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    kleroterion(&refs)
}

fn commitment(r: &Run) -> String {
    r.stdout
        .lines()
        .find_map(|l| l.strip_prefix("COMMITMENT: "))
        .expect("a commitment is printed")
        .to_string()
}

/// `kleroterion verify BUNDLE` with the published commitments and seeds.
fn verify(bundle: &Path, commitments: &[&str], seeds: &[&str]) -> Run {
    let mut args = vec!["verify", bundle.to_str().unwrap()];
    for c in commitments {
        args.extend(["--commitment", c]);
    }
    for s in seeds {
        args.extend(["--seed", s]);
    }
    kleroterion(&args)
}

/// `kleroterion invite top-up` with a three-number seed rule from `source`.
fn top_up(bundle: &Path, plan: &Path, source: &str) -> Run {
    kleroterion(&[
        "invite",
        "top-up",
        "--bundle",
        bundle.to_str().unwrap(),
        "--plan",
        plan.to_str().unwrap(),
        "--seed-format",
        "numbers",
        "--seed-count",
        "3",
        "--seed-source",
        source,
    ])
}

fn python_check(bundle: &Path, seeds: &[&str]) -> Option<(i32, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec/invite_spec.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(bundle)
        .args(seeds)
        .output()
        .ok()?;
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Commits and draws round 1 of a 20,000-address register; returns the
/// directory, the bundle and the commitment.
fn drawn_bundle(name: &str) -> (PathBuf, PathBuf, String) {
    let dir = scratch(name);
    register(&dir, 20_000, 600);
    let bundle = dir.join("bundle");
    let c = commit(&dir, &bundle, &[]);
    ok(&c);
    // Without the private directory nothing is drawn (the round would be
    // recorded as drawn with no letter to send).
    let empty = dir.join("elsewhere");
    std::fs::create_dir_all(&empty).unwrap();
    let refused = kleroterion(&[
        "invite",
        "draw",
        "--bundle",
        bundle.to_str().unwrap(),
        "--seed",
        "03 17, 22",
        "--private",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("secret.key") && !bundle.join("round-1/draw.json").exists(),
        "{}",
        refused.stderr
    );
    let draw = kleroterion(&[
        "invite",
        "draw",
        "--bundle",
        bundle.to_str().unwrap(),
        "--seed",
        "03 17, 22",
    ]);
    ok(&draw);
    (dir, bundle, commitment(&c))
}

#[test]
fn a_round_is_committed_drawn_verified_and_checked_independently() {
    let (dir, bundle, c) = drawn_bundle("invite-round");
    let private = dir.join("bundle-private");
    // The letters: as many as planned, each with a valid, unique code and
    // an address; nothing about addresses in the public bundle.
    let letters = read(&private.join("letters-round-1.csv"));
    let rows: Vec<&str> = letters.lines().skip(1).collect();
    assert_eq!(rows.len(), 600);
    let codes: std::collections::HashSet<&str> =
        rows.iter().map(|r| r.split(',').next().unwrap()).collect();
    assert_eq!(codes.len(), 600);
    assert!(
        codes
            .iter()
            .all(|c| kleroterion::invite::code::normalise(c).as_deref() == Some(*c))
    );
    assert!(private.join("letters-round-1.xlsx").is_file());
    let register = read(&dir.join("register.csv"));
    let first_line = register.lines().nth(1).unwrap();
    let street = first_line.split(',').nth(1).unwrap();
    for entry in walk(&bundle) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        assert!(
            !text.contains(street) && !text.contains(first_line.split(',').next().unwrap()),
            "{} reveals an address",
            entry.display()
        );
    }
    // Strata: the letters add up and every stratum has its minimum.
    let strata = read(&bundle.join("round-1/strata.csv"));
    let letters_col: Vec<u64> = strata
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(6).unwrap().parse().unwrap())
        .collect();
    assert_eq!(letters_col.iter().sum::<u64>(), 600);
    assert!(letters_col.iter().all(|&l| l >= 1));
    // The reviewer's verify passes with the published commitment and seed.
    let v = verify(&bundle, &[&c], &["3 17 22"]);
    ok(&v);
    assert!(v.stdout.contains("verified: all"), "{}", v.stdout);
    // Without them, nothing fails but the bundle is not verified.
    let v = verify(&bundle, &[], &[]);
    assert_eq!(v.code, 10, "{}", v.stdout);
    // A wrong published seed fails.
    let v = verify(&bundle, &[&c], &["3 17 23"]);
    assert_eq!(v.code, 9, "{}", v.stdout);
    // Asked only about an optimality certificate, an invitation bundle
    // (which has none) is not verified, and no recomputation is offered.
    let v = kleroterion(&["verify", bundle.to_str().unwrap(), "--certificate"]);
    assert_eq!(v.code, 10, "{}", v.stdout);
    assert!(
        v.stdout.contains("no optimality certificate"),
        "{}",
        v.stdout
    );
    assert!(!v.stdout.contains("--resolve"), "{}", v.stdout);
    // The independent checker agrees.
    if let Some((code, out)) = python_check(&bundle, &["3 17 22"]) {
        assert_eq!(code, 0, "{out}");
        assert!(out.contains(&c), "{out}");
    } else {
        eprintln!("python3 is absent: the independent checker was not run");
    }
    // An auditor with the register and the auditor's key confirms the
    // address list is the whole register, and notices one left out.
    let key = private.join("invite-auditor.key");
    let audit = |reg: &Path| {
        kleroterion(&[
            "invite",
            "audit",
            "--bundle",
            bundle.to_str().unwrap(),
            "--register",
            reg.to_str().unwrap(),
            "--areas",
            dir.join("areas.csv").to_str().unwrap(),
            "--auditor-key",
            key.to_str().unwrap(),
        ])
    };
    let a = audit(&dir.join("register.csv"));
    ok(&a);
    assert!(
        a.stdout.starts_with("PASS") && a.stdout.contains("same SHA-256"),
        "{}",
        a.stdout
    );
    let shorter = register.replacen(&format!("{first_line}\n"), "", 1);
    std::fs::write(dir.join("shorter.csv"), shorter).unwrap();
    let a = audit(&dir.join("shorter.csv"));
    assert_eq!(a.code, 9, "{}", a.stdout);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_same_inputs_and_key_give_the_same_bundle() {
    let dir = scratch("invite-determinism");
    register(&dir, 5_000, 200);
    let a = dir.join("a");
    ok(&commit(&dir, &a, &[]));
    let key = dir.join("a-private/secret.key");
    let b = dir.join("b");
    ok(&commit(&dir, &b, &["--secret-key", key.to_str().unwrap()]));
    for f in [
        "addresses.csv",
        "manifest.json",
        "plan.toml",
        "strata.csv",
        "commitment.txt",
    ] {
        assert_eq!(
            std::fs::read(a.join("round-1").join(f)).unwrap(),
            std::fs::read(b.join("round-1").join(f)).unwrap(),
            "{f}"
        );
    }
    // Another key: other pseudonyms, the same strata.
    let c = dir.join("c");
    ok(&commit(&dir, &c, &[]));
    assert_ne!(
        read(&a.join("round-1/addresses.csv")),
        read(&c.join("round-1/addresses.csv"))
    );
    assert_eq!(
        read(&a.join("round-1/strata.csv")),
        read(&c.join("round-1/strata.csv"))
    );
}

#[test]
fn a_top_up_keeps_the_first_letters_and_verifies() {
    let (dir, bundle, c1) = drawn_bundle("invite-topup");
    let first = read(&bundle.join("round-1/drawn.csv"));
    let plan = read(&dir.join("plan.toml")).replace("letters = 600", "letters = 300");
    std::fs::write(dir.join("topup.toml"), plan).unwrap();
    // The same seed source as round 1 is refused.
    let same = top_up(&bundle, &dir.join("topup.toml"), "Test draw of round 1");
    assert_eq!(same.code, 2, "{}", same.stderr);
    let t = top_up(&bundle, &dir.join("topup.toml"), "test draw of round 2");
    ok(&t);
    let c2 = commitment(&t);
    // A seed holding round 1's numbers is refused.
    let reused = kleroterion(&[
        "invite",
        "draw",
        "--bundle",
        bundle.to_str().unwrap(),
        "--seed",
        "22 17 3",
    ]);
    assert_eq!(reused.code, 2, "{}", reused.stderr);
    ok(&kleroterion(&[
        "invite",
        "draw",
        "--bundle",
        bundle.to_str().unwrap(),
        "--seed",
        "5 6 7",
    ]));
    assert_eq!(
        read(&bundle.join("round-1/drawn.csv")),
        first,
        "round 1's letters changed"
    );
    let second = read(&bundle.join("round-2/drawn.csv"));
    let firsts: std::collections::HashSet<&str> = first.lines().skip(1).map(|l| &l[..32]).collect();
    assert_eq!(second.lines().count(), 301);
    assert!(
        second.lines().skip(1).all(|l| !firsts.contains(&l[..32])),
        "a top-up letter went to an address already invited"
    );
    // Every letter so far is in invitations.csv, once.
    let invitations = read(&dir.join("bundle-private/invitations.csv"));
    assert_eq!(invitations.lines().count(), 901);
    let v = verify(&bundle, &[&c1, &c2], &["3 17 22", "5 6 7"]);
    ok(&v);
    if let Some((code, out)) = python_check(&bundle, &["3 17 22", "5 6 7"]) {
        assert_eq!(code, 0, "{out}");
    }
    // Invited so far, per stratum: at most the cap of 10%.
    let strata = read(&bundle.join("round-2/strata.csv"));
    for l in strata.lines().skip(1) {
        let cells: Vec<&str> = l.split(',').collect();
        let (addresses, invited): (u64, u64) =
            (cells[3].parse().unwrap(), cells[7].parse().unwrap());
        assert!(invited * 10 <= addresses, "{l}");
    }
}

#[test]
fn a_tampered_bundle_fails_verify_and_the_independent_check() {
    let (_dir, bundle, c) = drawn_bundle("invite-tamper");
    let pristine: Vec<(PathBuf, Vec<u8>)> = walk(&bundle)
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    let restore = || {
        for (p, b) in &pristine {
            std::fs::write(p, b).unwrap();
        }
    };
    // Each tampering keeps the files consistent with a commitment (made
    // again, and published as if it were the organiser's), so that the
    // check that must catch it is the one that does.
    let recommit = || -> String {
        use kleroterion::invite::bundle::{commitment, commitment_txt, sha256};
        let dir = bundle.join("round-1");
        let digests: Vec<(&str, String)> =
            ["addresses.csv", "manifest.json", "plan.toml", "strata.csv"]
                .into_iter()
                .map(|f| (f, sha256(&std::fs::read(dir.join(f)).unwrap())))
                .collect();
        std::fs::write(dir.join("commitment.txt"), commitment_txt(&digests)).unwrap();
        commitment(&digests)
    };
    let fails = |what: &str, published: &str, check: &str| {
        let v = verify(&bundle, &[published], &["3 17 22"]);
        assert_eq!(v.code, 9, "{what}: {}", v.stdout);
        assert!(
            v.stdout.contains(&format!("FAIL round 1 {check}")),
            "{what}: {}",
            v.stdout
        );
        if let Some((code, out)) = python_check(&bundle, &["3 17 22"]) {
            assert_eq!(code, 1, "{what}: {out}");
        }
    };
    // One letter moved to another address of the same stratum (draw.json's
    // digest of drawn.csv made to match).
    let drawn_path = bundle.join("round-1/drawn.csv");
    let addresses = read(&bundle.join("round-1/addresses.csv"));
    let drawn = read(&drawn_path);
    let line = drawn.lines().nth(1).unwrap().to_string();
    let (p, rest) = line.split_once(',').unwrap();
    let stratum = rest.split(',').next().unwrap();
    let other = addresses
        .lines()
        .skip(1)
        .find(|l| l.ends_with(&format!(",{stratum}")) && !drawn.contains(&l[..32]))
        .unwrap();
    let moved = drawn.replace(p, &other[..32]);
    std::fs::write(&drawn_path, &moved).unwrap();
    let record = read(&bundle.join("round-1/draw.json"));
    let old_digest = kleroterion::invite::bundle::sha256(drawn.as_bytes());
    let new_digest = kleroterion::invite::bundle::sha256(moved.as_bytes());
    std::fs::write(
        bundle.join("round-1/draw.json"),
        record.replace(&old_digest, &new_digest),
    )
    .unwrap();
    fails("a letter moved", &c, "draw");
    restore();
    // One more letter for one stratum.
    let strata_path = bundle.join("round-1/strata.csv");
    let strata = read(&strata_path);
    let row = strata.lines().nth(1).unwrap().to_string();
    let mut cells: Vec<String> = row.split(',').map(String::from).collect();
    for i in [6, 7] {
        cells[i] = (cells[i].parse::<u64>().unwrap() + 1).to_string();
    }
    std::fs::write(&strata_path, strata.replace(&row, &cells.join(","))).unwrap();
    let c2 = recommit();
    fails("the allocation changed", &c2, "allocation");
    restore();
    // Two strata's labels swapped (the letters would go to other areas).
    let rows: Vec<&str> = strata.lines().collect();
    let label = |r: &str| r.split(',').skip(1).take(2).collect::<Vec<_>>().join(",");
    let (a, b) = (label(rows[1]), label(rows[2]));
    let swapped = strata
        .replacen(&a, "\u{0}", 1)
        .replacen(&b, &a, 1)
        .replacen("\u{0}", &b, 1);
    std::fs::write(&strata_path, swapped).unwrap();
    let c3 = recommit();
    fails("labels swapped", &c3, "frame");
    restore();
    // An address removed from the frame.
    let frame_path = bundle.join("round-1/addresses.csv");
    let second = addresses.lines().nth(5).unwrap();
    std::fs::write(&frame_path, addresses.replace(&format!("{second}\n"), "")).unwrap();
    let c4 = recommit();
    fails("an address removed", &c4, "frame");
    restore();
    let v = verify(&bundle, &[&c], &["3 17 22"]);
    ok(&v);
}

#[test]
fn bad_registers_and_plans_are_named() {
    let dir = scratch("invite-bad");
    register(&dir, 3_000, 100);
    let reg = read(&dir.join("register.csv"));
    let lines: Vec<&str> = reg.lines().collect();
    let case = |name: &str, register: &str, plan: &str| -> Run {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("register.csv"), register).unwrap();
        std::fs::copy(dir.join("areas.csv"), d.join("areas.csv")).unwrap();
        std::fs::write(d.join("plan.toml"), plan).unwrap();
        commit(&d, &d.join("bundle"), &[])
    };
    let plan = read(&dir.join("plan.toml"));
    // A duplicated address id.
    let dup = format!("{reg}{}\n", lines[10]);
    let r = case("dup", &dup, &plan);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.contains("register.csv")
            && r.stderr.contains("same address id")
            && r.stderr.contains(&format!("line {}", lines.len() + 1)),
        "{}",
        r.stderr
    );
    // An unknown area code.
    let cells: Vec<&str> = lines[7].split(',').collect();
    let bad_area = reg.replace(
        lines[7],
        &format!("{},XX999", cells[..cells.len() - 1].join(",")),
    );
    let r = case("area", &bad_area, &plan);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.contains("line 8")
            && r.stderr.contains("area_code")
            && r.stderr.contains("XX999")
            && r.stderr.contains("not in the area table"),
        "{}",
        r.stderr
    );
    // A missing column, more letters than the strata take under the cap,
    // a minimum above a stratum's size, a typo in the plan.
    for (name, register, plan, expected) in [
        (
            "column",
            reg.replacen("postcode", "post_code", 1),
            plan.clone(),
            ["no column \"postcode\"", "post_code"],
        ),
        (
            "many",
            reg.clone(),
            plan.replace("letters = 100", "letters = 2900"),
            ["plan.toml", "at most"],
        ),
        (
            "minimum",
            reg.clone(),
            plan.replace("minimum = 1", "minimum = 400"),
            ["plan.toml", "fewer than the minimum"],
        ),
        (
            "typo",
            reg.clone(),
            plan.replace("response_rate", "response_rat"),
            ["plan.toml", "response_rat"],
        ),
    ] {
        let r = case(name, &register, &plan);
        assert_eq!(r.code, 4, "{name}: {}", r.stderr);
        assert!(
            expected.iter().all(|e| r.stderr.contains(e)),
            "{name}: {}",
            r.stderr
        );
    }
    // Nothing was written by any of them; the register is untouched.
    for name in ["dup", "area", "column", "many", "minimum", "typo"] {
        assert!(!dir.join(name).join("bundle").exists(), "{name}");
    }
    assert_eq!(read(&dir.join("register.csv")), reg);
}

#[test]
fn excluded_addresses_never_get_a_letter() {
    let dir = scratch("invite-exclude");
    register(&dir, 5_000, 200);
    let reg = read(&dir.join("register.csv"));
    let excluded: Vec<&str> = reg
        .lines()
        .skip(1)
        .step_by(2)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let mut list = String::from("address_id\n");
    for id in &excluded {
        list.push_str(id);
        list.push('\n');
    }
    std::fs::write(dir.join("invited-before.csv"), list).unwrap();
    let bundle = dir.join("bundle");
    let c = commit(
        &dir,
        &bundle,
        &[
            "--exclude",
            dir.join("invited-before.csv").to_str().unwrap(),
        ],
    );
    ok(&c);
    let manifest = read(&bundle.join("round-1/manifest.json"));
    assert!(
        manifest.contains(&format!("\"excluded\": {}", excluded.len())),
        "{manifest}"
    );
    ok(&kleroterion(&[
        "invite",
        "draw",
        "--bundle",
        bundle.to_str().unwrap(),
        "--seed",
        "1 2 3",
    ]));
    let letters = read(&dir.join("bundle-private/letters-round-1.csv"));
    let set: std::collections::HashSet<&str> = excluded.iter().copied().collect();
    // Each letter's address is a register line not excluded.
    let by_line: std::collections::HashMap<String, &str> = reg
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (format!("{},{},{},{}", c[1], c[2], c[3], c[4]), c[0])
        })
        .collect();
    for l in letters.lines().skip(1) {
        let c: Vec<&str> = l.split(',').collect();
        let key = c[c.len() - 4..].join(",");
        let id = by_line
            .get(&key)
            .expect("the letter's address is in the register");
        assert!(!set.contains(id), "{l}");
    }
}

#[test]
fn select_checks_the_codes_and_reports_replies_by_stratum() {
    let (dir, _bundle, _) = drawn_bundle("invite-stage-two");
    let letters = read(&dir.join("bundle-private/letters-round-1.csv"));
    let codes: Vec<String> = letters
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    // The bundled pool, each volunteer given a code (the last two share
    // one, as housemates would).
    let pool = read(&data_dir().join("pool.csv"));
    let mut out = String::new();
    for (i, l) in pool.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("{l},invitation_code\n"));
        } else {
            let code = if i == 500 { &codes[498] } else { &codes[i - 1] };
            // Typed as people type: lower case, without hyphens for some.
            let typed = if i % 3 == 0 {
                code.to_lowercase().replace('-', "")
            } else {
                code.clone()
            };
            out.push_str(&format!("{l},{typed}\n"));
        }
    }
    std::fs::write(dir.join("pool.csv"), &out).unwrap();
    let quotas = data_dir().join("quotas.csv");
    let invitations = dir.join("bundle-private/invitations.csv");
    let sel = dir.join("selected");
    let r = kleroterion(&[
        "select",
        "--pool",
        dir.join("pool.csv").to_str().unwrap(),
        "--quotas",
        quotas.to_str().unwrap(),
        "-k",
        "110",
        "--address-columns",
        "address_line_1,postcode",
        "--seed",
        "s",
        "--out",
        sel.to_str().unwrap(),
        "--invitations",
        invitations.to_str().unwrap(),
        "-q",
    ]);
    ok(&r);
    assert!(
        r.stderr
            .contains("1 invitation codes were each given by two or more volunteers"),
        "{}",
        r.stderr
    );
    let replies = read(&sel.join("replies.csv"));
    let total: u64 = replies
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth_back(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 500);
    assert!(read(&sel.join("report.html")).contains("Replies to the invitation letters"));
    assert!(read(&sel.join("report.txt")).contains("500 volunteers from 600 letters"));
    // A code that was never issued stops the selection, naming the line.
    let bad = out.replacen(&codes[4], "7KQ3-M9XD-R2P", 1);
    std::fs::write(dir.join("bad.csv"), bad).unwrap();
    let r = kleroterion(&[
        "check",
        "--pool",
        dir.join("bad.csv").to_str().unwrap(),
        "--quotas",
        quotas.to_str().unwrap(),
        "-k",
        "110",
        "--invitations",
        invitations.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.contains("line 6") && r.stderr.contains("invitation_code"),
        "{}",
        r.stderr
    );
}
