//! Building a stage: pseudonymise, compute the lottery, and make the
//! committed files (the first draw, or a replacement round started from
//! the organiser's inputs).

use super::*;

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

pub(crate) fn tool() -> String {
    format!("kleroterion {}", env!("CARGO_PKG_VERSION"))
}

pub(crate) fn objective_name(o: Objective) -> String {
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
pub(crate) fn build(
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
            format!("{}; {}", lottery::METHOD, bundle::FLOOR_MISSED)
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

/// Every person's pseudonym under `secret` (checked distinct).
pub(crate) fn pseudonyms(original: &Instance, secret: &Secret) -> Result<Vec<String>, Error> {
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
        return Err(Error::PseudonymCollision(
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

pub(crate) fn input_files(original: &Instance) -> Vec<InputFile> {
    vec![
        input_file("respondents", &original.pool.path, &original.pool.sha256),
        input_file("quotas", &original.quotas.path, &original.quotas.sha256),
    ]
}
