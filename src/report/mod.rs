//! Reports people read: plain-text tables and the pool's composition
//! (here), the selection report (`selection`), and the plan's reports
//! (`plan`).

pub mod explain;
pub mod html;
pub mod plan;
pub mod selection;
pub mod svg;

pub use selection::SelectionReport;

use std::fmt::Write as _;

use crate::model::instance::Instance;

/// A plain-text table with left-aligned text and right-aligned numbers.
#[derive(Debug, Default)]
pub struct TextTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl TextTable {
    /// `columns`: (name, right-aligned?).
    pub fn new(columns: &[(&str, bool)]) -> TextTable {
        TextTable {
            header: columns.iter().map(|c| c.0.to_string()).collect(),
            rows: Vec::new(),
            right: columns.iter().map(|c| c.1).collect(),
        }
    }

    /// A row; a cell longer than 80 characters is cut (with "…") so one
    /// long value cannot pad every line of the table.
    pub fn row(&mut self, cells: Vec<String>) {
        const WIDEST: usize = 80;
        let cut = |c: String| match c.char_indices().nth(WIDEST) {
            Some((i, _)) => format!("{}…", &c[..i]),
            None => c,
        };
        self.rows.push(cells.into_iter().map(cut).collect());
    }

    pub fn render(&self) -> String {
        let mut width: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i > 0 {
                    s.push_str("  ");
                }
                let pad = width[i].saturating_sub(c.chars().count());
                if self.right[i] {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    if i + 1 < cells.len() {
                        s.push_str(&" ".repeat(pad));
                    }
                }
            }
            s.push('\n');
            s
        };
        let mut out = line(&self.header);
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

/// The pool's composition against the quotas: per value the pool count and
/// share, the bounds and, when given, a panel's counts.
pub fn composition(instance: &Instance, panel_counts: Option<&[u32]>) -> String {
    let q = &instance.quotas;
    let counts = instance.pool.value_counts(q);
    let n = instance.n() as f64;
    let mut cols = vec![
        ("category", false),
        ("value", false),
        ("pool", true),
        ("share", true),
        ("min", true),
        ("max", true),
    ];
    if panel_counts.is_some() {
        cols.push(("panel", true));
    }
    let mut t = TextTable::new(&cols);
    for cat in &q.categories {
        for &v in &cat.values {
            let quota = &q.values[v];
            let mut row = vec![
                cat.name.clone(),
                quota.name.clone(),
                counts[v].to_string(),
                format!("{:.1}%", 100.0 * counts[v] as f64 / n),
                quota.min.to_string(),
                quota.max.to_string(),
            ];
            if let Some(pc) = panel_counts {
                row.push(pc[v].to_string());
            }
            t.row(row);
        }
    }
    t.render()
}

/// " and the household rule" when there is one, for sentences like
/// "meets every quota{}".
pub fn household_clause(rule: bool) -> &'static str {
    if rule { " and the household rule" } else { "" }
}

/// The value at quantile `q` of sorted `v` (nearest rank); 0 when empty.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// What the blue bars of a composition chart count.
#[derive(Debug, Clone, Copy)]
pub enum Measured<'a> {
    /// A drawn panel's count per quota value.
    Drawn(&'a [u32]),
    /// The expected count per quota value over a lottery not drawn yet.
    Expected(&'a [f64]),
    /// Nothing drawn or computed yet: the pool against the quotas only.
    Nothing,
}

/// Per category (but those named in `skip`), a chart of the pool's share,
/// the quota's band and the measured share of each value, with a text
/// alternative: the composition pictures of select's page and a lottery
/// stage's page.
pub fn composition_figures(i: &Instance, measured: Measured, skip: &[String]) -> String {
    use svg::BarRow;
    let q = &i.quotas;
    let pool = i.pool.value_counts(q);
    let (n, k) = (i.n() as f64, i.k as f64);
    let (words, caption) = match measured {
        Measured::Drawn(_) => (
            "on the panel",
            "grey bars are shares of the pool, orange boxes the quota's allowed range, blue bars the drawn panel (its count at the right)",
        ),
        Measured::Expected(_) => (
            "expected on the panel (rounded; no panel is drawn yet)",
            "grey bars are shares of the pool, orange boxes the quota's allowed range, blue bars the expected panel (its rounded count at the right)",
        ),
        Measured::Nothing => (
            "",
            "grey bars are shares of the pool (its count at the right), orange boxes the quota's allowed range",
        ),
    };
    let count = |v: usize| match measured {
        Measured::Drawn(c) => Some(f64::from(c[v])),
        Measured::Expected(e) => Some(e[v]),
        Measured::Nothing => None,
    };
    let mut out = String::new();
    // Charts are numbered by their place among those shown, so that a
    // stage's page rendered with a sealed category skipped and one
    // rendered without it (a reviewer without the auditor's key) are the
    // same bytes.
    let shown = q.categories.iter().filter(|c| !skip.contains(&c.name));
    for (ci, cat) in shown.enumerate() {
        let rows: Vec<BarRow> = cat
            .values
            .iter()
            .map(|&v| BarRow {
                label: q.values[v].name.clone(),
                reference: pool[v] as f64 / n,
                reference_count: pool[v],
                band: (
                    f64::from(q.values[v].min) / k,
                    f64::from(q.values[v].max) / k,
                ),
                band_counts: (q.values[v].min, q.values[v].max),
                measured: count(v).map(|c| (c / k, c.round() as u32)),
                measured_words: words,
            })
            .collect();
        let desc = cat
            .values
            .iter()
            .map(|&v| {
                let quota = &q.values[v];
                let measured = match measured {
                    Measured::Drawn(c) => format!(", {} on the panel", c[v]),
                    Measured::Expected(e) => format!(", {:.2} expected on the panel", e[v]),
                    Measured::Nothing => String::new(),
                };
                format!(
                    "{}: {} in the pool ({:.1}%), quota {} to {}{measured}",
                    quota.name,
                    pool[v],
                    100.0 * pool[v] as f64 / n,
                    quota.min,
                    quota.max
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let chart = svg::bar_rows(
            &format!("composition-{}", ci + 1),
            &match measured {
                Measured::Nothing => format!("{}: pool and quota", cat.name),
                _ => format!("{}: pool, quota and panel", cat.name),
            },
            &desc,
            &rows,
        );
        let _ = writeln!(out, "<h3>{}</h3>", html::esc(&cat.name));
        out.push_str(&html::figure(&chart, &format!("{}: {caption}.", cat.name)));
    }
    out
}

/// A titled list for reports: `Title: none`, or `Title (n):` and one
/// indented line per item.
pub fn list(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        let _ = writeln!(out, "{title}: none");
    } else {
        let _ = writeln!(out, "{title} ({}):", items.len());
        for i in items {
            let _ = writeln!(out, "  {i}");
        }
    }
}
