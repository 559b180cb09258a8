//! Every reviewer check of a bundle, from its files alone. A check passes,
//! fails, or says what it could not check (a published commitment or seed
//! not given, a lottery not recomputed, a sealed category without its key):
//! `verify` never calls a bundle verified on the organiser's word.

use super::*;
use crate::audit::seed::quoted;

/// Which check a [`Check`] is; `name` is the word `verify` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckKind {
    /// The bundle has the files of each stage and no stray ones.
    Files,
    /// Every stage has a published commitment, and every drawn stage a
    /// published seed, when they are given.
    Stages,
    /// The files give the commitment commitment.txt states and the one published.
    Commitment,
    /// The stage's files parse (later checks of the stage need them).
    Readable,
    /// Every committed file is exactly as the tool writes it.
    Form,
    /// A round names the previous stage's commitment.
    Chain,
    /// A round's pool, quotas and size follow from the earlier stages.
    RoundInputs,
    /// A first stage that is a replacement round: what it was derived from (informational).
    Origin,
    /// The manifest agrees with the files (counts, format, settings, seed rule, disclosure).
    Manifest,
    /// Every lottery panel has exactly k distinct members.
    PanelSize,
    /// Every lottery panel meets every quota.
    Quotas,
    /// Sealed categories: opened with the auditor's key, or not checked.
    Sealed,
    /// No lottery panel seats two members of one household.
    Households,
    /// probabilities.csv agrees with the lottery and sums to k.
    Probabilities,
    /// certificate.json proves, in exact arithmetic, that the exact
    /// probabilities are the LEXIMIN (or MAXIMIN) the quotas allow.
    Certificate,
    /// The manifest's summary follows from probabilities.csv.
    Summary,
    /// Everyone's lottery chance is within the rounding's bound of the exact
    /// one, and the minimum within 1/m.
    Rounding,
    /// Recomputing the distribution and its rounding gives the same files.
    Resolve,
    /// The drawn panel number follows from the published seed and the commitment.
    Draw,
    /// Invitations: the address list is well formed and its counts agree
    /// with the strata table.
    Frame,
    /// Invitations: the letters per stratum follow from the plan and the
    /// counts.
    Allocation,
}

impl CheckKind {
    /// Every kind, in the order `verify` runs them.
    pub const ALL: [CheckKind; 21] = [
        CheckKind::Files,
        CheckKind::Stages,
        CheckKind::Commitment,
        CheckKind::Readable,
        CheckKind::Form,
        CheckKind::Chain,
        CheckKind::RoundInputs,
        CheckKind::Origin,
        CheckKind::Manifest,
        CheckKind::PanelSize,
        CheckKind::Quotas,
        CheckKind::Sealed,
        CheckKind::Households,
        CheckKind::Probabilities,
        CheckKind::Certificate,
        CheckKind::Summary,
        CheckKind::Rounding,
        CheckKind::Resolve,
        CheckKind::Draw,
        CheckKind::Frame,
        CheckKind::Allocation,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Files => "files",
            CheckKind::Stages => "stages",
            CheckKind::Commitment => "commitment",
            CheckKind::Readable => "readable",
            CheckKind::Form => "form",
            CheckKind::Chain => "chain",
            CheckKind::RoundInputs => "round inputs",
            CheckKind::Origin => "origin",
            CheckKind::Manifest => "manifest",
            CheckKind::PanelSize => "panel size",
            CheckKind::Quotas => "quotas",
            CheckKind::Sealed => "sealed",
            CheckKind::Households => "households",
            CheckKind::Probabilities => "probabilities",
            CheckKind::Certificate => "certificate",
            CheckKind::Summary => "summary",
            CheckKind::Rounding => "rounding",
            CheckKind::Resolve => "resolve",
            CheckKind::Draw => "draw",
            CheckKind::Frame => "frame",
            CheckKind::Allocation => "allocation",
        }
    }

    /// What passing this check means, for someone who is not a specialist.
    pub fn meaning(self) -> &'static str {
        match self {
            CheckKind::Files => "The bundle holds the files of every stage and nothing else.",
            CheckKind::Stages => {
                "Every stage has its published commitment and every drawn stage its published seed, where they were given."
            }
            CheckKind::Commitment => {
                "The files are the ones the organiser committed to before the seed existed: changing any of them after seeing the seed would change the commitment."
            }
            CheckKind::Readable => {
                "The stage's files can be read, so the checks below could be made."
            }
            CheckKind::Form => {
                "Every file is written exactly as the tool writes it (nothing hidden in spacing or order), and the public page says only what the files give."
            }
            CheckKind::Chain => {
                "A replacement round names the commitment of the stage before it, so rounds cannot be swapped or reordered."
            }
            CheckKind::RoundInputs => {
                "A replacement round's volunteers, quotas and panel size follow from the earlier stages and the members who withdrew."
            }
            CheckKind::Origin => {
                "What a first stage that is a replacement round was derived from (for information)."
            }
            CheckKind::Manifest => {
                "The manifest's counts, settings, seed rule and disclosure agree with the files."
            }
            CheckKind::PanelSize => {
                "Every panel of the lottery has exactly the panel size, with no one twice."
            }
            CheckKind::Quotas => "Every panel of the lottery meets every quota.",
            CheckKind::Sealed => {
                "Quotas of sealed categories, which only an auditor with the key can check."
            }
            CheckKind::Households => "No panel of the lottery seats two people of one household.",
            CheckKind::Probabilities => {
                "Each person's published chance agrees with the lottery's panels, and the chances add up to the panel size."
            }
            CheckKind::Certificate => {
                "A proof, checked in exact arithmetic without a solver, that the chances are the fairest the quotas allow (for LEXIMIN and MAXIMIN)."
            }
            CheckKind::Summary => {
                "The summary figures in the manifest follow from the published chances."
            }
            CheckKind::Rounding => {
                "Turning the exact chances into a lottery of equally likely panels moved nobody's chance by more than the stated bound."
            }
            CheckKind::Resolve => {
                "Recomputing the whole lottery from the published files gives the same files."
            }
            CheckKind::Draw => {
                "What was drawn (a panel number, or the addresses that get letters) follows from the published seed and the commitment, so nobody chose it."
            }
            CheckKind::Frame => {
                "The list of every address that could get a letter (as pseudonyms) is well formed, and its counts per stratum are the ones the allocation used."
            }
            CheckKind::Allocation => {
                "The number of letters each stratum gets follows exactly from the published plan and the counts, so no area was favoured by hand."
            }
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// Nothing wrong was found, but something could not be checked (its
    /// detail says what, and what would check it).
    Unverified,
}

impl Status {
    /// The word `verify` prints.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Unverified => "NOT CHECKED",
        }
    }
}

/// A check's status and what it says.
pub type Outcome = (Status, String);

fn pass(detail: impl Into<String>) -> Outcome {
    (Status::Pass, detail.into())
}

fn fail(detail: impl Into<String>) -> Outcome {
    (Status::Fail, detail.into())
}

fn unverified(detail: impl Into<String>) -> Outcome {
    (Status::Unverified, detail.into())
}

fn outcome(result: Result<String, String>) -> Outcome {
    match result {
        Ok(d) => pass(d),
        Err(d) => fail(d),
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub stage: u32,
    pub kind: CheckKind,
    /// The file the check is about.
    pub file: PathBuf,
    pub status: Status,
    pub detail: String,
}

/// What `verify` compares against, beyond the bundle itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Published seeds, stage by stage, as people typed them.
    pub seeds: Vec<String>,
    /// Published commitments, stage by stage.
    pub commitments: Vec<String>,
    /// Recompute each stage's distribution and rounding.
    pub resolve: bool,
    /// The auditor's key: opens sealed categories.
    pub auditor: Option<AuditorKey>,
    pub settings: crate::solver::Settings,
}

/// Tolerance of Σ exact = k (per person, on top of the 9-decimal rounding
/// of the written probabilities) and of the recomputed minimum of a
/// distribution stopped early.
pub const RESOLVE_TOLERANCE: f64 = 1e-6;

/// Every check of a bundle, stage by stage. A stage that cannot be read
/// stops the checks of it and of later stages.
pub fn verify(
    bundle: &Bundle,
    options: &VerifyOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    let root_check = |kind, (status, detail): Outcome| Check {
        stage: 0,
        kind,
        file: bundle.root.clone(),
        status,
        detail,
    };
    if bundle.stages.is_empty() || bundle.stages[0].files.is_empty() {
        checks.push(root_check(
            CheckKind::Files,
            fail("no audit bundle here (manifest.json, pool.csv, … are missing)"),
        ));
        return checks;
    }
    if !bundle.unexpected.is_empty() {
        checks.push(root_check(
            CheckKind::Files,
            fail(format!(
                "files that belong to no stage (a stage missing before them?): {}",
                bundle.unexpected.join(", ")
            )),
        ));
    }
    let n = bundle.stages.len();
    for (what, given) in [
        ("commitments", options.commitments.len()),
        ("seeds", options.seeds.len()),
    ] {
        if given > n {
            checks.push(Check {
                stage: n as u32,
                ..root_check(
                    CheckKind::Stages,
                    fail(format!(
                        "{given} published {what} but only {n} stage(s) in the bundle: a stage is missing"
                    )),
                )
            });
        }
    }
    for raw in &bundle.stages {
        let s = raw.stage as usize;
        let mut undisclosed = |what: String| {
            checks.push(Check {
                stage: raw.stage,
                kind: CheckKind::Stages,
                file: raw.dir.clone(),
                status: Status::Fail,
                detail: what,
            })
        };
        if !options.commitments.is_empty() && s >= options.commitments.len() {
            undisclosed(format!(
                "stage {s} ({}) has no published commitment: a round the public was not told about",
                stage_name(raw.stage)
            ));
        }
        if !options.seeds.is_empty() && s >= options.seeds.len() && raw.draw.is_some() {
            undisclosed(format!(
                "stage {s} ({}) was drawn, but with no published seed: a draw the public did not see",
                stage_name(raw.stage)
            ));
        }
    }
    for raw in &bundle.stages {
        match verify_stage(raw, &stages, options, progress, &mut checks) {
            Some(stage) => stages.push(stage),
            None => return checks,
        }
    }
    checks
}

/// "the first draw" or "replacement-r".
fn stage_name(stage: u32) -> String {
    if stage == 0 {
        "the first draw".into()
    } else {
        bundle::stage_dir(stage)
    }
}

/// Every check of one stage, after the `earlier` ones; None when the
/// stage cannot be read (later stages are then not checked).
fn verify_stage(
    raw: &RawStage,
    earlier: &[Stage],
    options: &VerifyOptions,
    progress: &mut dyn FnMut(&Progress),
    checks: &mut Vec<Check>,
) -> Option<Stage> {
    let mut add = |kind: CheckKind, file: &str, (status, detail): Outcome| {
        checks.push(Check {
            stage: raw.stage,
            kind,
            file: raw.dir.join(file),
            status,
            detail,
        })
    };
    if raw.commitment_txt.is_none() {
        add(
            CheckKind::Files,
            COMMITMENT_FILE,
            fail(format!(
                "{COMMITMENT_FILE} is missing (every stage has one, listing its files' digests)"
            )),
        );
    }
    let (file, commitment_ok) = check_commitment(
        raw,
        options
            .commitments
            .get(raw.stage as usize)
            .map(String::as_str),
    );
    add(CheckKind::Commitment, file, commitment_ok);
    let stage = match parse_stage(raw, options.auditor.as_ref()) {
        Ok(s) => s,
        Err(p) => {
            let name = p
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            add(
                CheckKind::Readable,
                &name,
                fail(format!("{}; later checks skipped", p.problem)),
            );
            return None;
        }
    };
    let parsed = parse_probabilities(raw, &stage);
    let (file, form) = check_form(raw, &stage, parsed.as_ref().ok(), options.auditor.as_ref());
    add(CheckKind::Form, file, form);
    if raw.report.is_some() && stage.manifest.tool != super::stage::tool() {
        add(
            CheckKind::Form,
            crate::audit::page::REPORT_FILE,
            unverified(format!(
                "report.html was written by {}, not by this {}, so it is not compared with the files: do not rely on it (that version's verify compares it)",
                stage.manifest.tool,
                super::stage::tool()
            )),
        );
    }

    if stage.stage > 0 {
        let prev = &earlier[earlier.len() - 1];
        add(
            CheckKind::Chain,
            "manifest.json",
            if stage.manifest.previous_commitment.as_deref() == Some(prev.commitment.as_str()) {
                pass(format!(
                    "previous_commitment is stage {}'s commitment",
                    prev.stage
                ))
            } else {
                fail(format!(
                    "previous_commitment is {}, not stage {}'s commitment {}",
                    stage
                        .manifest
                        .previous_commitment
                        .as_deref()
                        .unwrap_or("missing"),
                    prev.stage,
                    prev.commitment
                ))
            },
        );
        add(
            CheckKind::RoundInputs,
            "pool.csv",
            check_round_inputs(earlier, &stage, raw, options.auditor.as_ref()),
        );
    }
    if stage.stage == 0 && is_replacement(&stage) {
        let m = &stage.manifest;
        add(
            CheckKind::Origin,
            "manifest.json",
            pass(format!(
                "a replacement round started from the organiser's files ({}): {} held, {} withdrawn{}; that its pool.csv and quotas.csv follow from those files needs the files themselves and the auditor's key (the manifest holds their keyed digests), not this bundle",
                m.inputs
                    .iter()
                    .map(|f| f.role.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                m.held.len(),
                m.withdrawn.len(),
                if m.relaxed.is_empty() {
                    String::new()
                } else {
                    format!(", quotas relaxed: {}", m.relaxed.join("; "))
                }
            )),
        );
    }
    add(
        CheckKind::Manifest,
        "manifest.json",
        outcome(check_manifest(
            &stage,
            parsed.as_ref().ok().map(|p| &p.0[..]),
        )),
    );
    add(
        CheckKind::PanelSize,
        "lottery.csv",
        outcome(check_sizes(&stage)),
    );
    add(
        CheckKind::Quotas,
        "lottery.csv",
        outcome(check_quotas(&stage)),
    );
    if !stage.manifest.sealed.is_empty() {
        add(
            CheckKind::Sealed,
            "pool.csv",
            if stage.hidden.is_empty() {
                pass(format!(
                    "{} opened with the auditor's key and checked like every other category",
                    stage.manifest.sealed.join(", ")
                ))
            } else {
                unverified(format!(
                    "{} published sealed: the lottery's quotas on them, a round's quotas and recomputing the lottery need the auditor's key",
                    stage.hidden.join(", ")
                ))
            },
        );
    }
    add(
        CheckKind::Households,
        "lottery.csv",
        if stage.manifest.household_rule {
            outcome(check_households(&stage))
        } else {
            pass("no household rule: this lottery was made without one (the manifest says so)")
        },
    );
    match parsed {
        Err(e) => {
            add(CheckKind::Probabilities, "probabilities.csv", fail(e));
        }
        Ok((exact, listed)) => {
            add(
                CheckKind::Probabilities,
                "probabilities.csv",
                outcome(check_probabilities(&stage, &exact, &listed)),
            );
            // Resolve runs first (it is reported in its place below): a run
            // with no certificate is covered by recomputing it.
            let resolved = if options.resolve {
                Some(check_resolve(raw, &stage, &options.settings, progress))
            } else {
                None
            };
            add(
                CheckKind::Certificate,
                "certificate.json",
                check_certificate(raw, &stage, resolved.as_ref()),
            );
            let m = stage.lottery.len();
            let recomputed = Summary::of(&exact, &listed, m);
            add(
                CheckKind::Summary,
                "manifest.json",
                if recomputed == stage.manifest.summary {
                    pass("minimum, maximum, mean, Gini and largest change recomputed")
                } else {
                    fail(summary_difference(&stage.manifest.summary, &recomputed))
                },
            );
            add(
                CheckKind::Rounding,
                "probabilities.csv",
                check_rounding(&stage, &exact, &listed),
            );
            add(
                CheckKind::Resolve,
                "lottery.csv",
                if let Some(outcome) = resolved {
                    outcome
                } else {
                    unverified(format!(
                        "the exact probabilities and the lottery were not recomputed: that the lottery is the tool's rounding of them{} rests on the organiser's word until they are (it takes about as long as making the lottery)",
                        if Certificate::proves(&raw.files["certificate.json"]) {
                            String::new()
                        } else {
                            format!(
                                ", and that they are the {} optimum,",
                                stage.manifest.algorithm
                            )
                        }
                    ))
                },
            );
        }
    }
    add(
        CheckKind::Draw,
        DRAW_FILE,
        check_draw(&stage, earlier, options.seeds.get(raw.stage as usize)),
    );
    Some(stage)
}

/// Which summary figures differ, in words.
fn summary_difference(stated: &Summary, recomputed: &Summary) -> String {
    let mut diffs = Vec::new();
    for (what, a, b) in [
        ("exact", &stated.exact, &recomputed.exact),
        ("lottery", &stated.lottery, &recomputed.lottery),
    ] {
        for (field, x, y) in [
            ("minimum", &a.minimum, &b.minimum),
            ("maximum", &a.maximum, &b.maximum),
            ("mean", &a.mean, &b.mean),
            ("Gini", &a.gini, &b.gini),
        ] {
            if x != y {
                diffs.push(format!("{what} {field} {x}, recomputed {y}"));
            }
        }
    }
    for (field, x, y) in [
        (
            "largest change",
            &stated.largest_change,
            &recomputed.largest_change,
        ),
        (
            "minimum drop",
            &stated.minimum_drop,
            &recomputed.minimum_drop,
        ),
    ] {
        if x != y {
            diffs.push(format!("{field} {x}, recomputed {y}"));
        }
    }
    format!(
        "the manifest's summary does not follow from probabilities.csv: {}",
        diffs.join("; ")
    )
}

/// The commitment check: the files give the commitment commitment.txt
/// lists and states, and the published one when given. Returns the file
/// to name and the outcome.
pub(crate) fn check_commitment(raw: &RawStage, published: Option<&str>) -> (&'static str, Outcome) {
    let c = bundle::commitment(&raw.files);
    let listed = raw
        .commitment_txt
        .as_deref()
        .map(listed_digests)
        .unwrap_or_default();
    let missing: Vec<&str> = COMMITTED_FILES
        .iter()
        .copied()
        .filter(|name| !raw.files.contains_key(*name))
        .collect();
    // The committed files whose digests differ from commitment.txt's.
    let changed: Vec<&str> = COMMITTED_FILES
        .iter()
        .copied()
        .filter(|name| {
            listed.get(*name).is_some_and(|d| {
                raw.files
                    .get(*name)
                    .is_some_and(|b| &crate::files::table::sha256_hex(b) != d)
            })
        })
        .collect();
    let stated = raw.commitment_txt.as_deref().and_then(stated_commitment);
    let published = published.map(|p| p.trim().to_ascii_lowercase());
    let file = missing
        .first()
        .or(changed.first())
        .copied()
        .unwrap_or(COMMITMENT_FILE);
    let result = if !missing.is_empty() {
        fail(format!(
            "{} missing from the bundle (the commitment covers {})",
            missing.join(", "),
            COMMITTED_FILES.join(", ")
        ))
    } else if !changed.is_empty() {
        fail(format!(
            "{} changed since the commitment (SHA-256 differs from the one {COMMITMENT_FILE} lists); the files give commitment {c}",
            changed.join(", ")
        ))
    } else if stated
        .as_deref()
        .is_some_and(|s| s.to_ascii_lowercase() != c)
    {
        fail(format!(
            "the files give {c} but {COMMITMENT_FILE} states {}",
            stated.unwrap_or_default()
        ))
    } else if raw
        .commitment_txt
        .as_deref()
        .is_some_and(|t| t != bundle::commitment_txt(&raw.files))
    {
        fail(format!(
            "{COMMITMENT_FILE} is not the listing of the files' digests and their commitment {c}, as the tool writes it"
        ))
    } else if let Some(p) = published {
        if p == c {
            pass(format!("{c} (= the published commitment)"))
        } else {
            fail(format!(
                "the files give {c}, not the published {p}: the bundle is not the one committed to"
            ))
        }
    } else {
        unverified(format!(
            "the files give {c}; not compared with a published commitment (give the one the organiser published)"
        ))
    };
    (file, result)
}

/// The per-file digests listed in `commitment.txt`.
pub(crate) fn listed_digests(bytes: &[u8]) -> BTreeMap<String, String> {
    std::str::from_utf8(bytes)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (digest, name) = l.split_once("  ")?;
            (digest.len() == 64).then(|| (name.to_string(), digest.to_ascii_lowercase()))
        })
        .collect()
}

/// The commitment stated in `commitment.txt` (its last hex word).
pub(crate) fn stated_commitment(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.lines()
        .rev()
        .find_map(|l| l.rsplit(' ').next().filter(|w| w.len() == 64))
        .map(str::to_string)
}

/// Every committed file is byte for byte what the tool writes from the
/// parsed content: no duplicated, reordered or reformatted rows. (pool.csv
/// and quotas.csv of a sealed stage are compared only with the key.)
fn check_form(
    raw: &RawStage,
    stage: &Stage,
    parsed: Option<&(Vec<f64>, Vec<u32>)>,
    key: Option<&AuditorKey>,
) -> (&'static str, Outcome) {
    let m = stage.lottery.len();
    if let Some(j) = (1..m).find(|&j| stage.lottery[j - 1] > stage.lottery[j]) {
        return (
            "lottery.csv",
            fail(format!(
                "panel {} comes before panel {} in the tool's order (panels are sorted by their members)",
                j + 1,
                j
            )),
        );
    }
    let mut expected: Vec<(&'static str, Vec<u8>)> = vec![
        ("manifest.json", stage.manifest.to_bytes()),
        (
            "lottery.csv",
            bundle::panels_csv(&stage.instance, &stage.lottery),
        ),
    ];
    if let Some((exact, listed)) = parsed {
        expected.push((
            "probabilities.csv",
            bundle::probabilities_csv(&stage.instance, exact, listed, m),
        ));
    }
    // A certificate that does not read is the certificate check's failure.
    if let Ok(c) = serde_json::from_slice::<Certificate>(&raw.files["certificate.json"]) {
        expected.push(("certificate.json", c.to_bytes()));
    }
    if stage.hidden.is_empty() {
        let names = stage.names(0..stage.instance.n());
        let all: Vec<usize> = (0..stage.instance.n()).collect();
        let seals = Seals {
            categories: &stage.manifest.sealed,
            key,
        };
        expected.push((
            "pool.csv",
            bundle::pool_csv(&stage.instance, &names, &all, &seals),
        ));
        let bounds: Vec<(u32, u32)> = stage
            .instance
            .quotas
            .values
            .iter()
            .map(|v| (v.min, v.max))
            .collect();
        expected.push((
            "quotas.csv",
            bundle::quotas_csv(&stage.instance.quotas, &bounds),
        ));
    }
    for (name, bytes) in &expected {
        let actual = &raw.files[*name];
        if actual != bytes {
            return (name, fail(first_difference(name, actual, bytes)));
        }
    }
    // A page written by another version is reported NOT CHECKED by the
    // caller: its words may differ without any file differing.
    if let Some(actual) = raw
        .report
        .as_ref()
        .filter(|_| stage.manifest.tool == super::stage::tool())
    {
        let written = crate::audit::page::stage_html(
            &stage.commitment,
            &stage.manifest,
            &stage.instance,
            &stage.lottery,
        )
        .into_bytes();
        if *actual != written {
            return (
                crate::audit::page::REPORT_FILE,
                fail(format!(
                    "{} (a page that is not what the committed files give: do not trust it)",
                    first_difference(crate::audit::page::REPORT_FILE, actual, &written)
                )),
            );
        }
        expected.push((crate::audit::page::REPORT_FILE, written));
    }
    if let (Some(d), Some(actual)) = (&stage.draw, &raw.draw) {
        let written = d.to_bytes();
        if *actual != written {
            return (
                DRAW_FILE,
                fail(first_difference(DRAW_FILE, actual, &written)),
            );
        }
        expected.push((DRAW_FILE, written));
    }
    (
        "lottery.csv",
        pass(format!(
            "{} are exactly as the tool writes them",
            expected
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    )
}

/// Where `actual` first departs from the tool's form `expected`, in words.
fn first_difference(name: &str, actual: &[u8], expected: &[u8]) -> String {
    let a = String::from_utf8_lossy(actual);
    let e = String::from_utf8_lossy(expected);
    let (mut al, mut el) = (a.split_inclusive('\n'), e.split_inclusive('\n'));
    for line in 1.. {
        match (al.next(), el.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(x), Some(y)) => {
                return format!(
                    "line {line} is not as the tool writes it: {} where {} was expected",
                    quoted(x.trim_end_matches('\n')),
                    quoted(y.trim_end_matches('\n'))
                );
            }
            (Some(x), None) => {
                return format!(
                    "line {line}, {}, is an extra line (the file should end before it)",
                    quoted(x.trim_end_matches('\n'))
                );
            }
            (None, Some(y)) => {
                return format!(
                    "the file ends at line {line}, where {} was expected",
                    quoted(y.trim_end_matches('\n'))
                );
            }
            (None, None) => break,
        }
    }
    format!("{name} differs from the tool's form")
}

pub(crate) fn check_manifest(stage: &Stage, exact: Option<&[f64]>) -> Result<String, String> {
    let m = &stage.manifest;
    let rule = &m.seed_rule;
    match crate::audit::seed::SeedRule::new(rule.format, rule.count, &rule.source) {
        Ok(r) if &r == rule => {}
        Ok(_) => {
            return Err(
                "the seed rule's source is not written in its canonical form (single spaces)"
                    .into(),
            );
        }
        Err(e) => return Err(format!("the seed rule is not valid: {e}")),
    }
    if m.change_bound != lottery::CHANGE_BOUND {
        return Err(format!(
            "the manifest's bound on the rounding's change is {}/m, not the protocol's {}/m",
            m.change_bound,
            lottery::CHANGE_BOUND
        ));
    }
    if let Some(c) = m.sealed.iter().find(|c| !m.categories.contains(c)) {
        return Err(format!(
            "sealed category \"{c}\" is not one of the categories"
        ));
    }
    if m.panels < lottery::MIN_PANELS as usize {
        return Err(format!(
            "the lottery has {} panels; the protocol needs at least {} (with fewer, the draw chooses among too few panels and the rounding's bound says little)",
            m.panels,
            lottery::MIN_PANELS
        ));
    }
    // The fields nothing else checks: each must be what the tool writes.
    if m.pseudonyms != bundle::PSEUDONYM_SCHEME {
        return Err(format!(
            "the pseudonym scheme is not the protocol's (\"{}\")",
            bundle::PSEUDONYM_SCHEME
        ));
    }
    let solver = crate::solver::Settings::default().describe();
    if m.solver != solver {
        return Err(format!(
            "the solver settings recorded, \"{}\", are not the protocol's, \"{solver}\"",
            m.solver
        ));
    }
    let floor_missed = format!("{}; {}", lottery::METHOD, bundle::FLOOR_MISSED);
    if m.rounding != lottery::METHOD && m.rounding != floor_missed {
        return Err("the rounding method recorded is not the protocol's".into());
    }
    if !is_tool(&m.tool) {
        return Err("the tool recorded is not \"kleroterion\" and a version number".into());
    }
    for (what, list) in [("held", &m.held), ("withdrawn", &m.withdrawn)] {
        if let Some(n) = list.iter().find(|n| !bundle::is_pseudonym(n)) {
            return Err(format!(
                "the {what} list has {}, which is not a pseudonym (\"p\" and 16 lower-case hex digits)",
                crate::audit::seed::quoted(n)
            ));
        }
        if list.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "the {what} list is not in pseudonym order, each once"
            ));
        }
    }
    if let Some(n) = m.held.iter().find(|n| m.withdrawn.contains(n)) {
        return Err(format!("\"{n}\" is listed both as held and as withdrawn"));
    }
    let index = stage.index();
    if let Some(n) = m
        .held
        .iter()
        .chain(&m.withdrawn)
        .find(|n| index.contains_key(n.as_str()))
    {
        return Err(format!(
            "\"{n}\" is held or withdrawn, yet in this round's pool.csv"
        ));
    }
    if stage.stage == 0 {
        check_relaxed_entries(stage)?;
    }
    let roles: Vec<&str> = m.inputs.iter().map(|f| f.role.as_str()).collect();
    let expected_roles: &[&str] = match (stage.stage, m.withdrawn.is_empty()) {
        (0, true) => &["respondents", "quotas"],
        (0, false) => &["respondents", "quotas", "panel"],
        _ => &[],
    };
    if roles != expected_roles {
        return Err(format!(
            "the input files recorded are {}, not {}",
            if roles.is_empty() {
                "none".to_string()
            } else {
                roles.join(", ")
            },
            if expected_roles.is_empty() {
                "none".to_string()
            } else {
                expected_roles.join(", ")
            }
        ));
    }
    if let Some(f) = m.inputs.iter().find(|f| {
        f.keyed_sha256.len() != 64
            || !f
                .keyed_sha256
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    }) {
        return Err(format!(
            "the {} file's keyed digest is not 64 lower-case hex digits",
            f.role
        ));
    }
    if stage.stage == 0 {
        let from_inputs = m.inputs.iter().any(|f| f.role == "panel");
        if m.previous_commitment.is_some() {
            return Err("stage 0 has a previous commitment".into());
        }
        if from_inputs && m.withdrawn.is_empty() {
            return Err(
                "stage 0 records a panel file but nobody withdrawn: a replacement round started from the inputs must name who withdrew"
                    .into(),
            );
        }
        if !from_inputs && (!m.held.is_empty() || !m.withdrawn.is_empty() || !m.relaxed.is_empty())
        {
            return Err(
                "stage 0 has held, withdrawn or relaxed entries but records no panel file: only a replacement round started from the inputs may"
                    .into(),
            );
        }
    } else if !m.inputs.is_empty() {
        return Err("only stage 0 records input files".into());
    }
    if let Some(d) = &stage.draw
        && d.stage != stage.stage
    {
        return Err(format!(
            "draw.json says stage {} but sits in stage {}",
            d.stage, stage.stage
        ));
    }
    let cats: Vec<String> = stage
        .instance
        .quotas
        .categories
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let listed: Vec<String> = m
        .categories
        .iter()
        .filter(|c| !stage.hidden.contains(c))
        .cloned()
        .collect();
    if m.people != stage.instance.n() {
        return Err(format!(
            "says {} people but pool.csv has {}",
            m.people,
            stage.instance.n()
        ));
    }
    if listed != cats {
        return Err(format!(
            "lists the categories {} but quotas.csv has {}",
            listed.join(", "),
            cats.join(", ")
        ));
    }
    if m.panels != stage.lottery.len() {
        return Err(format!(
            "says {} panels but lottery.csv has {}",
            m.panels,
            stage.lottery.len()
        ));
    }
    if objective_of(&m.algorithm).is_none() {
        return Err(format!("unknown algorithm \"{}\"", m.algorithm));
    }
    if let Some(exact) = exact {
        let d = Disclosure::of(&stage.instance, &m.sealed, exact);
        if d != m.disclosure {
            return Err(format!(
                "the disclosure figures do not follow from pool.csv: {} unique and {} in groups under {} on {}, expected {} on the panel (the manifest says {}, {}, {})",
                d.unique,
                d.fewer_than_5,
                bundle::SMALL_GROUP,
                d.columns.join(", "),
                d.expected_unique_on_panel,
                m.disclosure.unique,
                m.disclosure.fewer_than_5,
                m.disclosure.expected_unique_on_panel
            ));
        }
    }
    Ok(format!(
        "{} people, k = {}, m = {}, {}; seed rule {}; {} of {} people unique on the published columns",
        m.people,
        m.panel_size,
        m.panels,
        m.algorithm,
        rule.describe(),
        m.disclosure.unique,
        m.people
    ))
}

/// Whether the manifest's tool is "kleroterion" and a version.
fn is_tool(tool: &str) -> bool {
    tool.strip_prefix("kleroterion ").is_some_and(|v| {
        !v.is_empty()
            && v.split('.').count() == 3
            && v.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    })
}

/// A first stage's relaxed entries (a replacement round started from the
/// organiser's files, whose relaxation cannot be recomputed from the
/// bundle): each says "category=value: minimum|maximum A -> B" for a value
/// of quotas.csv whose bound there is B.
pub(crate) fn check_relaxed_entries(stage: &Stage) -> Result<(), String> {
    let q = &stage.instance.quotas;
    for entry in &stage.manifest.relaxed {
        let bad = || {
            format!(
                "the relaxation entry {} is not a bound change of quotas.csv (\"category=value: minimum 3 -> 2\")",
                crate::audit::seed::quoted(entry)
            )
        };
        let (label, change) = entry.split_once(": ").ok_or_else(bad)?;
        let (side, numbers) = change.split_once(' ').ok_or_else(bad)?;
        let (from, to) = numbers.split_once(" -> ").ok_or_else(bad)?;
        let (Ok(_), Ok(to)) = (from.parse::<u32>(), to.parse::<u32>()) else {
            return Err(bad());
        };
        let category = label.split_once('=').map(|(c, _)| c).ok_or_else(bad)?;
        if stage.hidden.iter().any(|h| h == category) {
            continue;
        }
        let v = (0..q.values.len())
            .find(|&v| q.label(v) == label)
            .ok_or_else(bad)?;
        let bound = match side {
            "minimum" => q.values[v].min,
            "maximum" => q.values[v].max,
            _ => return Err(bad()),
        };
        if bound != to {
            return Err(format!(
                "the relaxation entry {} does not agree with quotas.csv, where the {side} is {bound}",
                crate::audit::seed::quoted(entry)
            ));
        }
    }
    Ok(())
}

/// At most this many failing panels are named per check.
pub(crate) const LISTED: usize = 5;

pub(crate) fn failing_panels(
    stage: &Stage,
    what: impl Fn(&Panel) -> Option<String>,
) -> Result<String, String> {
    let bad: Vec<String> = stage
        .lottery
        .iter()
        .enumerate()
        .filter_map(|(j, p)| what(p).map(|w| format!("panel {}: {w}", j + 1)))
        .collect();
    if bad.is_empty() {
        return Ok(format!("all {} panels", stage.lottery.len()));
    }
    let more = if bad.len() > LISTED {
        format!(" (and {} more panels)", bad.len() - LISTED)
    } else {
        String::new()
    };
    Err(format!(
        "{}{more}",
        bad.into_iter().take(LISTED).collect::<Vec<_>>().join("; ")
    ))
}

pub(crate) fn check_sizes(stage: &Stage) -> Result<String, String> {
    let k = stage.manifest.panel_size;
    failing_panels(stage, |p| {
        let distinct: BTreeSet<&usize> = p.members().iter().collect();
        if distinct.len() != p.len() {
            Some("someone is listed twice".into())
        } else if p.len() != k {
            Some(format!("{} members, not {k}", p.len()))
        } else {
            None
        }
    })
    .map(|s| format!("{s} have exactly {k} distinct members"))
}

pub(crate) fn check_quotas(stage: &Stage) -> Result<String, String> {
    let inst = &stage.instance;
    failing_panels(stage, |p| {
        let counts = p.value_counts(inst);
        let bad: Vec<String> = counts
            .iter()
            .enumerate()
            .filter(|&(v, &c)| c < inst.quotas.values[v].min || c > inst.quotas.values[v].max)
            .map(|(v, &c)| {
                let q = &inst.quotas.values[v];
                format!(
                    "{} = {c}, outside {}..{}",
                    inst.quotas.label(v),
                    q.min,
                    q.max
                )
            })
            .collect();
        (!bad.is_empty()).then(|| bad.join(", "))
    })
    .map(|s| format!("{s} meet every quota"))
}

pub(crate) fn check_households(stage: &Stage) -> Result<String, String> {
    let inst = &stage.instance;
    failing_panels(stage, |p| {
        inst.households.groups.iter().find_map(|g| {
            let on: Vec<&str> = g
                .iter()
                .filter(|&&i| p.contains(i))
                .map(|&i| inst.pool.people[i].id.as_str())
                .collect();
            (on.len() > 1).then(|| format!("housemates {}", on.join(" and ")))
        })
    })
    .map(|s| format!("{s} have at most one person per household"))
}

/// Exact probabilities and listed lottery panels, per person of the stage.
pub(crate) fn parse_probabilities(
    raw: &RawStage,
    stage: &Stage,
) -> Result<(Vec<f64>, Vec<u32>), String> {
    let path = raw.dir.join("probabilities.csv");
    let table = Table::parse(&path, &raw.files["probabilities.csv"]).map_err(|e| e.to_string())?;
    let cols: Vec<Option<usize>> = ["pseudonym", "exact", "lottery_panels", "lottery"]
        .iter()
        .map(|c| table.column(c))
        .collect();
    let [Some(pc), Some(ec), Some(nc), Some(lc)] = cols[..] else {
        return Err("the header must be pseudonym,exact,lottery_panels,lottery".into());
    };
    let people = &stage.instance.pool.people;
    if table.rows.len() != people.len() {
        return Err(format!(
            "{} rows, but pool.csv has {} people",
            table.rows.len(),
            people.len()
        ));
    }
    let m = stage.lottery.len() as f64;
    let (mut exact, mut listed) = (Vec::new(), Vec::new());
    for (row, person) in table.rows.iter().zip(people) {
        let at = |what: String| format!("line {}: {what}", row.line);
        if row.cells[pc] != person.id {
            return Err(at(format!(
                "\"{}\" where pool.csv has \"{}\" (rows must follow pool.csv)",
                row.cells[pc], person.id
            )));
        }
        let e: f64 = row.cells[ec]
            .parse()
            .ok()
            .filter(|x: &f64| (0.0..=1.0).contains(x))
            .ok_or_else(|| at(format!("exact \"{}\" is not a probability", row.cells[ec])))?;
        let n: u32 = row.cells[nc].parse().map_err(|_| {
            at(format!(
                "lottery_panels \"{}\" is not a count",
                row.cells[nc]
            ))
        })?;
        if row.cells[lc] != bundle::fixed(f64::from(n) / m) {
            return Err(at(format!(
                "lottery \"{}\" is not lottery_panels / m = {}",
                row.cells[lc],
                bundle::fixed(f64::from(n) / m)
            )));
        }
        exact.push(e);
        listed.push(n);
    }
    Ok((exact, listed))
}

pub(crate) fn check_probabilities(
    stage: &Stage,
    exact: &[f64],
    listed: &[u32],
) -> Result<String, String> {
    let counted = lottery::Lottery {
        panels: stage.lottery.clone(),
    }
    .appearances(stage.instance.n());
    if let Some(i) = (0..listed.len()).find(|&i| listed[i] != counted[i]) {
        return Err(format!(
            "{}: lottery_panels {} but the lottery has them on {} panels",
            stage.instance.pool.people[i].id, listed[i], counted[i]
        ));
    }
    let k = stage.manifest.panel_size as f64;
    let sum: f64 = exact.iter().sum();
    let tolerance = RESOLVE_TOLERANCE + exact.len() as f64 * 1e-9;
    if (sum - k).abs() > tolerance {
        return Err(format!(
            "the exact probabilities add up to {sum}, not k = {k} (tolerance {tolerance:e})"
        ));
    }
    Ok(format!(
        "every person's lottery probability recounted from lottery.csv; Σ exact = {sum:.6} = k"
    ))
}

/// Everyone within the committed bound of their exact chance, and the
/// minimum within 1/m unless the manifest declares otherwise.
pub(crate) fn check_rounding(stage: &Stage, exact: &[f64], listed: &[u32]) -> Outcome {
    let m = stage.lottery.len();
    let mf = m as f64;
    let bound = lottery::CHANGE_BOUND;
    let emin = exact.iter().copied().fold(f64::INFINITY, f64::min);
    let lmin = listed
        .iter()
        .map(|&a| f64::from(a) / mf)
        .fold(f64::INFINITY, f64::min);
    let Some((worst, change)) = lottery::largest_change(exact, listed, m) else {
        return pass("nobody in the pool");
    };
    let who = &stage.instance.pool.people[worst].id;
    if change > f64::from(bound) + lottery::BOUND_TOLERANCE {
        return fail(format!(
            "{who} is on {} of the {m} panels, but m × their exact probability is {:.3}: a change of {change:.2}/m, beyond the {bound}/m the rounding guarantees, so the lottery is not the tool's rounding of the exact probabilities",
            listed[worst],
            mf * exact[worst]
        ));
    }
    let text = format!(
        "every person within {bound}/m of their exact chance (largest change {change:.2}/m, {who}); exact minimum {emin:.6}, lottery minimum {lmin:.6} (drop {:.2}/m)",
        (emin - lmin) * mf
    );
    let fell = bundle::minimum_fell(exact, listed, m);
    match (fell, stage.manifest.rounding.contains(bundle::FLOOR_MISSED)) {
        (true, false) => fail(format!(
            "{text}: the minimum fell by 1/m or more, but the manifest does not say so"
        )),
        (true, true) => pass(format!(
            "{text}; the minimum fell by 1/m or more, as the manifest declares"
        )),
        (false, true) => fail(format!(
            "{text}: the manifest declares that the minimum fell by 1/m or more, but it did not"
        )),
        (false, false) => pass(format!("{text}; the minimum fell by less than 1/m")),
    }
}

/// Recomputes the stage's distribution and rounding from pool.csv,
/// quotas.csv and the manifest's settings (both are deterministic), and
/// requires probabilities.csv and lottery.csv to be the same bytes.
pub(crate) fn check_resolve(
    raw: &RawStage,
    stage: &Stage,
    settings: &crate::solver::Settings,
    progress: &mut dyn FnMut(&Progress),
) -> Outcome {
    let manifest = &stage.manifest;
    if !stage.hidden.is_empty() {
        return unverified(format!(
            "not recomputed: the sealed {} are needed (an auditor with the key recomputes it)",
            stage.hidden.join(", ")
        ));
    }
    let Some(objective) = objective_of(&manifest.algorithm) else {
        return fail(format!("unknown algorithm \"{}\"", manifest.algorithm));
    };
    let options = optimise::Options {
        objective,
        settings: *settings,
        deadline: None,
        relaxation_first: true,
        peel: optimise::Peel::DEFAULT,
        cancel: Default::default(),
    };
    let made = match lottery::make(&stage.instance, &options, manifest.panels as u32, progress) {
        Ok(made) => made,
        Err(e) => return fail(format!("the recomputation failed: {e}")),
    };
    let exact = bundle::as_written(&made.rounded.exact);
    if !manifest.optimisation_complete {
        let (a, b) = (
            crate::selection::distribution::Fairness::of(&exact).min,
            parse_probabilities(raw, stage)
                .map(|(e, _)| crate::selection::distribution::Fairness::of(&e).min)
                .unwrap_or(f64::NAN),
        );
        return unverified(format!(
            "the distribution was stopped by a time limit, so it cannot be recomputed exactly; the complete {}'s minimum is {a:.6}, the bundle's {b:.6}",
            manifest.algorithm
        ));
    }
    let version = if manifest.tool == tool() {
        String::new()
    } else {
        format!(
            " (the bundle says it was made by {}, this is {}: if that version rounds differently, recompute with it)",
            manifest.tool,
            tool()
        )
    };
    let m = made.rounded.m();
    let probabilities =
        bundle::probabilities_csv(&stage.instance, &exact, &made.rounded.appearances, m);
    if probabilities != raw.files["probabilities.csv"] {
        let problem = first_difference(
            "probabilities.csv",
            &raw.files["probabilities.csv"],
            &probabilities,
        );
        let detail = format!("probabilities.csv is not what recomputing gives: {problem}{version}");
        return fail(detail);
    }
    let certificate = Certificate::of(
        &stage.instance,
        &Profiles::new(&stage.instance),
        &made.computed,
    )
    .to_bytes();
    if certificate != raw.files["certificate.json"] {
        let problem = first_difference(
            "certificate.json",
            &raw.files["certificate.json"],
            &certificate,
        );
        return fail(format!(
            "certificate.json is not what recomputing gives: {problem}{version}"
        ));
    }
    let recomputed = bundle::lottery_csv(&stage.instance, &made.rounded);
    if recomputed != raw.files["lottery.csv"] {
        let problem = first_difference("lottery.csv", &raw.files["lottery.csv"], &recomputed);
        let detail = format!(
            "lottery.csv is not the lottery the rounding makes from these probabilities: {problem}{version}"
        );
        return fail(detail);
    }
    pass(format!(
        "{} and its rounding recomputed from pool.csv and quotas.csv: probabilities.csv, certificate.json and lottery.csv are identical",
        manifest.algorithm
    ))
}

/// The optimality certificate, in exact arithmetic against pool.csv,
/// quotas.csv and probabilities.csv's exact column. A run that has none
/// (NASH, a LEXIMIN whose stages ran over panels) is covered when the
/// resolve check recomputed it and passed.
pub(crate) fn check_certificate(
    raw: &RawStage,
    stage: &Stage,
    resolved: Option<&Outcome>,
) -> Outcome {
    let bytes = &raw.files["certificate.json"];
    if !stage.hidden.is_empty() {
        return unverified(format!(
            "not checked: its bound uses the quotas on the sealed {} (an auditor with the key checks it)",
            stage.hidden.join(", ")
        ));
    }
    if let Ok(c) = serde_json::from_slice::<Certificate>(bytes)
        && c.format == certificate::EARLIER_FORMAT
    {
        return unverified(format!(
            "certificate.json is in an earlier version's format ({}), whose later stages were not a complete proof; this version does not check it (recomputing the lottery, the resolve check, confirms the probabilities with this tool's solver)",
            certificate::EARLIER_FORMAT
        ));
    }
    if let Ok(c) = serde_json::from_slice::<Certificate>(bytes)
        && let Some(why) = c.missing
    {
        return match resolved {
            Some((Status::Pass, _)) => pass(format!(
                "no certificate ({why}); the {} optimum was recomputed instead (resolve), which rests on this tool's solver",
                stage.manifest.algorithm
            )),
            _ => unverified(format!(
                "no proof that the exact probabilities are the {} optimum: {why}; recomputing the lottery (the resolve check) confirms it with this tool's solver",
                stage.manifest.algorithm
            )),
        };
    }
    let path = raw.dir.join("probabilities.csv");
    let table = match Table::parse(&path, &raw.files["probabilities.csv"]) {
        Ok(t) => t,
        Err(e) => return fail(e.to_string()),
    };
    let Some(column) = table.column("exact") else {
        return fail("probabilities.csv has no exact column");
    };
    let written: Vec<String> = table.rows.iter().map(|r| r.cells[column].clone()).collect();
    match certificate::check(&stage.instance, bytes, &written) {
        Ok(checked) => {
            let detail = format!(
                "checked in exact arithmetic from pool.csv, quotas.csv and probabilities.csv: {}",
                certificate::summary(&checked)
            );
            // People said to be in no panel are not proven so here; the
            // recomputation checks them.
            match resolved {
                _ if checked.in_no_panel == 0 => pass(detail),
                Some((Status::Pass, _)) => pass(format!(
                    "{detail}; that they are in no panel was recomputed (resolve)"
                )),
                _ => unverified(format!(
                    "{detail}; recomputing the lottery (the resolve check) confirms that they are in no panel"
                )),
            }
        }
        Err(e) => fail(e),
    }
}

pub(crate) fn check_round_inputs(
    stages: &[Stage],
    stage: &Stage,
    raw: &RawStage,
    key: Option<&AuditorKey>,
) -> Outcome {
    if !stages[0].hidden.is_empty() {
        return unverified(format!(
            "not checked: the round's pool and quotas depend on the sealed {} (an auditor with the key checks them)",
            stages[0].hidden.join(", ")
        ));
    }
    outcome(round_inputs(stages, stage, raw, key))
}

fn round_inputs(
    stages: &[Stage],
    stage: &Stage,
    raw: &RawStage,
    key: Option<&AuditorKey>,
) -> Result<String, String> {
    if stage.manifest.household_rule != stages[0].manifest.household_rule {
        return Err("the household rule differs from the first stage's".into());
    }
    let panel = panel_after(stages)?;
    let before = withdrawn_in(stages)?;
    let index = stages[0].index();
    let mut leaving = Vec::new();
    for n in &stage.manifest.withdrawn {
        leaving.push(
            *index
                .get(n.as_str())
                .ok_or_else(|| format!("withdrawn \"{n}\" is not in the first stage's pool"))?,
        );
    }
    let d = derive_replacement(&stages[0], &panel, &before, &leaving, key)?;
    if d.held != stage.manifest.held {
        return Err("the held list is not the current panel minus those withdrawn".into());
    }
    if d.k != stage.manifest.panel_size {
        return Err(format!(
            "panel size {} but k − held = {}",
            stage.manifest.panel_size, d.k
        ));
    }
    if raw.files["pool.csv"] != d.pool {
        return Err(
            "pool.csv is not the first stage's pool minus the current panel, earlier withdrawals and the held people's housemates"
                .into(),
        );
    }
    if stage.manifest.relaxed.is_empty() {
        if raw.files["quotas.csv"] != d.quotas {
            return Err(
                "quotas.csv is not the original quotas minus the held people's counts".into(),
            );
        }
    } else {
        let seals = Seals {
            categories: &stages[0].manifest.sealed,
            key,
        };
        let relaxed = round_relaxation(
            stage.stage,
            &d,
            stage.manifest.household_rule,
            &seals,
            &crate::solver::Settings::default(),
        )
        .map_err(|e| format!("recomputing the relaxation failed: {e}"))?;
        match relaxed {
            None => {
                return Err("the manifest lists relaxed quotas, but the round's quotas could be met without relaxing them".into());
            }
            Some((quotas, changes)) => {
                if changes != stage.manifest.relaxed {
                    return Err(format!(
                        "the manifest's relaxation ({}) is not the smallest one ({})",
                        stage.manifest.relaxed.join("; "),
                        changes.join("; ")
                    ));
                }
                if raw.files["quotas.csv"] != quotas {
                    return Err(
                        "quotas.csv is not the round's quotas with the smallest relaxation applied"
                            .into(),
                    );
                }
            }
        }
    }
    Ok(format!(
        "{} held, {} withdrawn; pool, quotas and size {} follow from the earlier stages{}",
        d.held.len(),
        d.withdrawn.len(),
        d.k,
        if stage.manifest.relaxed.is_empty() {
            String::new()
        } else {
            format!(
                " (quotas relaxed by the smallest change, needed: {})",
                stage.manifest.relaxed.join("; ")
            )
        }
    ))
}

/// The draw: draw.json's seed is in the committed form, is the published
/// one, and gives the recorded panel from the commitment.
pub(crate) fn check_draw(stage: &Stage, earlier: &[Stage], published: Option<&String>) -> Outcome {
    let m = stage.lottery.len() as u64;
    let rule = &stage.manifest.seed_rule;
    let published = match published.map(|p| (p, rule.canonical(p))) {
        None => None,
        Some((p, Ok(c))) => Some((p, c)),
        Some((p, Err(e))) => {
            return fail(format!(
                "the published seed {} does not fit the committed seed rule, {}: {e}",
                quoted(p),
                rule.describe()
            ));
        }
    };
    let Some(d) = &stage.draw else {
        return match published {
            None => pass("not drawn yet"),
            Some((_, c)) => unverified(format!(
                "no {DRAW_FILE}, but a seed was published: in the committed form, {}, it gives panel {} of {m}; that this panel was seated cannot be checked from the bundle",
                quoted(&c),
                bundle::panel_number(&stage.commitment, &c, m)
            )),
        };
    };
    if let Some(why) = reused_seed(stage, &d.seed, earlier) {
        return fail(format!(
            "drawn with the seed {}, but {why}: its panel could have been chosen after that seed was known",
            quoted(&d.seed)
        ));
    }
    match rule.canonical(&d.seed_as_typed) {
        Ok(c) if c == d.seed => {}
        Ok(c) => {
            return fail(format!(
                "draw.json's seed {} is not what the seed as typed, {}, gives under the committed rule: {}",
                quoted(&d.seed),
                quoted(&d.seed_as_typed),
                quoted(&c)
            ));
        }
        Err(e) => {
            return fail(format!(
                "draw.json's seed as typed, {}, does not fit the committed seed rule: {e}",
                quoted(&d.seed_as_typed)
            ));
        }
    }
    if let Some((typed, c)) = &published
        && *c != d.seed
    {
        return fail(format!(
            "the panel was drawn with the seed {}, not the published {} (in the committed form, {}: {})",
            quoted(&d.seed),
            quoted(typed),
            rule.describe(),
            quoted(c)
        ));
    }
    if d.commitment != stage.commitment {
        return fail(format!(
            "draw.json names commitment {}, but the files give {}",
            d.commitment, stage.commitment
        ));
    }
    let expected = bundle::panel_number(&stage.commitment, &d.seed, m);
    if d.panel != expected {
        return fail(format!(
            "draw.json says panel {}, but the seed {} gives panel {expected}",
            d.panel,
            quoted(&d.seed)
        ));
    }
    let members = stage.names(
        stage.lottery[expected as usize - 1]
            .members()
            .iter()
            .copied(),
    );
    if d.members != members {
        return fail(format!(
            "draw.json's members are not those of panel {} in lottery.csv",
            d.panel
        ));
    }
    if published.is_some() {
        pass(format!(
            "the published seed, {} in the committed form, gives panel {} of {m}, as recorded; the seed was to come from: {} (check that the commitment was public before then)",
            quoted(&d.seed),
            d.panel,
            rule.source
        ))
    } else {
        unverified(format!(
            "draw.json's seed {} gives panel {} of {m}, as recorded; not compared with a published seed (give the one announced in public)",
            quoted(&d.seed),
            d.panel
        ))
    }
}
