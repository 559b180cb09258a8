//! The command line: one file per subcommand, each owning its arguments and
//! help text. Everything here parses arguments, calls the library and
//! prints; no domain logic lives here.

mod check;
mod draw;
mod lottery;
mod organiser;
mod plan;
mod programme;
mod replace;
mod rota;
mod seat;
mod select;
mod synth;
mod verify;

use std::path::PathBuf;

use std::io::IsTerminal;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kleroterion::error::exit;
use kleroterion::{Error, Inputs, Instance, Warning};

/// Fair, verifiable sortition for citizens' assemblies.
#[derive(Debug, Parser)]
#[command(name = "kleroterion", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 ok, 1 internal error, 2 usage, 3 unreadable input file, \
4 invalid input content, 5 quotas cannot be met, 6 draw failed, 7 cannot write output, \
8 stopped at --time-limit, 9 verification failed \
(docs/formats.md)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(check::CheckArgs),
    Select(select::SelectArgs),
    Lottery(lottery::LotteryCmd),
    Draw(draw::DrawArgs),
    Verify(verify::VerifyArgs),
    Replace(replace::ReplaceArgs),
    Seat(seat::SeatArgs),
    Rota(rota::RotaArgs),
    Programme(programme::ProgrammeArgs),
    Plan(plan::PlanArgs),
    Synth(synth::SynthArgs),
}

/// The inputs every selection command reads.
#[derive(Debug, Args)]
pub struct PoolArgs {
    /// Respondents CSV: one row per volunteer (Sortition Foundation or Panelot dialect).
    #[arg(long, value_name = "CSV", visible_alias = "respondents")]
    pub pool: PathBuf,
    /// Quotas CSV: category,feature,min,max | feature,value,min,max[,min_flex,max_flex] | category,name,min,max.
    #[arg(long, value_name = "CSV", visible_aliases = ["categories", "features"])]
    pub quotas: PathBuf,
    /// Panel size k.
    #[arg(long, short = 'k', value_name = "K")]
    pub size: usize,
    /// The respondents' id column (default: auto-detected, e.g. `id`, `nationbuilder_id`; without one, ids are 1-based row numbers).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Columns whose equal (normalised) values mark one household; at most one member of a household is selected.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub address_columns: Vec<String>,
}

impl PoolArgs {
    /// Loads and validates the instance, printing warnings on stderr.
    pub fn load(&self) -> Result<Instance, Error> {
        let inputs = Inputs {
            pool: self.pool.clone(),
            quotas: self.quotas.clone(),
            k: self.size,
            id_column: self.id_column.clone(),
            address_columns: self.address_columns.clone(),
        };
        let (instance, warnings) = inputs.load()?;
        print_warnings(&warnings);
        Ok(instance)
    }
}

pub fn print_warnings(warnings: &[Warning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// " and the household rule" when the instance has one, for sentences
/// like "meets every quota{}".
pub fn household_clause(instance: &Instance) -> &'static str {
    if instance.households.columns.is_empty() {
        ""
    } else {
        " and the household rule"
    }
}

/// One line describing the loaded pool.
pub fn describe_instance(instance: &Instance) -> String {
    let pool = &instance.pool;
    let ids = match pool.id_source {
        kleroterion::pool::IdSource::Column(_) => format!("id column \"{}\"", pool.id_header()),
        kleroterion::pool::IdSource::RowNumber => "no id column: ids are row numbers".into(),
    };
    let h = &instance.households;
    let households = if h.columns.is_empty() {
        "no household rule".to_string()
    } else {
        format!(
            "{} households of 2+ people by {}",
            h.groups.len(),
            h.columns.join(", ")
        )
    };
    format!(
        "Pool: {} ({} people; {ids}; {households})\nQuotas: {} ({} categories, {} values); panel size {}",
        pool.path.display(),
        pool.len(),
        instance.quotas.path.display(),
        instance.quotas.categories.len(),
        instance.quotas.values.len(),
        instance.k
    )
}

/// A spinner on stderr, hidden with `--quiet` or when stderr is not a
/// terminal.
pub fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Parses the command line, runs the command and returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
        }
    };
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Select(a) => select::run(a),
        Command::Lottery(a) => lottery::run(a),
        Command::Draw(a) => draw::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Replace(a) => replace::run(a),
        Command::Seat(a) => seat::run(a),
        Command::Rota(a) => rota::run(a),
        Command::Programme(a) => programme::run(a),
        Command::Plan(a) => plan::run(a),
        Command::Synth(a) => synth::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// The optimising algorithms (for commands that need probabilities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fair {
    /// Maximise the lowest selection probability, then the next lowest, and so on.
    Leximin,
    /// Maximise the lowest selection probability only.
    Maximin,
    /// Maximise the product of selection probabilities.
    Nash,
}

impl Fair {
    pub fn objective(self) -> kleroterion::optimise::Objective {
        use kleroterion::optimise::Objective;
        match self {
            Fair::Leximin => Objective::Leximin,
            Fair::Maximin => Objective::Maximin,
            Fair::Nash => Objective::Nash,
        }
    }
}

/// The largest lottery offered (each panel is a line of lottery.csv).
pub const MAX_PANELS: u32 = 100_000;

/// Options shared by the commands that compute a lottery.
#[derive(Debug, Args)]
pub struct LotteryArgs {
    /// Algorithm for the exact distribution that is rounded to the lottery.
    #[arg(long, value_enum, default_value_t = Fair::Leximin)]
    pub algorithm: Fair,
    /// Number of panels in the lottery (m); each is drawn with probability 1/m.
    #[arg(long, value_name = "M", default_value_t = kleroterion::lottery::DEFAULT_PANELS)]
    pub panels: u32,
    /// Stop the optimisation after this many seconds with the best certified distribution so far (exit code 8).
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl LotteryArgs {
    pub fn options(
        &self,
        started: std::time::Instant,
    ) -> Result<kleroterion::audit::LotteryOptions, Error> {
        if let Some(t) = self.time_limit
            && !(t > 0.0 && t.is_finite())
        {
            return Err(Error::Usage(
                "--time-limit must be a positive number of seconds".into(),
            ));
        }
        if !(1..=MAX_PANELS).contains(&self.panels) {
            return Err(Error::Usage(format!(
                "--panels must be between 1 and {MAX_PANELS}"
            )));
        }
        Ok(kleroterion::audit::LotteryOptions {
            optimise: kleroterion::optimise::Options {
                objective: self.algorithm.objective(),
                settings: kleroterion::solver::Settings::default(),
                deadline: self
                    .time_limit
                    .map(|t| started + Duration::from_secs_f64(t)),
                relaxation_first: true,
                peel: kleroterion::optimise::Peel::DEFAULT,
            },
            panels: self.panels,
        })
    }
}

/// A progress callback that shows the optimiser's state on `bar`.
pub fn show_progress(
    bar: &ProgressBar,
    objective: kleroterion::optimise::Objective,
) -> impl FnMut(&kleroterion::optimise::Progress) + '_ {
    let name = objective.name();
    let what = if objective == kleroterion::optimise::Objective::Nash {
        "value"
    } else {
        "minimum"
    };
    move |p| {
        bar.set_message(format!(
            "{name} stage {}: {what} {:.4}%, {} panels, {}/{} profiles fixed",
            p.stage,
            100.0 * p.value,
            p.panels,
            p.fixed,
            p.profiles
        ));
        bar.tick();
    }
}

/// Writes a new bundle whose first stage is `built` and the organiser's
/// private directory (the key, the map back to ids, where the inputs are),
/// prints the stage, and returns the exit code (8 when the time limit cut
/// the optimisation short).
#[allow(clippy::too_many_arguments)]
pub fn publish_first_stage(
    built: &kleroterion::audit::Built,
    names: &[String],
    inputs: &PoolArgs,
    instance: &Instance,
    private: &std::path::Path,
    secret: &kleroterion::bundle::Secret,
    bundle: &std::path::Path,
    force: bool,
) -> Result<i32, Error> {
    let absolute = |p: &PathBuf| std::path::absolute(p).unwrap_or_else(|_| p.clone());
    let source = organiser::Source {
        respondents: absolute(&inputs.pool),
        respondents_sha256: instance.pool.sha256.clone(),
        quotas: absolute(&inputs.quotas),
        quotas_sha256: instance.quotas.sha256.clone(),
        size: instance.k,
        id_column: inputs.id_column.clone(),
        address_columns: inputs.address_columns.clone(),
    };
    organiser::write(private, secret, &source, instance, names)?;
    kleroterion::store::write_new_dir(bundle, &built.files, force)?;
    print_stage(built, bundle, bundle);
    println!("\nprivate (keep, never publish): {}", private.display());
    if built.made.computed.complete {
        Ok(exit::OK)
    } else {
        eprintln!(
            "warning: stopped at the time limit; the lottery is valid but its distribution is not optimal"
        );
        Ok(exit::TIME_LIMIT)
    }
}

/// Prints a lottery stage's summary and its commitment.
pub fn print_stage(
    built: &kleroterion::audit::Built,
    bundle: &std::path::Path,
    dir: &std::path::Path,
) {
    let s = &built.manifest.summary;
    let m = built.manifest.panels;
    println!(
        "Lottery of {m} panels of {} from {} people ({}).",
        built.manifest.panel_size, built.manifest.people, built.manifest.algorithm,
    );
    println!(
        "  exact:   minimum {}  maximum {}  Gini {}",
        s.exact.minimum, s.exact.maximum, s.exact.gini
    );
    println!(
        "  lottery: minimum {}  maximum {}  Gini {}",
        s.lottery.minimum, s.lottery.maximum, s.lottery.gini
    );
    let mf = m as f64;
    let parse = |t: &str| t.parse::<f64>().unwrap_or(f64::NAN) * mf;
    println!(
        "  largest change per person {} ({:.2}/m); minimum fell by {} ({:.2}/m)",
        s.largest_change,
        parse(&s.largest_change),
        s.minimum_drop,
        parse(&s.minimum_drop)
    );
    println!(
        "  optimisation {:.1} s, rounding {:.1} s",
        built.made.computed.seed_seconds
            + built
                .made
                .computed
                .stages
                .iter()
                .map(|s| s.seconds)
                .sum::<f64>(),
        built.made.rounded.seconds
    );
    if built
        .manifest
        .rounding
        .contains(kleroterion::audit::FLOOR_MISSED)
    {
        eprintln!(
            "warning: the rounding could not keep everyone within 1/m of the exact minimum; try more panels (--panels)"
        );
    }
    println!("\nwrote {}", dir.display());
    println!("\nCOMMITMENT {}", built.commitment);
    println!(
        "Publish this commitment now, before the seed exists; then fix a public seed and run\n  kleroterion draw {} --seed \"<seed>\"",
        bundle.display()
    );
}

/// A titled list for reports: `Title: none`, or `Title (n):` and one
/// indented line per item.
pub fn list(out: &mut String, title: &str, items: &[String]) {
    use std::fmt::Write as _;
    if items.is_empty() {
        let _ = writeln!(out, "{title}: none");
    } else {
        let _ = writeln!(out, "{title} ({}):", items.len());
        for i in items {
            let _ = writeln!(out, "  {i}");
        }
    }
}

/// Reads and checks an assembly file; returns it and the directory its
/// file names are relative to.
pub fn load_assembly(
    path: &std::path::Path,
) -> Result<(kleroterion::assembly::Assembly, PathBuf), Error> {
    let text = std::fs::read(path).map_err(|e| {
        kleroterion::InputError::unreadable(path, format!("cannot read the assembly file: {e}"))
            .hint("check the path")
    })?;
    let text = String::from_utf8(text).map_err(|_| {
        kleroterion::InputError::unreadable(path, "the assembly file is not UTF-8 text")
            .hint("save it as UTF-8")
    })?;
    let assembly = kleroterion::assembly::Assembly::parse(path, &text)?;
    let base = path
        .parent()
        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf);
    Ok((assembly, base))
}
