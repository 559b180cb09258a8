//! One library call per organiser action (check, select, lottery, draw,
//! verify, replace, seat, rota, programme, plan, synth): typed options in,
//! typed results out (what was computed, the files to write as
//! [`Outputs`], and what to tell the user). A step never prints and never
//! knows a front-end's flags; the command line and the browser app call
//! the same steps and differ only in how they show the results.
//!
//! Steps are the one layer that names files: they read inputs through
//! [`crate::files`] and the importers, and hand back what to write; the
//! front-end writes it with [`Outputs::write`].

pub mod check;
pub mod draw;
pub mod invite;
pub mod lottery;
pub mod plan;
pub mod programme;
pub mod replace;
pub mod rota;
pub mod seat;
pub mod select;
pub mod synth;
pub mod verify;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, InputError, Warning};
pub use crate::files::dir::{Mode, Outputs};
use crate::logistics::assembly::Assembly;
use crate::model::instance::{Inputs, Instance};
use crate::model::pool::IdSource;
use crate::selection::optimise::{Objective, Progress};

/// The files and settings every selection action reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolFiles {
    /// The respondents (volunteers) file.
    pub pool: PathBuf,
    /// The quotas file.
    pub quotas: PathBuf,
    /// Panel size k.
    pub size: usize,
    /// The respondents' id column (None: auto-detected).
    pub id_column: Option<String>,
    /// Columns whose equal values mark one household.
    pub address_columns: Vec<String>,
    /// (respondents' column, category): categories read from a column of
    /// another name (a form's question, say).
    pub columns: Vec<(String, String)>,
}

impl PoolFiles {
    pub fn inputs(&self) -> Inputs {
        Inputs {
            pool: self.pool.clone(),
            quotas: self.quotas.clone(),
            k: self.size,
            id_column: self.id_column.clone(),
            address_columns: self.address_columns.clone(),
            columns: self.columns.clone(),
        }
    }

    /// Reads and validates the instance; warnings are for the user.
    pub fn load(&self) -> Result<(Instance, Vec<Warning>), Error> {
        self.inputs().load()
    }
}

/// " and the household rule" when the instance has one, for sentences
/// like "meets every quota{}".
pub fn household_clause(instance: &Instance) -> &'static str {
    crate::report::household_clause(!instance.households.columns.is_empty())
}

/// Two lines describing the loaded pool and quotas.
pub fn describe_instance(instance: &Instance) -> String {
    let pool = &instance.pool;
    let ids = match pool.id_source {
        IdSource::Column(_) => format!("id column \"{}\"", pool.id_header()),
        IdSource::RowNumber => "no id column: ids are row numbers".into(),
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

/// The moment a time limit of `seconds` from `started` runs out: None
/// without a limit, or when the limit lies beyond any representable time
/// (which is no limit in practice).
pub fn deadline(started: Instant, seconds: Option<f64>) -> Result<Option<Instant>, Error> {
    let Some(t) = seconds else {
        return Ok(None);
    };
    if !(t > 0.0 && t <= MAX_TIME_LIMIT) {
        return Err(Error::Usage(format!(
            "the time limit must be a number of seconds above 0 and at most {MAX_TIME_LIMIT} (about 115 days), not {t}"
        )));
    }
    Ok(Duration::try_from_secs_f64(t)
        .ok()
        .and_then(|d| started.checked_add(d)))
}

/// Refuses an objective's parameters out of range (Goldilocks' gamma).
pub fn check_objective(objective: Objective) -> Result<(), Error> {
    if let Objective::Goldilocks(gamma) = objective
        && !gamma.in_range()
    {
        return Err(Error::Usage(format!(
            "Goldilocks' gamma must be a number above 0 and at most {}, not {}",
            crate::selection::optimise::Gamma::MAX,
            gamma.0
        )));
    }
    Ok(())
}

/// The largest time limit taken, in seconds: beyond it a limit is surely a
/// typing error (and far enough beyond overflows the clock).
pub const MAX_TIME_LIMIT: f64 = 1e7;

/// One line of the optimiser's progress, as a front-end shows it.
pub fn progress_line(objective: Objective, p: &Progress) -> String {
    let what = if objective == Objective::Nash {
        "value"
    } else {
        "minimum"
    };
    format!(
        "{} stage {}: {what} {:.4}%, {} panels, {}/{} profiles fixed",
        objective.name(),
        p.stage,
        100.0 * p.value,
        p.panels,
        p.fixed,
        p.profiles
    )
}

/// Reads and checks an assembly file; returns it and the directory its
/// file names are relative to.
pub fn load_assembly(path: &Path) -> Result<(Assembly, PathBuf), Error> {
    let text = std::fs::read(path).map_err(|e| {
        InputError::unreadable(path, format!("cannot read the assembly file: {e}"))
            .hint("check the path")
    })?;
    let text = String::from_utf8(text).map_err(|_| {
        InputError::unreadable(path, "the assembly file is not UTF-8 text").hint("save it as UTF-8")
    })?;
    let assembly = Assembly::parse(path, &text)?;
    let base = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok((assembly, base))
}
