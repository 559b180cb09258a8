//! Check: can the quotas be met, and by whom?

use std::fmt::Write as _;

use crate::error::Error;
use crate::model::instance::Instance;
use crate::report;
use crate::selection::feasibility::{self, Feasibility, Relaxation, Side};
use crate::solver::Settings;

use super::household_clause;

/// What `check` found.
#[derive(Debug)]
pub struct Checked {
    /// The arithmetic reasons the quotas cannot be met (empty if none).
    pub quick: Vec<String>,
    /// The exact answer: feasible or not, the smallest relaxation, the
    /// people on no feasible panel.
    pub result: Feasibility,
    /// The solver settings used, in words.
    pub settings: String,
}

impl Checked {
    /// True when a panel meeting every quota exists.
    pub fn feasible(&self) -> bool {
        self.result.relaxation.is_none()
    }
}

/// Decides exactly whether any panel of the instance's size meets every
/// quota (and the household rule); if none does, finds the smallest
/// relaxation; if one does, the people who fit on no feasible panel.
pub fn check(instance: &Instance) -> Result<Checked, Error> {
    let settings = Settings::default();
    let quick = instance.quick_infeasibility();
    let result = feasibility::check(instance, &settings)?;
    Ok(Checked {
        quick,
        result,
        settings: settings.describe(),
    })
}

/// The composition of the pool against the quotas, then the answer, in
/// words.
pub fn text(instance: &Instance, c: &Checked) -> String {
    composition(instance) + &verdict(instance, c)
}

/// The composition of the pool against the quotas and what arithmetic
/// alone shows cannot be met: known before the exact check runs.
pub fn composition(instance: &Instance) -> String {
    let mut out = report::composition(instance, None);
    out.push('\n');
    for line in instance.quick_infeasibility() {
        let _ = writeln!(out, "Impossible: {line}");
    }
    out
}

/// The exact answer in words: feasible and who fits no panel, or the
/// smallest relaxation.
pub fn verdict(instance: &Instance, c: &Checked) -> String {
    let mut out = String::new();
    let Some(relaxation) = &c.result.relaxation else {
        let _ = writeln!(
            out,
            "Feasible: yes. A panel of {} meeting every quota{} exists (decided exactly by integer programming; {}).",
            instance.k,
            household_clause(instance),
            c.settings
        );
        if c.result.unselectable.is_empty() {
            let _ = writeln!(
                out,
                "Everyone in the pool can sit on at least one feasible panel."
            );
        } else {
            let _ = writeln!(
                out,
                "{} people cannot sit on any feasible panel (their selection probability is 0 under every algorithm):",
                c.result.unselectable.len()
            );
            // Enough to find them in the file; a quota that excludes on
            // purpose (an eligibility column) may exclude hundreds.
            const SHOWN: usize = 20;
            for &i in c.result.unselectable.iter().take(SHOWN) {
                let p = &instance.pool.people[i];
                let _ = writeln!(out, "  {} (line {})", p.id, p.line);
            }
            if c.result.unselectable.len() > SHOWN {
                let _ = writeln!(
                    out,
                    "  … and {} more (select writes everyone's chance and why in explanations.csv)",
                    c.result.unselectable.len() - SHOWN
                );
            }
        }
        return out;
    };
    let _ = writeln!(
        out,
        "Feasible: NO. No panel of {} meets every quota{}.",
        instance.k,
        household_clause(instance),
    );
    match relaxation {
        Relaxation::WithinFlex(changes) | Relaxation::BeyondFlex(changes) => {
            let total: u32 = changes.iter().map(|c| c.from.abs_diff(c.to)).sum();
            if matches!(relaxation, Relaxation::BeyondFlex(_)) {
                let _ = writeln!(
                    out,
                    "No relaxation within min_flex/max_flex is enough. The smallest relaxation beyond them (total change {total}):"
                );
            } else {
                let _ = writeln!(
                    out,
                    "The smallest relaxation that makes the quotas feasible (total change {total}):"
                );
            }
            for c in changes {
                let _ = writeln!(out, "  {c}");
            }
        }
        Relaxation::None => {
            let _ = writeln!(
                out,
                "No change of the quotas helps: the pool has too few people who may sit together for a panel of {}. Make the panel smaller or add volunteers.",
                instance.k
            );
        }
    }
    out
}

/// The quotas with the smallest relaxation applied, as a quotas file
/// (`category,value,min,max`), when the quotas cannot be met and a change
/// of them helps.
pub fn relaxed_quotas(instance: &Instance, c: &Checked) -> Option<Vec<u8>> {
    let (Relaxation::WithinFlex(changes) | Relaxation::BeyondFlex(changes)) =
        c.result.relaxation.as_ref()?
    else {
        return None;
    };
    let q = &instance.quotas;
    let mut doc = crate::files::csv::CsvDoc::default();
    doc.record(["category", "value", "min", "max"]);
    for cat in &q.categories {
        for &v in &cat.values {
            let (mut min, mut max) = (q.values[v].min, q.values[v].max);
            for change in changes.iter().filter(|ch| ch.label == q.label(v)) {
                match change.side {
                    Side::Minimum => min = change.to,
                    Side::Maximum => max = change.to,
                }
            }
            doc.record([
                cat.name.clone(),
                q.values[v].name.clone(),
                min.to_string(),
                max.to_string(),
            ]);
        }
    }
    Some(doc.into_bytes())
}
