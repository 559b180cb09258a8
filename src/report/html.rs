//! The HTML reports' page: one self-contained file (inline CSS and SVG, no
//! script, nothing fetched), readable on screen and printable on A4.

use std::fmt::Write as _;

pub use crate::logistics::export::esc;

/// Screen and A4 print styles. Charts scale to the text width; tables and
/// charts are not split across pages; the appendix starts a new page.
pub const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:48em;margin:2em auto;padding:0 1em;color:#111;line-height:1.45}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}h3{font-size:1.05em}\
table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:.92em}th,td{border:1px solid #aaa;padding:.2em .45em;text-align:left;vertical-align:top}\
th{background:#eee}td{overflow-wrap:anywhere}table.wide{width:100%;table-layout:fixed}table.wide col.narrow{width:7.5em}table.wide col.tiny{width:3.5em}table.wide col.mid{width:9em}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
.summary{background:#f4f7fb;border-left:4px solid #0072b2;padding:.6em 1em}\
.pass{color:#005a2b;font-weight:bold}.fail{color:#a00000;font-weight:bold}.open{color:#7a4b00;font-weight:bold}\
.note{color:#444;font-size:.9em}.legend span{display:inline-block;margin-right:1.2em}\
.sw{display:inline-block;width:1em;height:.8em;vertical-align:middle;margin-right:.3em;border:1px solid #666}\
.sw.pool{background:#bbbbbb}.sw.band{border:2px solid #e69f00}.sw.panel{background:#0072b2}.sw.second{background:#d55e00}\
svg.chart{max-width:100%;height:auto;display:block;margin:.4em 0}code,.digest{font-family:ui-monospace,monospace;font-size:.85em;word-break:break-all}pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8em}\
figure{margin:0 0 1em;break-inside:avoid;page-break-inside:avoid}figcaption{font-size:.9em;color:#333}\
.appendix{break-before:page;page-break-before:always}\
@page{size:A4;margin:15mm}\
@media print{body{margin:0;max-width:none;font-size:10pt}.summary{border-left-width:2px}a{color:inherit}}";

/// A whole page: `title`, then `body` (already HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        esc(title)
    )
}

/// An HTML table: `header` cells (name, numeric?) and rows of cells, all
/// text (escaped here).
pub fn table(caption: Option<&str>, header: &[(&str, bool)], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table>\n");
    if let Some(c) = caption {
        let _ = writeln!(s, "<caption>{}</caption>", esc(c));
    }
    s.push_str("<thead><tr>");
    for (h, numeric) in header {
        let _ = write!(
            s,
            "<th scope=\"col\"{}>{}</th>",
            if *numeric { " class=\"n\"" } else { "" },
            esc(h)
        );
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        s.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let numeric = header.get(i).is_some_and(|h| h.1);
            let _ = write!(
                s,
                "<td{}>{}</td>",
                if numeric { " class=\"n\"" } else { "" },
                esc(c)
            );
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

/// A figure: a chart and its caption.
pub fn figure(svg: &str, caption: &str) -> String {
    format!(
        "<figure>\n{svg}<figcaption>{}</figcaption>\n</figure>\n",
        esc(caption)
    )
}

/// A legend: (swatch class, label); the classes are the page style's
/// (`pool`, `band`, `panel`, `second`).
pub fn legend(items: &[(&str, &str)]) -> String {
    let mut s = String::from("<p class=\"legend\">");
    for (class, label) in items {
        let _ = write!(
            s,
            "<span><span class=\"sw {class}\"></span>{}</span>",
            esc(label)
        );
    }
    s.push_str("</p>\n");
    s
}

/// A paragraph of text (escaped).
pub fn p(text: &str) -> String {
    format!("<p>{}</p>\n", esc(text))
}
