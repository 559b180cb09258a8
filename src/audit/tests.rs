//! The protocol's unit tests: a stage built in memory, read back, drawn,
//! followed by a replacement round, and each of `verify`'s checks made to
//! fail by the one tampering it exists to catch.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::audit::bundle::{self as format, DRAW_FILE, Secret};
use crate::model::testing::twelve;
use crate::selection::optimise::Peel;
use crate::solver::Settings;

const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn options(panels: u32) -> LotteryOptions {
    LotteryOptions {
        optimise: optimise::Options {
            objective: Objective::Leximin,
            settings: Settings::default(),
            deadline: None,
            relaxation_first: true,
            peel: Peel::DEFAULT,
        },
        panels,
    }
}

fn secret() -> Secret {
    Secret::from_hex(KEY).expect("a key")
}

/// A first stage of the twelve-person pool, its files keyed as in a
/// bundle directory, and the pseudonyms.
fn first() -> (Built, BTreeMap<String, Vec<u8>>, Vec<String>) {
    let (built, names) = first_stage(&twelve(), &secret(), &options(40), &mut |_| {}).unwrap();
    let files = built.files.clone();
    (built, files, names)
}

fn stages_of(files: &BTreeMap<String, Vec<u8>>) -> Vec<Stage> {
    parse_all(&Bundle::from_files(Path::new("b"), files.clone())).unwrap()
}

fn checks(files: &BTreeMap<String, Vec<u8>>, options: &VerifyOptions) -> Vec<Check> {
    verify(
        &Bundle::from_files(Path::new("b"), files.clone()),
        options,
        &mut |_| {},
    )
}

fn failed(checks: &[Check]) -> Vec<CheckKind> {
    checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.kind)
        .collect()
}

/// Draws stage 0 of `files` with `seed` and adds draw.json.
fn drawn(mut files: BTreeMap<String, Vec<u8>>, seed: &str) -> BTreeMap<String, Vec<u8>> {
    let stages = stages_of(&files);
    let record = draw(&stages[0], seed);
    files.insert(DRAW_FILE.into(), record.to_bytes());
    files
}

fn edit(files: &mut BTreeMap<String, Vec<u8>>, name: &str, f: impl Fn(String) -> String) {
    let text = String::from_utf8(files[name].clone()).unwrap();
    files.insert(name.into(), f(text).into_bytes());
}

/// Edits a committed file and re-commits, as a dishonest organiser would
/// before publishing: only the check about that content may catch it.
fn recommitted(
    files: &BTreeMap<String, Vec<u8>>,
    name: &str,
    f: impl Fn(String) -> String,
) -> BTreeMap<String, Vec<u8>> {
    let mut files = files.clone();
    edit(&mut files, name, f);
    let committed: format::StageFiles = COMMITTED_FILES
        .iter()
        .map(|n| (n.to_string(), files[*n].clone()))
        .collect();
    let (finished, _) = format::finish_stage(committed);
    finished.into_iter().collect()
}

#[test]
fn a_first_stage_commits_to_its_files_and_reveals_no_ids() {
    let (built, files, names) = first();
    let mut expected: Vec<&str> = COMMITTED_FILES.to_vec();
    expected.push(COMMITMENT_FILE);
    expected.sort_unstable();
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(built.commitment, format::commitment(&files));
    assert_eq!(built.commitment.len(), 64);
    // Pseudonyms are the keyed HMAC of the ids, one per person, distinct.
    let s = secret();
    assert_eq!(names[0], s.pseudonym("p1"));
    let distinct: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), 12);
    // No id and no address column reaches a published file: no word of
    // any file is an id, and none names the address column.
    let ids: Vec<String> = (1..=12).map(|i| format!("p{i}")).collect();
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            assert!(!ids.iter().any(|id| id == word), "{name} reveals {word}");
            assert_ne!(word, "street", "{name} names the address column");
        }
    }
    // Every lottery panel meets the quotas and the household rule.
    let stage = &stages_of(&files)[0];
    assert_eq!(stage.lottery.len(), 40);
    for panel in &stage.lottery {
        assert!(panel.violations(&stage.instance).is_empty());
    }
}

#[test]
fn a_stage_reads_back_as_it_was_built_and_draws_reproducibly() {
    let (built, files, _) = first();
    let stages = stages_of(&files);
    assert_eq!(stages.len(), 1);
    let s = &stages[0];
    assert_eq!(s.commitment, built.commitment);
    assert_eq!(s.manifest, built.manifest);
    assert!(s.draw.is_none() && !is_replacement(s));
    let a = draw(s, "seed");
    assert_eq!(a, draw(s, "seed"));
    assert!((1..=40).contains(&a.panel));
    assert_eq!(
        a.panel,
        format::panel_number(&s.commitment, "seed", 40),
        "the draw is the specified panel number"
    );
    let panel = &s.lottery[a.panel as usize - 1];
    assert_eq!(a.members, s.names(panel.members().iter().copied()));
}

#[test]
fn an_honest_bundle_passes_every_check() {
    let (built, files, _) = first();
    let files = drawn(files, "seed");
    let all = checks(
        &files,
        &VerifyOptions {
            seeds: vec!["seed".into()],
            commitments: vec![built.commitment.clone()],
            resolve: true,
            settings: Settings::default(),
        },
    );
    assert!(failed(&all).is_empty(), "{all:#?}");
    // Every check that applies to a drawn first stage ran (the others are
    // about missing files, unreadable stages and replacement rounds).
    let kinds: Vec<CheckKind> = all.iter().map(|c| c.kind).collect();
    for k in CheckKind::ALL {
        use CheckKind::*;
        let applies = !matches!(k, Files | Stages | Readable | Chain | RoundInputs | Origin);
        assert_eq!(kinds.contains(&k), applies, "{k}");
    }
}

#[test]
fn each_check_catches_its_tampering() {
    let (built, files, names) = first();
    let none = VerifyOptions::default();
    // files: an empty bundle, and a file that belongs to no stage.
    assert_eq!(failed(&checks(&BTreeMap::new(), &none)), [CheckKind::Files]);
    let mut stray = files.clone();
    stray.insert("replacement-2/pool.csv".into(), b"x".to_vec());
    assert!(failed(&checks(&stray, &none)).contains(&CheckKind::Files));
    // stages: more published commitments than stages.
    let two = VerifyOptions {
        commitments: vec![built.commitment.clone(), built.commitment.clone()],
        ..VerifyOptions::default()
    };
    assert!(failed(&checks(&files, &two)).contains(&CheckKind::Stages));
    // commitment: a file changed after commitment.txt was written, and a
    // bundle that is not the one published.
    let mut changed = files.clone();
    edit(&mut changed, "pool.csv", |t| t.replacen(",f,", ",m,", 1));
    assert!(failed(&checks(&changed, &none)).contains(&CheckKind::Commitment));
    let other = VerifyOptions {
        commitments: vec!["0".repeat(64)],
        ..VerifyOptions::default()
    };
    assert_eq!(failed(&checks(&files, &other)), [CheckKind::Commitment]);
    // readable: a manifest that is not JSON stops the stage's checks.
    let broken = recommitted(&files, "manifest.json", |_| "{".into());
    assert_eq!(failed(&checks(&broken, &none)), [CheckKind::Readable]);
    // manifest: a count that disagrees with the files.
    let people = recommitted(&files, "manifest.json", |t| {
        t.replace("\"people\": 12", "\"people\": 13")
    });
    assert_eq!(failed(&checks(&people, &none)), [CheckKind::Manifest]);
    // panel size: a panel with a member listed twice.
    let first_name = names[0].clone();
    let doubled = recommitted(&files, "lottery.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        let mut cells: Vec<String> = lines[1].split(' ').map(String::from).collect();
        let last = cells.len() - 1;
        cells[last] = cells[last - 1].clone();
        lines[1] = cells.join(" ");
        lines.join("\n") + "\n"
    });
    assert!(failed(&checks(&doubled, &none)).contains(&CheckKind::PanelSize));
    // quotas: every panel made all-young (breaks age/old ≥ 1) by naming
    // the same people in every panel.
    let stage = &stages_of(&files)[0];
    let young: Vec<String> =
        stage.names((0..12).filter(|&i| stage.instance.pool.people[i].cells[2] == "young"));
    let skewed = recommitted(&files, "lottery.csv", |t| {
        let mut out = String::from("panel,members\n");
        for (j, _) in t.lines().skip(1).enumerate() {
            out.push_str(&format!("{},{}\n", j + 1, young[..4].join(" ")));
        }
        out
    });
    assert!(failed(&checks(&skewed, &none)).contains(&CheckKind::Quotas));
    // households: p1 and p2 (one address) on one panel.
    let p1 = first_name;
    let p2 = secret().pseudonym("p2");
    let p3 = secret().pseudonym("p3");
    let p4 = secret().pseudonym("p4");
    let housemates = recommitted(&files, "lottery.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        lines[1] = format!("1,{p1} {p2} {p3} {p4}");
        lines.join("\n") + "\n"
    });
    assert!(failed(&checks(&housemates, &none)).contains(&CheckKind::Households));
    // probabilities: a lottery count that does not follow from lottery.csv.
    let counts = recommitted(&files, "probabilities.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
        let n: u32 = cells[2].parse().unwrap();
        cells[2] = (n + 1).to_string();
        lines[1] = cells.join(",");
        lines.join("\n") + "\n"
    });
    assert!(failed(&checks(&counts, &none)).contains(&CheckKind::Probabilities));
    // summary: a Gini that does not follow from probabilities.csv.
    let gini = built.manifest.summary.lottery.gini.clone();
    let summary = recommitted(&files, "manifest.json", |t| {
        t.replacen(
            &format!("\"gini\": \"{gini}\""),
            "\"gini\": \"0.000000000\"",
            1,
        )
    });
    assert!(failed(&checks(&summary, &none)).contains(&CheckKind::Summary));
    // draw: a recorded panel the seed does not give, and a seed other than
    // the published one.
    let honest = drawn(files.clone(), "seed");
    let mut forged = honest.clone();
    let record = draw(&stages_of(&files)[0], "seed");
    let other_panel = if record.panel == 1 { 2 } else { 1 };
    edit(&mut forged, DRAW_FILE, |t| {
        t.replace(
            &format!("\"panel\": {}", record.panel),
            &format!("\"panel\": {other_panel}"),
        )
    });
    assert!(failed(&checks(&forged, &none)).contains(&CheckKind::Draw));
    let published = VerifyOptions {
        seeds: vec!["another seed".into()],
        ..VerifyOptions::default()
    };
    assert!(failed(&checks(&honest, &published)).contains(&CheckKind::Draw));
}

#[test]
fn the_rounding_check_holds_the_manifest_to_its_claim() {
    // Exact 0.5 each; with m = 10 a lottery giving someone 3 of 10 fell by
    // 2/m: only acceptable when the manifest declares it.
    let exact = [0.5, 0.5];
    assert!(check_rounding(&exact, &[5, 5], 10, "").is_ok());
    assert!(check_rounding(&exact, &[3, 7], 10, "").is_err());
    assert!(check_rounding(&exact, &[3, 7], 10, format::FLOOR_MISSED).is_ok());
}

#[test]
fn a_replacement_round_derives_its_pool_quotas_and_size_and_chains() {
    let (_, files, _) = first();
    let files = drawn(files, "seed");
    let stages = stages_of(&files);
    let base = &stages[0];
    let panel = panel_after(&stages).unwrap();
    assert_eq!(panel.len(), 4);
    let withdrawn = panel[0];
    let d = derive_replacement(base, &panel, &[], &[withdrawn]).unwrap();
    assert_eq!(d.k, 1);
    assert_eq!(d.held.len(), 3);
    assert_eq!(d.withdrawn, base.names([withdrawn].into_iter()));
    // Bounds: max(0, min − held) .. max − held per value.
    let q = &base.instance.quotas;
    for (v, value) in q.values.iter().enumerate() {
        let held = panel[1..]
            .iter()
            .filter(|&&i| base.instance.pool.people[i].values.contains(&v))
            .count() as u32;
        assert_eq!(
            d.bounds[v],
            (value.min.saturating_sub(held), value.max - held),
            "{}",
            q.label(v)
        );
    }
    // The pool: nobody on the panel, nobody withdrawn, no held person's
    // housemate.
    let mut excluded: Vec<usize> = panel.clone();
    for &i in &panel[1..] {
        excluded.extend(base.instance.households.housemates(i));
    }
    excluded.sort_unstable();
    excluded.dedup();
    assert_eq!(d.eligible, 12 - excluded.len());

    // The round itself: built, chained to stage 0, drawn, verified.
    let name = base.names([withdrawn].into_iter()).remove(0);
    let built = replacement_stage(&stages, &[name], true, &options(20), &mut |_| {}).unwrap();
    assert_eq!(built.manifest.stage, 1);
    assert_eq!(
        built.manifest.previous_commitment.as_deref(),
        Some(base.commitment.as_str())
    );
    let mut all = files.clone();
    for (n, b) in &built.files {
        all.insert(format!("replacement-1/{n}"), b.clone());
    }
    let stages = stages_of(&all);
    assert!(is_replacement(&stages[1]));
    let record = draw(&stages[1], "seed two");
    all.insert(format!("replacement-1/{DRAW_FILE}"), record.to_bytes());
    let ok = checks(
        &all,
        &VerifyOptions {
            seeds: vec!["seed".into(), "seed two".into()],
            ..VerifyOptions::default()
        },
    );
    assert!(failed(&ok).is_empty(), "{ok:#?}");
    assert!(
        ok.iter()
            .any(|c| c.kind == CheckKind::Chain && c.stage == 1)
    );
    assert!(
        ok.iter()
            .any(|c| c.kind == CheckKind::RoundInputs && c.stage == 1)
    );

    // chain: a round naming another previous commitment.
    let mut unchained = all.clone();
    edit(&mut unchained, "replacement-1/manifest.json", |t| {
        t.replace(&base.commitment, &"1".repeat(64))
    });
    assert!(failed(&checks(&unchained, &VerifyOptions::default())).contains(&CheckKind::Chain));
    // round inputs: a round whose pool lost an eligible person.
    let mut narrowed = all.clone();
    edit(&mut narrowed, "replacement-1/pool.csv", |t| {
        let mut lines: Vec<&str> = t.lines().collect();
        lines.pop();
        lines.join("\n") + "\n"
    });
    assert!(
        failed(&checks(&narrowed, &VerifyOptions::default())).contains(&CheckKind::RoundInputs)
    );
}
