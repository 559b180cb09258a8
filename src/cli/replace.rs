//! `kleroterion replace`: a fair, committed replacement round.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kleroterion::steps::lottery::NewBundle;
use kleroterion::steps::replace::{self, FromInputs, NextRound};
use kleroterion::{Error, steps};

use super::{LotteryArgs, PoolArgs, progress_bar, publish, show_progress};

/// Start a replacement round: a new fair lottery for the withdrawn seats.
///
/// Everyone on the current panel who is not --withdrawn is held. The round's
/// quotas are max(0, min − held) .. max − held per value, its panel size is
/// k − held, and its pool is everyone not on the panel, never withdrawn,
/// and not a housemate of someone held. The round gets its own LEXIMIN
/// lottery, commitment (chained to the previous stage's) and seed; it is
/// written to BUNDLE/replacement-N/ and drawn with `kleroterion draw`.
///
/// Without a bundle (the panel was chosen by `select`, say): give the
/// original --pool, --quotas and -k, and --panel with the current members
/// (e.g. select's selected.csv); BUNDLE is then a new bundle whose first
/// stage is this replacement round (its manifest records the SHA-256 of
/// the three files), drawn and verified like any other.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct ReplaceArgs {
    /// The audit bundle directory (every stage drawn); with --panel, the new bundle to create.
    pub bundle: PathBuf,
    /// The current panel, when starting from the inputs instead of a bundle: a CSV whose first column (or the respondents' id column) holds the members' ids.
    #[arg(long, value_name = "CSV", requires_all = ["pool", "quotas", "size"])]
    pub panel: Option<PathBuf>,
    /// With --panel: the original respondents CSV.
    #[arg(
        long,
        value_name = "CSV",
        requires = "panel",
        visible_alias = "respondents"
    )]
    pub pool: Option<PathBuf>,
    /// With --panel: the original quotas CSV.
    #[arg(long, value_name = "CSV", requires = "panel")]
    pub quotas: Option<PathBuf>,
    /// With --panel: the panel size k.
    #[arg(long, short = 'k', value_name = "K", requires = "panel")]
    pub size: Option<usize>,
    /// With --panel: the respondents' id column (default: auto-detected).
    #[arg(long, value_name = "NAME", requires = "panel")]
    pub id_column: Option<String>,
    /// With --panel: columns whose equal values mark one household.
    #[arg(
        long,
        value_name = "A,B,...",
        value_delimiter = ',',
        requires = "panel"
    )]
    pub address_columns: Vec<String>,
    /// With --panel: the sheet of the respondents workbook.
    #[arg(long, value_name = "NAME", requires = "panel")]
    pub sheet: Option<String>,
    /// With --panel: read a category from a respondents' column of another name (as for lottery).
    #[arg(long = "map", value_name = "COLUMN=CATEGORY", value_parser = super::parse_map, requires = "panel")]
    pub map: Vec<(String, String)>,
    /// With --panel: file with the 32-byte secret pseudonym key in hex (default: the private directory's secret.key if present, else a new random key).
    #[arg(long, value_name = "FILE", requires = "panel")]
    pub secret_key: Option<PathBuf>,
    /// With --panel: replace an existing bundle.
    #[arg(long, requires = "panel")]
    pub force: bool,
    /// Panel members who withdrew: ids (mapped with the private directory) or pseudonyms.
    #[arg(long, value_name = "ID,ID,...", value_delimiter = ',', required = true)]
    pub withdrawn: Vec<String>,
    /// If the round's quotas cannot be met, apply the smallest relaxation (recorded in the manifest; `verify` re-checks that it was needed and smallest).
    #[arg(long)]
    pub relax: bool,
    /// The organiser's private directory (default: BUNDLE-private, used if present).
    #[arg(long, value_name = "DIR")]
    pub private: Option<PathBuf>,
    #[command(flatten)]
    pub lottery: LotteryArgs,
}

pub fn run(args: ReplaceArgs) -> Result<i32, Error> {
    let started = Instant::now();
    let settings = args.lottery.settings(started)?;
    let bar;
    let published = if let Some(panel) = &args.panel {
        let (Some(pool), Some(quotas), Some(size)) = (&args.pool, &args.quotas, args.size) else {
            return Err(Error::Usage(
                "--panel needs --pool, --quotas and -k (the original inputs)".into(),
            ));
        };
        let inputs = PoolArgs {
            pool: pool.clone(),
            quotas: quotas.clone(),
            size,
            id_column: args.id_column.clone(),
            address_columns: args.address_columns.clone(),
            sheet: args.sheet.clone(),
            map: args.map.clone(),
        };
        let instance = inputs.load()?;
        outln!("{}\n", steps::describe_instance(&instance));
        let round = FromInputs {
            pool: inputs.files(),
            panel: panel.clone(),
            withdrawn: args.withdrawn.clone(),
            relax: args.relax,
            target: NewBundle {
                bundle: args.bundle.clone(),
                private: args.private.clone(),
                secret_key: args.secret_key.clone(),
                force: args.force,
            },
        };
        bar = progress_bar(args.lottery.quiet);
        replace::from_inputs(
            &instance,
            &round,
            &settings,
            &mut show_progress(&bar, settings.algorithm),
        )
    } else {
        let round = NextRound {
            bundle: args.bundle.clone(),
            private: args.private.clone(),
            withdrawn: args.withdrawn.clone(),
            relax: args.relax,
        };
        bar = progress_bar(args.lottery.quiet);
        replace::next_round(
            &round,
            &settings,
            &mut show_progress(&bar, settings.algorithm),
        )
    };
    bar.finish_and_clear();
    publish(&published.map_err(with_options)?)
}

/// The library says what to do in words; here, which options do it.
fn with_options(e: Error) -> Error {
    match e {
        Error::Infeasible(m) if m.contains("asking for the relaxation") => {
            Error::Infeasible(format!("{m}: add --relax"))
        }
        Error::Usage(m) if m == kleroterion::audit::NOT_CHAINED => Error::Usage(format!(
            "{m}: kleroterion replace NEW --pool … --quotas … -k … --panel PANEL.csv --withdrawn … --seed-format … --seed-source …"
        )),
        e => e,
    }
}
