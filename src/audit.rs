//! The lottery protocol on audit bundles: building a stage (the first draw
//! or a replacement round), reading a bundle back, drawing, and every check
//! `verify` runs. Works on file contents only; reading and writing
//! directories is [`crate::store`]'s job.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::bundle::{
    self, COMMITMENT_FILE, COMMITTED_FILES, DRAW_FILE, DrawRecord, FORMAT, InputFile, Manifest,
    Secret, StageFiles, Summary,
};
use crate::error::{Error, InputError};
use crate::feasibility::{Relaxation, Side};
use crate::instance::Instance;
use crate::lottery::{self, Made};
use crate::optimise::{self, Objective, Progress};
use crate::panel::Panel;
use crate::profiles::Profiles;
use crate::table::Table;

/// How to compute a stage's lottery.
#[derive(Debug, Clone)]
pub struct LotteryOptions {
    pub optimise: optimise::Options,
    /// Number of panels (m).
    pub panels: u32,
}

/// A stage ready to be written.
pub struct Built {
    /// Committed files plus `commitment.txt`.
    pub files: StageFiles,
    pub commitment: String,
    pub manifest: Manifest,
    /// The stage's pseudonymous instance.
    pub instance: Instance,
    pub made: Made,
}

fn tool() -> String {
    format!("kleroterion {}", env!("CARGO_PKG_VERSION"))
}

fn objective_name(o: Objective) -> String {
    o.name().to_lowercase()
}

/// Parses a manifest's algorithm name.
pub fn objective_of(name: &str) -> Option<Objective> {
    match name {
        "leximin" => Some(Objective::Leximin),
        "maximin" => Some(Objective::Maximin),
        "nash" => Some(Objective::Nash),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    stage: u32,
    previous_commitment: Option<String>,
    pool: Vec<u8>,
    quotas: Vec<u8>,
    k: usize,
    household_rule: bool,
    inputs: Vec<InputFile>,
    held: Vec<String>,
    withdrawn: Vec<String>,
    relaxed: Vec<String>,
    options: &LotteryOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Built, Error> {
    let dir = PathBuf::from(bundle::stage_dir(stage));
    let instance = bundle::stage_instance(&dir, &pool, &quotas, k, household_rule)?;
    let made = lottery::make(&instance, &options.optimise, options.panels, progress)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        tool: tool(),
        stage,
        previous_commitment,
        algorithm: objective_name(options.optimise.objective),
        optimisation_complete: made.computed.complete,
        solver: options.optimise.settings.describe(),
        rounding: if !bundle::minimum_fell(
            &bundle::as_written(&made.rounded.exact),
            &made.rounded.appearances,
            made.rounded.m(),
        ) {
            lottery::METHOD.to_string()
        } else {
            format!("{}; {FLOOR_MISSED}", lottery::METHOD)
        },
        panel_size: k,
        panels: made.rounded.m(),
        people: instance.n(),
        categories: instance
            .quotas
            .categories
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        household_rule,
        inputs,
        pseudonyms: bundle::PSEUDONYM_SCHEME.into(),
        held,
        withdrawn,
        relaxed,
        summary: Summary::of(
            &bundle::as_written(&made.rounded.exact),
            &made.rounded.appearances,
            made.rounded.m(),
        ),
    };
    let committed = bundle::stage_files(&instance, pool, quotas, &made.rounded, &manifest);
    let (files, commitment) = bundle::finish_stage(committed);
    Ok(Built {
        files,
        commitment,
        manifest,
        instance,
        made,
    })
}

/// Stage 0 of a new bundle for `original` (the organiser's instance):
/// pseudonymises it, computes the lottery and its files. Returns the stage
/// and each original person's pseudonym.
pub fn first_stage(
    original: &Instance,
    secret: &Secret,
    options: &LotteryOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Built, Vec<String>), Error> {
    let names = pseudonyms(original, secret)?;
    let all: Vec<usize> = (0..original.n()).collect();
    let pool = bundle::pool_csv(original, &names, &all);
    let bounds: Vec<(u32, u32)> = original
        .quotas
        .values
        .iter()
        .map(|v| (v.min, v.max))
        .collect();
    let quotas = bundle::quotas_csv(&original.quotas, &bounds);
    let built = build(
        0,
        None,
        pool,
        quotas,
        original.k,
        !original.households.columns.is_empty(),
        input_files(original),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        options,
        progress,
    )?;
    Ok((built, names))
}

/// Stage 0 of a new bundle that is a replacement round for a panel chosen
/// outside any bundle (e.g. by `select`): `panel` are the current members
/// of `original` (people indices), `withdrawn` those of them who withdrew,
/// `panel_file` the file that listed the panel (its SHA-256 is recorded).
/// The round is derived as in a bundle (see [`derive_replacement`]); its
/// pool.csv holds only the eligible people, and the held and withdrawn
/// are listed by pseudonym. Returns the stage and every original person's
/// pseudonym.
#[allow(clippy::too_many_arguments)]
pub fn replacement_from_inputs(
    original: &Instance,
    secret: &Secret,
    panel: &[usize],
    withdrawn: &[usize],
    panel_file: InputFile,
    relax: bool,
    options: &LotteryOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Built, Vec<String>), Error> {
    let names = pseudonyms(original, secret)?;
    let d =
        derive_round(original, &names, original.k, panel, &[], withdrawn).map_err(Error::Usage)?;
    let household_rule = !original.households.columns.is_empty();
    let (quotas, relaxed) =
        match round_relaxation(0, &d, household_rule, &options.optimise.settings)? {
            None => (d.quotas, Vec::new()),
            Some(r) if relax => r,
            Some((_, changes)) => return Err(infeasible_round(&d, &changes)),
        };
    let mut inputs = input_files(original);
    inputs.push(panel_file);
    let built = build(
        0,
        None,
        d.pool,
        quotas,
        d.k,
        household_rule,
        inputs,
        d.held,
        d.withdrawn,
        relaxed,
        options,
        progress,
    )?;
    Ok((built, names))
}

/// The error of a replacement round whose quotas cannot be met, with the
/// smallest relaxation in words.
fn infeasible_round(d: &Derived, changes: &[String]) -> Error {
    Error::Infeasible(format!(
        "no replacement group meets the round's quotas (the original quotas minus the {} people held) from the {} eligible people. The smallest relaxation:\n  {}\n  what to do: run `kleroterion replace` again with --relax to apply it (it is recorded in the round's manifest and re-checked by `verify`)",
        d.held.len(),
        d.eligible,
        changes.join("\n  ")
    ))
}

/// Every person's pseudonym under `secret` (checked distinct).
fn pseudonyms(original: &Instance, secret: &Secret) -> Result<Vec<String>, Error> {
    if let Some(name) = bundle::reserved_category(&original.quotas) {
        return Err(InputError::invalid(
            &original.quotas.path,
            format!("category \"{name}\" has the name of a column the audit bundle adds"),
        )
        .value(name)
        .hint("rename the category (in the quotas file and the respondents' header)")
        .into());
    }
    let names: Vec<String> = original
        .pool
        .people
        .iter()
        .map(|p| secret.pseudonym(&p.id))
        .collect();
    let distinct: BTreeSet<&String> = names.iter().collect();
    if distinct.len() != names.len() {
        return Err(Error::Solver(
            "two ids have the same pseudonym (a 64-bit collision): run again with a new secret key"
                .into(),
        ));
    }
    Ok(names)
}

/// The manifest's record of an input file: its role, name (no directories)
/// and SHA-256.
pub fn input_file(role: &str, path: &Path, sha256: &str) -> InputFile {
    InputFile {
        role: role.into(),
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: sha256.into(),
    }
}

fn input_files(original: &Instance) -> Vec<InputFile> {
    vec![
        input_file("respondents", &original.pool.path, &original.pool.sha256),
        input_file("quotas", &original.quotas.path, &original.quotas.sha256),
    ]
}

/// One stage's files as found in a bundle.
#[derive(Debug, Clone)]
pub struct RawStage {
    pub stage: u32,
    /// The stage's directory (for messages).
    pub dir: PathBuf,
    /// The committed files that are present.
    pub files: StageFiles,
    pub commitment_txt: Option<Vec<u8>>,
    pub draw: Option<Vec<u8>>,
}

/// A bundle's stages, in order.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub root: PathBuf,
    pub stages: Vec<RawStage>,
    /// Files that belong to no stage (relative paths).
    pub unexpected: Vec<String>,
}

impl Bundle {
    /// Groups a bundle's files (relative paths with `/`) into stages 0, 1, …
    /// (stopping at the first missing replacement directory).
    pub fn from_files(root: &Path, mut all: BTreeMap<String, Vec<u8>>) -> Bundle {
        let mut stages = Vec::new();
        for stage in 0u32.. {
            let dir = bundle::stage_dir(stage);
            let prefix = if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            };
            let mut take = |name: &str| all.remove(&format!("{prefix}{name}"));
            let mut files = StageFiles::new();
            for name in COMMITTED_FILES {
                if let Some(b) = take(name) {
                    files.insert(name.into(), b);
                }
            }
            let commitment_txt = take(COMMITMENT_FILE);
            let draw = take(DRAW_FILE);
            if stage > 0 && files.is_empty() && commitment_txt.is_none() && draw.is_none() {
                break;
            }
            stages.push(RawStage {
                stage,
                dir: root.join(&dir),
                files,
                commitment_txt,
                draw,
            });
        }
        Bundle {
            root: root.to_path_buf(),
            stages,
            unexpected: all.into_keys().collect(),
        }
    }
}

/// A stage read back and parsed.
#[derive(Debug, Clone)]
pub struct Stage {
    pub stage: u32,
    pub dir: PathBuf,
    pub commitment: String,
    pub manifest: Manifest,
    pub instance: Instance,
    /// Lottery panels (people of `instance`), in panel-number order.
    pub lottery: Vec<Panel>,
    pub draw: Option<DrawRecord>,
}

impl Stage {
    /// Person index of each pseudonym.
    pub fn index(&self) -> HashMap<&str, usize> {
        self.instance
            .pool
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect()
    }

    pub fn names(&self, people: impl Iterator<Item = usize>) -> Vec<String> {
        people
            .map(|i| self.instance.pool.people[i].id.clone())
            .collect()
    }
}

/// A problem in a bundle file: the file and what is wrong.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: PathBuf,
    pub problem: String,
}

impl Problem {
    fn new(file: PathBuf, problem: impl Into<String>) -> Problem {
        Problem {
            file,
            problem: problem.into(),
        }
    }

    pub fn into_error(self) -> Error {
        InputError::invalid(&self.file, self.problem)
            .hint("the audit bundle is damaged or was edited; restore it from the copy that was published")
            .into()
    }
}

/// Parses a stage's committed files (and its draw record, if any).
pub fn parse_stage(raw: &RawStage) -> Result<Stage, Problem> {
    let file = |name: &str| raw.dir.join(name);
    for name in COMMITTED_FILES {
        if !raw.files.contains_key(name) {
            return Err(Problem::new(file(name), "the file is missing"));
        }
    }
    let manifest: Manifest = serde_json::from_slice(&raw.files["manifest.json"])
        .map_err(|e| Problem::new(file("manifest.json"), format!("not a valid manifest: {e}")))?;
    if manifest.format != FORMAT {
        return Err(Problem::new(
            file("manifest.json"),
            format!(
                "format \"{}\" is not \"{FORMAT}\" (written by another version?)",
                manifest.format
            ),
        ));
    }
    if manifest.stage != raw.stage {
        return Err(Problem::new(
            file("manifest.json"),
            format!(
                "says stage {} but sits in the directory of stage {}",
                manifest.stage, raw.stage
            ),
        ));
    }
    let instance = bundle::stage_instance(
        &raw.dir,
        &raw.files["pool.csv"],
        &raw.files["quotas.csv"],
        manifest.panel_size,
        manifest.household_rule,
    )
    .map_err(|e| Problem::new(file("pool.csv"), format!("{e}")))?;
    let stage = Stage {
        stage: raw.stage,
        dir: raw.dir.clone(),
        commitment: bundle::commitment(&raw.files),
        lottery: Vec::new(),
        draw: None,
        manifest,
        instance,
    };
    let index = stage.index();
    let path = file("lottery.csv");
    let table = Table::parse(&path, &raw.files["lottery.csv"])
        .map_err(|e| Problem::new(path.clone(), e.problem))?;
    let (Some(pc), Some(mc)) = (table.column("panel"), table.column("members")) else {
        return Err(Problem::new(path, "the header must be panel,members"));
    };
    let mut lottery = Vec::with_capacity(table.rows.len());
    for (j, row) in table.rows.iter().enumerate() {
        if row.cells[pc].trim() != (j + 1).to_string() {
            return Err(Problem::new(
                path,
                format!(
                    "line {}: panel number \"{}\" where {} was expected (panels are numbered 1, 2, … in order)",
                    row.line,
                    row.cells[pc],
                    j + 1
                ),
            ));
        }
        let mut members = Vec::new();
        for name in row.cells[mc].split_whitespace() {
            match index.get(name) {
                Some(&i) => members.push(i),
                None => {
                    return Err(Problem::new(
                        path,
                        format!(
                            "line {}: \"{name}\" is not in pool.csv (panel {})",
                            row.line,
                            j + 1
                        ),
                    ));
                }
            }
        }
        lottery.push(Panel::new(members));
    }
    if lottery.is_empty() {
        return Err(Problem::new(path, "lottery.csv lists no panels"));
    }
    let draw =
        match &raw.draw {
            None => None,
            Some(bytes) => Some(serde_json::from_slice(bytes).map_err(|e| {
                Problem::new(file(DRAW_FILE), format!("not a valid draw record: {e}"))
            })?),
        };
    Ok(Stage {
        lottery,
        draw,
        ..stage
    })
}

/// Parses every stage, failing on the first problem.
pub fn parse_all(bundle: &Bundle) -> Result<Vec<Stage>, Error> {
    bundle
        .stages
        .iter()
        .map(|raw| parse_stage(raw).map_err(Problem::into_error))
        .collect()
}

/// Draws the panel of `stage` from `seed`.
pub fn draw(stage: &Stage, seed: &str) -> DrawRecord {
    let m = stage.lottery.len() as u64;
    let panel = bundle::panel_number(&stage.commitment, seed, m);
    DrawRecord {
        stage: stage.stage,
        commitment: stage.commitment.clone(),
        seed: seed.to_string(),
        panel,
        members: stage.names(stage.lottery[panel as usize - 1].members().iter().copied()),
    }
}

/// Why a bundle whose first stage is a replacement round started from the
/// inputs takes no further round.
pub const NOT_CHAINED: &str = "this bundle's first stage is a replacement round started from the organiser's inputs (its pool holds only that round's eligible people): start the next round from the inputs again (`kleroterion replace NEW --pool … --quotas … -k … --panel PANEL.csv --withdrawn …`, with the current panel, e.g. the private directory's selected.csv)";

/// The panel (stage-0 people) after `stages` have all been drawn: the first
/// draw, then each round's held people plus its drawn replacements.
pub fn panel_after(stages: &[Stage]) -> Result<Vec<usize>, String> {
    let base = stages.first().ok_or("the bundle has no stage")?;
    if is_replacement(base) {
        return Err(NOT_CHAINED.into());
    }
    let index = base.index();
    let lookup = |names: &[String]| -> Result<Vec<usize>, String> {
        names
            .iter()
            .map(|n| {
                index
                    .get(n.as_str())
                    .copied()
                    .ok_or_else(|| format!("\"{n}\" is not in the first stage's pool.csv"))
            })
            .collect()
    };
    let mut panel = Vec::new();
    for s in stages {
        let Some(d) = &s.draw else {
            return Err(format!(
                "stage {} has not been drawn yet (no {})",
                s.stage,
                s.dir.join(DRAW_FILE).display()
            ));
        };
        let mut now = lookup(&s.manifest.held)?;
        now.extend(lookup(&d.members)?);
        now.sort_unstable();
        panel = now;
    }
    Ok(panel)
}

/// The round's quotas as derived (no pool needed to parse them).
fn derived_quotas(stage: u32, d: &Derived) -> Result<crate::quotas::Quotas, Error> {
    let path = PathBuf::from(bundle::stage_dir(stage)).join("quotas.csv");
    crate::quotas::Quotas::from_table(&Table::parse(&path, &d.quotas)?)
}

/// The inputs of a replacement round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub pool: Vec<u8>,
    pub quotas: Vec<u8>,
    /// The round's (min, max) per quota value, and how many eligible people
    /// have each value.
    pub bounds: Vec<(u32, u32)>,
    pub available: Vec<u32>,
    /// People in the round's pool.
    pub eligible: usize,
    pub k: usize,
    pub held: Vec<String>,
    pub withdrawn: Vec<String>,
}

/// The pool, quotas and size of a replacement round, from the first stage
/// (whole pool, original quotas), the current panel, everyone who withdrew
/// in earlier rounds, and who withdraws now. Bounds become max(0, min −
/// held) and max − held; the size k − held; the pool loses the current
/// panel, everyone who ever withdrew, and the held people's housemates.
pub fn derive_replacement(
    base: &Stage,
    panel: &[usize],
    withdrawn_before: &[usize],
    withdrawn: &[usize],
) -> Result<Derived, String> {
    let names: Vec<String> = base.names(0..base.instance.n());
    derive_round(
        &base.instance,
        &names,
        base.manifest.panel_size,
        panel,
        withdrawn_before,
        withdrawn,
    )
}

/// As [`derive_replacement`], from an instance whose people are called
/// `names` in the bundle and whose panel size is `k`.
fn derive_round(
    inst: &Instance,
    names: &[String],
    k: usize,
    panel: &[usize],
    withdrawn_before: &[usize],
    withdrawn: &[usize],
) -> Result<Derived, String> {
    let on_panel: BTreeSet<usize> = panel.iter().copied().collect();
    let leaving: BTreeSet<usize> = withdrawn.iter().copied().collect();
    if leaving.is_empty() {
        return Err("nobody withdraws: name at least one withdrawn panel member".into());
    }
    if let Some(&i) = leaving.iter().find(|i| !on_panel.contains(i)) {
        return Err(format!(
            "\"{}\" is not on the current panel",
            inst.pool.people[i].id
        ));
    }
    let held: Vec<usize> = on_panel.difference(&leaving).copied().collect();
    let mut excluded = vec![false; inst.n()];
    for &i in panel.iter().chain(withdrawn_before) {
        excluded[i] = true;
    }
    for &i in &held {
        for h in inst.households.housemates(i) {
            excluded[h] = true;
        }
    }
    let mut counts = vec![0u32; inst.quotas.values.len()];
    for &i in &held {
        for &v in &inst.pool.people[i].values {
            counts[v] += 1;
        }
    }
    let mut bounds = Vec::new();
    for (v, q) in inst.quotas.values.iter().enumerate() {
        if counts[v] > q.max {
            return Err(format!(
                "the people held already exceed the maximum of {} ({} > {})",
                inst.quotas.label(v),
                counts[v],
                q.max
            ));
        }
        bounds.push((q.min.saturating_sub(counts[v]), q.max - counts[v]));
    }
    let include: Vec<usize> = (0..inst.n()).filter(|&i| !excluded[i]).collect();
    let mut available = vec![0u32; inst.quotas.values.len()];
    for &i in &include {
        for &v in &inst.pool.people[i].values {
            available[v] += 1;
        }
    }
    let mut held_names: Vec<String> = held.iter().map(|&i| names[i].clone()).collect();
    held_names.sort();
    let mut withdrawn_names: Vec<String> = leaving.iter().map(|&i| names[i].clone()).collect();
    withdrawn_names.sort();
    Ok(Derived {
        pool: bundle::pool_csv(inst, names, &include),
        quotas: bundle::quotas_csv(&inst.quotas, &bounds),
        bounds,
        available,
        eligible: include.len(),
        k: k.checked_sub(held.len())
            .ok_or("more people are held than the panel size")?,
        held: held_names,
        withdrawn: withdrawn_names,
    })
}

/// The pseudonyms of the panel after `stages` (all drawn): the last
/// stage's held people and its drawn members.
pub fn panel_names_after(stages: &[Stage]) -> Result<Vec<String>, String> {
    let last = stages.last().ok_or("the bundle has no stage")?;
    let Some(d) = &last.draw else {
        return Err(format!(
            "stage {} has not been drawn yet (no {})",
            last.stage,
            last.dir.join(DRAW_FILE).display()
        ));
    };
    let mut names: Vec<String> = last
        .manifest
        .held
        .iter()
        .chain(&d.members)
        .cloned()
        .collect();
    names.sort();
    Ok(names)
}

/// Whether a stage is a replacement round (it holds people and replaces
/// those withdrawn), including a first stage started from the inputs.
pub fn is_replacement(stage: &Stage) -> bool {
    stage.stage > 0 || !stage.manifest.held.is_empty() || !stage.manifest.withdrawn.is_empty()
}

/// Everyone who withdrew in `stages` (stage-0 people).
fn withdrawn_in(stages: &[Stage]) -> Result<Vec<usize>, String> {
    let index = stages[0].index();
    let mut out = Vec::new();
    for s in &stages[1..] {
        for n in &s.manifest.withdrawn {
            out.push(
                *index
                    .get(n.as_str())
                    .ok_or_else(|| format!("\"{n}\" is not in the first stage's pool.csv"))?,
            );
        }
    }
    Ok(out)
}

/// The next replacement round of a bundle whose stages have all been
/// drawn; `withdrawn` are pseudonyms of current panel members.
pub fn replacement_stage(
    stages: &[Stage],
    withdrawn: &[String],
    relax: bool,
    options: &LotteryOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Built, Error> {
    let last = stages
        .last()
        .ok_or(Error::Usage("the bundle has no stage".into()))?;
    let panel = panel_after(stages).map_err(Error::Usage)?;
    let index = stages[0].index();
    let mut leaving = Vec::new();
    for n in withdrawn {
        match index.get(n.as_str()) {
            Some(&i) => leaving.push(i),
            None => return Err(Error::Usage(format!("\"{n}\" is not in the bundle's pool"))),
        }
    }
    let before = withdrawn_in(stages).map_err(Error::Usage)?;
    let d = derive_replacement(&stages[0], &panel, &before, &leaving).map_err(Error::Usage)?;
    let stage = last.stage + 1;
    let household_rule = stages[0].manifest.household_rule;
    let (quotas, relaxed) =
        match round_relaxation(stage, &d, household_rule, &options.optimise.settings)? {
            None => (d.quotas, Vec::new()),
            Some(r) if relax => r,
            Some((_, changes)) => return Err(infeasible_round(&d, &changes)),
        };
    build(
        stage,
        Some(last.commitment.clone()),
        d.pool,
        quotas,
        d.k,
        household_rule,
        Vec::new(),
        d.held,
        d.withdrawn,
        relaxed,
        options,
        progress,
    )
}

/// A round's `quotas.csv` after relaxation, and the changes in words.
pub type RelaxedQuotas = (Vec<u8>, Vec<String>);

/// When a replacement round's quotas cannot be met: the quotas with the
/// smallest relaxation applied (smallest total change, integer programming
/// as in `check`), and the changes in words, one per bound. None when they
/// can be met.
pub fn round_relaxation(
    stage: u32,
    d: &Derived,
    household_rule: bool,
    settings: &crate::solver::Settings,
) -> Result<Option<RelaxedQuotas>, Error> {
    let dir = PathBuf::from(bundle::stage_dir(stage));
    // A positive minimum for a value nobody eligible has must fall to 0 in
    // any relaxation (the importer would reject it): forced changes first.
    let base = derived_quotas(stage, d)?;
    let mut bounds = d.bounds.clone();
    let mut words = Vec::new();
    for (v, b) in bounds.iter_mut().enumerate() {
        if b.0 > 0 && d.available[v] == 0 {
            words.push(
                crate::feasibility::BoundChange {
                    label: base.label(v),
                    side: Side::Minimum,
                    from: b.0,
                    to: 0,
                }
                .to_string(),
            );
            b.0 = 0;
        }
    }
    let quotas = bundle::quotas_csv(&base, &bounds);
    let instance = bundle::stage_instance(&dir, &d.pool, &quotas, d.k, household_rule)?;
    let result = crate::feasibility::check(&instance, settings)?;
    let changes = match result.relaxation {
        None if words.is_empty() => return Ok(None),
        None => Vec::new(),
        Some(Relaxation::WithinFlex(c) | Relaxation::BeyondFlex(c)) => c,
        Some(Relaxation::None) => {
            return Err(Error::Infeasible(format!(
                "the {} eligible people cannot fill {} seats under the household rule, whatever the quotas; hold fewer people or widen the pool",
                instance.n(),
                d.k
            )));
        }
    };
    let q = &instance.quotas;
    for c in &changes {
        if let Some(v) = (0..q.values.len()).find(|&v| q.label(v) == c.label) {
            match c.side {
                Side::Minimum => bounds[v].0 = c.to,
                Side::Maximum => bounds[v].1 = c.to,
            }
        }
    }
    words.extend(changes.iter().map(ToString::to_string));
    Ok(Some((bundle::quotas_csv(q, &bounds), words)))
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub stage: u32,
    pub name: &'static str,
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
            name: "files",
            file: bundle.root.clone(),
            passed: false,
            detail: "no audit bundle here (manifest.json, pool.csv, … are missing)".into(),
        });
        return checks;
    }
    if !bundle.unexpected.is_empty() {
        checks.push(Check {
            stage: 0,
            name: "files",
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
                name: "stages",
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
        let mut add = |name: &'static str, file: &str, result: Result<String, String>| {
            record(&mut checks, raw, name, file, result)
        };
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
                        .is_none_or(|b| &crate::table::sha256_hex(b) != d)
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
        add("commitment", file, commitment_ok);
        let stage = match parse_stage(raw) {
            Ok(s) => s,
            Err(p) => {
                let name = p
                    .file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                add(
                    "readable",
                    &name,
                    Err(format!("{}; later checks skipped", p.problem)),
                );
                return checks;
            }
        };

        if stage.stage > 0 {
            let prev = &stages[stages.len() - 1];
            add(
                "chain",
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
                "round inputs",
                "pool.csv",
                check_round_inputs(&stages, &stage, raw),
            );
        }
        if stage.stage == 0 && is_replacement(&stage) {
            let m = &stage.manifest;
            add(
                "origin",
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
        add("manifest", "manifest.json", check_manifest(&stage));
        add("panel size", "lottery.csv", check_sizes(&stage));
        add("quotas", "lottery.csv", check_quotas(&stage));
        if stage.manifest.household_rule {
            add("households", "lottery.csv", check_households(&stage));
        }
        let parsed = parse_probabilities(raw, &stage);
        match parsed {
            Err(e) => {
                add("probabilities", "probabilities.csv", Err(e));
            }
            Ok((exact, listed)) => {
                add(
                    "probabilities",
                    "probabilities.csv",
                    check_probabilities(&stage, &exact, &listed),
                );
                let m = stage.lottery.len();
                add(
                    "summary",
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
                    "rounding",
                    "probabilities.csv",
                    check_rounding(&exact, &listed, m, &stage.manifest.rounding),
                );
                if options.resolve {
                    add(
                        "resolve",
                        "probabilities.csv",
                        check_resolve(&stage, &exact, &options.settings, progress),
                    );
                }
            }
        }
        add(
            "draw",
            DRAW_FILE,
            check_draw(&stage, options.seeds.get(raw.stage as usize)),
        );
        stages.push(stage);
    }
    checks
}

/// Adds the result of one check of a stage; returns whether it passed.
fn record(
    checks: &mut Vec<Check>,
    raw: &RawStage,
    name: &'static str,
    file: &str,
    result: Result<String, String>,
) -> bool {
    let passed = result.is_ok();
    checks.push(Check {
        stage: raw.stage,
        name,
        file: raw.dir.join(file),
        passed,
        detail: result.unwrap_or_else(|e| e),
    });
    passed
}

/// The per-file digests listed in `commitment.txt`.
fn listed_digests(bytes: &[u8]) -> BTreeMap<String, String> {
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
fn stated_commitment(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.lines()
        .rev()
        .find_map(|l| l.rsplit(' ').next().filter(|w| w.len() == 64))
        .map(str::to_string)
}

fn check_manifest(stage: &Stage) -> Result<String, String> {
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
const LISTED: usize = 5;

fn failing_panels(
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

fn check_sizes(stage: &Stage) -> Result<String, String> {
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

fn check_quotas(stage: &Stage) -> Result<String, String> {
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

fn check_households(stage: &Stage) -> Result<String, String> {
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
fn parse_probabilities(raw: &RawStage, stage: &Stage) -> Result<(Vec<f64>, Vec<u32>), String> {
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

fn check_probabilities(stage: &Stage, exact: &[f64], listed: &[u32]) -> Result<String, String> {
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

/// The words a manifest's `rounding` adds when the minimum fell by 1/m or
/// more.
pub const FLOOR_MISSED: &str = "here the minimum could not be kept within 1/m";

fn check_rounding(exact: &[f64], listed: &[u32], m: usize, claim: &str) -> Result<String, String> {
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
    match (fell, claim.contains(FLOOR_MISSED)) {
        (true, false) => Err(format!(
            "{text}: the minimum fell by 1/m or more, but the manifest does not say so"
        )),
        (true, true) => Ok(format!(
            "{text}; the minimum fell by 1/m or more, as the manifest declares"
        )),
        (false, _) => Ok(format!("{text}; the minimum fell by less than 1/m")),
    }
}

fn check_resolve(
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
    let pi: Vec<f64> = profiles
        .of_person
        .iter()
        .map(|&t| computed.profile_probabilities[t])
        .collect();
    let tolerance = RESOLVE_TOLERANCE;
    let worst = (0..pi.len()).max_by(|&a, &b| {
        (pi[a] - exact[a])
            .abs()
            .total_cmp(&(pi[b] - exact[b]).abs())
    });
    let deviation = worst.map_or(0.0, |i| (pi[i] - exact[i]).abs());
    if !stage.manifest.optimisation_complete {
        let (a, b) = (
            crate::distribution::Fairness::of(&pi).min,
            crate::distribution::Fairness::of(exact).min,
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

fn check_round_inputs(stages: &[Stage], stage: &Stage, raw: &RawStage) -> Result<String, String> {
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

fn check_draw(stage: &Stage, seed: Option<&String>) -> Result<String, String> {
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
