//! An LP that grows (columns added, rows and bounds changed) and is
//! re-solved from its previous basis, through the `highs` crate and
//! `highs-sys` calls on the same HiGHS build good_lp uses.

use std::time::Instant;

use super::{Sense, Settings};

/// A row of an [`Lp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LpRow(pub(super) usize);

/// A column of an [`Lp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LpCol(pub(super) usize);

impl LpCol {
    /// Its position among the LP's columns.
    pub fn index(self) -> usize {
        self.0
    }
}

impl LpRow {
    /// Its position among the LP's rows.
    pub fn index(self) -> usize {
        self.0
    }
}

/// An LP that grows: columns and rows are added, row bounds and coefficients
/// changed, and each solve starts from the previous basis (HiGHS keeps it).
/// Column generation re-solves its master LP every round, and good_lp
/// rebuilds a model from scratch on every solve, so this goes to HiGHS
/// through the `highs` crate directly.
pub struct Lp {
    model: highs::Model,
    rows: Vec<highs::Row>,
    /// Columns so far (an `LpCol` is HiGHS's own column index).
    cols: usize,
}

/// Primal values, row duals and objective of an optimal LP solution.
#[derive(Debug, Clone)]
pub struct LpSolution {
    pub objective: f64,
    columns: Vec<f64>,
    row_values: Vec<f64>,
    row_duals: Vec<f64>,
    /// Simplex iterations this solve took: a measure of work that, unlike
    /// time, is the same on every run.
    pub iterations: u64,
}

impl LpSolution {
    /// A solution found without a solve: the caller gives each column's
    /// value, each row's activity (in [`Lp::shape`]'s numbers) and the
    /// objective, and knows by an argument of its own that the point is
    /// optimal. Its duals are 0 and it took no iterations.
    pub fn known(objective: f64, columns: Vec<f64>, row_values: Vec<f64>) -> LpSolution {
        let row_duals = vec![0.0; row_values.len()];
        LpSolution {
            objective,
            columns,
            row_values,
            row_duals,
            iterations: 0,
        }
    }

    pub fn value(&self, c: LpCol) -> f64 {
        self.columns[c.0]
    }
    /// Whether the column existed when this solution was computed.
    pub fn has(&self, c: LpCol) -> bool {
        c.0 < self.columns.len()
    }
    /// The value of a column, or 0 for a column added after this solve.
    pub fn value_or_zero(&self, c: LpCol) -> f64 {
        self.columns.get(c.0).copied().unwrap_or(0.0)
    }
    /// After [`Lp::delete_cols`] (given its result): the values of the
    /// columns kept, at their new positions. Columns deleted must have been
    /// in this solution; those added after it stay outside it.
    pub fn remap(&mut self, moved: &[Option<LpCol>]) {
        self.columns = moved
            .iter()
            .zip(&self.columns)
            .filter_map(|(m, &v)| m.map(|_| v))
            .collect();
    }

    /// The activity (Σ coefficient × value) of a row.
    pub fn row_value(&self, r: LpRow) -> f64 {
        self.row_values[r.0]
    }
    /// The dual value of a row, in HiGHS's sign convention.
    pub fn dual(&self, r: LpRow) -> f64 {
        self.row_duals[r.0]
    }
}

/// Why an LP solve did not give an optimum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LpFailure {
    TimeLimit,
    Other(String),
}

impl Lp {
    /// An empty LP with pinned settings.
    pub fn new(sense: Sense, settings: &Settings) -> Lp {
        let mut model = highs::Model::new(highs::ColProblem::default());
        model.make_quiet();
        model.set_sense(match sense {
            Sense::Maximise => highs::Sense::Maximise,
            Sense::Minimise => highs::Sense::Minimise,
        });
        model.set_option("threads", settings.threads as i32);
        model.set_option("random_seed", settings.random_seed);
        // Column generation keeps the basis primal feasible when columns
        // are added: primal simplex re-solves from it in a few iterations,
        // faster than the default dual simplex (measured:
        // docs/benchmarks.md, section Selection history); presolve would
        // discard the basis.
        model.set_option("solver", "simplex");
        model.set_option("simplex_strategy", 4);
        model.set_option("presolve", "off");
        if let Some(t) = settings.time_limit {
            model.set_option("time_limit", t);
        }
        Lp {
            model,
            rows: Vec::new(),
            cols: 0,
        }
    }

    /// Adds the row `lo <= ... <= hi`, empty; columns fill it.
    pub fn add_row(&mut self, lo: f64, hi: f64) -> LpRow {
        let r = self.model.add_row(lo..=hi, std::iter::empty());
        self.rows.push(r);
        LpRow(self.rows.len() - 1)
    }

    /// Adds a column with its objective coefficient, bounds and entries.
    pub fn add_col(&mut self, cost: f64, lo: f64, hi: f64, entries: &[(LpRow, f64)]) -> LpCol {
        let rows: Vec<(highs::Row, f64)> =
            entries.iter().map(|&(r, v)| (self.rows[r.0], v)).collect();
        self.model.add_col(cost, lo..=hi, rows);
        self.cols += 1;
        LpCol(self.cols - 1)
    }

    /// Re-solves by the dual simplex method instead of the primal one
    /// (for an LP whose bounds tighten between solves).
    pub fn prefer_dual_simplex(&mut self) {
        self.model.set_option("simplex_strategy", 1);
    }

    /// Sets HiGHS's primal and dual feasibility tolerances (default 1e-7).
    pub fn set_tolerance(&mut self, tolerance: f64) {
        self.model
            .set_option("primal_feasibility_tolerance", tolerance);
        self.model
            .set_option("dual_feasibility_tolerance", tolerance);
    }

    /// Changes a column's objective coefficient.
    pub fn set_cost(&mut self, c: LpCol, cost: f64) {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: ptr is the live HiGHS instance owned by self.model; the
        // column index belongs to this instance.
        let status = unsafe { highs_sys::Highs_changeColCost(ptr, c.0 as _, cost) };
        debug_assert_eq!(status, 0, "Highs_changeColCost failed");
    }

    /// Changes a column's bounds.
    pub fn set_col_bounds(&mut self, c: LpCol, lo: f64, hi: f64) {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: as in set_cost.
        let status = unsafe { highs_sys::Highs_changeColBounds(ptr, c.0 as _, lo, hi) };
        debug_assert_eq!(status, 0, "Highs_changeColBounds failed");
    }

    /// Per column: whether it is basic in the last solve's basis (all false
    /// when there is none).
    pub fn basic(&mut self) -> Vec<bool> {
        let (n_cols, n_rows) = (self.cols, self.rows.len());
        let mut col_status: Vec<highs_sys::HighsInt> = vec![0; n_cols];
        let mut row_status: Vec<highs_sys::HighsInt> = vec![0; n_rows];
        let ptr = self.model.as_mut_ptr();
        // SAFETY: the arrays have one entry per column and per row of this
        // instance, as Highs_getBasis requires.
        let status = unsafe {
            highs_sys::Highs_getBasis(ptr, col_status.as_mut_ptr(), row_status.as_mut_ptr())
        };
        if status != 0 {
            return vec![false; n_cols];
        }
        col_status.iter().map(|&s| s == 1).collect()
    }

    /// Its numbers of columns and of rows.
    pub fn shape(&self) -> (usize, usize) {
        (self.cols, self.rows.len())
    }

    /// Deletes the columns marked in `delete` (one flag per column); the
    /// others keep their basis status, so the next solve starts warm when
    /// only nonbasic columns go. Returns each old column's new handle.
    pub fn delete_cols(&mut self, delete: &[bool]) -> Vec<Option<LpCol>> {
        assert_eq!(delete.len(), self.cols, "one flag per column");
        let mut mask: Vec<highs_sys::HighsInt> = delete.iter().map(|&d| d.into()).collect();
        let ptr = self.model.as_mut_ptr();
        // SAFETY: the mask has one entry per column of this instance; HiGHS
        // overwrites it with each column's new index, or -1 if deleted.
        let status = unsafe { highs_sys::Highs_deleteColsByMask(ptr, mask.as_mut_ptr()) };
        assert_eq!(status, 0, "Highs_deleteColsByMask failed");
        self.cols = delete.iter().filter(|&&d| !d).count();
        mask.iter()
            .map(|&m| usize::try_from(m).ok().map(LpCol))
            .collect()
    }

    /// Changes a row's bounds.
    pub fn set_row_bounds(&mut self, r: LpRow, lo: f64, hi: f64) {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: ptr is the live HiGHS instance owned by self.model; the row
        // index was returned by HiGHS for this instance.
        let status = unsafe { highs_sys::Highs_changeRowBounds(ptr, r.0 as _, lo, hi) };
        debug_assert_eq!(status, 0, "Highs_changeRowBounds failed");
    }

    /// Changes one coefficient of the constraint matrix.
    pub fn set_coef(&mut self, r: LpRow, c: LpCol, value: f64) {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: as in set_row_bounds; both indices belong to this instance.
        let status = unsafe { highs_sys::Highs_changeCoeff(ptr, r.0 as _, c.0 as _, value) };
        debug_assert_eq!(status, 0, "Highs_changeCoeff failed");
    }

    /// As [`Lp::solve_until`], by the interior-point method with crossover
    /// (to a basis, so that later solves start from it by the simplex
    /// method as before): for a solve far from the last basis, such as the
    /// master's after the peel adds hundreds of panels at once, where it
    /// took less than half the simplex method's time (measured:
    /// docs/benchmarks.md, section Selection history).
    pub fn solve_afresh_until(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<LpSolution, LpFailure> {
        self.model.set_option("solver", "ipm");
        let solved = self.solve_until(deadline);
        self.model.set_option("solver", "simplex");
        match solved {
            // The simplex method has the last word where the interior-point
            // method fails short of the deadline.
            Err(LpFailure::Other(_)) => self.solve_until(deadline),
            solved => solved,
        }
    }

    /// Solves from the current basis. The model stays usable afterwards.
    /// As [`Lp::solve`], stopping at `deadline` (HiGHS's time limit is on
    /// its cumulative run time, so it is set to that plus the time left).
    pub fn solve_until(&mut self, deadline: Option<Instant>) -> Result<LpSolution, LpFailure> {
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(LpFailure::TimeLimit);
            }
            let ptr = self.model.as_mut_ptr();
            // SAFETY: ptr is the live HiGHS instance.
            let run_time = unsafe { highs_sys::Highs_getRunTime(ptr) };
            self.model
                .set_option("time_limit", run_time + left.as_secs_f64());
        }
        self.solve()
    }

    pub fn solve(&mut self) -> Result<LpSolution, LpFailure> {
        let ptr = self.model.as_mut_ptr();
        // SAFETY: ptr is the live HiGHS instance, owned by self.model for
        // the whole block; the arrays passed have HiGHS's current column
        // and row counts, as Highs_getSolution requires.
        unsafe {
            let mut status = highs_sys::Highs_run(ptr);
            if status == highs_sys::kHighsStatusError {
                // A warm start can fail numerically (seen once on a master
                // LP after many columns were added): start again from the
                // slack basis.
                highs_sys::Highs_clearSolver(ptr);
                status = highs_sys::Highs_run(ptr);
            }
            if status == highs_sys::kHighsStatusError {
                return Err(LpFailure::Other(
                    "HiGHS failed on an LP, also from a cold start".into(),
                ));
            }
            let status = highs_sys::Highs_getModelStatus(ptr);
            if status == highs_sys::kHighsModelStatusUnknown
                || status == highs_sys::kHighsModelStatusSolveError
            {
                // A warm start can also end without a verdict (model status
                // "unknown": seen on a relaxed LEXIMIN stage after many
                // rows were fixed, where the warm basis left small
                // infeasibilities once unscaled): start again from the
                // slack basis.
                highs_sys::Highs_clearSolver(ptr);
                if highs_sys::Highs_run(ptr) == highs_sys::kHighsStatusError {
                    return Err(LpFailure::Other(
                        "HiGHS failed on an LP, also from a cold start".into(),
                    ));
                }
            }
            match highs_sys::Highs_getModelStatus(ptr) {
                highs_sys::kHighsModelStatusOptimal => {}
                highs_sys::kHighsModelStatusTimeLimit => return Err(LpFailure::TimeLimit),
                other => return Err(LpFailure::Other(format!("LP model status {other}"))),
            }
            let n_col = highs_sys::Highs_getNumCol(ptr).max(0) as usize;
            let n_row = highs_sys::Highs_getNumRow(ptr).max(0) as usize;
            let mut columns = vec![0.0; n_col];
            let mut col_duals = vec![0.0; n_col];
            let mut row_values = vec![0.0; n_row];
            let mut row_duals = vec![0.0; n_row];
            highs_sys::Highs_getSolution(
                ptr,
                columns.as_mut_ptr(),
                col_duals.as_mut_ptr(),
                row_values.as_mut_ptr(),
                row_duals.as_mut_ptr(),
            );
            let mut iterations: std::os::raw::c_int = 0;
            highs_sys::Highs_getIntInfoValue(
                ptr,
                c"simplex_iteration_count".as_ptr(),
                &mut iterations,
            );
            Ok(LpSolution {
                objective: highs_sys::Highs_getObjectiveValue(ptr),
                columns,
                row_values,
                row_duals,
                iterations: iterations.max(0) as u64,
            })
        }
    }
}
