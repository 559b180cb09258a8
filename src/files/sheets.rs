//! Outputs for the spreadsheets people open: CSV in the dialect their
//! Excel expects, and one .xlsx workbook of an action's tables.
//!
//! Outputs are built as standard CSV (comma, `\n`, UTF-8 without a BOM:
//! what every reader, this tool's included, takes). On request they are
//! rewritten when written: `excel` adds the byte-order mark without which
//! Excel reads UTF-8 as the local code page, and uses CRLF; `excel-semicolon`
//! is that with `;` between cells and decimal commas, which a European
//! Excel (where `,` is the decimal separator) opens in columns with numbers
//! as numbers. Audit bundles are never rewritten (their bytes are
//! committed).

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::error::Error;
use crate::files::dir::Outputs;

/// How the CSV outputs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Comma, LF, UTF-8 without a byte-order mark.
    #[default]
    Standard,
    /// Comma, CRLF, with a byte-order mark.
    Excel,
    /// Semicolon, CRLF, a byte-order mark and decimal commas.
    ExcelSemicolon,
}

/// A plain decimal number: what a spreadsheet should read as a number.
fn is_number(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t, None),
    };
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'))
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        && t.len() <= 17
}

/// The rows of standard CSV bytes (as this tool writes them).
fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
        .collect()
}

/// Standard CSV bytes rewritten in `dialect`.
pub fn convert(bytes: &[u8], dialect: Dialect) -> Vec<u8> {
    let delimiter = match dialect {
        Dialect::Standard => return bytes.to_vec(),
        Dialect::Excel => b',',
        Dialect::ExcelSemicolon => b';',
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in rows(bytes) {
        let cells = row.iter().map(|c| {
            if dialect == Dialect::ExcelSemicolon && is_number(c) {
                c.replace('.', ",")
            } else {
                c.clone()
            }
        });
        // Writing to memory cannot fail.
        let _ = w.write_record(cells);
    }
    w.into_inner().unwrap_or_default()
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(file: &str) -> String {
    let stem = file.strip_suffix(".csv").unwrap_or(file);
    stem.chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(31)
        .collect()
}

/// One workbook with a sheet per CSV (name, standard CSV bytes): the
/// header bold, frozen and filterable, numeric columns as numbers, columns
/// fitted. The same tables give the same bytes (the creation date is fixed).
pub fn workbook(sheets: &[(&str, &[u8])]) -> Result<Vec<u8>, String> {
    let mut book = Workbook::new();
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1).map_err(|e| e.to_string())?;
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&epoch)
            .set_comment("written by kleroterion"),
    );
    let bold = Format::new().set_bold();
    for (name, bytes) in sheets {
        let rows = rows(bytes);
        let s = book.add_worksheet();
        s.set_name(sheet_name(name)).map_err(|e| e.to_string())?;
        let Some(header) = rows.first() else {
            continue;
        };
        // A column is numeric when every filled cell below the header is a
        // plain number (ids like 007 keep their zeros: they are text).
        let numeric: Vec<bool> = (0..header.len())
            .map(|c| {
                let mut any = false;
                let all = rows[1..].iter().all(|r| match r.get(c) {
                    Some(v) if !v.is_empty() => {
                        any = true;
                        is_number(v)
                    }
                    _ => true,
                });
                all && any
            })
            .collect();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (rr, cc) = (r as u32, c as u16);
                let written = if r == 0 {
                    s.write_string_with_format(rr, cc, cell, &bold).map(|_| ())
                } else if numeric.get(c).copied().unwrap_or(false) && !cell.is_empty() {
                    match cell.parse::<f64>() {
                        Ok(x) => s.write_number(rr, cc, x).map(|_| ()),
                        Err(_) => s.write_string(rr, cc, cell).map(|_| ()),
                    }
                } else if cell.is_empty() {
                    Ok(())
                } else {
                    s.write_string(rr, cc, cell).map(|_| ())
                };
                written.map_err(|e| e.to_string())?;
            }
        }
        s.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
        if rows.len() > 1 && !header.is_empty() {
            s.autofilter(0, 0, (rows.len() - 1) as u32, (header.len() - 1) as u16)
                .map_err(|e| e.to_string())?;
        }
        s.set_autofit_max_width(400);
        s.autofit();
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

impl Outputs {
    /// Rewrites every CSV output in `dialect` and, with `workbook` named,
    /// adds that workbook of the top-level CSV outputs, except `except`.
    pub fn for_spreadsheets(
        &mut self,
        dialect: Dialect,
        workbook_name: Option<&str>,
        except: &[&str],
    ) -> Result<(), Error> {
        if let Some(name) = workbook_name {
            let sheets: Vec<(&str, &[u8])> = self
                .files
                .iter()
                .filter(|(n, _)| {
                    n.ends_with(".csv") && !n.contains('/') && !except.contains(&n.as_str())
                })
                .map(|(n, b)| (n.as_str(), b.as_slice()))
                .collect();
            let bytes = workbook(&sheets).map_err(|e| Error::Output {
                path: self.dir.join(name),
                source: std::io::Error::other(format!("cannot build the workbook: {e}")),
            })?;
            self.add(name, bytes);
        }
        if dialect != Dialect::Standard {
            for (name, bytes) in &mut self.files {
                if Path::new(name).extension().is_some_and(|e| e == "csv") {
                    *bytes = convert(bytes, dialect);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_told_from_ids() {
        for yes in ["0", "12", "-3", "0.118148599274", "110"] {
            assert!(is_number(yes), "{yes}");
        }
        for no in [
            "007",
            "P0001",
            "1e5",
            "",
            "-",
            "1.",
            ".5",
            "07700 978078",
            "1,5",
        ] {
            assert!(!is_number(no), "{no}");
        }
    }

    #[test]
    fn the_european_dialect_has_a_bom_semicolons_crlf_and_decimal_commas() {
        let out = convert(
            b"id,probability,town\nP1,0.25,\"Leeds, West\"\n",
            Dialect::ExcelSemicolon,
        );
        assert_eq!(
            out,
            b"\xEF\xBB\xBFid;probability;town\r\nP1;0,25;Leeds, West\r\n".to_vec()
        );
        let out = convert(b"id,p\nP1,0.25\n", Dialect::Excel);
        assert_eq!(out, b"\xEF\xBB\xBFid,p\r\nP1,0.25\r\n".to_vec());
    }

    #[test]
    fn the_workbook_is_the_same_bytes_for_the_same_tables() {
        let sheets: [(&str, &[u8]); 2] = [
            ("selected.csv", b"id,age\nP1,16-29\n"),
            ("probabilities.csv", b"id,probability\nP1,0.5\n"),
        ];
        assert_eq!(workbook(&sheets).unwrap(), workbook(&sheets).unwrap());
    }
}
