//! The public draw of a stage and the panel after a sequence of stages.

use super::*;

/// Draws the panel of `stage` from the seed as typed, in its canonical form
/// under the stage's committed rule; Err says why the seed does not fit
/// the rule.
pub fn draw(stage: &Stage, typed: &str) -> Result<DrawRecord, String> {
    let rule = &stage.manifest.seed_rule;
    let seed = rule.canonical(typed).map_err(|e| {
        format!(
            "the seed {} does not fit the rule committed for it, {}: {e}",
            crate::audit::seed::quoted(typed),
            rule.describe()
        )
    })?;
    let m = stage.lottery.len() as u64;
    let panel = bundle::panel_number(&stage.commitment, &seed, m);
    Ok(DrawRecord {
        stage: stage.stage,
        commitment: stage.commitment.clone(),
        seed_as_typed: typed.to_string(),
        seed,
        panel,
        members: stage.names(stage.lottery[panel as usize - 1].members().iter().copied()),
    })
}

/// Why drawing `stage` with the canonical `seed` would reuse what an
/// `earlier` stage's draw made public (so its panel could be chosen after
/// the fact): the same seed source, or a seed holding every number of an
/// earlier seed (of three numbers or more), whatever the rule.
pub fn reused_seed(stage: &Stage, seed: &str, earlier: &[Stage]) -> Option<String> {
    let earlier: Vec<Earlier> = earlier
        .iter()
        .map(|e| Earlier {
            stage: e.stage,
            source: &e.manifest.seed_rule.source,
            seed: e.draw.as_ref().map(|d| d.seed.as_str()),
        })
        .collect();
    reused("stage", &stage.manifest.seed_rule.source, seed, &earlier)
}

/// An earlier stage or round, as [`reused`] compares with it.
pub struct Earlier<'a> {
    pub stage: u32,
    pub source: &'a str,
    pub seed: Option<&'a str>,
}

/// Why a round with the seed rule's `source` cannot use `seed` after
/// `earlier` stages (`what` names them: "stage", "round"), or None.
pub fn reused(what: &str, source: &str, seed: &str, earlier: &[Earlier]) -> Option<String> {
    let numbers = |s: &str| -> Vec<String> {
        let mut n = crate::audit::seed::digit_runs(s);
        n.sort();
        n
    };
    let ours = numbers(seed);
    for e in earlier {
        if e.source.to_lowercase() == source.to_lowercase() {
            return Some(format!(
                "its seed rule names the same source as {what} {}'s, \"{}\"",
                e.stage, e.source
            ));
        }
        let Some(theirs_seed) = e.seed else { continue };
        if theirs_seed == seed {
            return Some(format!("{what} {} was drawn with the same seed", e.stage));
        }
        let theirs = numbers(theirs_seed);
        let mut left = ours.clone();
        let contained = theirs.len() >= 3
            && theirs
                .iter()
                .all(|n| match left.iter().position(|x| x == n) {
                    Some(i) => {
                        left.remove(i);
                        true
                    }
                    None => false,
                });
        if contained {
            return Some(format!(
                "its seed holds every number of {what} {}'s seed, {}, already public when this round could be committed",
                e.stage,
                crate::audit::seed::quoted(theirs_seed)
            ));
        }
    }
    None
}

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
pub(crate) fn withdrawn_in(stages: &[Stage]) -> Result<Vec<usize>, String> {
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

/// Why a bundle whose first stage is a replacement round started from the
/// inputs takes no further round.
pub const NOT_CHAINED: &str = "this bundle's first stage is a replacement round started from the organiser's files (its pool holds only that round's eligible people): start the next round from the original files again, with the current panel (e.g. the private directory's selected.csv) in a new bundle";
