//! Select: compute a fair distribution over panels and draw one panel
//! from it, or draw with LEGACY.

use std::path::PathBuf;
use std::time::Instant;

use crate::error::{Error, Warning};
use crate::files::csv::CsvDoc;
use crate::files::dir::Outputs;
use crate::invite::replies::{self, Invitations};
use crate::model::instance::Instance;
use crate::model::profiles::Profiles;
use crate::random::{DrawRng, LEGACY_DOMAIN, SELECT_DOMAIN};
use crate::report::SelectionReport;
use crate::report::explain::Explanations;
use crate::report::selection::Extra;
use crate::report::selection::{LegacyEstimate, LegacyReport};
use crate::selection::certificate::Certificate;
use crate::selection::distribution::{CHECK_TOLERANCE, probability};
use crate::selection::optimise::{self, Cancel, Objective, Options, Peel, Progress};
use crate::selection::{legacy, outputs};
use crate::solver::Settings;

use super::household_clause;

/// The selection algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// An optimising algorithm: a distribution with exact probabilities.
    Fair(Objective),
    /// The Sortition Foundation's greedy draw (no probabilities).
    Legacy,
}

/// How to select.
#[derive(Debug, Clone)]
pub struct SelectOptions {
    pub algorithm: Algorithm,
    /// The seed text of the draw.
    pub seed: String,
    /// Stop the optimisation after this many seconds from `started`.
    pub time_limit: Option<f64>,
    /// LEGACY: restarts allowed after dead ends.
    pub max_attempts: u32,
    /// Also estimate LEGACY's chances from this many seeded LEGACY draws,
    /// shown beside the algorithm's in report.html.
    pub compare_legacy: Option<u32>,
    /// Where the outputs go.
    pub out: PathBuf,
    /// When the action started (the time limit and the report's timings
    /// count from here, loading included).
    pub started: Instant,
    /// Stops the optimisation early (the browser app's cancel button).
    pub cancel: Cancel,
    /// Stage one's letters: every volunteer's invitation code must be one
    /// of them, and the report gives the replies per stratum.
    pub invitations: Option<Invitations>,
}

/// What a selection computed and what to write.
#[derive(Debug)]
pub struct Selected {
    /// selected.csv and remaining.csv; for the optimising algorithms also
    /// probabilities.csv, distribution.csv and report.txt.
    pub outputs: Outputs,
    /// What to tell the user: the selection report, or LEGACY's summary
    /// and composition.
    pub text: String,
    /// A few lines for a quiet run: the chances and the drawn panel.
    pub summary: String,
    /// False when the time limit stopped the optimisation (the
    /// distribution is valid but not optimal).
    pub complete: bool,
    /// What the user should be warned of (the time limit).
    pub warnings: Vec<Warning>,
}

/// Runs the whole selection: optimise, expand to concrete panels, check
/// every panel and probability independently, draw, and build the output
/// files and the report. Nothing is returned to write unless the checks
/// pass.
pub fn select(
    instance: &Instance,
    options: &SelectOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Selected, Error> {
    // Codes first: a volunteer who was not invited must not be drawn.
    let replied = options
        .invitations
        .as_ref()
        .map(|inv| replies::check(&instance.pool, inv, &instance.households.columns))
        .transpose()?;
    let extra = replied.as_ref().map(|(r, _)| Extra {
        text: r.render_text(),
        html: r.render_html(),
    });
    let mut selected = select_panel(instance, options, extra.as_ref(), progress)?;
    if let Some((r, warnings)) = replied {
        selected.outputs.add("replies.csv", r.csv());
        selected.warnings.extend(warnings);
    }
    Ok(selected)
}

fn select_panel(
    instance: &Instance,
    options: &SelectOptions,
    extra: Option<&Extra>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Selected, Error> {
    instance.check_quick()?;
    let objective = match options.algorithm {
        Algorithm::Legacy => return select_legacy(instance, options, extra),
        Algorithm::Fair(o) => o,
    };
    super::check_objective(objective)?;
    let deadline = super::deadline(options.started, options.time_limit)?;
    let mut timings = vec![(
        "load and validate".to_string(),
        options.started.elapsed().as_secs_f64(),
    )];
    let clock = Instant::now();
    let profiles = Profiles::new(instance);
    timings.push(("profiles".into(), clock.elapsed().as_secs_f64()));

    let settings = Settings::default();
    let optimise_options = Options {
        objective,
        settings,
        deadline,
        relaxation_first: true,
        peel: Peel::DEFAULT,
        cancel: options.cancel.clone(),
    };
    let computed = optimise::optimise(instance, &profiles, &optimise_options, progress)?;
    timings.push(("finding initial panels".into(), computed.seed_seconds));
    for (n, st) in computed.stages.iter().enumerate() {
        timings.push((format!("stage {}", n + 1), st.seconds));
    }
    if let Some(target) = &computed.target {
        timings.push(("panels reaching the stages".into(), target.seconds));
    }

    let clock = Instant::now();
    let distribution = computed.distribution.expand(&profiles);
    let pi = profiles.per_person(&computed.profile_probabilities);
    timings.push(("concrete panels".into(), clock.elapsed().as_secs_f64()));
    let clock = Instant::now();
    let problems = distribution.verify(instance, &pi, CHECK_TOLERANCE);
    if !problems.is_empty() {
        return Err(Error::CheckFailed(format!(
            "the computed distribution failed its checks, nothing written:\n  {}",
            problems.join("\n  ")
        )));
    }
    let check_deviation = distribution
        .person_probabilities(instance.n())
        .iter()
        .zip(&pi)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    timings.push(("checks".into(), clock.elapsed().as_secs_f64()));

    let mut rng = DrawRng::new(SELECT_DOMAIN, &options.seed);
    let drawn = distribution.draw(&mut rng);
    let panel = &distribution.panels[drawn];
    let clock = Instant::now();
    let mut out = Outputs::into_dir(options.out.clone());
    for (name, bytes) in outputs::panel_files(instance, panel) {
        out.add(name, bytes);
    }
    out.add(
        "probabilities.csv",
        outputs::probabilities_csv(instance, &pi),
    );
    out.add(
        "distribution.csv",
        outputs::distribution_csv(instance, &distribution),
    );
    timings.push(("write outputs".into(), clock.elapsed().as_secs_f64()));
    // The certificate is checked as a reviewer would check it, against the
    // probabilities as written, before anything is written.
    let clock = Instant::now();
    let written: Vec<String> = pi.iter().map(|&x| probability(x)).collect();
    let (bytes, certified) = Certificate::certify(instance, &profiles, &computed, &written);
    // Always written, so that no earlier run's certificate stays beside
    // these probabilities.
    out.add("certificate.json", bytes);
    timings.push(("certificate".into(), clock.elapsed().as_secs_f64()));
    let explanations = Explanations::of(instance, &pi);
    let legacy = match options.compare_legacy {
        Some(draws) => Some(estimate_legacy(instance, options, draws)?),
        None => None,
    };
    let report = SelectionReport {
        extra,
        explanations: &explanations,
        legacy: legacy.as_ref(),
        instance,
        computed: &computed,
        profiles: &profiles,
        pi: &pi,
        distribution: &distribution,
        drawn,
        seed: &options.seed,
        settings: &settings,
        timings: &timings,
        check_deviation,
        time_limit: options.time_limit,
        certified: certified
            .as_ref()
            .map(String::as_str)
            .map_err(String::as_str),
    };
    let text = report.render();
    out.add("report.txt", text.clone());
    out.add("report.html", report.render_html());
    out.add(
        "explanations.csv",
        explanations_csv(instance, &pi, &explanations),
    );
    let text = text + &report.render_timings();
    Ok(Selected {
        outputs: out,
        text,
        summary: report.render_summary(),
        complete: computed.complete,
        warnings: if computed.complete {
            Vec::new()
        } else {
            vec![Warning(
                "stopped at the time limit; the distribution is valid but not optimal (see report.txt)"
                    .into(),
            )]
        },
    })
}

/// The seed text of the `i`-th comparison draw of LEGACY (docs/draw-spec.md).
pub fn comparison_seed(seed: &str, i: u32) -> String {
    format!("{seed}/compare-legacy/{i}")
}

/// LEGACY's chances estimated from `draws` seeded draws (each from
/// [`comparison_seed`]); a draw that gives up is counted as no panel.
fn estimate_legacy(
    instance: &Instance,
    options: &SelectOptions,
    draws: u32,
) -> Result<LegacyEstimate, Error> {
    if draws == 0 {
        return Err(Error::Usage(
            "the number of LEGACY draws to compare with must be at least 1".into(),
        ));
    }
    let mut count = vec![0u32; instance.n()];
    for i in 0..draws {
        let mut rng = DrawRng::new(LEGACY_DOMAIN, &comparison_seed(&options.seed, i));
        if let Ok(d) = legacy::draw(instance, &mut rng, options.max_attempts) {
            for &p in d.panel.members() {
                count[p] += 1;
            }
        }
    }
    Ok(LegacyEstimate {
        draws: draws as usize,
        chances: count
            .into_iter()
            .map(|c| f64::from(c) / f64::from(draws))
            .collect(),
    })
}

/// `explanations.csv`: every person's chance, class and reason in words.
/// Private (it names people), like selected.csv.
fn explanations_csv(instance: &Instance, pi: &[f64], e: &Explanations) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    doc.record(["id", "probability", "group", "reason"]);
    for (p, person) in instance.pool.people.iter().enumerate() {
        doc.record([
            person.id.as_str(),
            probability(pi[p]).as_str(),
            e.class[p].name(),
            e.reason_of(instance, p).as_str(),
        ]);
    }
    doc.into_bytes()
}

fn select_legacy(
    instance: &Instance,
    options: &SelectOptions,
    extra: Option<&Extra>,
) -> Result<Selected, Error> {
    let mut rng = DrawRng::new(LEGACY_DOMAIN, &options.seed);
    let d = legacy::draw(instance, &mut rng, options.max_attempts)?;
    let violations = d.panel.violations(instance);
    if !violations.is_empty() {
        return Err(Error::CheckFailed(format!(
            "nothing written: the drawn panel breaks {}",
            violations.join("; ")
        )));
    }
    let mut out = Outputs::into_dir(options.out.clone());
    for (name, bytes) in outputs::panel_files(instance, &d.panel) {
        out.add(name, bytes);
    }
    let summary = format!(
        "Drew a panel of {} (LEGACY, seed \"{}\", attempt {}); every quota{} checked. The whole report: report.txt and report.html.\n",
        d.panel.len(),
        options.seed,
        d.attempt,
        household_clause(instance),
    );
    let legacy = match options.compare_legacy {
        Some(draws) => Some(estimate_legacy(instance, options, draws)?),
        None => None,
    };
    let counts = d.panel.value_counts(instance);
    let report = LegacyReport {
        extra,
        instance,
        panel_counts: &counts,
        seed: &options.seed,
        attempt: d.attempt,
        legacy: legacy.as_ref(),
    };
    let text = report.render();
    out.add("report.txt", text.clone());
    out.add("report.html", report.render_html());
    Ok(Selected {
        outputs: out,
        text: format!("{summary}\n{text}"),
        summary,
        complete: true,
        warnings: Vec::new(),
    })
}
