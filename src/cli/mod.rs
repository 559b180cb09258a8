//! The command line: one file per subcommand, each owning its arguments and
//! help text. Everything here parses arguments, calls the library and
//! prints; no domain logic lives here.

mod check;
mod select;
mod synth;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use kleroterion::error::exit;
use kleroterion::{Error, Inputs, Instance, Warning};

/// Fair, verifiable sortition for citizens' assemblies.
#[derive(Debug, Parser)]
#[command(name = "kleroterion", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 ok, 1 internal error, 2 usage, 3 unreadable input file, \
4 invalid input content, 5 quotas cannot be met, 6 draw failed, 7 cannot write output, \
8 stopped at --time-limit \
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
