//! The assembly plan's reports: the speaker programme section and
//! plan-report.txt.

use std::fmt::Write as _;

use crate::logistics::plan::Plan;
use crate::logistics::programme::{self, Problem, Programme};
use crate::logistics::rota;
use crate::logistics::rules::Constraint;
use crate::logistics::seating;

use super::list;

/// The programme's report section.
pub fn programme(p: &Problem, prog: &Programme) -> String {
    let a = programme::assess(p, prog);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Programme: {} of {} contributions placed in {} plenaries{}",
        a.placed,
        p.contributions.len(),
        p.assembly.plenaries().len(),
        if prog.optimal {
            ""
        } else {
            " (time limit reached: best placement found, not proven best)"
        }
    );
    for (w, label, mins) in &a.minutes {
        let _ = writeln!(out, "  weekend {w}: {label} {mins} min");
    }
    list(&mut out, "Not placed", &a.unplaced);
    list(&mut out, "Broken rules", &a.broken);
    list(&mut out, "Unmet goals", &a.unmet);
    if !a.warnings.is_empty() {
        list(&mut out, "Warnings", &a.warnings);
    }
    out
}

/// plan-report.txt up to the change list: the plan's size, the seating's,
/// the rota's and the programme's assessments, and unmet room needs.
/// `file` is the assembly file's name, `from` the session re-planned from.
pub fn plan(built: &Plan, file: &str, from: Option<&str>) -> String {
    let assembly = built.assembly;
    let mut report = String::new();
    let _ = writeln!(
        report,
        "Plan: {} ({}), {} members, {} days, {} sessions held, {} seating rounds{}",
        assembly.name,
        file,
        built.members.len(),
        assembly.days.iter().filter(|d| !d.cancelled).count(),
        assembly.held().len(),
        built.rounds.len(),
        match from {
            Some(f) => format!(", re-planned from session {f}"),
            None => String::new(),
        }
    );
    let describe = |c: &Constraint| c.describe(&built.members);
    let sa = seating::assess(&built.seating_problem, &built.seating, &describe);
    let _ = writeln!(
        report,
        "\nSeating: distinct pairs met {} of {} ({:.1}%); most meetings of one pair {}; cells in band {} of {} ({:.1}%), largest deviation {}",
        sa.distinct_pairs,
        sa.pair_bound,
        100.0 * sa.distinct_pairs as f64 / sa.pair_bound.max(1) as f64,
        sa.max_meetings(),
        sa.cells_in_band,
        sa.cells,
        100.0 * sa.cells_in_band as f64 / sa.cells.max(1) as f64,
        sa.largest_deviation
    );
    list(&mut report, "Unmet seating rules", &sa.unmet);
    match (&built.rota_problem, &built.rota) {
        (Some(p), Some(r)) => {
            let ra = rota::assess(p, r);
            let _ = writeln!(
                report,
                "\nRota: {} facilitators; repeated member–facilitator meetings {}",
                p.facilitators.len(),
                ra.repeats
            );
            let _ = writeln!(report, "{}", ra.sizes_line());
            list(&mut report, "Unmet rota goals", &ra.unmet);
            for w in &ra.warnings {
                let _ = writeln!(report, "warning: {w}");
            }
        }
        _ => {
            let _ = writeln!(report, "\nRota: no facilitators file");
        }
    }
    report.push('\n');
    match &built.programme {
        Some(prog) => report.push_str(&programme(&built.programme_problem(), prog)),
        None => report.push_str("Programme: no speakers file\n"),
    }
    report.push('\n');
    list(
        &mut report,
        "Support needs a room does not meet",
        &built.unmet_needs,
    );
    report
}
