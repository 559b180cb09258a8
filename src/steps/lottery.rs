//! Lottery: compute a fair distribution, round it to a uniform lottery of
//! m panels, and build the audit bundle and the organiser's private
//! directory.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::audit::bundle::Secret;
use crate::audit::private::{self, Source};
use crate::audit::seed::SeedRule;
use crate::audit::{self, Built, LotteryOptions};
use crate::error::{Error, Warning};
use crate::files::dir::Outputs;
use crate::model::instance::Instance;
use crate::selection::optimise::{self, Cancel, Objective, Peel, Progress};
use crate::solver::Settings;

use super::PoolFiles;

/// The largest lottery offered (each panel is a line of lottery.csv).
pub const MAX_PANELS: u32 = 100_000;

/// How to compute a lottery (a first stage or a replacement round).
#[derive(Debug, Clone)]
pub struct LotterySettings {
    /// The algorithm of the exact distribution that is rounded.
    pub algorithm: Objective,
    /// Number of panels m; each is drawn with probability 1/m.
    pub panels: u32,
    /// Stop the optimisation after this many seconds from `started`.
    pub time_limit: Option<f64>,
    pub started: Instant,
    /// How the stage's seed must be written and where it comes from
    /// (committed in its manifest).
    pub seed_rule: SeedRule,
    /// Categories to publish only sealed (a new bundle; a bundle's later
    /// rounds keep its first stage's).
    pub seal: Vec<String>,
    /// Stops the optimisation early (the browser app's cancel button).
    pub cancel: Cancel,
}

impl LotterySettings {
    /// The checked options of the audit protocol.
    pub fn options(&self) -> Result<LotteryOptions, Error> {
        super::check_objective(self.algorithm)?;
        let deadline = super::deadline(self.started, self.time_limit)?;
        let min = crate::audit::rounding::MIN_PANELS;
        if !(min..=MAX_PANELS).contains(&self.panels) {
            return Err(Error::Usage(format!(
                "the lottery must have between {min} and {MAX_PANELS} panels"
            )));
        }
        Ok(LotteryOptions {
            optimise: optimise::Options {
                objective: self.algorithm,
                settings: Settings::default(),
                deadline,
                relaxation_first: true,
                peel: Peel::DEFAULT,
                cancel: self.cancel.clone(),
            },
            panels: self.panels,
            seed_rule: self.seed_rule.clone(),
            seal: self.seal.clone(),
        })
    }
}

/// Where a new bundle goes and which secret key it uses.
#[derive(Debug, Clone)]
pub struct NewBundle {
    /// The public bundle directory to create.
    pub bundle: PathBuf,
    /// The organiser's private directory (None: BUNDLE-private).
    pub private: Option<PathBuf>,
    /// A file with the secret pseudonym key (None: the private directory's
    /// key if present, else a new random key).
    pub secret_key: Option<PathBuf>,
    /// Replace an existing bundle.
    pub force: bool,
}

impl NewBundle {
    /// Refuses an existing bundle unless it may be replaced.
    pub fn check_free(&self) -> Result<(), Error> {
        crate::files::dir::check_new_dir(&self.bundle, self.force)
    }

    /// The private directory and the secret key.
    pub fn private_and_secret(&self) -> Result<(PathBuf, Secret), Error> {
        private::private_and_secret(
            &self.bundle,
            self.private.as_deref(),
            self.secret_key.as_deref(),
        )
    }
}

/// A committed stage ready to publish.
pub struct Published {
    pub built: Built,
    /// The files to write, in order (the private directory first, then the
    /// bundle or the round's directory).
    pub outputs: Vec<Outputs>,
    /// What to tell the user about the stage: sizes, the exact and the
    /// lottery's figures, what the rounding cost, the time taken.
    pub summary: String,
    /// Where the stage's files go (the bundle, or its `replacement-N/`).
    pub dir: PathBuf,
    /// The bundle the stage belongs to (the next draw is of it).
    pub bundle: PathBuf,
    /// The organiser's private directory, for a new bundle.
    pub private: Option<PathBuf>,
    /// The rounding could not keep everyone within 1/m of the exact
    /// minimum (said right after the summary).
    pub rounding_warning: Option<Warning>,
    /// Said last (the time limit).
    pub warnings: Vec<Warning>,
}

impl Published {
    /// False when the time limit stopped the optimisation.
    pub fn complete(&self) -> bool {
        self.built.made.computed.complete
    }
}

/// Computes the lottery of `instance` and builds a new bundle and its
/// private directory.
pub fn lottery(
    instance: &Instance,
    pool: &PoolFiles,
    settings: &LotterySettings,
    target: &NewBundle,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Published, Error> {
    target.check_free()?;
    let options = settings.options()?;
    let (private, secret) = target.private_and_secret()?;
    let (built, names) = audit::first_stage(instance, &secret, &options, progress)?;
    publish_first_stage(
        built, &names, pool, None, instance, &private, &secret, target,
    )
}

/// A new bundle whose first stage is `built`, and its private directory
/// (`panel`: the panel file and its SHA-256, for a round started from the
/// inputs).
#[allow(clippy::too_many_arguments)]
pub(super) fn publish_first_stage(
    built: Built,
    names: &[String],
    pool: &PoolFiles,
    panel: Option<(PathBuf, String)>,
    instance: &Instance,
    private: &Path,
    secret: &Secret,
    target: &NewBundle,
) -> Result<Published, Error> {
    let absolute = |p: &PathBuf| std::path::absolute(p).unwrap_or_else(|_| p.clone());
    let source = Source {
        respondents: absolute(&pool.pool),
        respondents_sha256: instance.pool.sha256.clone(),
        quotas: absolute(&pool.quotas),
        quotas_sha256: instance.quotas.sha256.clone(),
        size: instance.k,
        id_column: pool.id_column.clone(),
        address_columns: pool.address_columns.clone(),
        columns: pool.columns.clone(),
        panel_sha256: panel.as_ref().map(|(_, d)| d.clone()),
        panel: panel.map(|(p, _)| absolute(&p)),
    };
    let private_files = private::files(private, secret, &source, instance, names)?;
    let mut bundle = Outputs::new_dir(target.bundle.clone(), target.force);
    for (name, bytes) in &built.files {
        bundle.add(name.clone(), bytes.clone());
    }
    bundle.add(crate::audit::page::REPORT_FILE, stage_page(&built));
    let (summary, rounding_warning) = stage_text(&built);
    let warnings = stage_warnings(&built);
    Ok(Published {
        built,
        outputs: vec![private_files, bundle],
        summary,
        dir: target.bundle.clone(),
        bundle: target.bundle.clone(),
        private: Some(private.to_path_buf()),
        rounding_warning,
        warnings,
    })
}

/// A stage's report.html, from what its committed files hold.
pub(super) fn stage_page(built: &Built) -> String {
    crate::audit::page::stage_html(
        &built.commitment,
        &built.manifest,
        &built.instance,
        &built.made.rounded.lottery.panels,
    )
}

/// A lottery stage's summary, and the warning when the rounding could not
/// keep the minimum within 1/m.
pub(super) fn stage_text(built: &Built) -> (String, Option<Warning>) {
    let s = &built.manifest.summary;
    let m = built.manifest.panels;
    let mut warning = None;
    let mf = m as f64;
    let parse = |t: &str| t.parse::<f64>().unwrap_or(f64::NAN) * mf;
    let mut text = format!(
        "Lottery of {m} panels of {} from {} people ({}).\n",
        built.manifest.panel_size, built.manifest.people, built.manifest.algorithm,
    );
    text.push_str(&format!(
        "  exact:   minimum {}  maximum {}  Gini {}\n",
        s.exact.minimum, s.exact.maximum, s.exact.gini
    ));
    text.push_str(&format!(
        "  lottery: minimum {}  maximum {}  Gini {}\n",
        s.lottery.minimum, s.lottery.maximum, s.lottery.gini
    ));
    text.push_str(&format!(
        "  largest change per person {} ({:.2}/m); minimum fell by {} ({:.2}/m)\n",
        s.largest_change,
        parse(&s.largest_change),
        s.minimum_drop,
        parse(&s.minimum_drop)
    ));
    text.push_str(&format!(
        "  every person within {}/m of their exact chance (the rounding's guarantee)\n",
        built.manifest.change_bound
    ));
    text.push_str(&disclosure_text(built));
    text.push_str(&format!(
        "  optimisation {:.1} s, rounding {:.1} s\n",
        built.made.computed.seed_seconds
            + built
                .made
                .computed
                .stages
                .iter()
                .map(|s| s.seconds)
                .sum::<f64>(),
        built.made.rounded.seconds
    ));
    if built
        .manifest
        .rounding
        .contains(crate::audit::bundle::FLOOR_MISSED)
    {
        warning = Some(Warning(
            "the rounding could not keep everyone within 1/m of the exact minimum; try a lottery of more panels".into(),
        ));
    }
    (text, warning)
}

/// What the stage's pool.csv reveals, and what sealing each category
/// would change.
fn disclosure_text(built: &Built) -> String {
    let d = &built.manifest.disclosure;
    let n = built.manifest.people.max(1);
    let mut text = format!(
        "  disclosure: {} of {} people ({:.0}%) are unique on pool.csv's published columns ({}), {} in groups of fewer than {}; about {} of the {} panel members will be unique\n",
        d.unique,
        built.manifest.people,
        100.0 * d.unique as f64 / n as f64,
        d.columns.join(", "),
        d.fewer_than_5,
        crate::audit::bundle::SMALL_GROUP,
        d.expected_unique_on_panel,
        built.manifest.panel_size
    );
    if d.unique > 0 {
        let sealed = &built.manifest.sealed;
        let options: Vec<String> = built
            .instance
            .quotas
            .categories
            .iter()
            .filter(|c| !sealed.contains(&c.name))
            .map(|c| {
                let mut hidden = sealed.clone();
                hidden.push(c.name.clone());
                let unique = crate::audit::bundle::group_sizes(&built.instance, &hidden)
                    .iter()
                    .filter(|&&s| s == 1)
                    .count();
                format!("{} → {unique}", c.name)
            })
            .collect();
        text.push_str(&format!(
            "  unique if one more category were sealed: {}\n",
            options.join(", ")
        ));
    }
    if !built.manifest.sealed.is_empty() {
        text.push_str(&format!(
            "  sealed (published only as keyed commitments): {}\n",
            built.manifest.sealed.join(", ")
        ));
    }
    text
}

/// What to say last about a stage: the time limit cut the optimisation
/// short; a text seed rule leaves the wording open; more than half the
/// panel withdraws at once (the round then redraws most of a panel whose
/// members are known, which reviewers will ask about).
pub(super) fn stage_warnings(built: &Built) -> Vec<Warning> {
    let mut out = Vec::new();
    let m = &built.manifest;
    let panel = m.held.len() + m.withdrawn.len();
    if m.withdrawn.len() * 2 > panel {
        out.push(Warning(format!(
            "{} of the {panel} panel members withdraw at once: this round redraws most of the panel; say why in public (verify shows the numbers)",
            m.withdrawn.len()
        )));
    }
    if built.manifest.seed_rule.format == crate::audit::seed::SeedFormat::Text {
        out.push(Warning(
            "with the text seed format, the exact wording of the seed decides the panel: announce exactly how it will be written, or use the numbers or hex format".into(),
        ));
    }
    if !built.made.computed.complete {
        out.push(Warning(
            "stopped at the time limit; the lottery is valid but its distribution is not optimal"
                .into(),
        ));
    }
    out
}
