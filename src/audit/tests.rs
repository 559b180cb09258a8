//! The protocol's unit tests: a stage built in memory, read back, drawn,
//! followed by a replacement round, and each of `verify`'s checks made to
//! fail by the one tampering it exists to catch.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::audit::bundle::{self as format, DRAW_FILE, Secret};
use crate::model::panel::Panel;
use crate::model::testing::twelve;
use crate::selection::optimise::Peel;
use crate::solver::Settings;

/// Panels in the test lotteries: enough for a biased lottery to move
/// someone by more than the rounding's bound.
const M: u32 = 100;
const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn options(panels: u32) -> LotteryOptions {
    LotteryOptions {
        optimise: optimise::Options {
            objective: Objective::Leximin,
            settings: Settings::default(),
            deadline: None,
            relaxation_first: true,
            peel: Peel::DEFAULT,
            cancel: Default::default(),
        },
        panels,
        seed_rule: SeedRule::new(crate::audit::seed::SeedFormat::Text, None, "a public event")
            .unwrap(),
        seal: Vec::new(),
    }
}

fn secret() -> Secret {
    Secret::from_hex(KEY).expect("a key")
}

/// A first stage of the twelve-person pool, its files keyed as in a
/// bundle directory, and the pseudonyms.
fn first() -> (Built, BTreeMap<String, Vec<u8>>, Vec<String>) {
    let (built, names) = first_stage(&twelve(), &secret(), &options(M), &mut |_| {}).unwrap();
    let files = built.files.clone();
    (built, files, names)
}

fn stages_of(files: &BTreeMap<String, Vec<u8>>) -> Vec<Stage> {
    parse_all(&Bundle::from_files(Path::new("b"), files.clone()), None).unwrap()
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
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.kind)
        .collect()
}

/// Draws stage 0 of `files` with `seed` and adds draw.json.
fn drawn(mut files: BTreeMap<String, Vec<u8>>, seed: &str) -> BTreeMap<String, Vec<u8>> {
    let stages = stages_of(&files);
    let record = draw(&stages[0], seed).unwrap();
    files.insert(DRAW_FILE.into(), record.to_bytes());
    files
}

fn edit(files: &mut BTreeMap<String, Vec<u8>>, name: &str, f: impl Fn(String) -> String) {
    let text = String::from_utf8(files[name].clone()).unwrap();
    files.insert(name.into(), f(text).into_bytes());
}

/// Re-commits stage 0's committed files, as a dishonest organiser would
/// before publishing.
fn recommit(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    let mut files = files.clone();
    let committed: format::StageFiles = COMMITTED_FILES
        .iter()
        .filter_map(|n| files.get(*n).map(|b| (n.to_string(), b.clone())))
        .collect();
    let (finished, _) = format::finish_stage(committed);
    files.extend(finished);
    files
}

/// Edits a committed file and re-commits: only the check about that
/// content may catch it.
fn recommitted(
    files: &BTreeMap<String, Vec<u8>>,
    name: &str,
    f: impl Fn(String) -> String,
) -> BTreeMap<String, Vec<u8>> {
    let mut files = files.clone();
    edit(&mut files, name, f);
    recommit(&files)
}

/// Replaces stage 0's lottery by `panels` and makes everything else agree
/// with it (probabilities.csv's lottery columns, the summary), then
/// re-commits: a hand-made lottery that passes every consistency check.
fn relotteried(
    files: &BTreeMap<String, Vec<u8>>,
    change: impl Fn(&Stage) -> Vec<Panel>,
) -> BTreeMap<String, Vec<u8>> {
    let stage = &stages_of(files)[0];
    let raw = &Bundle::from_files(Path::new("b"), files.clone()).stages[0];
    let (exact, _) = parse_probabilities(raw, stage).unwrap();
    let panels = change(stage);
    let m = panels.len();
    let appearances = lottery::Lottery {
        panels: panels.clone(),
    }
    .appearances(stage.instance.n());
    let mut manifest = stage.manifest.clone();
    manifest.summary = Summary::of(&exact, &appearances, m);
    let mut files = files.clone();
    files.insert(
        "lottery.csv".into(),
        format::panels_csv(&stage.instance, &panels),
    );
    files.insert(
        "probabilities.csv".into(),
        format::probabilities_csv(&stage.instance, &exact, &appearances, m),
    );
    files.insert("manifest.json".into(), manifest.to_bytes());
    recommit(&files)
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
    assert_eq!(stage.lottery.len(), M as usize);
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
    let a = draw(s, "seed").unwrap();
    assert_eq!(a, draw(s, "seed").unwrap());
    assert!((1..=u64::from(M)).contains(&a.panel));
    assert_eq!(
        a.panel,
        format::panel_number(&s.commitment, "seed", M.into()),
        "the draw is the specified panel number"
    );
    let panel = &s.lottery[a.panel as usize - 1];
    assert_eq!(a.members, s.names(panel.members().iter().copied()));
    // The seed is hashed in its committed form: the same text typed with
    // other spacing, or decomposed, draws the same panel.
    let b = draw(s, "  seed\t").unwrap();
    assert_eq!((b.panel, b.seed.as_str()), (a.panel, "seed"));
    assert_eq!(b.seed_as_typed, "  seed\t");
    assert!(draw(s, " \n").is_err(), "an empty seed does not fit");
}

fn everything(commitment: &str) -> VerifyOptions {
    VerifyOptions {
        seeds: vec!["seed".into()],
        commitments: vec![commitment.into()],
        resolve: true,
        ..VerifyOptions::default()
    }
}

#[test]
fn an_honest_bundle_passes_every_check() {
    let (built, files, _) = first();
    let files = drawn(files, "seed");
    // The published commitment as someone typed it: upper case, spaces.
    let typed = format!(" {} ", built.commitment.to_ascii_uppercase());
    let all = checks(&files, &everything(&typed));
    assert!(all.iter().all(|c| c.status == Status::Pass), "{all:#?}");
    // Every check that applies to a drawn first stage ran (the others are
    // about missing files, unreadable stages, sealed categories and
    // replacement rounds).
    let kinds: Vec<CheckKind> = all.iter().map(|c| c.kind).collect();
    for k in CheckKind::ALL {
        use CheckKind::*;
        let applies = !matches!(
            k,
            Files | Stages | Readable | Chain | RoundInputs | Origin | Sealed | Frame | Allocation
        );
        assert_eq!(kinds.contains(&k), applies, "{k}");
    }
}

#[test]
fn what_was_not_given_is_not_checked_and_never_passes() {
    let (_, files, _) = first();
    let files = drawn(files, "seed");
    let all = checks(&files, &VerifyOptions::default());
    assert!(failed(&all).is_empty(), "{all:#?}");
    let unverified: Vec<CheckKind> = all
        .iter()
        .filter(|c| c.status == Status::Unverified)
        .map(|c| c.kind)
        .collect();
    assert_eq!(
        unverified,
        [CheckKind::Commitment, CheckKind::Resolve, CheckKind::Draw]
    );
}

/// One dishonest or damaged bundle: what was done, the files, what verify
/// is given, and the check that must fail with words that say what changed.
struct Case {
    what: &'static str,
    files: BTreeMap<String, Vec<u8>>,
    options: VerifyOptions,
    kind: CheckKind,
    says: String,
}

/// Every tampering the audit tried, and more; each must fail, at the check
/// that exists to catch it, with a message naming what changed.
fn catalogue() -> Vec<Case> {
    let (built, files, _) = first();
    let c = built.commitment.clone();
    let honest = drawn(files.clone(), "seed");
    let all = everything(&c);
    let stage = &stages_of(&files)[0];
    let mut cases = Vec::new();
    let mut case = |what, files, options: &VerifyOptions, kind, says: &str| {
        cases.push(Case {
            what,
            files,
            options: options.clone(),
            kind,
            says: says.to_string(),
        })
    };
    case(
        "no bundle at all",
        BTreeMap::new(),
        &all,
        CheckKind::Files,
        "no audit bundle",
    );
    let mut stray = honest.clone();
    stray.insert("replacement-2/pool.csv".into(), b"x".to_vec());
    case(
        "a file that belongs to no stage",
        stray,
        &all,
        CheckKind::Files,
        "replacement-2/pool.csv",
    );
    let mut no_listing = honest.clone();
    no_listing.remove(COMMITMENT_FILE);
    case(
        "commitment.txt removed",
        no_listing,
        &all,
        CheckKind::Files,
        "commitment.txt is missing",
    );
    let mut missing = honest.clone();
    missing.remove("probabilities.csv");
    case(
        "a committed file removed",
        missing,
        &all,
        CheckKind::Commitment,
        "probabilities.csv missing",
    );
    let two = VerifyOptions {
        commitments: vec![c.clone(), c.clone()],
        ..all.clone()
    };
    case(
        "more published commitments than stages",
        honest.clone(),
        &two,
        CheckKind::Stages,
        "a stage is missing",
    );
    let mut changed = honest.clone();
    edit(&mut changed, "pool.csv", |t| t.replacen(",f,", ",m,", 1));
    case(
        "pool.csv edited after the commitment",
        changed,
        &all,
        CheckKind::Commitment,
        "pool.csv changed since the commitment",
    );
    let mut rule = honest.clone();
    edit(&mut rule, "manifest.json", |t| {
        t.replace("a public event", "another event")
    });
    case(
        "the seed rule changed after the commitment",
        rule,
        &all,
        CheckKind::Commitment,
        "manifest.json changed since the commitment",
    );
    case(
        "a bundle other than the published one",
        honest.clone(),
        &everything(&"0".repeat(64)),
        CheckKind::Commitment,
        "not the published",
    );
    case(
        "a manifest that is not JSON",
        recommitted(&honest, "manifest.json", |_| "{".into()),
        &all,
        CheckKind::Readable,
        "not a valid manifest",
    );
    case(
        "a manifest count that disagrees with the files",
        recommitted(&honest, "manifest.json", |t| {
            t.replace("\"people\": 12", "\"people\": 13")
        }),
        &all,
        CheckKind::Manifest,
        "says 13 people but pool.csv has 12",
    );
    case(
        "a looser bound on the rounding",
        recommitted(&honest, "manifest.json", |t| {
            t.replace(
                &format!("\"change_bound\": {}", lottery::CHANGE_BOUND),
                "\"change_bound\": 20",
            )
        }),
        &all,
        CheckKind::Manifest,
        "not the protocol's",
    );
    let mut junk = honest.clone();
    junk.insert(
        COMMITMENT_FILE.into(),
        b"Jane Smith, 1 High Street\n".to_vec(),
    );
    case(
        "commitment.txt replaced by other text",
        junk,
        &all,
        CheckKind::Commitment,
        "is not the listing of the files' digests",
    );
    for hidden in [
        ".priv/secret.key",
        "notes/deep/pseudonyms.csv",
        ".pseudonyms.csv",
    ] {
        let mut extra = honest.clone();
        extra.insert(hidden.into(), b"id,pseudonym\n".to_vec());
        case(
            "a hidden or deep file in the bundle",
            extra,
            &all,
            CheckKind::Files,
            hidden,
        );
    }
    let mut compact = honest.clone();
    edit(&mut compact, DRAW_FILE, |t| {
        let v: serde_json::Value = serde_json::from_str(&t).unwrap();
        serde_json::to_string(&v).unwrap() + "\n"
    });
    case(
        "draw.json written in another layout",
        compact,
        &all,
        CheckKind::Form,
        "is not as the tool writes it",
    );
    for (from, to, says) in [
        (
            "\"pseudonyms\": \"",
            "\"pseudonyms\": \"x",
            "pseudonym scheme",
        ),
        ("\"solver\": \"", "\"solver\": \"x", "solver settings"),
        (
            "\"rounding\": \"",
            "\"rounding\": \"hand-picked panels; ",
            "rounding method",
        ),
        (
            "\"role\": \"respondents\"",
            "\"role\": \"pool.csv from /home/alice/Grace_Roberts.csv\"",
            "input files recorded",
        ),
    ] {
        case(
            "a manifest field nothing else checks",
            recommitted(&honest, "manifest.json", |t| t.replacen(from, to, 1)),
            &all,
            CheckKind::Manifest,
            says,
        );
    }
    case(
        "a tool that is not a name and a version",
        recommitted(&honest, "manifest.json", |t| {
            t.replace(
                &format!("\"tool\": \"{}\"", tool()),
                "\"tool\": \"Lucy Williams, 29 Church Lane\"",
            )
        }),
        &all,
        CheckKind::Manifest,
        "tool recorded",
    );
    case(
        "a seed source that rewrites the screen",
        recommitted(&honest, "manifest.json", |t| {
            t.replace("a public event", "a public event\\u001b[2J")
        }),
        &all,
        CheckKind::Manifest,
        "control character",
    );
    case(
        "a manifest value of the wrong kind",
        recommitted(&honest, "manifest.json", |t| {
            t.replace(&format!("\"panels\": {M}"), &format!("\"panels\": \"{M}\""))
        }),
        &all,
        CheckKind::Readable,
        "a value of the wrong kind",
    );
    let mut typed = honest.clone();
    edit(&mut typed, DRAW_FILE, |t| {
        let panel = t
            .split("\"panel\": ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        t.replace(
            &format!("\"panel\": {panel},"),
            &format!("\"panel\": \"{panel}\","),
        )
    });
    case(
        "a draw record value of the wrong kind",
        typed,
        &all,
        CheckKind::Readable,
        "a value of the wrong kind",
    );
    let mut empty_dir = honest.clone();
    empty_dir.insert("Lucy Williams 07700 925065/".into(), Vec::new());
    case(
        "an empty directory in the bundle",
        empty_dir,
        &all,
        CheckKind::Files,
        "Lucy Williams",
    );
    let digest = built.manifest.inputs[0].keyed_sha256.clone();
    case(
        "an input digest that is not a keyed digest",
        recommitted(&honest, "manifest.json", |t| {
            t.replace(&digest, "the plain digest")
        }),
        &all,
        CheckKind::Manifest,
        "not 64 lower-case hex digits",
    );
    case(
        "a floor miss declared where there was none",
        recommitted(&honest, "manifest.json", |t| {
            t.replacen(
                lottery::METHOD,
                &format!("{}; {}", lottery::METHOD, format::FLOOR_MISSED),
                1,
            )
        }),
        &all,
        CheckKind::Rounding,
        "declares that the minimum fell",
    );
    let first_name = &stage.instance.pool.people[0].id;
    case(
        "pseudonyms replaced by names",
        recommitted(&honest, "pool.csv", |t| {
            t.replace(first_name.as_str(), &format!("{first_name}-Jane_Smith"))
        }),
        &all,
        CheckKind::Readable,
        "is not a pseudonym",
    );
    let unique = built.manifest.disclosure.unique;
    case(
        "disclosure figures that understate",
        recommitted(&honest, "manifest.json", |t| {
            t.replace(
                &format!("\"unique\": {unique}"),
                &format!("\"unique\": {}", unique + 1),
            )
        }),
        &all,
        CheckKind::Manifest,
        "disclosure figures do not follow",
    );
    case(
        "a pool.csv row duplicated",
        recommitted(&honest, "pool.csv", |t| {
            let mut lines: Vec<&str> = t.lines().collect();
            lines.insert(2, lines[1]);
            lines.join("\n") + "\n"
        }),
        &all,
        CheckKind::Readable,
        "appears twice",
    );
    case(
        "pool.csv rows reordered",
        recommitted(&honest, "pool.csv", |t| {
            let mut lines: Vec<&str> = t.lines().collect();
            lines.swap(1, 2);
            lines.join("\n") + "\n"
        }),
        &all,
        CheckKind::Readable,
        "sorted by pseudonym",
    );
    case(
        "a panel's members reordered",
        recommitted(&honest, "lottery.csv", |t| {
            let mut lines: Vec<String> = t.lines().map(String::from).collect();
            let (n, members) = lines[1].split_once(',').unwrap();
            let mut cells: Vec<&str> = members.split(' ').collect();
            cells.reverse();
            lines[1] = format!("{n},{}", cells.join(" "));
            lines.join("\n") + "\n"
        }),
        &all,
        CheckKind::Readable,
        "pseudonym order",
    );
    let distinct = stage
        .lottery
        .windows(2)
        .position(|w| w[0] != w[1])
        .expect("two different panels");
    case(
        "panels reordered",
        relotteried(&honest, |s| {
            let mut panels = s.lottery.clone();
            panels.swap(distinct, distinct + 1);
            panels
        }),
        &all,
        CheckKind::Form,
        "comes before panel",
    );
    case(
        "a probability written another way",
        recommitted(&honest, "probabilities.csv", |t| {
            let mut lines: Vec<String> = t.lines().map(String::from).collect();
            let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
            cells[1] = format!("{}0", cells[1]);
            lines[1] = cells.join(",");
            lines.join("\n") + "\n"
        }),
        &all,
        CheckKind::Form,
        "line 2 is not as the tool writes it",
    );
    case(
        "the manifest written in another layout",
        recommitted(&honest, "manifest.json", |t| {
            let v: serde_json::Value = serde_json::from_str(&t).unwrap();
            serde_json::to_string(&v).unwrap() + "\n"
        }),
        &all,
        CheckKind::Form,
        "is not as the tool writes it",
    );
    case(
        "a panel with a member listed twice",
        recommitted(&honest, "lottery.csv", |t| {
            let mut lines: Vec<String> = t.lines().map(String::from).collect();
            let mut cells: Vec<String> = lines[1].split(' ').map(String::from).collect();
            let last = cells.len() - 1;
            cells[last] = cells[last - 1].clone();
            lines[1] = cells.join(" ");
            lines.join("\n") + "\n"
        }),
        &all,
        CheckKind::PanelSize,
        "someone is listed twice",
    );
    let young: Vec<usize> = (0..12)
        .filter(|&i| stage.instance.pool.people[i].cells[2] == "young")
        .take(4)
        .collect();
    case(
        "panels that break a quota",
        relotteried(&honest, |s| {
            vec![Panel::new(young.clone()); s.lottery.len()]
        }),
        &all,
        CheckKind::Quotas,
        "outside",
    );
    let index = stage.index();
    let person = |id: &str| index[secret().pseudonym(id).as_str()];
    let together = Panel::new(vec![person("p1"), person("p2"), person("p3"), person("p4")]);
    case(
        "housemates on one panel",
        relotteried(&honest, |s| {
            let mut panels = s.lottery.clone();
            panels[0] = together.clone();
            panels.sort();
            panels
        }),
        &all,
        CheckKind::Households,
        "housemates",
    );
    case(
        "a lottery count that does not follow from lottery.csv",
        recommitted(&honest, "probabilities.csv", |t| {
            let mut lines: Vec<String> = t.lines().map(String::from).collect();
            let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
            let n: u32 = cells[2].parse().unwrap();
            cells[2] = (n + 1).to_string();
            cells[3] = format::fixed(f64::from(n + 1) / f64::from(M));
            lines[1] = cells.join(",");
            lines.join("\n") + "\n"
        }),
        &all,
        CheckKind::Probabilities,
        "lottery_panels",
    );
    let gini = built.manifest.summary.lottery.gini.clone();
    case(
        "a summary that does not follow",
        recommitted(&honest, "manifest.json", |t| {
            t.replacen(
                &format!("\"gini\": \"{gini}\""),
                "\"gini\": \"0.000000000\"",
                1,
            )
        }),
        &all,
        CheckKind::Summary,
        "lottery Gini 0.000000000",
    );
    // The biased lottery: b takes a's seat (same values, no housemates)
    // on every panel where a sits without b, and everything else is made
    // to agree; (a, b) the pair of interchangeable people with the most
    // such panels.
    let alone = |a: usize, b: usize| {
        stage
            .lottery
            .iter()
            .filter(|p| p.contains(a) && !p.contains(b))
            .count()
    };
    let (p5, p9) = [
        ("p5", "p9"),
        ("p3", "p7"),
        ("p4", "p6"),
        ("p8", "p12"),
        ("p6", "p10"),
    ]
    .iter()
    .map(|(a, b)| (person(a), person(b)))
    .max_by_key(|&(a, b)| alone(a, b))
    .unwrap();
    assert!(
        alone(p5, p9) > lottery::CHANGE_BOUND as usize + 1,
        "too few panels to move"
    );
    let swapped = |s: &Stage, limit: usize| {
        let mut done = 0;
        let mut panels: Vec<Panel> = s
            .lottery
            .iter()
            .map(|p| {
                if done < limit && p.contains(p5) && !p.contains(p9) {
                    done += 1;
                    let mut members = p.members().to_vec();
                    members.retain(|&i| i != p5);
                    members.push(p9);
                    Panel::new(members)
                } else {
                    p.clone()
                }
            })
            .collect();
        panels.sort();
        panels
    };
    case(
        "a biased lottery: someone's chance raised beyond the bound",
        relotteried(&honest, |s| swapped(s, usize::MAX)),
        &all,
        CheckKind::Rounding,
        "the rounding guarantees",
    );
    case(
        "a biased lottery: one seat moved, within the bound",
        relotteried(&honest, |s| swapped(s, 1)),
        &all,
        CheckKind::Resolve,
        "is not what recomputing gives: line",
    );
    // Two seats exchanged between two panels by interchangeable people:
    // every chance stays the same, but the panels are not the rounding's.
    let moved = |p: &Panel, out: usize, inn: usize| {
        let mut m = p.members().to_vec();
        m.retain(|&x| x != out);
        m.push(inn);
        Panel::new(m)
    };
    let exchange = stage.lottery.iter().enumerate().find_map(|(i, p)| {
        stage.lottery.iter().enumerate().find_map(|(j, q)| {
            (p.contains(p5)
                && !p.contains(p9)
                && q.contains(p9)
                && !q.contains(p5)
                && moved(p, p5, p9) != *q)
                .then_some((i, j))
        })
    });
    let (i, j) = exchange.expect("two panels to exchange seats between");
    case(
        "two seats exchanged between panels, every chance unchanged",
        relotteried(&honest, |s| {
            let mut panels = s.lottery.clone();
            panels[i] = moved(&s.lottery[i], p5, p9);
            panels[j] = moved(&s.lottery[j], p9, p5);
            panels.sort();
            panels
        }),
        &all,
        CheckKind::Resolve,
        "lottery.csv is not the lottery the rounding makes",
    );
    case(
        "seats exchanged, and the manifest claiming another version",
        recommitted(
            &relotteried(&honest, |s| {
                let mut panels = s.lottery.clone();
                panels[i] = moved(&s.lottery[i], p5, p9);
                panels[j] = moved(&s.lottery[j], p9, p5);
                panels.sort();
                panels
            }),
            "manifest.json",
            |t| {
                t.replace(
                    &format!("\"tool\": \"{}\"", tool()),
                    "\"tool\": \"kleroterion 0.0.9\"",
                )
            },
        ),
        &all,
        CheckKind::Resolve,
        "kleroterion 0.0.9",
    );
    let (n5, n9) = (
        &stage.instance.pool.people[p5].id,
        &stage.instance.pool.people[p9].id,
    );
    case(
        "exact probabilities edited to cover a bias",
        recommitted(&honest, "probabilities.csv", |t| {
            t.lines()
                .map(|l| {
                    let mut cells: Vec<String> = l.split(',').map(String::from).collect();
                    if cells[0] == *n5 || cells[0] == *n9 {
                        let e: f64 = cells[1].parse().unwrap();
                        let d = if cells[0] == *n5 { -0.01 } else { 0.01 };
                        cells[1] = format::fixed(e + d);
                    }
                    cells.join(",") + "\n"
                })
                .collect()
        }),
        &all,
        CheckKind::Resolve,
        "probabilities.csv is not what recomputing gives",
    );
    let record = draw(stage, "seed").unwrap();
    let other_panel = if record.panel == 1 { 2 } else { 1 };
    let mut forged = honest.clone();
    edit(&mut forged, DRAW_FILE, |t| {
        t.replace(
            &format!("\"panel\": {}", record.panel),
            &format!("\"panel\": {other_panel}"),
        )
    });
    case(
        "a recorded panel the seed does not give",
        forged,
        &all,
        CheckKind::Draw,
        &format!("says panel {other_panel}"),
    );
    // A seed found by trying many in private, recorded consistently.
    case(
        "a panel drawn with a seed other than the published one",
        drawn(files.clone(), "seed 17"),
        &all,
        CheckKind::Draw,
        "not the published \"seed\"",
    );
    let mut uncanonical = honest.clone();
    edit(&mut uncanonical, DRAW_FILE, |t| {
        t.replace("\"seed\": \"seed\"", "\"seed\": \"seed \"")
    });
    case(
        "a recorded seed not in its committed form",
        uncanonical,
        &all,
        CheckKind::Draw,
        "is not what the seed as typed",
    );
    let empty = VerifyOptions {
        seeds: vec![" ".into()],
        ..all.clone()
    };
    case(
        "a published seed that does not fit the rule",
        honest.clone(),
        &empty,
        CheckKind::Draw,
        "does not fit the committed seed rule",
    );
    let nfd = VerifyOptions {
        seeds: vec!["cafe\u{301}".into()],
        ..all.clone()
    };
    case(
        "a seed that only looks like the published one",
        drawn(files.clone(), "cafe"),
        &nfd,
        CheckKind::Draw,
        "caf\\u{e9}",
    );
    case(
        "a declared floor miss removed",
        relotteried(&honest, |s| {
            // Everyone's first panel replaced by the last: some minimum
            // falls by more than 1/m (the bound may fail too).
            let mut panels = s.lottery.clone();
            let last = panels[panels.len() - 1].clone();
            for p in panels.iter_mut().take(4) {
                *p = last.clone();
            }
            panels.sort();
            panels
        }),
        &all,
        CheckKind::Rounding,
        "/m",
    );
    cases
}

#[test]
fn every_tampering_in_the_catalogue_fails_saying_what_changed() {
    let cases = catalogue();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    for case in &cases {
        let all = checks(&case.files, &case.options);
        let hit = all
            .iter()
            .find(|c| c.status == Status::Fail && c.kind == case.kind);
        let Some(hit) = hit else {
            panic!(
                "{}: no {} failure; failures: {:#?}",
                case.what,
                case.kind,
                all.iter()
                    .filter(|c| c.status != Status::Pass)
                    .collect::<Vec<_>>()
            );
        };
        assert!(
            hit.detail.contains(&case.says),
            "{}: {} says {:?}, not {:?}",
            case.what,
            case.kind,
            hit.detail,
            case.says
        );
        for c in &all {
            for rust in ["Some(", " {", "struct ", "u64", "usize", "u32", "variant"] {
                assert!(
                    !c.detail.contains(rust),
                    "{}: Rust wording {rust:?} in {}",
                    case.what,
                    c.detail
                );
            }
        }
    }
}

#[test]
fn the_rounding_check_holds_the_manifest_to_its_claim() {
    let (_, files, _) = first();
    let stage = &stages_of(&files)[0];
    let raw = &Bundle::from_files(Path::new("b"), files.clone()).stages[0];
    let (exact, listed) = parse_probabilities(raw, stage).unwrap();
    assert_eq!(check_rounding(stage, &exact, &listed).0, Status::Pass);
    // Someone more than the bound away from m × exact.
    let mut far = listed.clone();
    far[0] += lottery::CHANGE_BOUND + 1;
    let (status, detail) = check_rounding(stage, &exact, &far);
    assert_eq!(status, Status::Fail, "{detail}");
    // The minimum fallen by 1/m or more: only acceptable when declared.
    let low = (0..exact.len())
        .min_by(|&a, &b| exact[a].total_cmp(&exact[b]))
        .unwrap();
    let mut fell = listed.clone();
    fell[low] = (f64::from(M) * exact[low]).floor() as u32 - 2;
    assert_eq!(check_rounding(stage, &exact, &fell).0, Status::Fail);
    let mut declared = stage.clone();
    declared.manifest.rounding = format::FLOOR_MISSED.into();
    assert_eq!(check_rounding(&declared, &exact, &fell).0, Status::Pass);
}

#[test]
fn sealed_categories_hide_values_from_the_public_and_open_for_the_auditor() {
    let mut o = options(M);
    o.seal = vec!["age".into()];
    let (built, _) = first_stage(&twelve(), &secret(), &o, &mut |_| {}).unwrap();
    let files: BTreeMap<String, Vec<u8>> = built.files.clone().into_iter().collect();
    let pool = String::from_utf8(files["pool.csv"].clone()).unwrap();
    assert!(!pool.contains("young") && !pool.contains(",old,"), "{pool}");
    assert_eq!(built.manifest.sealed, ["age"]);
    assert_eq!(
        built.manifest.disclosure.columns,
        ["gender", "household size"]
    );
    let files = drawn(files, "seed");
    let public = checks(&files, &everything(&built.commitment));
    assert!(failed(&public).is_empty(), "{public:#?}");
    let unchecked: Vec<CheckKind> = public
        .iter()
        .filter(|c| c.status == Status::Unverified)
        .map(|c| c.kind)
        .collect();
    assert_eq!(
        unchecked,
        [
            CheckKind::Sealed,
            CheckKind::Certificate,
            CheckKind::Resolve
        ]
    );
    let auditor = VerifyOptions {
        auditor: Some(secret().auditor_key()),
        ..everything(&built.commitment)
    };
    let opened = checks(&files, &auditor);
    assert!(
        opened.iter().all(|c| c.status == Status::Pass),
        "{opened:#?}"
    );
    // A seal swapped for another person's value: the auditor sees it.
    let stage = &parse_all(
        &Bundle::from_files(Path::new("b"), files.clone()),
        Some(&secret().auditor_key()),
    )
    .unwrap()[0];
    let name = &stage.instance.pool.people[0].id;
    let v = stage.instance.pool.people[0].values[1];
    let value = &stage.instance.quotas.values[v].name;
    let other = if value == "young" { "old" } else { "young" };
    let key = secret().auditor_key();
    let (was, now) = (key.seal(name, "age", value), key.seal(name, "age", other));
    let swapped = recommitted(&files, "pool.csv", |t| t.replace(&was, &now));
    let seen = checks(&swapped, &auditor);
    assert!(!failed(&seen).is_empty(), "{seen:#?}");
    let garbage = recommitted(&files, "pool.csv", |t| t.replace(&was, &"0".repeat(32)));
    let seen = checks(&garbage, &auditor);
    assert!(
        seen.iter()
            .any(|c| c.status == Status::Fail && c.detail.contains("opens to none")),
        "{seen:#?}"
    );
    // A wrong key opens nothing.
    let stranger = VerifyOptions {
        auditor: Some(Secret::from_hex(&"33".repeat(32)).unwrap().auditor_key()),
        ..everything(&built.commitment)
    };
    assert_eq!(failed(&checks(&files, &stranger)), [CheckKind::Readable]);
}

#[test]
fn input_digests_are_keyed_and_names_stay_private() {
    let (built, files, _) = first();
    let inputs = &built.manifest.inputs;
    assert_eq!(
        inputs.iter().map(|f| f.role.as_str()).collect::<Vec<_>>(),
        ["respondents", "quotas"]
    );
    let original = twelve();
    let key = secret().auditor_key();
    assert_eq!(
        inputs[0].keyed_sha256,
        key.input_digest(&original.pool.sha256)
    );
    // The plain SHA-256 of the file appears nowhere (it would confirm a
    // guessed copy).
    let manifest = String::from_utf8(files["manifest.json"].clone()).unwrap();
    assert!(!manifest.contains(&original.pool.sha256));
    assert!(!manifest.contains(&*original.pool.path.to_string_lossy()));
}

#[test]
fn a_replacement_round_derives_its_pool_quotas_and_size_and_chains() {
    let (_, files_before_draw, _) = first();
    let files = drawn(files_before_draw.clone(), "seed");
    let stages = stages_of(&files);
    let base = &stages[0];
    let panel = panel_after(&stages).unwrap();
    assert_eq!(panel.len(), 4);
    let withdrawn = panel[0];
    let d = derive_replacement(base, &panel, &[], &[withdrawn], None).unwrap();
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
    let mut round = options(M);
    round.seed_rule = SeedRule::new(
        crate::audit::seed::SeedFormat::Text,
        None,
        "the second public event",
    )
    .unwrap();
    let built = replacement_stage(&stages, &[name], true, &round, None, &mut |_| {}).unwrap();
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
    let record = draw(&stages[1], "seed two").unwrap();
    all.insert(format!("replacement-1/{DRAW_FILE}"), record.to_bytes());
    let published = VerifyOptions {
        seeds: vec!["seed".into(), "seed two".into()],
        commitments: vec![base.commitment.clone(), built.commitment.clone()],
        resolve: true,
        ..VerifyOptions::default()
    };
    let ok = checks(&all, &published);
    assert!(ok.iter().all(|c| c.status == Status::Pass), "{ok:#?}");
    assert!(
        ok.iter()
            .any(|c| c.kind == CheckKind::Chain && c.stage == 1)
    );
    assert!(
        ok.iter()
            .any(|c| c.kind == CheckKind::RoundInputs && c.stage == 1)
    );

    // A round drawn with the seed already public from the first draw: its
    // panel could have been chosen (by trying rounds) after the seed was
    // known.
    let mut reused = files.clone();
    for (n, b) in &built.files {
        reused.insert(format!("replacement-1/{n}"), b.clone());
    }
    let again = draw(&stages_of(&reused)[1], "seed").unwrap();
    reused.insert(format!("replacement-1/{DRAW_FILE}"), again.to_bytes());
    let seen = checks(
        &reused,
        &VerifyOptions {
            seeds: vec!["seed".into(), "seed".into()],
            ..published.clone()
        },
    );
    assert!(
        seen.iter().any(|c| c.kind == CheckKind::Draw
            && c.stage == 1
            && c.status == Status::Fail
            && c.detail.contains("stage 0 was drawn with the same seed")),
        "{seen:#?}"
    );
    // The same public result under another rule, or the same source.
    let numbered = drawn(files_before_draw.clone(), "1 2 3");
    let mut later = numbered.clone();
    for (n, b) in &built.files {
        later.insert(format!("replacement-1/{n}"), b.clone());
    }
    let record = draw(&stages_of(&later)[1], "1, 2, 3").unwrap();
    later.insert(format!("replacement-1/{DRAW_FILE}"), record.to_bytes());
    let seen = checks(&later, &VerifyOptions::default());
    assert!(
        seen.iter().any(|c| c.kind == CheckKind::Draw
            && c.stage == 1
            && c.status == Status::Fail
            && c.detail.contains("holds every number of stage 0's seed")),
        "{seen:#?}"
    );
    // An undisclosed round: the public knows one commitment and one seed.
    let first_only = VerifyOptions {
        seeds: vec!["seed".into()],
        commitments: vec![base.commitment.clone()],
        ..published.clone()
    };
    let hidden = checks(&all, &first_only);
    let stages_failed: Vec<&Check> = hidden
        .iter()
        .filter(|c| c.kind == CheckKind::Stages && c.status == Status::Fail)
        .collect();
    assert_eq!(stages_failed.len(), 2, "{hidden:#?}");
    assert!(stages_failed[0].detail.contains("replacement-1"));
    assert!(stages_failed[0].detail.contains("no published commitment"));
    assert!(stages_failed[1].detail.contains("no published seed"));

    // chain: a round naming another previous commitment.
    let unchained = {
        let mut a = all.clone();
        edit(&mut a, "replacement-1/manifest.json", |t| {
            t.replace(&base.commitment, &"1".repeat(64))
        });
        a
    };
    assert!(failed(&checks(&unchained, &VerifyOptions::default())).contains(&CheckKind::Chain));
    // round inputs: a round whose pool lost an eligible person (one on no
    // lottery panel, so that the stage still reads).
    let mut narrowed = all.clone();
    let lottery = String::from_utf8(all["replacement-1/lottery.csv"].clone()).unwrap();
    edit(&mut narrowed, "replacement-1/pool.csv", |t| {
        let mut lines: Vec<&str> = t.lines().collect();
        let at = (1..lines.len())
            .rev()
            .find(|&l| !lottery.contains(lines[l].split(',').next().unwrap()))
            .expect("someone on no lottery panel");
        lines.remove(at);
        lines.join("\n") + "\n"
    });
    let c = checks(&narrowed, &VerifyOptions::default());
    assert!(failed(&c).contains(&CheckKind::RoundInputs), "{c:#?}");
}

#[test]
fn lotteries_of_too_few_panels_fail() {
    let (built, _) = first_stage(&twelve(), &secret(), &options(40), &mut |_| {}).unwrap();
    let files: BTreeMap<String, Vec<u8>> = built.files.into_iter().collect();
    let all = checks(&drawn(files, "seed"), &everything(&built.commitment));
    let manifest = all.iter().find(|c| c.kind == CheckKind::Manifest).unwrap();
    assert_eq!(manifest.status, Status::Fail, "{manifest:?}");
    assert!(
        manifest.detail.contains("needs at least 100"),
        "{}",
        manifest.detail
    );
}

#[test]
fn a_published_seed_without_a_recorded_draw_is_not_checked() {
    let (built, files, _) = first();
    let all = checks(&files, &everything(&built.commitment));
    let draw = all.iter().find(|c| c.kind == CheckKind::Draw).unwrap();
    assert_eq!(draw.status, Status::Unverified, "{draw:?}");
    assert!(draw.detail.contains("cannot be checked"), "{}", draw.detail);
}

#[test]
fn held_and_withdrawn_lists_must_be_consistent() {
    let (_, files, _) = first();
    let stage = &stages_of(&files)[0];
    let a = stage.instance.pool.people[0].id.clone();
    let mut both = stage.clone();
    both.manifest.held = vec![a.clone()];
    both.manifest.withdrawn = vec![a.clone()];
    let e = check_manifest(&both, None).unwrap_err();
    assert!(e.contains("both as held and as withdrawn"), "{e}");
    let mut inside = stage.clone();
    inside.manifest.held = vec![a];
    let e = check_manifest(&inside, None).unwrap_err();
    assert!(e.contains("yet in this round's pool.csv"), "{e}");
    let mut named = stage.clone();
    named.manifest.withdrawn = vec!["Lucy Williams".into()];
    let e = check_manifest(&named, None).unwrap_err();
    assert!(e.contains("not a pseudonym"), "{e}");
    let mut relaxed = stage.clone();
    relaxed.manifest.relaxed = vec!["whatever the organiser likes".into()];
    let e = check_manifest(&relaxed, None).unwrap_err();
    assert!(e.contains("is not a bound change"), "{e}");
    let q = &stage.instance.quotas;
    relaxed.manifest.relaxed = vec![format!(
        "{}: minimum 9 -> {}",
        q.label(0),
        q.values[0].min + 1
    )];
    let e = check_manifest(&relaxed, None).unwrap_err();
    assert!(e.contains("does not agree with quotas.csv"), "{e}");
    relaxed.manifest.relaxed = vec![format!("{}: minimum 9 -> {}", q.label(0), q.values[0].min)];
    assert!(check_relaxed_entries(&relaxed).is_ok());
}

#[test]
fn verify_output_cannot_rewrite_the_screen() {
    use crate::audit::seed::printable;
    assert_eq!(printable("ok\u{1b}[2J"), "ok\\u{1b}[2J");
    assert_eq!(printable("a\u{202e}b"), "a\\u{202e}b");
    assert_eq!(printable("Île-de-France"), "Île-de-France");
}

#[test]
fn personal_columns_are_refused_as_categories() {
    use crate::model::testing::instance;
    let mut pool = String::from("id,gender,email\n");
    let mut quotas = String::from("feature,value,min,max\ngender,f,0,4\ngender,m,0,4\n");
    for i in 0..24 {
        pool.push_str(&format!("{i},{},p{i}@example.org\n", ["f", "m"][i % 2]));
        quotas.push_str(&format!("email,p{i}@example.org,0,1\n"));
    }
    let with_email = instance(&pool, &quotas, 4, &[]);
    let Err(e) = first_stage(&with_email, &secret(), &options(M), &mut |_| {}) else {
        panic!("an e-mail category was published");
    };
    assert!(e.to_string().contains("e-mail addresses"), "{e}");
    let names = pool.replace("@example.org", "-smith");
    let quotas = quotas.replace("@example.org", "-smith");
    let with_names = instance(&names, &quotas, 4, &[]);
    let Err(e) = first_stage(&with_names, &secret(), &options(M), &mut |_| {}) else {
        panic!("a category of names was published");
    };
    assert!(
        e.to_string()
            .contains("24 different values among 24 people"),
        "{e}"
    );
}

#[test]
fn key_files_that_are_not_regular_files_are_refused_at_once() {
    for path in ["/dev/zero", "/"] {
        let p = Path::new(path);
        if p.exists() {
            let e = private::read_auditor_key(p).unwrap_err();
            assert!(e.to_string().contains("must be a regular file"), "{e}");
        }
    }
}
