//! Replace: a fair, committed replacement round for withdrawn members,
//! either as the next stage of a bundle or, from the original inputs and a
//! panel chosen outside any bundle, as the first stage of a new one.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::audit::bundle::stage_dir;
use crate::audit::private;
use crate::audit::{self, Bundle};
use crate::error::Error;
use crate::files::dir::{self, Outputs};
use crate::files::table::Table;
use crate::model::instance::Instance;
use crate::model::pool::IdSource;
use crate::selection::optimise::Progress;

use super::PoolFiles;
use super::lottery::{
    LotterySettings, NewBundle, Published, publish_first_stage, stage_text, stage_warnings,
};

/// A round as the next stage of a bundle whose stages are all drawn.
#[derive(Debug, Clone)]
pub struct NextRound {
    pub bundle: PathBuf,
    /// The organiser's private directory (None: BUNDLE-private, if present).
    pub private: Option<PathBuf>,
    /// Who withdrew: ids (mapped through the private directory) or
    /// pseudonyms.
    pub withdrawn: Vec<String>,
    /// Apply the smallest relaxation if the round's quotas cannot be met.
    pub relax: bool,
}

/// The next replacement round of a bundle.
pub fn next_round(
    round: &NextRound,
    settings: &LotterySettings,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Published, Error> {
    let options = settings.options()?;
    let files = dir::read_dir(&round.bundle)?;
    let (private_dir, private) = private::beside(&round.bundle, round.private.as_deref())?;
    let key = private.as_ref().map(|p| p.secret.auditor_key());
    let bundle = Bundle::from_files(&round.bundle, files);
    super::draw::unchanged(&bundle, None)?;
    let stages = audit::parse_all(&bundle, key.as_ref())?;
    if stages.first().is_some_and(audit::is_replacement) {
        return Err(Error::Usage(audit::NOT_CHAINED.into()));
    }
    let known = stages
        .first()
        .ok_or(Error::Usage("empty bundle".into()))?
        .index();
    let mut withdrawn = Vec::new();
    for raw in &round.withdrawn {
        let id = raw.trim();
        if known.contains_key(id) {
            withdrawn.push(id.to_string());
            continue;
        }
        let Some(p) = &private else {
            return Err(Error::Usage(format!(
                "\"{id}\" is not a pseudonym of the bundle, and there is no private directory at {} to map ids",
                private_dir.display()
            )));
        };
        let name = p.secret.pseudonym(id);
        if !known.contains_key(name.as_str()) {
            return Err(Error::Usage(format!(
                "\"{id}\" is neither an id of {} nor a pseudonym of the bundle",
                p.source.respondents.display()
            )));
        }
        withdrawn.push(name);
    }
    // Said here in the words the user typed, not the pseudonyms.
    if let Ok(panel) = audit::panel_names_after(&stages) {
        let off: Vec<&str> = round
            .withdrawn
            .iter()
            .zip(&withdrawn)
            .filter(|(_, name)| !panel.contains(name))
            .map(|(typed, _)| typed.trim())
            .collect();
        if !off.is_empty() {
            return Err(Error::Usage(format!(
                "{} not on the current panel, so cannot withdraw; name members of the current panel (listed in {})",
                off.iter()
                    .map(|t| format!("\"{t}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
                    + if off.len() == 1 { " is" } else { " are" },
                private_dir
                    .join(stage_dir(stages.len() as u32 - 1))
                    .join("selected.csv")
                    .display()
            )));
        }
    }
    let built = audit::replacement_stage(
        &stages,
        &withdrawn,
        round.relax,
        &options,
        key.as_ref(),
        progress,
    )?;
    let dir = round.bundle.join(stage_dir(built.manifest.stage));
    let mut text = round_heading(
        &built,
        &format!("Replacement round {}", built.manifest.stage),
    );
    let (stage, rounding_warning) = stage_text(&built);
    text.push_str(&stage);
    let mut out = Outputs::new_dir(dir.clone(), false);
    for (name, bytes) in &built.files {
        out.add(name.clone(), bytes.clone());
    }
    out.add(
        crate::audit::page::REPORT_FILE,
        super::lottery::stage_page(&built),
    );
    Ok(Published {
        warnings: stage_warnings(&built),
        built,
        outputs: vec![out],
        summary: text,
        dir,
        bundle: round.bundle.clone(),
        private: None,
        rounding_warning,
    })
}

/// A round started from the original inputs and the current panel.
#[derive(Debug, Clone)]
pub struct FromInputs {
    pub pool: PoolFiles,
    /// A CSV whose id column (the respondents', else its first) lists the
    /// current panel.
    pub panel: PathBuf,
    /// Ids of the members who withdrew.
    pub withdrawn: Vec<String>,
    pub relax: bool,
    /// The new bundle.
    pub target: NewBundle,
}

/// A replacement round from the inputs: the first stage of a new bundle.
pub fn from_inputs(
    instance: &Instance,
    round: &FromInputs,
    settings: &LotterySettings,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Published, Error> {
    round.target.check_free()?;
    let pool = &round.pool.pool;
    let by_id: HashMap<&str, usize> = instance
        .pool
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    // The panel file: the respondents' id column if it has one, else its
    // first column.
    let table = Table::read(&round.panel)?;
    let id_name = match instance.pool.id_source {
        IdSource::Column(c) => instance.pool.header.get(c).cloned(),
        IdSource::RowNumber => None,
    };
    let c = id_name.and_then(|n| table.column(&n)).unwrap_or(0);
    let mut panel = Vec::new();
    let mut errors = Vec::new();
    for row in &table.rows {
        let id = row.cells.get(c).map_or("", |x| x.trim());
        match by_id.get(id) {
            Some(&i) if !panel.contains(&i) => panel.push(i),
            Some(_) => errors.push(
                table
                    .cell_error(row, c, format!("\"{id}\" is listed twice"))
                    .hint("list each panel member once"),
            ),
            None => errors.push(
                table
                    .cell_error(row, c, format!("\"{id}\" is not an id of {}", pool.display()))
                    .hint("the panel file must list ids of the respondents file (e.g. select's selected.csv)"),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    let mut withdrawn = Vec::new();
    for raw in &round.withdrawn {
        let id = raw.trim();
        match by_id.get(id) {
            Some(&i) => withdrawn.push(i),
            None => {
                return Err(Error::Usage(format!(
                    "withdrawn member \"{id}\" is not an id of {}",
                    pool.display()
                )));
            }
        }
    }
    let options = settings.options()?;
    let (private, secret) = round.target.private_and_secret()?;
    let (built, names) = audit::replacement_from_inputs(
        instance,
        &secret,
        &panel,
        &withdrawn,
        &table.sha256,
        round.relax,
        &options,
        progress,
    )?;
    let head = round_heading(&built, "Replacement round (first stage of a new bundle)");
    let mut published = publish_first_stage(
        built,
        &names,
        &round.pool,
        Some((round.panel.clone(), table.sha256.clone())),
        instance,
        &private,
        &secret,
        &round.target,
    )?;
    published.summary = head + &published.summary;
    Ok(published)
}

/// "`title`: h held, w withdrawn, s seats to fill from n people." and the
/// relaxations the round needed.
fn round_heading(built: &crate::audit::Built, title: &str) -> String {
    let m = &built.manifest;
    let mut text = format!(
        "{title}: {} held, {} withdrawn, {} seats to fill from {} people.\n",
        m.held.len(),
        m.withdrawn.len(),
        m.panel_size,
        m.people
    );
    for r in &m.relaxed {
        text.push_str(&format!("  relaxed (needed): {r}\n"));
    }
    text.push('\n');
    text
}
