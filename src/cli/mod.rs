//! The command line: one file per subcommand, each owning its arguments and
//! help text. Everything here parses arguments, calls the library and
//! prints; no domain logic lives here.

#[macro_use]
mod output;

mod check;
mod draw;
mod invite;
mod lottery;
mod seed_args;

mod plan;
mod programme;
mod replace;
mod rota;
mod seat;
mod select;
mod serve;
mod synth;
mod verify;

use std::path::PathBuf;

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kleroterion::error::exit;
use kleroterion::selection::optimise::{Objective, Progress};
use kleroterion::steps::lottery::{LotterySettings, Published};
use kleroterion::steps::{self, Outputs, PoolFiles};
use kleroterion::{Error, Instance, Warning};
pub use seed_args::SeedRuleArgs;

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
    Invite(invite::InviteArgs),
    Verify(verify::VerifyArgs),
    Replace(replace::ReplaceArgs),
    Seat(seat::SeatArgs),
    Rota(rota::RotaArgs),
    Programme(programme::ProgrammeArgs),
    Plan(plan::PlanArgs),
    Synth(synth::SynthArgs),
    Serve(serve::ServeArgs),
}

/// The inputs every selection command reads.
#[derive(Debug, Args)]
pub struct PoolArgs {
    /// Respondents: one row per volunteer, a CSV file or a workbook (.xlsx, .xls, .ods; a sheet may follow a #: book.xlsx#Respondents).
    #[arg(long, value_name = "FILE", visible_alias = "respondents")]
    pub pool: PathBuf,
    /// Quotas (CSV or workbook): category,value,min,max | category,feature,min,max | feature,value,min,max[,min_flex,max_flex] | category,name,min,max; an optional column column names each category's respondents' column.
    #[arg(long, value_name = "FILE", visible_aliases = ["categories", "features"])]
    pub quotas: PathBuf,
    /// The sheet of the respondents workbook to read (default: its only sheet with data, or one named like Respondents).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Read a category from a respondents' column of another name, e.g. --map "What is your age group?=age" (repeat for each).
    #[arg(long = "map", value_name = "COLUMN=CATEGORY", value_parser = parse_map)]
    pub map: Vec<(String, String)>,
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
    pub fn files(&self) -> PoolFiles {
        let pool = match &self.sheet {
            Some(sheet) => PathBuf::from(format!("{}#{sheet}", self.pool.display())),
            None => self.pool.clone(),
        };
        PoolFiles {
            pool,
            quotas: self.quotas.clone(),
            size: self.size,
            id_column: self.id_column.clone(),
            address_columns: self.address_columns.clone(),
            columns: self.map.clone(),
        }
    }

    /// Loads and validates the instance, printing warnings on stderr.
    pub fn load(&self) -> Result<Instance, Error> {
        let (instance, warnings) = self.files().load()?;
        print_warnings(&warnings);
        Ok(instance)
    }
}

/// Stage one's letters, checked against the volunteers' codes.
#[derive(Debug, Args)]
pub struct InvitationArgs {
    /// invitations.csv from the invitation bundle's private directory: every volunteer's invitation code must be one of its codes, and the report gives the replies per stratum.
    #[arg(long, value_name = "FILE")]
    pub invitations: Option<PathBuf>,
    /// The respondents' column holding the invitation code (with --invitations).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "invitation_code",
        requires = "invitations"
    )]
    pub code_column: String,
}

impl InvitationArgs {
    pub fn invitations(&self) -> Option<kleroterion::invite::replies::Invitations> {
        self.invitations
            .as_ref()
            .map(|file| kleroterion::invite::replies::Invitations {
                file: file.clone(),
                column: self.code_column.clone(),
            })
    }
}

/// `COLUMN=CATEGORY`, split at the last `=` (a form's question may hold
/// one).
pub fn parse_map(s: &str) -> Result<(String, String), String> {
    match s.rsplit_once('=') {
        Some((column, category)) if !column.trim().is_empty() && !category.trim().is_empty() => {
            Ok((column.trim().to_string(), category.trim().to_string()))
        }
        _ => Err(format!(
            "\"{s}\" is not COLUMN=CATEGORY (the respondents' column, an equals sign, then the category)"
        )),
    }
}

pub fn print_warnings(warnings: &[Warning]) {
    for w in warnings {
        errln!("warning: {w}");
    }
}

/// `-q`: no progress bar and no report on the terminal (the report is in
/// the output files).
#[derive(Debug, Args)]
pub struct QuietArg {
    /// Quiet: no progress bar, and only the files written (and any warnings) on the terminal.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// A progress callback for a search that reports the share done, shown on
/// `bar` as "WHAT: NN%".
pub fn show_share<'a>(bar: &'a ProgressBar) -> impl Fn(&str, f64) + 'a {
    move |what, share| {
        bar.set_message(format!(
            "{what}: {:.0}% of the search",
            100.0 * share.clamp(0.0, 1.0)
        ));
        bar.tick();
    }
}

/// Writes `outputs`, prints `text`, then a blank line and one `wrote`
/// line per file.
pub fn write_and_show(outputs: &Outputs, text: &str) -> Result<(), Error> {
    let files = outputs.write()?;
    if !text.is_empty() {
        out!("{text}");
        outln!();
    }
    for f in files {
        outln!("wrote {}", f.display());
    }
    Ok(())
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

/// Parses the command line, runs the command and returns the exit code
/// (after flushing stdout: see [`output::finish`]).
pub fn run() -> i32 {
    output::finish(run_command())
}

fn run_command() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return exit::USAGE;
        }
        Err(e) => {
            // --help and --version: through `out!`, so that a full or
            // closed stdout is handled like any other output.
            out!("{}", e.render());
            return exit::OK;
        }
    };
    let options = Options::of(&cli.command);
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Select(a) => select::run(a),
        Command::Lottery(a) => lottery::run(a),
        Command::Draw(a) => draw::run(a),
        Command::Invite(a) => invite::run(a, &kleroterion::invite::frame::CsvRegister),
        Command::Verify(a) => verify::run(a),
        Command::Replace(a) => replace::run(a),
        Command::Seat(a) => seat::run(a),
        Command::Rota(a) => rota::run(a),
        Command::Programme(a) => programme::run(a),
        Command::Plan(a) => plan::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Serve(a) => serve::run(a),
    };
    match result {
        Ok(code) => code,
        Err(Error::Exists(path)) => {
            errln!(
                "error: {} already exists; nothing was written (use --force to replace it, or choose another directory)",
                path.display()
            );
            exit::USAGE
        }
        Err(e) => {
            let e = options.name(e);
            errln!("error: {e}");
            e.exit_code()
        }
    }
}

/// How the running command takes what library hints speak of ("the id
/// column"): the library names no option, so the front-end adds it.
struct Options {
    /// (what the hint says, how to give it here), in order.
    ways: &'static [(&'static str, &'static str)],
}

impl Options {
    fn of(command: &Command) -> Options {
        const INPUTS: &[(&str, &str)] = &[
            ("the id column", "--id-column NAME"),
            ("address columns", "--address-columns A,B"),
            ("map the column", "--map \"COLUMN=CATEGORY\""),
        ];
        let ways: &'static [(&str, &str)] = match command {
            Command::Check(_) | Command::Select(_) | Command::Lottery(_) | Command::Replace(_) => {
                INPUTS
            }
            Command::Seat(_) => &[
                ("the id column", "--id-column NAME"),
                ("the columns to balance", "--balance A,B"),
            ],
            Command::Plan(_) => &[
                ("the id column", "seating.id_column in the assembly file"),
                (
                    "the columns to balance",
                    "seating.balance in the assembly file",
                ),
            ],
            _ => &[],
        };
        Options { ways }
    }

    /// `e` with each hint that speaks of something this command takes by
    /// an option saying which (`… (--id-column NAME)`).
    fn name(&self, e: Error) -> Error {
        let Error::Input(mut errors) = e else {
            return e;
        };
        for err in &mut errors {
            let hint_says = |what: &str| err.hint.contains(what) || err.problem.contains(what);
            let ways: Vec<&str> = self
                .ways
                .iter()
                .filter(|(what, _)| hint_says(what))
                .map(|(_, how)| *how)
                .collect();
            if !ways.is_empty() && !err.hint.is_empty() {
                err.hint = format!("{} ({})", err.hint, ways.join("; "));
            }
        }
        Error::Input(errors)
    }
}

/// How the tables people open are written (select, seat, rota, programme,
/// plan).
#[derive(Debug, Args)]
pub struct SheetArgs {
    /// Also write the tables as one Excel workbook beside the CSV files (one sheet per table).
    #[arg(long)]
    pub xlsx: bool,
    /// How CSV files are written: standard (comma, UTF-8), excel (the same with a byte-order mark, so that Excel reads accents right) or excel-semicolon (semicolons and decimal commas with a byte-order mark: Excel set to a European language).
    #[arg(long, value_enum, value_name = "DIALECT", default_value_t = CsvDialect::Standard)]
    pub csv_dialect: CsvDialect,
}

/// The CSV dialects (docs/formats.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvDialect {
    Standard,
    Excel,
    ExcelSemicolon,
}

impl SheetArgs {
    /// Rewrites the CSV outputs and adds the workbook `name` (of the
    /// top-level CSV files but `except`) when asked.
    pub fn apply(&self, outputs: &mut Outputs, name: &str, except: &[&str]) -> Result<(), Error> {
        use kleroterion::files::sheets::Dialect;
        let dialect = match self.csv_dialect {
            CsvDialect::Standard => Dialect::Standard,
            CsvDialect::Excel => Dialect::Excel,
            CsvDialect::ExcelSemicolon => Dialect::ExcelSemicolon,
        };
        outputs.for_spreadsheets(dialect, self.xlsx.then_some(name), except)
    }
}

/// The optimising algorithms (for commands that need probabilities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fair {
    /// Maximise the lowest selection probability, then the next lowest, and so on.
    Leximin,
    /// Maximise the lowest selection probability (certified); above it, the LEXIMIN distribution when the relaxation reaches it.
    Maximin,
    /// Maximise the product of selection probabilities.
    Nash,
    /// Keep every selection probability close to k/n from both sides (Baharav and Flanigan 2024; see --gamma).
    Goldilocks,
}

impl Fair {
    pub fn objective(self, gamma: f64) -> Objective {
        match self {
            Fair::Leximin => Objective::Leximin,
            Fair::Maximin => Objective::Maximin,
            Fair::Nash => Objective::Nash,
            Fair::Goldilocks => {
                Objective::Goldilocks(kleroterion::selection::optimise::Gamma(gamma))
            }
        }
    }
}

/// Options shared by the commands that compute a lottery.
#[derive(Debug, Args)]
pub struct LotteryArgs {
    /// Algorithm for the exact distribution that is rounded to the lottery.
    #[arg(long, value_enum, default_value_t = Fair::Leximin)]
    pub algorithm: Fair,
    /// GOLDILOCKS: weight of the lowest chance's shortfall against the highest chance's excess.
    #[arg(long, value_name = "G", default_value_t = 1.0)]
    pub gamma: f64,
    /// Number of panels in the lottery (m); each is drawn with probability 1/m.
    #[arg(long, value_name = "M", default_value_t = kleroterion::audit::rounding::DEFAULT_PANELS)]
    pub panels: u32,
    /// Stop the optimisation after this many seconds with the best certified distribution so far (exit code 8).
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    #[command(flatten)]
    pub seed_rule: SeedRuleArgs,
    /// Categories to publish only sealed (keyed commitments) in the bundle's pool.csv, e.g. an attitude question; the public verify then cannot check their quotas, an auditor given auditor.key can. A new bundle only: later rounds keep its first stage's.
    #[arg(long, value_name = "CATEGORY,...", value_delimiter = ',')]
    pub seal: Vec<String>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl LotteryArgs {
    pub fn settings(&self, started: Instant) -> Result<LotterySettings, Error> {
        let seed_rule = self.seed_rule.rule()?;
        Ok(LotterySettings {
            algorithm: self.algorithm.objective(self.gamma),
            panels: self.panels,
            time_limit: self.time_limit,
            started,
            seed_rule,
            seal: self.seal.clone(),
            cancel: Default::default(),
        })
    }
}

/// A progress callback that shows the optimiser's state on `bar`.
pub fn show_progress(bar: &ProgressBar, objective: Objective) -> impl FnMut(&Progress) + '_ {
    move |p| {
        bar.set_message(steps::progress_line(objective, p));
        bar.tick();
    }
}

/// Writes a published lottery stage and prints it; returns the exit code
/// (8 when the time limit cut the optimisation short).
pub fn publish(published: &Published) -> Result<i32, Error> {
    for o in &published.outputs {
        o.write()?;
    }
    out!("{}", published.summary);
    print_warnings(published.rounding_warning.as_slice());
    outln!("\nwrote {}", published.dir.display());
    outln!("\nCOMMITMENT {}", published.built.commitment);
    outln!(
        "SEED RULE  {}",
        published.built.manifest.seed_rule.describe()
    );
    outln!(
        "Publish the commitment and the seed rule now, before the seed exists; once the seed is public, run\n  kleroterion draw {} --seed \"<the seed, as announced>\"",
        published.bundle.display()
    );
    if let Some(private) = &published.private {
        outln!("\nprivate (keep, never publish): {}", private.display());
    }
    print_warnings(&published.warnings);
    Ok(if published.complete() {
        exit::OK
    } else {
        exit::TIME_LIMIT
    })
}
