//! Replacement rounds: the round's pool, quotas and size derived from the
//! earlier stages, and the smallest relaxation when they cannot be met.

use super::*;

/// The round's quotas as derived (no pool needed to parse them).
pub(crate) fn derived_quotas(
    stage: u32,
    d: &Derived,
) -> Result<crate::model::quotas::Quotas, Error> {
    let path = PathBuf::from(bundle::stage_dir(stage)).join("quotas.csv");
    crate::model::quotas::Quotas::from_table(&Table::parse(&path, &d.quotas)?)
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
/// `base` must have its sealed categories opened (`key`).
pub fn derive_replacement(
    base: &Stage,
    panel: &[usize],
    withdrawn_before: &[usize],
    withdrawn: &[usize],
    key: Option<&AuditorKey>,
) -> Result<Derived, String> {
    let names: Vec<String> = base.names(0..base.instance.n());
    let seals = Seals {
        categories: &base.manifest.sealed,
        key,
    };
    derive_round(
        &base.instance,
        &names,
        base.manifest.panel_size,
        panel,
        withdrawn_before,
        withdrawn,
        &seals,
    )
}

/// As [`derive_replacement`], from an instance whose people are called
/// `names` in the bundle and whose panel size is `k`.
pub(crate) fn derive_round(
    inst: &Instance,
    names: &[String],
    k: usize,
    panel: &[usize],
    withdrawn_before: &[usize],
    withdrawn: &[usize],
    seals: &Seals,
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
        pool: bundle::pool_csv(inst, names, &include, seals),
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

/// The next replacement round of a bundle whose stages have all been
/// drawn; `withdrawn` are pseudonyms of current panel members.
/// `stages` must have been read with the auditor `key` when the bundle has
/// sealed categories.
pub fn replacement_stage(
    stages: &[Stage],
    withdrawn: &[String],
    relax: bool,
    options: &LotteryOptions,
    key: Option<&AuditorKey>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Built, Error> {
    let last = stages
        .last()
        .ok_or(Error::Usage("the bundle has no stage".into()))?;
    let sealed = stages[0].manifest.sealed.clone();
    if !options.seal.is_empty() && options.seal != sealed {
        return Err(Error::Usage(format!(
            "a bundle's rounds keep the categories its first stage sealed ({}); start a new bundle to seal others",
            if sealed.is_empty() {
                "none".to_string()
            } else {
                sealed.join(", ")
            }
        )));
    }
    if !sealed.is_empty() && key.is_none() {
        return Err(Error::Usage(format!(
            "this bundle seals {}: a replacement round needs the organiser's private directory",
            sealed.join(", ")
        )));
    }
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
    let d = derive_replacement(&stages[0], &panel, &before, &leaving, key).map_err(Error::Usage)?;
    let stage = last.stage + 1;
    let household_rule = stages[0].manifest.household_rule;
    let seals = Seals {
        categories: &sealed,
        key,
    };
    let (quotas, relaxed) = match round_relaxation(
        stage,
        &d,
        household_rule,
        &seals,
        &options.optimise.settings,
    )? {
        None => (d.quotas, Vec::new()),
        Some(r) if relax => r,
        Some((_, changes)) => return Err(infeasible_round(&d, &changes)),
    };
    let spec = Spec {
        stage,
        previous_commitment: Some(last.commitment.clone()),
        k: d.k,
        household_rule,
        inputs: Vec::new(),
        held: d.held,
        withdrawn: d.withdrawn,
        relaxed,
        sealed,
    };
    build(spec, d.pool, quotas, key, options, progress)
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
    seals: &Seals,
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
                crate::selection::feasibility::BoundChange {
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
    let instance = bundle::stage_instance(&dir, &d.pool, &quotas, d.k, household_rule, seals)?;
    let result = crate::selection::feasibility::check(&instance, settings)?;
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

/// Stage 0 of a new bundle that is a replacement round for a panel chosen
/// outside any bundle (e.g. by `select`): `panel` are the current members
/// of `original` (people indices), `withdrawn` those of them who withdrew,
/// `panel_sha256` the SHA-256 of the file that listed the panel (recorded
/// keyed).
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
    panel_sha256: &str,
    relax: bool,
    options: &LotteryOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Built, Vec<String>), Error> {
    let (names, key, sealed) = organiser_keys(original, secret, options)?;
    let seals = Seals {
        categories: &sealed,
        key: Some(&key),
    };
    let d = derive_round(original, &names, original.k, panel, &[], withdrawn, &seals)
        .map_err(Error::Usage)?;
    let household_rule = !original.households.columns.is_empty();
    let (quotas, relaxed) =
        match round_relaxation(0, &d, household_rule, &seals, &options.optimise.settings)? {
            None => (d.quotas, Vec::new()),
            Some(r) if relax => r,
            Some((_, changes)) => return Err(infeasible_round(&d, &changes)),
        };
    let mut inputs = input_files(original, &key);
    inputs.push(input_file("panel", panel_sha256, &key));
    let spec = Spec {
        stage: 0,
        previous_commitment: None,
        k: d.k,
        household_rule,
        inputs,
        held: d.held,
        withdrawn: d.withdrawn,
        relaxed,
        sealed,
    };
    let built = build(spec, d.pool, quotas, Some(&key), options, progress)?;
    Ok((built, names))
}

/// The error of a replacement round whose quotas cannot be met, with the
/// smallest relaxation in words.
pub(crate) fn infeasible_round(d: &Derived, changes: &[String]) -> Error {
    Error::Infeasible(format!(
        "no replacement group meets the round's quotas (the original quotas minus the {} people held) from the {} eligible people. The smallest relaxation:\n  {}\n  what to do: start the round again asking for the relaxation to be applied (it is recorded in the round's manifest and re-checked by `verify`)",
        d.held.len(),
        d.eligible,
        changes.join("\n  ")
    ))
}
