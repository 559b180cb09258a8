//! The master LP: panel probabilities, one row per profile.

use super::*;

use std::collections::HashMap;

/// The master LP over profile panels.
pub(super) struct Master {
    pub(super) lp: Lp,
    pub(super) sum_row: LpRow,
    /// Per profile: its row (None for unselectable profiles).
    pub(super) rows: Vec<Option<LpRow>>,
    /// LEXIMIN's minimum variable.
    pub(super) z: Option<LpCol>,
    pub(super) columns: Vec<LpCol>,
    pub(super) panels: Vec<ProfilePanel>,
    pub(super) known: HashSet<ProfilePanel>,
    pub(super) sizes: Vec<f64>,
}

impl Master {
    /// Σλ = 1 and, per selectable profile, a row `lo ≤ Σ_P λ_P·count/size
    /// (+ the objective's own terms)`; LEXIMIN adds z, NASH adds π and s.
    pub(super) fn new(
        profiles: &Profiles,
        selectable: &[bool],
        settings: &Settings,
        objective: Objective,
    ) -> Master {
        let sizes = profiles.profiles.iter().map(|p| p.size() as f64).collect();
        Master::with_sizes(sizes, selectable, settings, objective)
    }

    /// A fresh master of another objective with this one's panels.
    pub(super) fn rebuilt(&self, settings: &Settings, objective: Objective) -> Master {
        let selectable: Vec<bool> = self.rows.iter().map(Option::is_some).collect();
        let mut m = Master::with_sizes(self.sizes.clone(), &selectable, settings, objective);
        for p in &self.panels {
            m.add(p.clone());
        }
        m
    }

    fn with_sizes(
        sizes: Vec<f64>,
        selectable: &[bool],
        settings: &Settings,
        objective: Objective,
    ) -> Master {
        let sense = Sense::Maximise;
        let mut lp = Lp::new(sense, settings);
        let sum_row = lp.add_row(1.0, 1.0);
        let hi = if objective == Objective::Nash {
            0.0
        } else {
            f64::INFINITY
        };
        let rows: Vec<Option<LpRow>> = selectable
            .iter()
            .map(|&s| s.then(|| lp.add_row(0.0, hi)))
            .collect();
        // LEXIMIN/MAXIMIN: max z with z ≤ every unfixed profile's π.
        let z = if objective == Objective::Nash {
            None
        } else {
            let entries: Vec<(LpRow, f64)> = rows.iter().flatten().map(|&r| (r, -1.0)).collect();
            Some(lp.add_col(1.0, 0.0, 1.0, &entries))
        };
        Master {
            lp,
            sum_row,
            rows,
            z,
            columns: Vec::new(),
            panels: Vec::new(),
            known: HashSet::new(),
            sizes,
        }
    }

    /// LEXIMIN: deletes, in place, the panels not in use in `solution` and
    /// not basic (those added since stay). The LP keeps its basis, so the
    /// next solve starts warm, which is faster than rebuilding the LP with
    /// the panels in use and solving it cold (measured: docs/benchmarks.md,
    /// section Selection history). Dropped panels may be generated again
    /// later. `solution` is remapped to the new columns.
    pub(super) fn prune(&mut self, solution: &mut crate::solver::LpSolution) {
        let basic = self.lp.basic();
        let mut delete = vec![false; basic.len()];
        for (c, p) in self.columns.iter().zip(&self.panels) {
            if solution.has(*c) && solution.value(*c) <= 1e-12 && !basic[c.index()] {
                delete[c.index()] = true;
                self.known.remove(p);
            }
        }
        if !delete.iter().any(|&d| d) {
            return;
        }
        let moved = self.lp.delete_cols(&delete);
        solution.remap(&moved);
        self.z = self
            .z
            .map(|z| moved[z.index()].expect("z is never deleted"));
        let (columns, panels): (Vec<LpCol>, Vec<ProfilePanel>) = self
            .columns
            .iter()
            .zip(std::mem::take(&mut self.panels))
            .filter_map(|(c, p)| moved[c.index()].map(|c| (c, p)))
            .unzip();
        self.columns = columns;
        self.panels = panels;
    }

    /// Adds a panel as a column; false if it is already there.
    pub(super) fn add(&mut self, panel: ProfilePanel) -> bool {
        if !self.known.insert(panel.clone()) {
            return false;
        }
        let mut entries = vec![(self.sum_row, 1.0)];
        for &(t, c) in &panel.0 {
            if let Some(r) = self.rows[t as usize] {
                entries.push((r, f64::from(c) / self.sizes[t as usize]));
            }
        }
        let col = self.lp.add_col(0.0, 0.0, f64::INFINITY, &entries);
        self.columns.push(col);
        self.panels.push(panel);
        true
    }

    /// Points z at a target: row t becomes share_t − target_t·z ≥ 0, so z = 1
    /// gives every profile its target share. None: back to the stage form
    /// share_t − z ≥ 0 of a fresh master.
    pub(super) fn aim(&mut self, target: Option<&[f64]>) {
        let z = self.z.expect("LEXIMIN has z");
        // Aimed, z ≤ 1 is implied (shares and targets both sum to k over
        // people); an explicit bound as well makes z = 1 doubly degenerate,
        // and HiGHS's simplex was seen to stall there.
        let z_max = if target.is_some() { f64::INFINITY } else { 1.0 };
        self.lp.set_col_bounds(z, 0.0, z_max);
        for (t, r) in self.rows.iter().enumerate() {
            if let Some(r) = *r {
                self.lp
                    .set_coef(r, z, -target.map_or(1.0, |target| target[t]));
                self.lp.set_row_bounds(r, 0.0, f64::INFINITY);
            }
        }
    }

    pub(super) fn fix(&mut self, t: usize, value: f64) {
        let r = self.rows[t].expect("only selectable profiles are fixed");
        let z = self.z.expect("LEXIMIN has z");
        self.lp.set_coef(r, z, 0.0);
        self.lp.set_row_bounds(r, value, f64::INFINITY);
    }

    /// The solution that gives the panels these weights (divided by
    /// `total`, their sum) and z the least fraction of its target (`scale`)
    /// any profile gets, with each row's activity: a feasible point, and an
    /// optimal one when z reaches 1 within [`TARGET_TOLERANCE`] (every share
    /// then equals its target within it, as both sum to k). None if the LP
    /// has rows or columns other than the target's (Σλ = 1, a row per
    /// profile, z and the panels). The peel's mixture, checked here because
    /// the row layout is the master's.
    pub(super) fn point(
        &self,
        scale: &[f64],
        weights: &HashMap<ProfilePanel, f64>,
        total: f64,
    ) -> Option<crate::solver::LpSolution> {
        let z_col = self.z?;
        let (n_cols, n_rows) = self.lp.shape();
        let profile_rows = self.rows.iter().flatten().count();
        if n_cols != self.columns.len() + 1 || n_rows != profile_rows + 1 {
            return None;
        }
        let mut columns = vec![0.0; n_cols];
        let mut shares = vec![0.0; scale.len()];
        let mut sum = 0.0;
        for (&c, panel) in self.columns.iter().zip(&self.panels) {
            let Some(&w) = weights.get(panel) else {
                continue;
            };
            let w = w / total;
            columns[c.index()] = w;
            sum += w;
            for &(t, n) in &panel.0 {
                shares[t as usize] += w * f64::from(n) / self.sizes[t as usize];
            }
        }
        let z = (0..scale.len())
            .filter(|&t| self.rows[t].is_some() && scale[t] > 0.0)
            .map(|t| shares[t] / scale[t])
            .fold(f64::INFINITY, f64::min);
        if !z.is_finite() {
            return None;
        }
        columns[z_col.index()] = z;
        let mut row_values = vec![0.0; n_rows];
        row_values[self.sum_row.index()] = sum;
        for (t, r) in self.rows.iter().enumerate() {
            if let Some(r) = r {
                row_values[r.index()] = shares[t] - scale[t] * z;
            }
        }
        Some(crate::solver::LpSolution::known(z, columns, row_values))
    }

    pub(super) fn distribution(&self, solution: &crate::solver::LpSolution) -> ProfileDistribution {
        distribution_of(&self.columns, &self.panels, solution)
    }
}

/// The distribution a master LP's solution gives its panel columns:
/// probabilities below 1e-12 dropped, the rest normalised to sum to 1.
pub(super) fn distribution_of(
    columns: &[LpCol],
    panels: &[ProfilePanel],
    solution: &crate::solver::LpSolution,
) -> ProfileDistribution {
    let mut d = ProfileDistribution::default();
    let raw: Vec<f64> = columns
        .iter()
        .map(|&c| solution.value_or_zero(c).max(0.0))
        .collect();
    let total: f64 = raw.iter().sum();
    for (panel, p) in panels.iter().zip(raw) {
        if p > 1e-12 {
            d.panels.push(panel.clone());
            d.probabilities.push(p / total);
        }
    }
    d
}
