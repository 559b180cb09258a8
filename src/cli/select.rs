//! `kleroterion select`: compute a fair distribution and draw a panel.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use kleroterion::distribution::CHECK_TOLERANCE;
use kleroterion::error::exit;
use kleroterion::optimise::{self, Objective, Options, Progress};
use kleroterion::profiles::Profiles;
use kleroterion::report::SelectionReport;
use kleroterion::rng::{DrawRng, LEGACY_DOMAIN, SELECT_DOMAIN};
use kleroterion::solver::Settings;
use kleroterion::{Error, Instance, legacy, output, report};

use super::{PoolArgs, describe_instance, household_clause, progress_bar};

/// The selection algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// Maximise the lowest selection probability, then the next lowest, and so on (Flanigan et al. 2021).
    Leximin,
    /// Maximise the lowest selection probability only.
    Maximin,
    /// Maximise the product of selection probabilities (Σ log π).
    Nash,
    /// The Sortition Foundation's original greedy draw (meets quotas, not fair; no probabilities).
    Legacy,
}

/// Draw a panel that meets every quota and the household rule.
///
/// The optimising algorithms (leximin, the default; maximin; nash) compute a
/// probability distribution over quota-satisfying panels and every
/// volunteer's exact selection probability, check it, and draw one panel
/// from it. The draw is seeded: the same inputs, options and --seed give
/// byte-identical outputs.
///
/// Writes under --out: selected.csv (the panel, id column first),
/// remaining.csv (everyone else, minus the selected people's housemates)
/// and, for the optimising algorithms, probabilities.csv, distribution.csv
/// and report.txt.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct SelectArgs {
    #[command(flatten)]
    pub inputs: PoolArgs,
    /// Seed text (any string, e.g. numbers drawn in public); the ChaCha20 key is SHA-256 of it (docs/draw-spec.md).
    #[arg(long, value_name = "TEXT")]
    pub seed: String,
    /// Selection algorithm.
    #[arg(long, value_enum, default_value_t = Algorithm::Leximin)]
    pub algorithm: Algorithm,
    /// Output directory (created if missing; files in it are replaced atomically).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Stop the optimisation after this many seconds with the best certified distribution so far (exit code 8).
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// LEGACY: restarts allowed after dead ends before giving up.
    #[arg(long, value_name = "N", default_value_t = legacy::DEFAULT_ATTEMPTS)]
    pub max_attempts: u32,
}

pub fn run(args: SelectArgs) -> Result<i32, Error> {
    let started = Instant::now();
    let instance = args.inputs.load()?;
    println!("{}\n", describe_instance(&instance));
    let quick = instance.quick_infeasibility();
    if !quick.is_empty() {
        return Err(Error::Infeasible(format!(
            "the quotas cannot be met:\n  {}\n  what to do: run `kleroterion check` for the smallest relaxation",
            quick.join("\n  ")
        )));
    }
    let objective = match args.algorithm {
        Algorithm::Legacy => return run_legacy(&args, &instance),
        Algorithm::Leximin => Objective::Leximin,
        Algorithm::Maximin => Objective::Maximin,
        Algorithm::Nash => Objective::Nash,
    };
    if let Some(t) = args.time_limit
        && !(t > 0.0 && t.is_finite())
    {
        return Err(Error::Usage(
            "--time-limit must be a positive number of seconds".into(),
        ));
    }
    let mut timings = vec![(
        "load and validate".to_string(),
        started.elapsed().as_secs_f64(),
    )];
    let clock = Instant::now();
    let profiles = Profiles::new(&instance);
    timings.push(("profiles".into(), clock.elapsed().as_secs_f64()));

    let bar = progress_bar(args.quiet);
    let settings = Settings::default();
    let options = Options {
        objective,
        settings,
        deadline: args
            .time_limit
            .map(|t| started + Duration::from_secs_f64(t)),
        relaxation_first: true,
        peel: kleroterion::optimise::Peel::DEFAULT,
    };
    let name = objective.name();
    let computed = optimise::optimise(&instance, &profiles, &options, &mut |p: &Progress| {
        bar.set_message(format!(
            "{name} stage {}: {} {:.4}%, {} panels, {}/{} profiles fixed",
            p.stage,
            if objective == Objective::Nash {
                "value"
            } else {
                "minimum"
            },
            100.0 * p.value,
            p.panels,
            p.fixed,
            p.profiles
        ));
        bar.tick();
    })?;
    bar.finish_and_clear();
    timings.push(("finding initial panels".into(), computed.seed_seconds));
    for (n, st) in computed.stages.iter().enumerate() {
        timings.push((format!("stage {}", n + 1), st.seconds));
    }
    if let Some(target) = &computed.target {
        timings.push(("panels reaching the stages".into(), target.seconds));
    }

    let clock = Instant::now();
    let distribution = computed.distribution.expand(&profiles);
    let pi: Vec<f64> = profiles
        .of_person
        .iter()
        .map(|&t| computed.profile_probabilities[t])
        .collect();
    timings.push(("concrete panels".into(), clock.elapsed().as_secs_f64()));
    let clock = Instant::now();
    let problems = distribution.verify(&instance, &pi, CHECK_TOLERANCE);
    if !problems.is_empty() {
        return Err(Error::Solver(format!(
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

    let mut rng = DrawRng::new(SELECT_DOMAIN, &args.seed);
    let drawn = distribution.draw(&mut rng);
    let panel = &distribution.panels[drawn];
    let clock = Instant::now();
    let mut files = output::write_panel_files(&instance, panel, &args.out)?;
    for (name, bytes) in [
        (
            "probabilities.csv",
            output::probabilities_csv(&instance, &pi),
        ),
        (
            "distribution.csv",
            output::distribution_csv(&instance, &distribution),
        ),
    ] {
        let path = args.out.join(name);
        output::write_atomic(&path, &bytes)?;
        files.push(path);
    }
    timings.push(("write outputs".into(), clock.elapsed().as_secs_f64()));
    let report = SelectionReport {
        instance: &instance,
        computed: &computed,
        profiles: &profiles,
        pi: &pi,
        distribution: &distribution,
        drawn,
        seed: &args.seed,
        settings: &settings,
        timings: &timings,
        check_deviation,
    }
    .render();
    let path = args.out.join("report.txt");
    output::write_atomic(&path, report.as_bytes())?;
    files.push(path);
    print!("{report}");
    println!();
    for f in files {
        println!("wrote {}", f.display());
    }
    if computed.complete {
        Ok(exit::OK)
    } else {
        eprintln!(
            "warning: stopped at the time limit; the distribution is valid but not optimal (see report.txt)"
        );
        Ok(exit::TIME_LIMIT)
    }
}

fn run_legacy(args: &SelectArgs, instance: &Instance) -> Result<i32, Error> {
    let mut rng = DrawRng::new(LEGACY_DOMAIN, &args.seed);
    let d = legacy::draw(instance, &mut rng, args.max_attempts)?;
    let violations = d.panel.violations(instance);
    if !violations.is_empty() {
        return Err(Error::Solver(format!(
            "internal check failed, nothing written: the drawn panel breaks {}",
            violations.join("; ")
        )));
    }
    let files = output::write_panel_files(instance, &d.panel, &args.out)?;
    println!(
        "Drew a panel of {} (LEGACY, seed \"{}\", attempt {}); every quota{} checked.\n",
        d.panel.len(),
        args.seed,
        d.attempt,
        household_clause(instance)
    );
    print!(
        "{}",
        report::composition(instance, Some(&d.panel.value_counts(instance)))
    );
    println!();
    for f in files {
        println!("wrote {}", f.display());
    }
    Ok(exit::OK)
}
