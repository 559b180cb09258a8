//! `kleroterion replace`: a fair, committed replacement round.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kleroterion::audit::{self, Bundle};
use kleroterion::error::exit;
use kleroterion::pool::IdSource;
use kleroterion::table::Table;
use kleroterion::{Error, store};

use super::organiser::{self, Private};
use super::{
    LotteryArgs, PoolArgs, describe_instance, print_stage, progress_bar, publish_first_stage,
    show_progress,
};

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
    if args.panel.is_some() {
        return from_inputs(args, started);
    }
    let options = args.lottery.options(started)?;
    let files = store::read_dir(&args.bundle)?;
    let stages = audit::parse_all(&Bundle::from_files(&args.bundle, files))?;
    if stages.first().is_some_and(audit::is_replacement) {
        return Err(Error::Usage(audit::NOT_CHAINED.into()));
    }
    let known = stages
        .first()
        .ok_or(Error::Usage("empty bundle".into()))?
        .index();
    let private_dir = args
        .private
        .clone()
        .unwrap_or_else(|| organiser::default_dir(&args.bundle));
    let private = if private_dir.join(organiser::SOURCE_FILE).exists() {
        Some(Private::open(&private_dir)?)
    } else {
        None
    };
    let mut withdrawn = Vec::new();
    for raw in &args.withdrawn {
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
    let bar = progress_bar(args.lottery.quiet);
    let built = audit::replacement_stage(
        &stages,
        &withdrawn,
        args.relax,
        &options,
        &mut show_progress(&bar, options.optimise.objective),
    )?;
    bar.finish_and_clear();
    let dir = args
        .bundle
        .join(kleroterion::bundle::stage_dir(built.manifest.stage));
    println!(
        "Replacement round {}: {} held, {} withdrawn, {} seats to fill from {} people.",
        built.manifest.stage,
        built.manifest.held.len(),
        built.manifest.withdrawn.len(),
        built.manifest.panel_size,
        built.manifest.people
    );
    for r in &built.manifest.relaxed {
        println!("  relaxed (needed): {r}");
    }
    println!();
    store::write_new_dir(&dir, &built.files, false)?;
    print_stage(&built, &args.bundle, &dir);
    if built.made.computed.complete {
        Ok(exit::OK)
    } else {
        Ok(exit::TIME_LIMIT)
    }
}

/// A replacement round started from the inputs: a new bundle whose first
/// stage is the round.
fn from_inputs(args: ReplaceArgs, started: Instant) -> Result<i32, Error> {
    let (Some(panel_path), Some(pool), Some(quotas), Some(size)) =
        (&args.panel, &args.pool, &args.quotas, args.size)
    else {
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
    };
    let instance = inputs.load()?;
    println!("{}\n", describe_instance(&instance));
    let by_id: HashMap<&str, usize> = instance
        .pool
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    // The panel file: the respondents' id column if it has one, else its
    // first column.
    let table = Table::read(panel_path)?;
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
            Some(_) => errors.push(table.cell_error(row, c, format!("\"{id}\" is listed twice")).hint("list each panel member once")),
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
    for raw in &args.withdrawn {
        let id = raw.trim();
        match by_id.get(id) {
            Some(&i) => withdrawn.push(i),
            None => {
                return Err(Error::Usage(format!(
                    "--withdrawn: \"{id}\" is not an id of {}",
                    pool.display()
                )));
            }
        }
    }
    let options = args.lottery.options(started)?;
    let (private, secret) = organiser::private_and_secret(
        &args.bundle,
        args.private.as_deref(),
        args.secret_key.as_deref(),
    )?;
    let bar = progress_bar(args.lottery.quiet);
    let (built, names) = audit::replacement_from_inputs(
        &instance,
        &secret,
        &panel,
        &withdrawn,
        audit::input_file("panel", panel_path, &table.sha256),
        args.relax,
        &options,
        &mut show_progress(&bar, options.optimise.objective),
    )?;
    bar.finish_and_clear();
    println!(
        "Replacement round (first stage of a new bundle): {} held, {} withdrawn, {} seats to fill from {} people.",
        built.manifest.held.len(),
        built.manifest.withdrawn.len(),
        built.manifest.panel_size,
        built.manifest.people
    );
    for r in &built.manifest.relaxed {
        println!("  relaxed (needed): {r}");
    }
    println!();
    publish_first_stage(
        &built,
        &names,
        &inputs,
        &instance,
        &private,
        &secret,
        &args.bundle,
        args.force,
    )
}
