//! The selection report (report.txt): the run, every person's probability
//! summarised, the distribution with its optimality certificate, the
//! stages, the time taken and the drawn panel.

use std::fmt::Write as _;

use super::{TextTable, composition};
use crate::model::instance::Instance;
use crate::selection::distribution::Fairness;

/// Everything the selection report shows.
pub struct SelectionReport<'a> {
    pub instance: &'a Instance,
    pub computed: &'a crate::selection::optimise::Computed,
    pub profiles: &'a crate::model::profiles::Profiles,
    /// Per-person probabilities.
    pub pi: &'a [f64],
    pub distribution: &'a crate::selection::distribution::Distribution,
    pub drawn: usize,
    pub seed: &'a str,
    pub settings: &'a crate::solver::Settings,
    /// (stage name, seconds), in order.
    pub timings: &'a [(String, f64)],
    /// Largest |π from panels − π computed| found by the checks.
    pub check_deviation: f64,
    /// The optimisation's time limit in seconds, if one was set.
    pub time_limit: Option<f64>,
    /// What the check of certificate.json proved, or why it holds no proof.
    pub certified: Result<&'a str, &'a str>,
}

fn pct(x: f64) -> String {
    format!("{:.4}%", 100.0 * x)
}

impl SelectionReport<'_> {
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.inputs(&mut s);
        self.probabilities(&mut s);
        self.distribution(&mut s);
        self.stages(&mut s);
        self.drawn(&mut s);
        s
    }

    /// Time per stage: for the terminal only, so that report.txt is the
    /// same bytes for the same inputs, options and seed.
    pub fn render_timings(&self) -> String {
        let mut s = String::new();
        self.timings(&mut s);
        s
    }

    /// The run: version, inputs, algorithm, solver and seed.
    fn inputs(&self, s: &mut String) {
        let i = self.instance;
        let c = self.computed;
        let _ = writeln!(
            s,
            "kleroterion {} selection report",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(s);
        let status = if c.complete {
            "complete: optimal, certified below".to_string()
        } else {
            "STOPPED AT THE TIME LIMIT: the distribution is valid (every check below passed) but NOT optimal".to_string()
        };
        let _ = writeln!(s, "Algorithm: {} ({status})", c.objective.name());
        let _ = writeln!(
            s,
            "Pool:   {} ({} people, sha256 {})",
            i.pool.path.display(),
            i.n(),
            i.pool.sha256
        );
        let _ = writeln!(
            s,
            "Quotas: {} ({} values, sha256 {})",
            i.quotas.path.display(),
            i.quotas.values.len(),
            i.quotas.sha256
        );
        let _ = writeln!(
            s,
            "Panel size {}; household rule: {}",
            i.k,
            if i.households.columns.is_empty() {
                "none".to_string()
            } else {
                format!(
                    "{} households by {}",
                    i.households.groups.len(),
                    i.households.columns.join(", ")
                )
            }
        );
        let _ = writeln!(s, "Solver: {}", self.settings.describe());
        let _ = writeln!(
            s,
            "Time limit of the optimisation: {}",
            match (self.time_limit, c.complete) {
                (None, _) => "none".to_string(),
                (Some(t), true) => format!("{t} s (finished within it)"),
                (Some(t), false) => format!("{t} s (reached: the run stopped there)"),
            }
        );
        let _ = writeln!(
            s,
            "Tolerances: pricing {:e}, fixing dual {:e}, checks {:e}",
            crate::selection::optimise::PRICING_TOLERANCE,
            crate::selection::optimise::FIX_TOLERANCE,
            crate::selection::distribution::CHECK_TOLERANCE
        );
        let _ = writeln!(
            s,
            "Seed: \"{}\" (domain {})",
            self.seed,
            crate::random::SELECT_DOMAIN
        );
    }

    /// Selection probabilities: fairness figures and who had none.
    fn probabilities(&self, s: &mut String) {
        let i = self.instance;
        let c = self.computed;
        let f = Fairness::of(self.pi);
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Selection probabilities ({} people, {} profiles)",
            i.n(),
            self.profiles.len()
        );
        let _ = writeln!(s, "  minimum         {}", pct(f.min));
        let _ = writeln!(s, "  maximum         {}", pct(f.max));
        let _ = writeln!(s, "  mean            {} (= k/n)", pct(f.mean));
        let _ = writeln!(s, "  geometric mean  {}", pct(f.geometric_mean));
        let _ = writeln!(s, "  Gini            {}", pct(f.gini));
        let _ = writeln!(
            s,
            "  sum             {:.9} (= k)",
            self.pi.iter().sum::<f64>()
        );
        if let (crate::selection::optimise::Objective::Goldilocks(gamma), Some(first)) =
            (c.objective, c.stages.first())
        {
            let ratio = i.k as f64 / self.pi.iter().filter(|&&p| p > 0.0).count() as f64;
            let _ = writeln!(
                s,
                "Goldilocks (gamma {}): highest chance {:.4} × k/n, lowest {:.4} × k/n; objective (highest/(k/n) + gamma × (k/n)/lowest) {:.9}, and no distribution over quota-satisfying panels does better than {:.9} (its optimum over the quota polytope's LP relaxation, found by a search over the lowest chance){}.",
                gamma.0,
                f.max / ratio,
                f.min / ratio,
                first.value,
                first.bound,
                if c.complete {
                    format!(" (gap {:.2e})", (first.value - first.bound).max(0.0))
                } else {
                    "; this distribution did not reach that optimum, so it is not shown optimal"
                        .into()
                }
            );
        } else if let Some(first) = c.stages.first() {
            // NASH's one stage is the geometric mean; the others' first
            // stage is the minimum.
            let (what, meaning) = if c.objective == crate::selection::optimise::Objective::Nash {
                (
                    "the geometric mean",
                    "no distribution over quota-satisfying panels has a higher geometric mean of chances than the bound",
                )
            } else {
                (
                    "the minimum",
                    "no distribution over quota-satisfying panels gives everyone more than the bound",
                )
            };
            if first.bound.is_finite() {
                let _ = writeln!(
                    s,
                    "Optimality certificate for {what}: LP value {} and dual bound {} (gap {:.2e}): {meaning}.",
                    pct(first.value),
                    pct(first.bound),
                    (first.bound - first.value).max(0.0)
                );
            } else {
                let _ = writeln!(
                    s,
                    "No certificate for {what}: the run stopped before a bound was proven (value reached {}).",
                    pct(first.value)
                );
            }
        }
        let unselectable: Vec<&str> = c
            .unselectable
            .iter()
            .flat_map(|&t| self.profiles.profiles[t].members.iter())
            .map(|&p| i.pool.people[p].id.as_str())
            .collect();
        if unselectable.is_empty() {
            let _ = writeln!(s, "Everyone fits on some feasible panel.");
        } else {
            let _ = writeln!(
                s,
                "{} people fit on no feasible panel (probability 0): {}",
                unselectable.len(),
                unselectable.join(", ")
            );
        }
    }

    /// The distribution and its certificate.
    fn distribution(&self, s: &mut String) {
        let i = self.instance;
        let c = self.computed;
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Distribution: {} panels ({} profile panels with positive probability; {} generated; {} master LP and {} pricing solves)",
            self.distribution.panels.len(),
            c.distribution.panels.len(),
            c.columns,
            c.lp_solves,
            c.pricing_solves
        );
        let _ = writeln!(
            s,
            "Checks: every panel has {} members, meets every quota and the household rule; probabilities are >= 0 and sum to 1; per-person probabilities recomputed from the panels (largest deviation {:.1e}). All passed.",
            i.k, self.check_deviation
        );
    }

    /// The stages, one table row each, and the relaxation's search.
    fn stages(&self, s: &mut String) {
        let c = self.computed;
        let _ = writeln!(s);
        let mut t = TextTable::new(&[
            ("stage", true),
            ("value", true),
            ("dual bound", true),
            ("fixed", true),
            ("LPs", true),
            ("pricings", true),
        ]);
        for (n, st) in c.stages.iter().enumerate() {
            t.row(vec![
                (n + 1).to_string(),
                pct(st.value),
                if st.bound.is_finite() {
                    pct(st.bound)
                } else {
                    "none".to_string()
                },
                st.fixed.to_string(),
                st.lp_solves.to_string(),
                st.pricing_solves.to_string(),
            ]);
        }
        let _ = writeln!(s, "Stages");
        s.push_str(&t.render());
        let binding: Vec<String> = c
            .stages
            .iter()
            .enumerate()
            .filter(|(_, st)| !st.binding.is_empty())
            .map(|(n, st)| {
                let quotas: Vec<String> = st
                    .binding
                    .iter()
                    .map(|&(v, at_min)| {
                        format!(
                            "{} {}",
                            self.instance.quotas.label(v),
                            if at_min { "minimum" } else { "maximum" }
                        )
                    })
                    .collect();
                format!("  stage {}: {}", n + 1, quotas.join(", "))
            })
            .collect();
        if !binding.is_empty() {
            let _ = writeln!(
                s,
                "Quotas that bind each stage (from the duals of the stage's LP: these bounds are why the stage's people cannot have more)"
            );
            for b in binding {
                let _ = writeln!(s, "{b}");
            }
        }
        if let Some(target) = &c.target {
            use crate::selection::optimise::Objective;
            // (how the target was computed, where its shares come from, what
            // reaching it makes the distribution)
            let (how, source, what) = match c.objective {
                Objective::Nash => (
                    "NASH was first computed over the quota polytope's LP relaxation (LPs with tangent cuts of the logarithm, no panels): every distribution over panels lies in that polytope, so its optimum (the dual bound) bounds NASH",
                    "that optimum",
                    "NASH's optimum",
                ),
                Objective::Goldilocks(_) => (
                    "Goldilocks was first computed over the quota polytope's LP relaxation (a search over the lowest chance, one LP per step, no panels): every distribution over panels lies in that polytope, so its optimum bounds Goldilocks",
                    "that optimum",
                    "Goldilocks' optimum",
                ),
                Objective::Leximin | Objective::Maximin => (
                    "The stages are LEXIMIN over the quota polytope's LP relaxation (one LP each, not counted among the master LPs): every distribution over panels lies in that polytope, so each stage's LP optimum (the dual bound) bounds it",
                    "the stages",
                    "the LEXIMIN",
                ),
            };
            let peeled = if target.peeled > 0 {
                format!(
                    "; {} of its panels were peeled from the target, one per face of the polytope",
                    target.peeled
                )
            } else {
                String::new()
            };
            let reached = if c.complete {
                format!(
                    "every profile has {:.9} of it or more (tolerance {:e}), so this distribution is {what}.",
                    target.reached,
                    crate::selection::optimise::PRICING_TOLERANCE
                )
            } else {
                format!(
                    "it stopped (at the time limit, or short of the target) with every profile at {:.6} of it or more; this distribution is not {what}.",
                    target.reached
                )
            };
            let _ = writeln!(
                s,
                "{how}. Column generation then looked for panels giving every profile its share from {source} ({} LPs and {} pricing programs{peeled}): {reached}",
                target.lp_solves, target.pricing_solves,
            );
        }
        match self.certified {
            Ok(proved) => {
                let _ = writeln!(
                    s,
                    "Certificate: certificate.json holds each stage's dual solution; checked in exact rational arithmetic, without a solver (docs/certificate-spec.md), it proves that {proved}."
                );
            }
            Err(why) => {
                let _ = writeln!(s, "Certificate: certificate.json holds no proof: {why}.");
            }
        }
    }

    /// Time per stage.
    fn timings(&self, s: &mut String) {
        let c = self.computed;
        let _ = writeln!(s);
        let _ = writeln!(s, "Time per stage (not written to report.txt)");
        for (name, secs) in self.timings {
            let _ = writeln!(s, "  {name:<28} {secs:>9.3} s");
        }
        let _ = writeln!(
            s,
            "  (of which master LPs {:.3} s, pricing programs {:.3} s)",
            c.lp_seconds, c.pricing_seconds
        );
    }

    /// The drawn panel and its composition.
    fn drawn(&self, s: &mut String) {
        let i = self.instance;
        let _ = writeln!(s);
        let panel = &self.distribution.panels[self.drawn];
        let _ = writeln!(
            s,
            "Drawn: panel {} of distribution.csv (probability {:.6})",
            self.drawn + 1,
            self.distribution.probabilities[self.drawn]
        );
        s.push_str(&composition(i, Some(&panel.value_counts(i))));
    }
}
