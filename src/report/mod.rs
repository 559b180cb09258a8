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
