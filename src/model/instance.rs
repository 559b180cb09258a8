//! An instance: a pool, its quotas, the household rule and the panel size,
//! checked against each other. Every selection algorithm takes one.

use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, Warning};
use crate::files::table::Table;
use crate::model::households::Households;
use crate::model::pool::Pool;
use crate::model::quotas::Quotas;

/// A validated selection problem.
#[derive(Debug, Clone)]
pub struct Instance {
    pub pool: Pool,
    pub quotas: Quotas,
    pub households: Households,
    /// Panel size.
    pub k: usize,
}

/// Where the inputs are and how to read them.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub pool: PathBuf,
    pub quotas: PathBuf,
    pub k: usize,
    pub id_column: Option<String>,
    pub address_columns: Vec<String>,
    /// (respondents' column, category): the category is read from that
    /// column (a form's question, say) rather than the column of its name.
    pub columns: Vec<(String, String)>,
}

/// Sheet names that suit a pool, when a workbook has several.
pub const POOL_SHEETS: &[&str] = &[
    "respondents",
    "volunteers",
    "pool",
    "people",
    "participants",
    "registrants",
    "form responses 1",
];
/// Sheet names that suit quotas, when a workbook has several.
pub const QUOTA_SHEETS: &[&str] = &["quotas", "categories", "targets", "features"];

impl Inputs {
    /// Reads both files and builds the instance.
    pub fn load(&self) -> Result<(Instance, Vec<Warning>), Error> {
        let mut quotas = Quotas::from_table(&Table::read_for(&self.quotas, QUOTA_SHEETS)?)?;
        quotas.map_columns(&self.columns)?;
        let table = Table::read_for(&self.pool, POOL_SHEETS)?;
        Instance::from_parts(table, quotas, self)
    }
}

impl Instance {
    /// Builds an instance from an already read respondents table.
    pub fn from_parts(
        pool: Table,
        quotas: Quotas,
        inputs: &Inputs,
    ) -> Result<(Instance, Vec<Warning>), Error> {
        if inputs.k == 0 {
            return Err(Error::Usage("the panel size must be at least 1".into()));
        }
        let (pool, warnings) = Pool::from_table(pool, &quotas, inputs.id_column.as_deref())?;
        let households = Households::from_columns(&pool, &inputs.address_columns)?;
        let instance = Instance {
            pool,
            quotas,
            households,
            k: inputs.k,
        };
        instance.check_size()?;
        Ok((instance, warnings))
    }

    /// Number of volunteers.
    pub fn n(&self) -> usize {
        self.pool.len()
    }

    /// The panel size must fit the pool.
    fn check_size(&self) -> Result<(), Error> {
        if self.k > self.n() {
            return Err(InputError::invalid(
                &self.pool.path,
                format!(
                    "the panel size {} is larger than the pool ({} people)",
                    self.k,
                    self.n()
                ),
            )
            .hint("choose a smaller panel size or add volunteers to the pool")
            .into());
        }
        Ok(())
    }

    /// Checks that need nothing but arithmetic: per category, the minimums
    /// must not add up to more than k and the maximums to at least k; the
    /// household rule must leave at least k independent people. Each failure
    /// is one line of the returned list.
    pub fn quick_infeasibility(&self) -> Vec<String> {
        let q = &self.quotas;
        let k = self.k as u64;
        let mut out = Vec::new();
        for cat in &q.categories {
            let min: u64 = cat.values.iter().map(|&v| u64::from(q.values[v].min)).sum();
            let max: u64 = cat.values.iter().map(|&v| u64::from(q.values[v].max)).sum();
            if min > k {
                out.push(format!(
                    "category \"{}\": the minimums add up to {min}, more than the panel size {k} ({}); lower some minimums or raise the panel size",
                    cat.name,
                    file_line(&q.path, q.values[cat.values[0]].line)
                ));
            }
            if max < k {
                out.push(format!(
                    "category \"{}\": the maximums add up to {max}, less than the panel size {k} ({}); raise some maximums or lower the panel size",
                    cat.name,
                    file_line(&q.path, q.values[cat.values[0]].line)
                ));
            }
        }
        let independent = self.households.independent_count();
        if independent < self.k {
            out.push(format!(
                "the household rule leaves at most {independent} people who can sit together (one per household), fewer than the panel size {k}; lower the panel size"
            ));
        }
        out
    }

    /// The arithmetic checks as the one error an action stops with: what
    /// cannot be met, and where to find the smallest relaxation.
    pub fn check_quick(&self) -> Result<(), Error> {
        let quick = self.quick_infeasibility();
        if quick.is_empty() {
            return Ok(());
        }
        Err(Error::Infeasible(format!(
            "the quotas cannot be met:\n  {}\n  what to do: run `kleroterion check` for the smallest relaxation",
            quick.join("\n  ")
        )))
    }
}

fn file_line(path: &Path, line: u64) -> String {
    format!("{}, from line {line}", path.display())
}
