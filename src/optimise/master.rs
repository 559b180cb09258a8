//! The master LP: panel probabilities, one row per profile.

use super::*;

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
    /// What `new` was given, to rebuild the LP when purging columns.
    pub(super) selectable: Vec<bool>,
    pub(super) settings: Settings,
    pub(super) objective: Objective,
    /// LEXIMIN: fixed probabilities, re-applied after a purge.
    pub(super) fixed: Vec<Option<f64>>,
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
        Master {
            sizes: profiles.profiles.iter().map(|p| p.size() as f64).collect(),
            ..Master::build(selectable, settings, objective)
        }
    }

    pub(super) fn build(selectable: &[bool], settings: &Settings, objective: Objective) -> Master {
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
            sizes: Vec::new(),
            selectable: selectable.to_vec(),
            settings: *settings,
            objective,
            fixed: vec![None; selectable.len()],
        }
    }

    /// LEXIMIN: rebuilds the LP with only the panels in use in `solution`
    /// and those added since (and fixed rows as they are). The LP re-solves over far fewer
    /// columns; dropped panels may be generated again later.
    pub(super) fn purge(&mut self, solution: &crate::solver::LpSolution) {
        let keep: Vec<ProfilePanel> = self
            .columns
            .iter()
            .zip(&self.panels)
            .filter(|(c, _)| !solution.has(**c) || solution.value(**c) > 1e-12)
            .map(|(_, p)| p.clone())
            .collect();
        let mut fresh = Master {
            sizes: std::mem::take(&mut self.sizes),
            ..Master::build(&self.selectable, &self.settings, self.objective)
        };
        for (t, f) in self.fixed.iter().enumerate() {
            if let Some(v) = f {
                fresh.fix(t, *v);
            }
        }
        for p in keep {
            fresh.add(p);
        }
        *self = fresh;
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

    pub(super) fn fix(&mut self, t: usize, value: f64) {
        let r = self.rows[t].expect("only selectable profiles are fixed");
        let z = self.z.expect("LEXIMIN has z");
        self.lp.set_coef(r, z, 0.0);
        self.lp.set_row_bounds(r, value, f64::INFINITY);
        self.fixed[t] = Some(value);
    }

    pub(super) fn distribution(&self, solution: &crate::solver::LpSolution) -> ProfileDistribution {
        let mut d = ProfileDistribution::default();
        let raw: Vec<f64> = self
            .columns
            .iter()
            .map(|&c| solution.value_or_zero(c).max(0.0))
            .collect();
        let total: f64 = raw.iter().sum();
        for (panel, p) in self.panels.iter().zip(raw) {
            if p > 1e-12 {
                d.panels.push(panel.clone());
                d.probabilities.push(p / total);
            }
        }
        d
    }
}
