//! A stage's `report.html`: the lottery as the public sees it, rendered
//! from the stage's committed files alone, so that `verify` re-renders it
//! and fails a page that says anything the files do not (the page is not
//! committed itself: it is checked instead).
//!
//! It shows the commitment and the seed rule, the lottery's figures, every
//! pseudonymous person's chance in the lottery (their appearances out of
//! m) sorted, the pool's composition against the quotas with each value's
//! expected panel count, and what pool.csv reveals. No pseudonym appears
//! in it; sealed categories are left out.

use std::fmt::Write as _;

use crate::audit::bundle::Manifest;
use crate::model::instance::Instance;
use crate::model::panel::Panel;
use crate::report::html::{self, esc};
use crate::report::svg;

/// The name of the page in a stage's directory.
pub const REPORT_FILE: &str = "report.html";

/// The page of a stage: its commitment, manifest, pseudonymous instance
/// and lottery panels.
pub fn stage_html(
    commitment: &str,
    manifest: &Manifest,
    instance: &Instance,
    panels: &[Panel],
) -> String {
    let n = instance.n();
    let m = panels.len().max(1);
    let k = manifest.panel_size;
    let mut appearances = vec![0u32; n];
    for p in panels {
        for &i in p.members() {
            if i < n {
                appearances[i] += 1;
            }
        }
    }
    let mut chances: Vec<f64> = appearances
        .iter()
        .map(|&a| f64::from(a) / m as f64)
        .collect();
    let pct = |x: f64| format!("{:.2}%", 100.0 * x);
    let figure = |s: &str| s.parse::<f64>().map_or(s.to_string(), pct);
    let s = &manifest.summary;
    let mut b = String::new();
    let stage = if manifest.stage == 0 {
        "Lottery".to_string()
    } else {
        format!("Replacement round {}", manifest.stage)
    };
    let _ = writeln!(b, "<h1>{stage}: the public lottery of the panel</h1>");
    let _ = writeln!(
        b,
        "<p class=\"note\">{}, {} panels of {} from {} people</p>",
        esc(&manifest.tool),
        m,
        k,
        n
    );
    let summary = format!(
        "The panel will be one of {m} panels, each meeting every quota{}, drawn with equal chances from a public seed. The files of this lottery were fixed before the seed existed: their SHA-256 commitment is {commitment}. The seed will be {}. Anyone can recompute the panel number from the seed and check every file with kleroterion's verify or by the published specification. Computed by {} ({}): each person's exact chance is between {} and {} (Gini {}); in the lottery of {m} panels, between {} and {} (Gini {}), and nobody's chance moved by more than {}/{m} in the rounding.",
        crate::report::household_clause(manifest.household_rule),
        manifest.seed_rule.describe(),
        manifest.algorithm.to_uppercase(),
        if manifest.optimisation_complete {
            "optimal"
        } else {
            "stopped at its time limit, not optimal"
        },
        figure(&s.exact.minimum),
        figure(&s.exact.maximum),
        s.exact.gini,
        figure(&s.lottery.minimum),
        figure(&s.lottery.maximum),
        s.lottery.gini,
        manifest.change_bound,
    );
    let _ = writeln!(
        b,
        "<h2>Summary</h2>\n<p class=\"summary\">{}</p>",
        esc(&summary)
    );
    let _ = writeln!(
        b,
        "<h2>Commitment and seed rule</h2>\n<table><tbody><tr><th scope=\"row\">Commitment</th><td class=\"digest\">{}</td></tr><tr><th scope=\"row\">Seed rule</th><td>{}</td></tr><tr><th scope=\"row\">Source of the seed</th><td>{}</td></tr></tbody></table>",
        esc(commitment),
        esc(&manifest.seed_rule.describe()),
        esc(&manifest.seed_rule.source)
    );

    // Chances.
    chances.sort_by(f64::total_cmp);
    let ratio = k as f64 / n.max(1) as f64;
    let desc = format!(
        "The {n} people of the pool sorted by their chance in the lottery (panels that include them out of {m}): lowest {}, median {}, highest {}; the dashed line is k/n = {}.",
        pct(chances.first().copied().unwrap_or(0.0)),
        pct(crate::report::quantile(&chances, 0.5)),
        pct(chances.last().copied().unwrap_or(0.0)),
        pct(ratio)
    );
    let _ = writeln!(b, "<h2>Everyone's chance in the lottery</h2>");
    let chart = svg::sorted_curves(
        "chances",
        "Everyone's chance in the lottery, sorted",
        &desc,
        &[svg::Curve {
            class: "chance",
            label: "chance in the lottery",
            colour: svg::PANEL,
            values: &chances,
        }],
        (ratio, &format!("k/n = {}", pct(ratio))),
    );
    b.push_str(&html::figure(&chart, &desc));

    // Composition.
    let _ = writeln!(b, "<h2>The pool against the quotas</h2>");
    b.push_str(&html::legend(&[
        ("pool", "share of the pool"),
        ("band", "quota (allowed range)"),
        ("panel", "expected share of the panel"),
    ]));
    let q = &instance.quotas;
    let counts = instance.pool.value_counts(q);
    let mut expected = vec![0.0f64; q.values.len()];
    for (i, person) in instance.pool.people.iter().enumerate() {
        for &v in &person.values {
            expected[v] += f64::from(appearances[i]) / m as f64;
        }
    }
    b.push_str(&crate::report::composition_figures(
        instance,
        crate::report::Measured::Expected(&expected),
        &manifest.sealed,
    ));
    let rows: Vec<Vec<String>> = q
        .categories
        .iter()
        .filter(|cat| !manifest.sealed.contains(&cat.name))
        .flat_map(|cat| cat.values.iter().map(move |&v| (cat, v)))
        .map(|(cat, v)| {
            let quota = &q.values[v];
            vec![
                cat.name.clone(),
                quota.name.clone(),
                counts[v].to_string(),
                quota.min.to_string(),
                quota.max.to_string(),
                format!("{:.2}", expected[v]),
            ]
        })
        .collect();
    b.push_str(&html::table(
        Some("In numbers (expected: over the lottery's panels)"),
        &[
            ("category", false),
            ("value", false),
            ("pool", true),
            ("min", true),
            ("max", true),
            ("expected", true),
        ],
        &rows,
    ));
    if !manifest.sealed.is_empty() {
        b.push_str(&html::p(&format!(
            "Sealed categories, not shown: {} (an auditor with the key checks their quotas).",
            manifest.sealed.join(", ")
        )));
    }

    // Disclosure.
    let d = &manifest.disclosure;
    let _ = writeln!(b, "<h2>What the published files reveal</h2>");
    b.push_str(&html::p(&format!(
        "pool.csv lists every volunteer under a pseudonym with their values of {}. {} of {} people are alone in their group of equal values and {} are in groups of fewer than {}: whoever knows a person's values can find their row. About {} of the {} panel members are expected to be unique. No name, contact or address is published.",
        d.columns.join(", "),
        d.unique,
        n,
        d.fewer_than_5,
        crate::audit::bundle::SMALL_GROUP,
        d.expected_unique_on_panel,
        k
    )));
    let _ = writeln!(b, "<h2>How to check it</h2>");
    b.push_str(&html::p(
        "Once the seed is public, kleroterion's verify, given this bundle, the published commitment and the seed, checks every file (this page included: it must be exactly what the committed files give) and the draw. docs/draw-spec.md and docs/certificate-spec.md specify every check, so that it can be re-implemented.",
    ));
    html::page(&format!("{stage}: public lottery"), &b)
}

/// `verify`'s report as a page: the verdict, then every check with its
/// status, what it means and what was found. Bundle text in the details
/// is escaped; nothing in it can change the page.
pub fn verify_html(bundle: &str, checks: &[crate::audit::Check]) -> String {
    use crate::audit::Status;
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let (failed, open) = (count(Status::Fail), count(Status::Unverified));
    let (class, verdict) = if failed > 0 {
        (
            "fail",
            format!("FAILED: {failed} of {} checks failed", checks.len()),
        )
    } else if open > 0 {
        (
            "open",
            format!(
                "NOT VERIFIED: nothing failed, but {open} of {} checks could not be made",
                checks.len()
            ),
        )
    } else {
        (
            "pass",
            format!("VERIFIED: all {} checks passed", checks.len()),
        )
    };
    let mut b = String::new();
    let _ = writeln!(b, "<h1>Verification of an audit bundle</h1>");
    let _ = writeln!(
        b,
        "<p class=\"note\">kleroterion {}, bundle {}</p>",
        env!("CARGO_PKG_VERSION"),
        esc(bundle)
    );
    let _ = writeln!(b, "<p class=\"summary {class}\">{}</p>", esc(&verdict));
    b.push_str(&html::p(
        "PASS: checked and true. FAIL: checked and false: do not trust the lottery until it is explained. NOT CHECKED: nothing wrong was found, but the check needs something the bundle alone does not give (the published commitment or seed, the auditor's key, or recomputing the lottery); the detail says what.",
    ));
    let _ = writeln!(
        b,
        "<table class=\"wide\">\n<colgroup><col class=\"narrow\"><col class=\"tiny\"><col class=\"mid\"><col><col></colgroup>\n<thead><tr><th scope=\"col\">result</th><th scope=\"col\">stage</th><th scope=\"col\">check</th><th scope=\"col\">what it means</th><th scope=\"col\">what was found</th></tr></thead>\n<tbody>"
    );
    for c in checks {
        let class = match c.status {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unverified => "open",
        };
        let _ = writeln!(
            b,
            "<tr><td class=\"{class}\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            c.status.word(),
            c.stage,
            esc(c.kind.name()),
            esc(c.kind.meaning()),
            esc(&c.detail)
        );
    }
    b.push_str("</tbody>\n</table>\n");
    html::page("Verification of an audit bundle", &b)
}
