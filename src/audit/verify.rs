//! Every reviewer check of a bundle, from its files alone.

use super::*;

/// Which check a [`Check`] is; `name` is the word `verify` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckKind {
    /// The bundle has the files of a stage and no stray ones.
    Files,
    /// As many stages as published seeds and commitments.
    Stages,
    /// The files give the commitment commitment.txt states and the one published.
    Commitment,
    /// The stage's files parse (later checks of the stage need them).
    Readable,
    /// A round names the previous stage's commitment.
    Chain,
    /// A round's pool, quotas and size follow from the earlier stages.
    RoundInputs,
    /// A first stage that is a replacement round: what it was derived from (informational).
    Origin,
    /// The manifest agrees with the files (counts, format, settings).
    Manifest,
    /// Every lottery panel has exactly k distinct members.
    PanelSize,
    /// Every lottery panel meets every quota.
    Quotas,
    /// No lottery panel seats two members of one household.
    Households,
    /// probabilities.csv agrees with the lottery and sums to k.
    Probabilities,
    /// The manifest's summary follows from probabilities.csv.
    Summary,
    /// The rounding kept the minimum within 1/m.
    Rounding,
    /// Recomputing the exact distribution gives the same probabilities.
    Resolve,
    /// The drawn panel number follows from the seed and the commitment.
    Draw,
}

impl CheckKind {
    /// Every kind, in the order `verify` runs them.
    pub const ALL: [CheckKind; 16] = [
        CheckKind::Files,
        CheckKind::Stages,
        CheckKind::Commitment,
        CheckKind::Readable,
        CheckKind::Chain,
        CheckKind::RoundInputs,
        CheckKind::Origin,
        CheckKind::Manifest,
        CheckKind::PanelSize,
        CheckKind::Quotas,
        CheckKind::Households,
        CheckKind::Probabilities,
        CheckKind::Summary,
        CheckKind::Rounding,
        CheckKind::Resolve,
        CheckKind::Draw,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Files => "files",
            CheckKind::Stages => "stages",
            CheckKind::Commitment => "commitment",
            CheckKind::Readable => "readable",
            CheckKind::Chain => "chain",
            CheckKind::RoundInputs => "round inputs",
            CheckKind::Origin => "origin",
            CheckKind::Manifest => "manifest",
            CheckKind::PanelSize => "panel size",
            CheckKind::Quotas => "quotas",
            CheckKind::Households => "households",
            CheckKind::Probabilities => "probabilities",
            CheckKind::Summary => "summary",
            CheckKind::Rounding => "rounding",
            CheckKind::Resolve => "resolve",
            CheckKind::Draw => "draw",
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub stage: u32,
    pub kind: CheckKind,
    /// The file the check is about.
    pub file: PathBuf,
    pub passed: bool,
    pub detail: String,
}

/// What `verify` compares against, beyond the bundle itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Published seeds, stage by stage.
    pub seeds: Vec<String>,
    /// Published commitments, stage by stage.
    pub commitments: Vec<String>,
    /// Recompute each distribution from the pseudonymous pool.
    pub resolve: bool,
    pub settings: crate::solver::Settings,
}

/// Tolerance of `--resolve` and of Σ exact = k (per person, on top of the
/// 9-decimal rounding of the written probabilities).
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
    if bundle.stages.is_empty() || bundle.stages[0].files.is_empty() {
        checks.push(Check {
            stage: 0,
            kind: CheckKind::Files,
            file: bundle.root.clone(),
            passed: false,
            detail: "no audit bundle here (manifest.json, pool.csv, … are missing)".into(),
        });
        return checks;
    }
    if !bundle.unexpected.is_empty() {
        checks.push(Check {
            stage: 0,
            kind: CheckKind::Files,
            file: bundle.root.clone(),
            passed: false,
            detail: format!(
                "files that belong to no stage (a stage missing before them?): {}",
                bundle.unexpected.join(", ")
            ),
        });
    }
    for (what, given) in [
        ("commitments", options.commitments.len()),
        ("seeds", options.seeds.len()),
    ] {
        if given > bundle.stages.len() {
            checks.push(Check {
                stage: bundle.stages.len() as u32,
                kind: CheckKind::Stages,
                file: bundle.root.clone(),
                passed: false,
                detail: format!(
                    "{given} published {what} but only {} stage(s) in the bundle: a stage is missing",
                    bundle.stages.len()
                ),
            });
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

/// Every check of one stage, after the `earlier` ones; None when the
/// stage cannot be read (later stages are then not checked).
fn verify_stage(
    raw: &RawStage,
    earlier: &[Stage],
    options: &VerifyOptions,
    progress: &mut dyn FnMut(&Progress),
    checks: &mut Vec<Check>,
) -> Option<Stage> {
    let mut add = |kind: CheckKind, file: &str, result: Result<String, String>| {
        record(checks, raw, kind, file, result)
    };
    let (file, commitment_ok) = check_commitment(raw, options);
    add(CheckKind::Commitment, file, commitment_ok);
    let stage = match parse_stage(raw) {
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
                Err(format!("{}; later checks skipped", p.problem)),
            );
            return None;
        }
    };

    if stage.stage > 0 {
        let prev = &earlier[earlier.len() - 1];
        add(
            CheckKind::Chain,
            "manifest.json",
            if stage.manifest.previous_commitment.as_deref() == Some(prev.commitment.as_str()) {
                Ok(format!(
                    "previous_commitment is stage {}'s commitment",
                    prev.stage
                ))
            } else {
                Err(format!(
                    "previous_commitment {:?} is not stage {}'s commitment {}",
                    stage.manifest.previous_commitment, prev.stage, prev.commitment
                ))
            },
        );
        add(
            CheckKind::RoundInputs,
            "pool.csv",
            check_round_inputs(earlier, &stage, raw),
        );
    }
    if stage.stage == 0 && is_replacement(&stage) {
        let m = &stage.manifest;
        add(
            CheckKind::Origin,
            "manifest.json",
            Ok(format!(
                "a replacement round started from the organiser's inputs ({}): {} held, {} withdrawn{}; that its pool.csv and quotas.csv follow from those files needs the files themselves (their SHA-256 are in the manifest), not this bundle",
                m.inputs
                    .iter()
                    .map(|f| format!("{} {}", f.role, f.name))
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
    add(CheckKind::Manifest, "manifest.json", check_manifest(&stage));
    add(CheckKind::PanelSize, "lottery.csv", check_sizes(&stage));
    add(CheckKind::Quotas, "lottery.csv", check_quotas(&stage));
    if stage.manifest.household_rule {
        add(
            CheckKind::Households,
            "lottery.csv",
            check_households(&stage),
        );
    }
    let parsed = parse_probabilities(raw, &stage);
    match parsed {
        Err(e) => {
            add(CheckKind::Probabilities, "probabilities.csv", Err(e));
        }
        Ok((exact, listed)) => {
            add(
                CheckKind::Probabilities,
                "probabilities.csv",
                check_probabilities(&stage, &exact, &listed),
            );
            let m = stage.lottery.len();
            add(
                CheckKind::Summary,
                "manifest.json",
                if Summary::of(&exact, &listed, m) == stage.manifest.summary {
                    Ok("minimum, maximum, mean, Gini and largest change recomputed".into())
                } else {
                    Err(format!(
                        "the summary does not follow from probabilities.csv: recomputed {:?}",
                        Summary::of(&exact, &listed, m)
                    ))
                },
            );
            add(
                CheckKind::Rounding,
                "probabilities.csv",
                check_rounding(&exact, &listed, m, &stage.manifest.rounding),
            );
            if options.resolve {
                add(
                    CheckKind::Resolve,
                    "probabilities.csv",
                    check_resolve(&stage, &exact, &options.settings, progress),
                );
            }
        }
    }
    add(
        CheckKind::Draw,
        DRAW_FILE,
        check_draw(&stage, options.seeds.get(raw.stage as usize)),
    );
    Some(stage)
}

/// The commitment check: the files give the commitment commitment.txt
/// lists and states, and the published one when given. Returns the file
/// to name and the result.
fn check_commitment(
    raw: &RawStage,
    options: &VerifyOptions,
) -> (&'static str, Result<String, String>) {
    let c = bundle::commitment(&raw.files);
    let listed = raw
        .commitment_txt
        .as_deref()
        .map(listed_digests)
        .unwrap_or_default();
    // The committed files whose digests differ from commitment.txt's.
    let changed: Vec<&str> = COMMITTED_FILES
        .iter()
        .copied()
        .filter(|name| {
            listed.get(*name).is_some_and(|d| {
                raw.files
                    .get(*name)
                    .is_none_or(|b| &crate::files::table::sha256_hex(b) != d)
            })
        })
        .collect();
    let stated = raw.commitment_txt.as_deref().and_then(stated_commitment);
    let published = options
        .commitments
        .get(raw.stage as usize)
        .map(|p| p.trim());
    let file = changed.first().copied().unwrap_or(COMMITMENT_FILE);
    let commitment_ok = if !changed.is_empty() {
        Err(format!(
            "{} changed since the commitment (SHA-256 differs from the one {COMMITMENT_FILE} lists); the files give commitment {c}",
            changed.join(", ")
        ))
    } else if stated.as_deref().is_some_and(|s| s != c) {
        Err(format!(
            "the files give {c} but {COMMITMENT_FILE} states {}",
            stated.unwrap_or_default()
        ))
    } else if published.is_some_and(|p| p != c) {
        Err(format!(
            "the files give {c}, not the published {}: the bundle is not the one committed to",
            published.unwrap_or_default()
        ))
    } else if published.is_some() {
        Ok(format!("{c} (= the published commitment)"))
    } else {
        Ok(format!(
            "{c} (compare it with the published one, or pass --commitment)"
        ))
    };
    (file, commitment_ok)
}

/// Adds the result of one check of a stage; returns whether it passed.
pub(crate) fn record(
    checks: &mut Vec<Check>,
    raw: &RawStage,
    kind: CheckKind,
    file: &str,
    result: Result<String, String>,
) -> bool {
    let passed = result.is_ok();
    checks.push(Check {
        stage: raw.stage,
        kind,
        file: raw.dir.join(file),
        passed,
        detail: result.unwrap_or_else(|e| e),
    });
    passed
}

/// The per-file digests listed in `commitment.txt`.
pub(crate) fn listed_digests(bytes: &[u8]) -> BTreeMap<String, String> {
    std::str::from_utf8(bytes)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (digest, name) = l.split_once("  ")?;
            (digest.len() == 64).then(|| (name.to_string(), digest.to_string()))
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

pub(crate) fn check_manifest(stage: &Stage) -> Result<String, String> {
    let m = &stage.manifest;
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
    if m.people != stage.instance.n() {
        return Err(format!(
            "says {} people but pool.csv has {}",
            m.people,
            stage.instance.n()
        ));
    }
    if m.categories != cats {
        return Err(format!(
            "lists categories {:?} but quotas.csv has {:?}",
            m.categories, cats
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
    Ok(format!(
        "{} people, k = {}, m = {}, {}",
        m.people, m.panel_size, m.panels, m.algorithm
    ))
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

pub(crate) fn check_rounding(
    exact: &[f64],
    listed: &[u32],
    m: usize,
    claim: &str,
) -> Result<String, String> {
    let mf = m as f64;
    let emin = exact.iter().copied().fold(f64::INFINITY, f64::min);
    let lmin = listed
        .iter()
        .map(|&a| f64::from(a) / mf)
        .fold(f64::INFINITY, f64::min);
    let largest = exact
        .iter()
        .zip(listed)
        .map(|(e, &a)| (f64::from(a) / mf - e).abs())
        .fold(0.0, f64::max);
    let text = format!(
        "exact minimum {emin:.6}, lottery minimum {lmin:.6} (drop {:.2}/m); largest change {:.2}/m",
        (emin - lmin) * mf,
        largest * mf
    );
    let fell = bundle::minimum_fell(exact, listed, m);
    match (fell, claim.contains(bundle::FLOOR_MISSED)) {
        (true, false) => Err(format!(
            "{text}: the minimum fell by 1/m or more, but the manifest does not say so"
        )),
        (true, true) => Ok(format!(
            "{text}; the minimum fell by 1/m or more, as the manifest declares"
        )),
        (false, _) => Ok(format!("{text}; the minimum fell by less than 1/m")),
    }
}

pub(crate) fn check_resolve(
    stage: &Stage,
    exact: &[f64],
    settings: &crate::solver::Settings,
    progress: &mut dyn FnMut(&Progress),
) -> Result<String, String> {
    let objective = objective_of(&stage.manifest.algorithm).ok_or("unknown algorithm")?;
    let profiles = Profiles::new(&stage.instance);
    let options = optimise::Options {
        objective,
        settings: *settings,
        deadline: None,
        relaxation_first: true,
        peel: optimise::Peel::DEFAULT,
    };
    let computed = optimise::optimise(&stage.instance, &profiles, &options, progress)
        .map_err(|e| format!("the recomputation failed: {e}"))?;
    let pi = profiles.per_person(&computed.profile_probabilities);
    let tolerance = RESOLVE_TOLERANCE;
    let worst = (0..pi.len()).max_by(|&a, &b| {
        (pi[a] - exact[a])
            .abs()
            .total_cmp(&(pi[b] - exact[b]).abs())
    });
    let deviation = worst.map_or(0.0, |i| (pi[i] - exact[i]).abs());
    if !stage.manifest.optimisation_complete {
        let (a, b) = (
            crate::selection::distribution::Fairness::of(&pi).min,
            crate::selection::distribution::Fairness::of(exact).min,
        );
        return if a + tolerance >= b {
            Ok(format!(
                "the bundle's distribution was stopped early; recomputed minimum {a:.6} ≥ its {b:.6}"
            ))
        } else {
            Err(format!(
                "recomputed minimum {a:.6} is below the bundle's {b:.6}"
            ))
        };
    }
    match worst {
        Some(i) if deviation > tolerance => Err(format!(
            "{}: recomputed {:.9}, bundle says {:.9} (tolerance {tolerance:e})",
            stage.instance.pool.people[i].id, pi[i], exact[i]
        )),
        _ => Ok(format!(
            "{} recomputed from pool.csv and quotas.csv: every exact probability within {deviation:.1e} (tolerance {tolerance:e})",
            stage.manifest.algorithm
        )),
    }
}

pub(crate) fn check_round_inputs(
    stages: &[Stage],
    stage: &Stage,
    raw: &RawStage,
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
    let d = derive_replacement(&stages[0], &panel, &before, &leaving)?;
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
        let relaxed = round_relaxation(
            stage.stage,
            &d,
            stage.manifest.household_rule,
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
                        "the manifest's relaxation {:?} is not the smallest one, {:?}",
                        stage.manifest.relaxed, changes
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

pub(crate) fn check_draw(stage: &Stage, seed: Option<&String>) -> Result<String, String> {
    let m = stage.lottery.len() as u64;
    match (&stage.draw, seed) {
        (None, None) => Ok("not drawn yet".into()),
        (None, Some(seed)) => Ok(format!(
            "not recorded; seed \"{seed}\" gives panel {} of {m}",
            bundle::panel_number(&stage.commitment, seed, m)
        )),
        (Some(d), published) => {
            if let Some(p) = published
                && p != &d.seed
            {
                return Err(format!(
                    "draw.json used seed \"{}\", not the published \"{p}\"",
                    d.seed
                ));
            }
            let expected = draw(stage, &d.seed);
            if d.commitment != stage.commitment {
                Err(format!(
                    "draw.json names commitment {}, but the files give {}",
                    d.commitment, stage.commitment
                ))
            } else if d.panel != expected.panel {
                Err(format!(
                    "draw.json says panel {}, but seed \"{}\" gives panel {}",
                    d.panel, d.seed, expected.panel
                ))
            } else if d.members != expected.members {
                Err(format!(
                    "draw.json's members are not those of panel {} in lottery.csv",
                    d.panel
                ))
            } else {
                Ok(format!(
                    "seed \"{}\" gives panel {} of {m}, as recorded",
                    d.seed, d.panel
                ))
            }
        }
    }
}
