//! Building a stage: pseudonymise, compute the lottery, and make the
//! committed files (the first draw, or a replacement round started from
//! the organiser's inputs).

use super::*;
use crate::selection::optimise::Gamma;

/// How to compute a stage's lottery, and what its manifest commits to.
#[derive(Debug, Clone)]
pub struct LotteryOptions {
    pub optimise: optimise::Options,
    /// Number of panels (m).
    pub panels: u32,
    /// How the stage's seed must be written and where it comes from.
    pub seed_rule: SeedRule,
    /// Categories to publish only sealed (a first stage; later rounds keep
    /// the first stage's).
    pub seal: Vec<String>,
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

/// The manifest's algorithm name: "leximin", "maximin", "nash", or
/// "goldilocks(gamma=G)" with G as the shortest decimal that reads back as
/// the same number (so `--resolve` recomputes with exactly that gamma).
pub(crate) fn objective_name(o: Objective) -> String {
    match o {
        Objective::Goldilocks(Gamma(gamma)) => format!("goldilocks(gamma={gamma})"),
        o => o.name().to_lowercase(),
    }
}

/// Parses a manifest's algorithm name.
pub fn objective_of(name: &str) -> Option<Objective> {
    match name {
        "leximin" => Some(Objective::Leximin),
        "maximin" => Some(Objective::Maximin),
        "nash" => Some(Objective::Nash),
        _ => {
            let gamma: f64 = name
                .strip_prefix("goldilocks(gamma=")?
                .strip_suffix(')')?
                .parse()
                .ok()?;
            let o = Objective::Goldilocks(Gamma(gamma));
            // Only the form this version writes.
            (Gamma(gamma).in_range() && objective_name(o) == name).then_some(o)
        }
    }
}

/// What a stage's manifest records besides its lottery.
pub(crate) struct Spec {
    pub stage: u32,
    pub previous_commitment: Option<String>,
    pub k: usize,
    pub household_rule: bool,
    pub inputs: Vec<InputFile>,
    pub held: Vec<String>,
    pub withdrawn: Vec<String>,
    pub relaxed: Vec<String>,
    pub sealed: Vec<String>,
}

pub(crate) fn build(
    spec: Spec,
    pool: Vec<u8>,
    quotas: Vec<u8>,
    key: Option<&AuditorKey>,
    options: &LotteryOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Built, Error> {
    let dir = PathBuf::from(bundle::stage_dir(spec.stage));
    let seals = Seals {
        categories: &spec.sealed,
        key,
    };
    let instance =
        bundle::stage_instance(&dir, &pool, &quotas, spec.k, spec.household_rule, &seals)?;
    let made = lottery::make(&instance, &options.optimise, options.panels, progress)?;
    let exact = bundle::as_written(&made.rounded.exact);
    let m = made.rounded.m();
    let manifest = Manifest {
        format: FORMAT.into(),
        tool: tool(),
        stage: spec.stage,
        previous_commitment: spec.previous_commitment,
        algorithm: objective_name(options.optimise.objective),
        optimisation_complete: made.computed.complete,
        solver: options.optimise.settings.describe(),
        rounding: if !bundle::minimum_fell(&exact, &made.rounded.appearances, m) {
            lottery::METHOD.to_string()
        } else {
            format!("{}; {}", lottery::METHOD, bundle::FLOOR_MISSED)
        },
        panel_size: spec.k,
        panels: m,
        people: instance.n(),
        categories: instance
            .quotas
            .categories
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        household_rule: spec.household_rule,
        inputs: spec.inputs,
        pseudonyms: bundle::PSEUDONYM_SCHEME.into(),
        held: spec.held,
        withdrawn: spec.withdrawn,
        relaxed: spec.relaxed,
        seed_rule: options.seed_rule.clone(),
        change_bound: lottery::CHANGE_BOUND,
        disclosure: Disclosure::of(&instance, &spec.sealed, &exact),
        sealed: spec.sealed,
        summary: Summary::of(&exact, &made.rounded.appearances, m),
    };
    // Checked as a reviewer checks it, against the probabilities as
    // published, before anything is written.
    let written: Vec<String> = exact.iter().map(|&x| bundle::fixed(x)).collect();
    let (certificate, _) = Certificate::certify(
        &instance,
        &Profiles::new(&instance),
        &made.computed,
        &written,
    );
    let committed = bundle::stage_files(
        &instance,
        pool,
        quotas,
        &made.rounded,
        &manifest,
        certificate,
    );
    let (files, commitment) = bundle::finish_stage(committed);
    Ok(Built {
        files,
        commitment,
        manifest,
        instance,
        made,
    })
}

/// Checks the categories to seal: each a category of `quotas`.
pub(crate) fn checked_seal(
    quotas: &crate::model::quotas::Quotas,
    seal: &[String],
) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for name in seal {
        let Some(c) = quotas
            .categories
            .iter()
            .find(|c| crate::files::table::key(&c.name) == crate::files::table::key(name))
        else {
            return Err(InputError::invalid(
                &quotas.path,
                format!(
                    "there is no category \"{name}\" to seal; the categories are {}",
                    quotas
                        .categories
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .value(name)
            .hint("name a category of the quotas file")
            .into());
        };
        if !out.contains(&c.name) {
            out.push(c.name.clone());
        }
    }
    Ok(out)
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
    let (names, key, sealed) = organiser_keys(original, secret, options)?;
    let all: Vec<usize> = (0..original.n()).collect();
    let seals = Seals {
        categories: &sealed,
        key: Some(&key),
    };
    let pool = bundle::pool_csv(original, &names, &all, &seals);
    let bounds: Vec<(u32, u32)> = original
        .quotas
        .values
        .iter()
        .map(|v| (v.min, v.max))
        .collect();
    let quotas = bundle::quotas_csv(&original.quotas, &bounds);
    let spec = Spec {
        stage: 0,
        previous_commitment: None,
        k: original.k,
        household_rule: !original.households.columns.is_empty(),
        inputs: input_files(original, &key),
        held: Vec::new(),
        withdrawn: Vec::new(),
        relaxed: Vec::new(),
        sealed,
    };
    let built = build(spec, pool, quotas, Some(&key), options, progress)?;
    Ok((built, names))
}

/// What a new bundle from the organiser's `original` starts from: every
/// person's pseudonym, the auditor's key and the checked categories to
/// seal.
pub(crate) fn organiser_keys(
    original: &Instance,
    secret: &Secret,
    options: &LotteryOptions,
) -> Result<(Vec<String>, AuditorKey, Vec<String>), Error> {
    Ok((
        pseudonyms(original, secret)?,
        secret.auditor_key(),
        checked_seal(&original.quotas, &options.seal)?,
    ))
}

/// Refuses to publish a category that is a personal column rather than a
/// quota category: a value that looks like an e-mail address, or (in a
/// pool of 20 or more) more distinct values than half the people, as names,
/// phone numbers and ids have.
fn identifying_category(original: &Instance) -> Result<(), Error> {
    let q = &original.quotas;
    let n = original.n();
    for (c, category) in q.categories.iter().enumerate() {
        let used: BTreeSet<usize> = original
            .pool
            .people
            .iter()
            .flat_map(|p| p.values.iter().copied())
            .filter(|&v| q.values[v].category == c)
            .collect();
        let email = category
            .values
            .iter()
            .any(|&v| q.values[v].name.contains('@'));
        if email || (n >= 20 && used.len() * 2 > n) {
            return Err(InputError::invalid(
                &q.path,
                format!(
                    "category \"{}\" looks like personal data ({}), and the audit bundle publishes every category",
                    category.name,
                    if email {
                        "its values look like e-mail addresses".to_string()
                    } else {
                        format!("{} different values among {n} people", used.len())
                    }
                ),
            )
            .value(&category.name)
            .hint("leave personal columns (names, e-mail addresses, phone numbers) out of the quotas")
            .into());
        }
    }
    Ok(())
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
    identifying_category(original)?;
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

/// The manifest's record of an input file: its role and keyed digest.
pub fn input_file(role: &str, sha256: &str, key: &AuditorKey) -> InputFile {
    InputFile {
        role: role.into(),
        keyed_sha256: key.input_digest(sha256),
    }
}

pub(crate) fn input_files(original: &Instance, key: &AuditorKey) -> Vec<InputFile> {
    vec![
        input_file("respondents", &original.pool.sha256, key),
        input_file("quotas", &original.quotas.sha256, key),
    ]
}

#[cfg(test)]
mod algorithm_names {
    use super::*;

    #[test]
    fn every_objective_reads_back_from_its_manifest_name_and_other_forms_are_refused() {
        for o in [
            Objective::Leximin,
            Objective::Maximin,
            Objective::Nash,
            Objective::Goldilocks(Gamma(1.0)),
            Objective::Goldilocks(Gamma(0.25)),
            Objective::Goldilocks(Gamma(0.1 + 0.2)),
        ] {
            assert_eq!(objective_of(&objective_name(o)), Some(o), "{o:?}");
        }
        assert_eq!(
            objective_name(Objective::Goldilocks(Gamma(0.5))),
            "goldilocks(gamma=0.5)"
        );
        for bad in [
            "goldilocks",
            "goldilocks(gamma=0.50)",
            "goldilocks(gamma=0)",
            "goldilocks(gamma=-1)",
            "goldilocks(gamma=NaN)",
            "goldilocks(gamma=1e9)",
            "Leximin",
        ] {
            assert_eq!(objective_of(bad), None, "{bad}");
        }
    }
}
