//! The selection report (report.txt): the run, every person's probability
//! summarised, the distribution with its optimality certificate, the
//! stages, the time taken and the drawn panel.

use std::fmt::Write as _;

use super::explain::{Binds, Class, Explanations};
use super::html::legend;
use super::html::{self, esc};
use super::svg;
use super::{TextTable, composition, household_clause, quantile};
use crate::model::instance::Instance;
use crate::selection::distribution::Fairness;

/// Everything the selection report shows.
/// A section another part of the library adds at the end of a selection
/// report, already rendered (stage one's replies per stratum).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extra {
    pub text: String,
    pub html: String,
}

pub struct SelectionReport<'a> {
    /// A section added at the end.
    pub extra: Option<&'a Extra>,
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
    /// Why each person has their chance.
    pub explanations: &'a Explanations,
    /// LEGACY's chances estimated from seeded draws, for comparison.
    pub legacy: Option<&'a LegacyEstimate>,
}

/// LEGACY's chances estimated by counting how often each person was in
/// `draws` seeded LEGACY draws.
#[derive(Debug, Clone)]
pub struct LegacyEstimate {
    pub draws: usize,
    /// Per person: selections / draws.
    pub chances: Vec<f64>,
}

impl LegacyEstimate {
    /// The chances from lowest to highest.
    pub fn sorted(&self) -> Vec<f64> {
        let mut s = self.chances.clone();
        s.sort_by(f64::total_cmp);
        s
    }

    /// "lowest …, median …, highest …; N people were never drawn".
    pub fn describe(&self) -> String {
        let s = self.sorted();
        format!(
            "lowest {}, median {}, highest {}; {} people were never drawn",
            pct2(s.first().copied().unwrap_or(0.0)),
            pct2(quantile(&s, 0.5)),
            pct2(s.last().copied().unwrap_or(0.0)),
            s.iter().filter(|&&x| x == 0.0).count()
        )
    }
}

fn pct(x: f64) -> String {
    format!("{:.4}%", 100.0 * x)
}

fn pct2(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

/// The inputs' lines of a report: both files with their digests, the
/// panel size and the household rule. A `public` page names the files
/// without their folders (the organiser's user name, say).
fn input_lines(i: &Instance, public: bool) -> String {
    let shown = |p: &std::path::Path| match p.file_name() {
        Some(name) if public => name.to_string_lossy().into_owned(),
        _ => p.display().to_string(),
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Pool:   {} ({} people, sha256 {})",
        shown(&i.pool.path),
        i.n(),
        i.pool.sha256
    );
    let _ = writeln!(
        s,
        "Quotas: {} ({} values, sha256 {})",
        shown(&i.quotas.path),
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
    s
}

/// The composition section: per category a chart of pool share, quota
/// band and panel share, then the numbers as a table (with the expected
/// panel counts when the chances are known).
pub fn composition_html(
    i: &Instance,
    panel_counts: &[u32],
    explanations: Option<&Explanations>,
) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<h2>Composition of the panel</h2>");
    b.push_str(&legend(&[
        ("pool", "share of the pool"),
        ("band", "quota (allowed range)"),
        ("panel", "share of the drawn panel"),
    ]));
    b.push_str(&super::composition_figures(
        i,
        super::Measured::Drawn(panel_counts),
        &[],
    ));
    let pool_counts = i.pool.value_counts(&i.quotas);
    let rows: Vec<Vec<String>> = i
        .quotas
        .categories
        .iter()
        .flat_map(|cat| cat.values.iter().map(move |&v| (cat, v)))
        .map(|(cat, v)| {
            let q = &i.quotas.values[v];
            let mut row = vec![
                cat.name.clone(),
                q.name.clone(),
                pool_counts[v].to_string(),
                format!("{:.1}%", 100.0 * pool_counts[v] as f64 / i.n() as f64),
                q.min.to_string(),
                q.max.to_string(),
                panel_counts[v].to_string(),
            ];
            if let Some(e) = explanations {
                row.push(format!("{:.2}", e.values[v].expected));
            }
            row
        })
        .collect();
    let mut header = vec![
        ("category", false),
        ("value", false),
        ("pool", true),
        ("pool share", true),
        ("min", true),
        ("max", true),
        ("panel", true),
    ];
    if explanations.is_some() {
        header.push(("expected", true));
    }
    b.push_str(&html::table(
        Some(if explanations.is_some() {
            "Composition in numbers (the expected panel count is over the whole lottery)"
        } else {
            "Composition in numbers"
        }),
        &header,
        &rows,
    ));

    b
}

impl SelectionReport<'_> {
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.inputs(&mut s, false);
        self.probabilities(&mut s);
        self.why(&mut s);
        self.distribution(&mut s);
        self.drawn(&mut s);
        let _ = writeln!(s, "\nAppendix: the stages");
        self.stages(&mut s);
        if let Some(e) = self.extra {
            s.push_str(&e.text);
        }
        s
    }

    /// A few lines for a quiet run.
    pub fn render_summary(&self) -> String {
        let i = self.instance;
        let c = self.computed;
        let e = self.explanations;
        let f = Fairness::of(self.pi);
        let zero = e.count(Class::Zero);
        format!(
            "{} ({}): {}lowest chance {} ({} people), median {}, highest {} ({} near-certain); k/n {}.\nDrew panel {} of {}; it meets every quota{}. The whole report: report.txt and report.html.\n",
            c.objective.name(),
            if c.complete {
                "optimal, certified"
            } else {
                "STOPPED AT THE TIME LIMIT, not optimal"
            },
            if zero > 0 {
                format!("{zero} people fit on no panel (chance 0); of the others, ")
            } else {
                String::new()
            },
            pct2(e.lowest),
            e.count(Class::Lowest),
            pct2(e.median),
            pct2(f.max),
            e.count(Class::NearCertain),
            pct2(i.k as f64 / i.n() as f64),
            self.drawn + 1,
            self.distribution.panels.len(),
            household_clause(!i.households.columns.is_empty())
        )
    }

    /// Who has the lowest chance and who is near-certain, and why.
    fn why(&self, s: &mut String) {
        let e = self.explanations;
        let i = self.instance;
        let _ = writeln!(s);
        let lowest = e.count(Class::Lowest);
        let _ = writeln!(
            s,
            "Lowest chance: {lowest} of {} people have {} (k/n is {}).",
            i.n(),
            pct(e.lowest),
            pct(i.k as f64 / i.n() as f64)
        );
        for (reason, people) in e.reasons_in(Class::Lowest) {
            let _ = writeln!(
                s,
                "  {people} because {}",
                self.reason_words(reason, Class::Lowest)
            );
        }
        let near = e.count(Class::NearCertain);
        let _ = writeln!(
            s,
            "Near-certain (chance {}% or more): {near} people.",
            100.0 * super::explain::NEAR_CERTAIN
        );
        for (reason, people) in e.reasons_in(Class::NearCertain) {
            let _ = writeln!(
                s,
                "  {people} because {}",
                self.reason_words(reason, Class::NearCertain)
            );
        }
        let _ = writeln!(
            s,
            "(explanations.csv gives every person's chance and reason; report.html shows them with charts.)"
        );
    }

    fn reason_words(&self, reason: Option<(usize, Binds)>, class: Class) -> String {
        self.explanations.words(self.instance, reason, class)
    }

    /// report.html: the same facts with charts, for organisers and the
    /// public (no person's id or data appears in it).
    pub fn render_html(&self) -> String {
        let i = self.instance;
        let c = self.computed;
        let e = self.explanations;
        let f = Fairness::of(self.pi);
        let mut sorted = self.pi.to_vec();
        sorted.sort_by(f64::total_cmp);
        let ratio = i.k as f64 / i.n() as f64;
        let median = e.median;
        let zero = e.count(Class::Zero);
        let mut b = String::new();
        let _ = writeln!(
            b,
            "<h1>Selection report</h1>\n<p class=\"note\">kleroterion {}, {} of {} volunteers</p>",
            env!("CARGO_PKG_VERSION"),
            i.k,
            i.n()
        );
        let status = if c.complete {
            "optimal and certified"
        } else {
            "stopped at the time limit: every panel is valid, but the chances are not optimal"
        };
        let near = e.count(Class::NearCertain);
        let mut summary = format!(
            "From a pool of {} volunteers, a panel of {} was drawn by lot with the {} algorithm ({status}). Every panel the lottery could have drawn meets every quota{}. Each volunteer's chance of selection is known exactly: {}the lowest is {} (shared by {} people), the typical (median) chance is {}, and the highest is {}{}; the average is k/n = {}. The Gini coefficient of the chances is {:.3} (0 would be everyone equal). The panel was drawn with the seed \"{}\". SHA-256 of the volunteers file: {}; of the quotas file: {}.",
            i.n(),
            i.k,
            c.objective.name(),
            household_clause(!i.households.columns.is_empty()),
            if zero > 0 {
                format!(
                    "{zero} of them fit on no panel that meets the quotas, so their chance is 0; among the other {}, ",
                    i.n() - zero
                )
            } else {
                String::new()
            },
            pct2(e.lowest),
            e.count(Class::Lowest),
            pct2(median),
            pct2(f.max),
            if near > 0 {
                format!(" ({near} people are near-certain, at 99.99% or more)")
            } else {
                String::new()
            },
            pct2(ratio),
            f.gini,
            self.seed,
            i.pool.sha256,
            i.quotas.sha256
        );
        if let Some(l) = self.legacy {
            let _ = write!(
                summary,
                " For comparison, in {} seeded draws of the Sortition Foundation's LEGACY greedy method on the same files, the estimated chances were: {}.",
                l.draws,
                l.describe()
            );
        }
        let _ = writeln!(
            b,
            "<h2>Summary</h2>\n<p class=\"summary\">{}</p>",
            esc(&summary)
        );

        // Composition.
        let panel = &self.distribution.panels[self.drawn];
        b.push_str(&composition_html(i, &panel.value_counts(i), Some(e)));

        // Chances.
        let _ = writeln!(b, "<h2>Everyone's chance of selection</h2>");
        let mut curves = vec![svg::Curve {
            class: "chance",
            label: c.objective.name(),
            colour: svg::PANEL,
            values: &sorted,
        }];
        let legacy_sorted;
        if let Some(l) = self.legacy {
            legacy_sorted = l.sorted();
            curves.push(svg::Curve {
                class: "legacy",
                label: "LEGACY (estimated)",
                colour: svg::SECOND,
                values: &legacy_sorted,
            });
        }
        let mut desc = format!(
            "{} volunteers sorted by their chance under {}: lowest {}, 10th percentile {}, median {}, 90th percentile {}, highest {}; the dashed line is k/n = {}.",
            i.n(),
            c.objective.name(),
            pct2(sorted[0]),
            pct2(quantile(&sorted, 0.1)),
            pct2(median),
            pct2(quantile(&sorted, 0.9)),
            pct2(sorted[sorted.len() - 1]),
            pct2(ratio)
        );
        if let Some(l) = self.legacy {
            let _ = write!(
                desc,
                " LEGACY, estimated from {} draws: {}.",
                l.draws,
                l.describe()
            );
        }
        let chart = svg::sorted_curves(
            "chances",
            "Everyone's chance, sorted",
            &desc,
            &curves,
            (ratio, &format!("k/n = {}", pct2(ratio))),
        );
        b.push_str(&html::figure(&chart, &desc));

        // Why.
        let _ = writeln!(b, "<h2>Why the chances differ</h2>");
        b.push_str(&html::p(&format!(
            "Quotas make some groups scarce and others plentiful. Where a group has more volunteers than its quota has seats, its members share fewer seats; where a quota asks for more of a group than the pool has to spare, its members are needed on most panels. {} makes the lowest chance as high as it can be{}, then the next lowest, and so on.",
            c.objective.name(),
            if c.complete { " (proven below)" } else { "" }
        )));
        if zero > 0 {
            let _ = writeln!(
                b,
                "<h3>No chance: {zero} of {} people fit on no panel</h3>",
                i.n()
            );
            b.push_str(&html::p(
                "No panel that meets every quota (and the household rule) can include them, whatever the algorithm: a quota that excludes on purpose (an eligibility quota with a maximum of 0) does this, and so can quotas that leave a combination of values no room. kleroterion's check lists them.",
            ));
        }
        let _ = writeln!(
            b,
            "<h3>The lowest chance: {} of {} people at {}</h3>",
            e.count(Class::Lowest),
            i.n(),
            esc(&pct2(e.lowest))
        );
        b.push_str(&self.reasons_table(Class::Lowest));
        let _ = writeln!(b, "<h3>Near-certain: {near} people at 99.99% or more</h3>");
        if near > 0 {
            b.push_str(&self.reasons_table(Class::NearCertain));
        } else {
            b.push_str(&html::p("Nobody is near-certain to be selected."));
        }
        let binding: Vec<Vec<String>> = (0..i.quotas.values.len())
            .filter(|&v| e.values[v].at_min || e.values[v].at_max)
            .map(|v| {
                let q = &i.quotas.values[v];
                let fact = &e.values[v];
                vec![
                    i.quotas.categories[q.category].name.clone(),
                    q.name.clone(),
                    fact.pool.to_string(),
                    match (fact.at_min, fact.at_max) {
                        (true, true) => format!("exactly {} (min = max)", q.min),
                        (true, false) => format!("at its minimum, {}", q.min),
                        _ => format!("at its maximum, {}", q.max),
                    },
                    pct2(fact.average),
                ]
            })
            .collect();
        b.push_str(&html::table(
            Some("Quotas that are at a bound on every panel of the lottery"),
            &[
                ("category", false),
                ("value", false),
                ("volunteers", true),
                ("seats on every panel", false),
                ("their average chance", true),
            ],
            &binding,
        ));
        b.push_str(&html::p(
            "explanations.csv (private: it names people) gives every volunteer's chance, group and reason.",
        ));

        // Certificate.
        let _ = writeln!(b, "<h2>Proof of optimality</h2>");
        b.push_str(&html::p(&match self.certified {
            Ok(proved) => format!(
                "certificate.json holds each stage's dual solution. Checked in exact rational arithmetic without a solver (docs/certificate-spec.md; kleroterion verify does it, and so can an independent checker), it proves that {proved}."
            ),
            Err(why) => format!("certificate.json holds no proof: {why}."),
        }));

        // Appendix.
        let _ = writeln!(
            b,
            "<section class=\"appendix\">\n<h2>Appendix: how it was computed</h2>"
        );
        let mut text = String::new();
        self.inputs(&mut text, true);
        self.distribution(&mut text);
        self.stages(&mut text);
        let _ = writeln!(
            text,
            "\nDrawn: panel {} of distribution.csv (probability {:.6})",
            self.drawn + 1,
            self.distribution.probabilities[self.drawn]
        );
        let _ = writeln!(b, "<pre>{}</pre>\n</section>", esc(&text));
        if let Some(e) = self.extra {
            b.push_str(&e.html);
        }
        html::page("Selection report", &b)
    }

    /// The reasons of one class as a table: people, reason.
    fn reasons_table(&self, class: Class) -> String {
        let rows: Vec<Vec<String>> = self
            .explanations
            .reasons_in(class)
            .into_iter()
            .map(|(reason, people)| vec![people.to_string(), self.reason_words(reason, class)])
            .collect();
        html::table(None, &[("people", true), ("why", false)], &rows)
    }

    /// Time per stage: for the terminal only, so that report.txt is the
    /// same bytes for the same inputs, options and seed.
    pub fn render_timings(&self) -> String {
        let mut s = String::new();
        self.timings(&mut s);
        s
    }

    /// The run: version, inputs, algorithm, solver and seed.
    /// `public`: the files by name only (see [`input_lines`]).
    fn inputs(&self, s: &mut String, public: bool) {
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
        s.push_str(&input_lines(i, public));
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
                "Goldilocks (gamma {}): highest chance {:.4} × k/n, lowest {:.4} × k/n; objective (highest/(k/n) + gamma × (k/n)/lowest) {:.9}, and no distribution over quota-satisfying panels does better than {:.9} ({}){}.",
                gamma.0,
                f.max / ratio,
                f.min / ratio,
                first.value,
                first.bound,
                if c.target.is_some() {
                    "its optimum over the quota polytope's LP relaxation, found by a search over the lowest chance"
                } else {
                    "the panels cannot reach the relaxation's optimum here, so the search over the lowest chance ran over panels: each step a linear program over panels whose dual bounds the highest chance at every lowest chance"
                },
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
                    "NASH was first computed over the quota polytope's LP relaxation (LPs whose shares are mixtures of breakpoints of the logarithm, no panels): every distribution over panels lies in that polytope, so its optimum (the dual bound) bounds NASH",
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

/// LEGACY's report: the run, the drawn panel's composition and, with a
/// comparison, LEGACY's chances estimated from seeded draws. LEGACY's own
/// chances are unknown, which the report says.
pub struct LegacyReport<'a> {
    /// A section added at the end.
    pub extra: Option<&'a Extra>,
    pub instance: &'a Instance,
    pub panel_counts: &'a [u32],
    pub seed: &'a str,
    /// The attempt (1-based) that completed the panel.
    pub attempt: u32,
    pub legacy: Option<&'a LegacyEstimate>,
}

impl LegacyReport<'_> {
    /// The run's lines; `public` as for [`input_lines`].
    fn head(&self, public: bool) -> String {
        let i = self.instance;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "kleroterion {} selection report",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Algorithm: LEGACY (the Sortition Foundation's greedy draw: it meets every quota, but nobody's chance of selection is known)"
        );
        s.push_str(&input_lines(i, public));
        let _ = writeln!(
            s,
            "Seed: \"{}\" (domain {}); the panel was completed at attempt {}",
            self.seed,
            crate::random::LEGACY_DOMAIN,
            self.attempt
        );
        s
    }

    fn estimate_words(&self) -> Option<String> {
        let l = self.legacy?;
        Some(format!(
            "LEGACY's chances, estimated from {} seeded draws (seeds \"<seed>/compare-legacy/<i>\"): {}. An estimate from N draws is within about 1/sqrt(N) of the true chance.",
            l.draws,
            l.describe()
        ))
    }

    /// report.txt.
    pub fn render(&self) -> String {
        let mut s = self.head(false);
        let _ = writeln!(s);
        if let Some(w) = self.estimate_words() {
            let _ = writeln!(s, "{w}");
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "Drawn panel: every quota checked");
        s.push_str(&composition(self.instance, Some(self.panel_counts)));
        if let Some(e) = self.extra {
            s.push_str(&e.text);
        }
        s
    }

    /// report.html.
    pub fn render_html(&self) -> String {
        let i = self.instance;
        let mut b = String::new();
        let _ = writeln!(
            b,
            "<h1>Selection report</h1>\n<p class=\"note\">kleroterion {}, {} of {} volunteers, LEGACY</p>",
            env!("CARGO_PKG_VERSION"),
            i.k,
            i.n()
        );
        let mut summary = format!(
            "From a pool of {} volunteers, a panel of {} was drawn with LEGACY, the Sortition Foundation's original greedy method. The panel meets every quota{}, but LEGACY does not compute anyone's chance of selection, so nobody can be told theirs. The draw used the seed \"{}\". SHA-256 of the volunteers file: {}; of the quotas file: {}.",
            i.n(),
            i.k,
            household_clause(!i.households.columns.is_empty()),
            self.seed,
            i.pool.sha256,
            i.quotas.sha256
        );
        if let Some(w) = self.estimate_words() {
            summary.push(' ');
            summary.push_str(&w);
        }
        let _ = writeln!(
            b,
            "<h2>Summary</h2>\n<p class=\"summary\">{}</p>",
            esc(&summary)
        );
        b.push_str(&composition_html(i, self.panel_counts, None));
        if let Some(l) = self.legacy {
            let sorted = l.sorted();
            let ratio = i.k as f64 / i.n() as f64;
            let desc = self.estimate_words().unwrap_or_default();
            let _ = writeln!(b, "<h2>Everyone's chance of selection (estimated)</h2>");
            let chart = svg::sorted_curves(
                "chances",
                "LEGACY's estimated chances, sorted",
                &desc,
                &[svg::Curve {
                    class: "legacy",
                    label: "LEGACY (estimated)",
                    colour: svg::SECOND,
                    values: &sorted,
                }],
                (ratio, &format!("k/n = {}", pct2(ratio))),
            );
            b.push_str(&html::figure(&chart, &desc));
        }
        let _ = writeln!(
            b,
            "<section class=\"appendix\">\n<h2>Appendix: the run</h2>\n<pre>{}</pre>\n</section>",
            esc(&self.head(true))
        );
        if let Some(e) = self.extra {
            b.push_str(&e.html);
        }
        html::page("Selection report (LEGACY)", &b)
    }
}
