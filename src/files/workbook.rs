//! Reading spreadsheet workbooks (Excel .xlsx/.xlsm/.xlsb/.xls and
//! OpenDocument .ods) as [`Table`]s, so that every table input takes a
//! workbook exactly as the organiser saved it.
//!
//! A workbook is recognised by its bytes, not its name: a workbook renamed
//! `.csv` is still read as a workbook. One sheet becomes one table; which
//! sheet is said after the file name and a `#` (`book.xlsx#Respondents`),
//! or is the only sheet with data, or the one named like the input's role
//! ("Respondents" for a pool). Cells become the text a person sees in the
//! sheet: whole numbers without ".0", dates as YYYY-MM-DD. Title rows above
//! the header (a merged banner, a note: rows of one filled cell) are
//! skipped: the header is the first of the top ten rows with two or more
//! named cells. Row numbers in messages are the sheet's own.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};

use crate::error::InputError;
use crate::files::table::{Row, Table, check_header, header_key};

/// What kind of workbook `bytes` are, in words for messages, or None when
/// they are not a workbook (then they are read as CSV text).
pub fn kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        let head = &bytes[..bytes.len().min(200)];
        let ods = head
            .windows(b"opendocument.spreadsheet".len())
            .any(|w| w == b"opendocument.spreadsheet");
        Some(if ods {
            "an OpenDocument spreadsheet (.ods)"
        } else {
            "an Excel workbook (.xlsx)"
        })
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("an Excel 97-2003 workbook (.xls)")
    } else {
        None
    }
}

/// How many top rows are looked at to find the header.
const HEADER_SEARCH: usize = 10;

/// Reads one sheet of a workbook. `file` is the workbook's path, `sheet`
/// the sheet asked for (None: chosen as the module says, with `roles` the
/// sheet names that suit this input, compared ignoring case).
pub fn read(
    file: &Path,
    bytes: &[u8],
    sheet: Option<&str>,
    roles: &[&str],
) -> Result<Table, InputError> {
    let what = kind(bytes).unwrap_or("a workbook");
    // The parser must never take the process down, whatever the bytes: a
    // panic inside it becomes an unreadable-file error.
    let opened = std::panic::catch_unwind(|| {
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))?;
        let names = book.sheet_names();
        let mut sheets = Vec::with_capacity(names.len());
        for name in names {
            let range = book.worksheet_range(&name)?;
            sheets.push((name, range));
        }
        Ok::<_, calamine::Error>(sheets)
    });
    let sheets = match opened {
        Ok(Ok(sheets)) => sheets,
        Ok(Err(e)) => {
            return Err(InputError::unreadable(
                file,
                format!("the file looks like {what} but cannot be read as one ({e})"),
            )
            .hint("open it in your spreadsheet program and save it again, as .xlsx or as \"CSV UTF-8\""));
        }
        Err(_) => {
            return Err(InputError::unreadable(
                file,
                format!("the file looks like {what} but is damaged"),
            )
            .hint("open it in your spreadsheet program and save it again, as .xlsx or as \"CSV UTF-8\""));
        }
    };
    let with_data: Vec<usize> = (0..sheets.len())
        .filter(|&i| sheets[i].1.rows().any(|r| r.iter().any(|c| !blank(c))))
        .collect();
    let list = |all: &[usize]| {
        all.iter()
            .map(|&i| format!("\"{}\"", sheets[i].0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match sheet {
        Some(name) => (0..sheets.len())
            .find(|&i| sheets[i].0 == name)
            .or_else(|| (0..sheets.len()).find(|&i| header_key(&sheets[i].0) == header_key(name)))
            .ok_or_else(|| {
                InputError::unreadable(
                    file,
                    format!(
                        "the workbook has no sheet \"{name}\"; its sheets are {}",
                        list(&(0..sheets.len()).collect::<Vec<_>>())
                    ),
                )
                .hint("name one of these sheets after the file name and a #, e.g. book.xlsx#Sheet1")
            })?,
        None => match with_data.as_slice() {
            [] => {
                return Err(
                    InputError::unreadable(file, "every sheet of the workbook is empty")
                        .hint("the first row of the sheet must name the columns"),
                );
            }
            [one] => *one,
            several => {
                let suits: Vec<usize> = several
                    .iter()
                    .copied()
                    .filter(|&i| {
                        roles
                            .iter()
                            .any(|r| header_key(&sheets[i].0) == header_key(r))
                    })
                    .collect();
                match suits.as_slice() {
                    [one] => *one,
                    _ => {
                        return Err(InputError::unreadable(
                            file,
                            format!(
                                "the workbook has {} sheets with data ({}), so it is not clear which one to read",
                                several.len(),
                                list(several)
                            ),
                        )
                        .hint(format!(
                            "name the sheet after the file name and a #, e.g. {}#{}",
                            file.display(),
                            sheets[several[0]].0
                        )));
                    }
                }
            }
        },
    };
    let (name, range) = &sheets[chosen];
    // Messages name the sheet as the user would write it.
    let path = if sheets.len() > 1 || sheet.is_some() {
        PathBuf::from(format!("{}#{}", file.display(), name))
    } else {
        file.to_path_buf()
    };
    let first_row = u64::from(range.start().map_or(0, |(r, _)| r));
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
    for (i, r) in range.rows().enumerate() {
        let cells: Vec<String> = r.iter().map(text).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push((first_row + i as u64 + 1, cells));
    }
    let named = |cells: &[String]| cells.iter().filter(|c| !c.trim().is_empty()).count();
    // Title rows (a banner, often one merged cell) are skipped: rows of a
    // single named cell above the first row with more. A header with a
    // merged cell still has several named cells, so it stays the header
    // and its unnamed column is reported.
    let top = rows.len().min(HEADER_SEARCH);
    let wide = rows[..top].iter().position(|(_, c)| named(c) > 1);
    let h = match wide {
        Some(h) => h,
        None if rows.is_empty() => {
            return Err(InputError::unreadable(&path, "the sheet is empty")
                .hint("the first row of the sheet must name the columns"));
        }
        None => 0,
    };
    let mut data = rows.split_off(h);
    let (header_line, mut header) = data.remove(0);
    while header.len() > 1 && header.last().is_some_and(|c| c.trim().is_empty()) {
        header.pop();
    }
    // Columns left of the first named one are empty margins.
    let margin = header.iter().take_while(|c| c.trim().is_empty()).count();
    header.drain(..margin);
    check_header(&path, header_line, &header).map_err(|e| {
        if e.problem.contains("has no name") {
            e.hint("give every column a name in the header row; a merged header cell names only its first column, so unmerge it and name each column")
        } else {
            e
        }
    })?;
    let mut out = Vec::with_capacity(data.len());
    for (line, mut cells) in data {
        cells.drain(..margin.min(cells.len()));
        if cells.len() > header.len() {
            if let Some(extra) = cells[header.len()..]
                .iter()
                .position(|c| !c.trim().is_empty())
            {
                let c = header.len() + extra;
                return Err(InputError::unreadable(
                    &path,
                    format!(
                        "this row has a value in column {} ({}), right of the last named column",
                        first_col + c + margin + 1,
                        cells[c].trim()
                    ),
                )
                .line(line)
                .hint("give that column a name in the header row, or delete the value"));
            }
            cells.truncate(header.len());
        }
        cells.resize(header.len(), String::new());
        out.push(Row { line, cells });
    }
    Ok(Table {
        path,
        sha256: crate::files::table::sha256_hex(bytes),
        delimiter: b',',
        header,
        rows: out,
    })
}

fn blank(c: &Data) -> bool {
    match c {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The text a person sees in the cell (without the sheet's number format:
/// 0.25 shown as 25% is 0.25 here).
fn text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if d.is_datetime() => {
                // A time without a date is stored on Excel's day 0.
                if d.as_f64() < 1.0 {
                    t.format("%H:%M:%S").to_string()
                } else if t.time() == chrono::NaiveTime::MIN {
                    t.format("%Y-%m-%d").to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                }
            }
            _ => number(d.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e}"),
    }
}

/// A spreadsheet number as a person reads it: whole numbers without a
/// fraction, others at the 15 significant digits a spreadsheet keeps (so
/// 0.1 + 0.2 reads 0.3, not 0.30000000000000004).
fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_see_them() {
        assert_eq!(number(54.0), "54");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(1e20), "100000000000000000000");
    }

    #[test]
    fn kinds_are_told_by_their_bytes() {
        assert_eq!(kind(b"id,age\n1,2\n"), None);
        assert!(kind(b"PK\x03\x04rest").unwrap().contains("xlsx"));
        assert!(
            kind(b"PK\x03\x04....mimetypeapplication/vnd.oasis.opendocument.spreadsheet")
                .unwrap()
                .contains("ods")
        );
    }

    #[test]
    fn garbage_that_looks_like_a_workbook_is_an_error_not_a_panic() {
        let e = read(Path::new("b.xlsx"), b"PK\x03\x04garbage", None, &[]).unwrap_err();
        assert!(
            e.problem.contains("cannot be read") || e.problem.contains("damaged"),
            "{e}"
        );
    }
}
