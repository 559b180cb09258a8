//! Reading the tables organisers actually have: CSV files and workbooks.
//!
//! CSV: handles a UTF-8 byte-order mark, UTF-16 with a byte-order mark
//! (Excel's "Unicode Text"), CRLF line ends, a missing final newline, and
//! comma-, semicolon- or tab-delimited files (the delimiter is sniffed from
//! the header line). Rows whose cells are all blank are skipped (trailing
//! rows of spreadsheet exports). Every other irregularity is an error that
//! names the file and the line. Workbooks (.xlsx, .xls, .ods) are read by
//! [`crate::files::workbook`] into the same [`Table`].
//!
//! Column names are matched by [`header_key`]: case, spaces, underscores
//! and hyphens do not matter, so "Climate Concern" is `climate_concern`.

use std::path::{Path, PathBuf};

use crate::error::InputError;

/// One data row: its physical line (1-based; the header is line 1) and its
/// cells exactly as written (no trimming).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

/// A whole CSV file: header and rows, with the path kept for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, lower-case hex (for audit records).
    pub sha256: String,
    pub delimiter: u8,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Normalises a category value (or any word compared ignoring case) for
/// matching: trimmed and lower-cased (Unicode-aware).
pub fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Normalises a column name for matching: like [`key`], and every run of
/// spaces, underscores and hyphens read as one `_` ("Climate Concern",
/// "climate-concern" and "climate_concern" are one column).
pub fn header_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.trim().chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push('_');
        }
        gap = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// The words of a list cell: separated by white space or `;`.
pub fn words(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
}

impl Table {
    /// Reads a file from disk. Never panics; every failure is an
    /// [`InputError`] naming the file. A workbook's sheet may be named
    /// after the path and a `#` (`book.xlsx#Respondents`); without one, a
    /// workbook must have one sheet with data.
    pub fn read(path: &Path) -> Result<Table, InputError> {
        Table::read_for(path, &[])
    }

    /// Like [`Table::read`]; when a workbook has several sheets with data
    /// and none is named, the one whose name is among `roles` (compared
    /// like column names) is read.
    pub fn read_for(path: &Path, roles: &[&str]) -> Result<Table, InputError> {
        let (path, sheet) = split_sheet(path);
        let bytes = Table::bytes(&path)?;
        if crate::files::workbook::kind(&bytes).is_some() {
            return crate::files::workbook::read(&path, &bytes, sheet.as_deref(), roles);
        }
        if let Some(sheet) = sheet {
            return Err(InputError::unreadable(
                &path,
                format!("a sheet (\"{sheet}\") is named, but the file is not a workbook"),
            )
            .hint("name a sheet only after an .xlsx, .xls or .ods file"));
        }
        Table::parse(&path, &bytes)
    }

    fn bytes(path: &Path) -> Result<Vec<u8>, InputError> {
        // A set of outputs whose writer was stopped while renaming is
        // finished first, so a file is never read from a mixed set.
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::files::dir::recover(dir);
        }
        // A pipe or a device would block or never end: only regular files
        // (links to them included) are read.
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
        {
            return Err(InputError::unreadable(
                path,
                if meta.is_dir() {
                    "a directory, not a file"
                } else {
                    "not a regular file (a pipe or a device), so it is not read"
                },
            )
            .hint("give the path of a CSV file"));
        }
        let bytes = std::fs::read(path).map_err(|e| {
            let (problem, hint) = match e.kind() {
                std::io::ErrorKind::NotFound => (
                    "file not found".to_string(),
                    "check the path (it is relative to the current directory)",
                ),
                std::io::ErrorKind::PermissionDenied => (
                    "permission denied".to_string(),
                    "make the file readable by this user",
                ),
                _ => (
                    format!("cannot read the file: {e}"),
                    "check that the path names a readable file, not a directory",
                ),
            };
            InputError::unreadable(path, problem).hint(hint)
        })?;
        Ok(bytes)
    }

    /// Parses CSV text (never a workbook: files of an audit bundle and
    /// earlier outputs are CSV); `path` is used only in messages.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Table, InputError> {
        if let Some(what) = crate::files::workbook::kind(bytes) {
            return Err(
                InputError::unreadable(path, format!("this is {what}, not CSV text"))
                    .hint("give a CSV file here (save the sheet as \"CSV UTF-8\")"),
            );
        }
        let sha256 = sha256_hex(bytes);
        let utf16;
        let bytes = if let Some((text, _)) = encoding_rs::Encoding::for_bom(bytes)
            .filter(|(e, _)| *e == encoding_rs::UTF_16LE || *e == encoding_rs::UTF_16BE)
            .map(|(e, _)| e.decode_with_bom_removal(bytes))
        {
            utf16 = text.into_owned();
            utf16.as_bytes()
        } else {
            bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
        };
        let text =
            std::str::from_utf8(bytes).map_err(|e| not_utf8(path, bytes, e.valid_up_to()))?;
        if text.trim().is_empty() {
            return Err(InputError::unreadable(path, "the file is empty")
                .hint("the first line must be a header row naming the columns"));
        }
        let delimiter = sniff_delimiter(text);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut header: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut lines = LineCounter::new(text.as_bytes());
        loop {
            let more = reader.read_record(&mut record).map_err(|e| {
                let line = lines.line_at(e.position().map_or(0, |p| p.byte() as usize));
                InputError::unreadable(path, format!("not a well-formed CSV file: {e}"))
                    .line(line)
                    .hint("check the quoting on this line: a cell that contains the delimiter or a quote must be quoted, and quotes inside it doubled")
            })?;
            if !more {
                break;
            }
            let line = lines.line_at(record.position().map_or(0, |p| p.byte() as usize));
            let mut cells: Vec<String> = record.iter().map(str::to_string).collect();
            match &header {
                None => {
                    while cells.len() > 1 && cells.last().is_some_and(|c| c.trim().is_empty()) {
                        cells.pop();
                    }
                    check_header(path, line, &cells)?;
                    header = Some(cells);
                }
                Some(h) => {
                    if cells.iter().all(|c| c.trim().is_empty()) {
                        continue;
                    }
                    if cells.len() > h.len() && cells[h.len()..].iter().all(|c| c.trim().is_empty())
                    {
                        cells.truncate(h.len());
                    }
                    if cells.len() != h.len() {
                        return Err(InputError::unreadable(
                            path,
                            format!(
                                "this row has {} cells but the header has {} columns ({})",
                                cells.len(),
                                h.len(),
                                delimiter_name(delimiter)
                            ),
                        )
                        .line(line)
                        .hint("every row needs one cell per header column; quote cells that contain the delimiter"));
                    }
                    rows.push(Row { line, cells });
                }
            }
        }
        let header = header.ok_or_else(|| {
            InputError::unreadable(path, "the file has no header row")
                .hint("the first line must name the columns")
        })?;
        Ok(Table {
            path: path.to_path_buf(),
            sha256,
            delimiter,
            header,
            rows,
        })
    }

    /// Index of the column whose trimmed, case-insensitive name equals `name`.
    /// An invalid-content error at one cell: file, line, column name and
    /// value filled in (add `.hint(...)`).
    pub fn cell_error(&self, row: &Row, c: usize, problem: impl Into<String>) -> InputError {
        InputError::invalid(&self.path, problem)
            .line(row.line)
            .column(self.header[c].trim())
            .value(row.cells[c].trim())
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        let k = header_key(name);
        self.header.iter().position(|h| header_key(h) == k)
    }

    /// The indices of columns a file must have, in the order asked; else
    /// one error naming every missing column and the header there is.
    /// `what` names the kind of file ("a speakers file"), `hint` says what
    /// to do.
    pub fn require<const N: usize>(
        &self,
        names: [&str; N],
        what: &str,
        hint: &str,
    ) -> Result<[usize; N], InputError> {
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|c| self.column(c).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(InputError::unreadable(
                &self.path,
                format!(
                    "not {what}: no {} column; the header has {}",
                    missing.join(", "),
                    self.header_list()
                ),
            )
            .line(1)
            .hint(hint));
        }
        Ok(names.map(|c| self.column(c).unwrap_or(0)))
    }

    /// The header names, for messages: `"a", "b", "c"`.
    pub fn header_list(&self) -> String {
        self.header
            .iter()
            .map(|h| format!("\"{}\"", h.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Physical line numbers from byte offsets. The csv crate's own line count
/// is one short after CRLF line ends, so lines are counted here: the line of
/// the first byte of the record that is not a line end.
struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// Offsets must not decrease between calls.
    fn line_at(&mut self, offset: usize) -> u64 {
        let mut end = offset.min(self.bytes.len());
        while end < self.bytes.len() && matches!(self.bytes[end], b'\r' | b'\n') {
            end += 1;
        }
        if end > self.at {
            self.line += self.bytes[self.at..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.at = end;
        }
        self.line
    }
}

pub(crate) fn check_header(path: &Path, line: u64, cells: &[String]) -> Result<(), InputError> {
    // Column of each name seen, so that a wide header takes linear time.
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (i, c) in cells.iter().enumerate() {
        if c.trim().is_empty() {
            return Err(InputError::unreadable(
                path,
                format!("header column {} has no name", i + 1),
            )
            .line(line)
            .hint("give every column a name in the first line"));
        }
        if let Some(&j) = seen.get(&header_key(c)) {
            return Err(InputError::unreadable(
                path,
                format!(
                    "columns {} and {} have the same name (names are compared ignoring case, spaces, underscores and hyphens)",
                    j + 1,
                    i + 1
                ),
            )
            .line(line)
            .column(c.trim())
            .hint("rename one of the two columns"));
        }
        seen.insert(header_key(c), i);
    }
    Ok(())
}

/// A path that names a sheet after a `#` (`book.xlsx#Respondents`) split
/// into the file and the sheet, unless a file of the whole name exists.
fn split_sheet(path: &Path) -> (PathBuf, Option<String>) {
    if path.exists() {
        return (path.to_path_buf(), None);
    }
    let text = path.to_string_lossy();
    // The first `#` after which the rest is a sheet name and before which
    // a file exists: a sheet may have a `#` in its name ("Responses #2").
    let mut fallback = None;
    for (i, _) in text.match_indices('#') {
        let (file, sheet) = (&text[..i], &text[i + 1..]);
        if file.is_empty() || sheet.is_empty() {
            continue;
        }
        if Path::new(file).is_file() {
            return (PathBuf::from(file), Some(sheet.to_string()));
        }
        fallback.get_or_insert((PathBuf::from(file), Some(sheet.to_string())));
    }
    fallback.unwrap_or_else(|| (path.to_path_buf(), None))
}

/// The error for a file that is not UTF-8 at byte `at`: its line, column
/// and value (read as Windows-1252, the usual culprit) and the exact fix.
fn not_utf8(path: &Path, bytes: &[u8], at: usize) -> InputError {
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
    let line_end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i);
    let (as_1252, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes[..line_end]);
    let header_text = as_1252.lines().next().unwrap_or_default().to_string();
    let delimiter = sniff_delimiter(&header_text);
    let split = |text: &str| -> Vec<String> {
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .next()
            .and_then(Result::ok)
            .map(|r| r.iter().map(str::to_string).collect())
            .unwrap_or_default()
    };
    let (prefix, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes[line_start..at]);
    let (whole, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes[line_start..line_end]);
    let column = split(&prefix).len().saturating_sub(1);
    let cells = split(whole.trim_end_matches('\r'));
    let mut e = InputError::unreadable(
        path,
        format!(
            "the file is not UTF-8 text (byte 0x{:02X}); it looks like Windows-1252 or Latin-1, the encoding of Excel's plain \"CSV (Comma delimited)\"",
            bytes[at]
        ),
    )
    .line(line)
    .hint(
        "in Excel, use Save As and choose \"CSV UTF-8 (Comma delimited)\"; in LibreOffice, \
         Save As \"Text CSV\" with character set \"Unicode (UTF-8)\"; or give the workbook itself (.xlsx or .ods)",
    );
    if line > 1 {
        if let Some(name) = split(&header_text).get(column) {
            e = e.column(name.trim());
        }
    }
    if let Some(value) = cells.get(column) {
        e = e.value(value.trim());
    }
    e
}

fn delimiter_name(d: u8) -> &'static str {
    match d {
        b';' => "semicolon-delimited",
        b'\t' => "tab-delimited",
        _ => "comma-delimited",
    }
}

/// Picks `,`, `;` or tab: whichever occurs most often outside quotes in the
/// first line. Ties and lines without any go to the comma.
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    if counts[1] > counts[0] && counts[1] >= counts[2] {
        b';'
    } else if counts[2] > counts[0] && counts[2] > counts[1] {
        b'\t'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Result<Table, InputError> {
        Table::parse(Path::new("t.csv"), s)
    }

    #[test]
    fn bom_crlf_semicolons_and_no_final_newline() {
        let t = parse(b"\xEF\xBB\xBFa;b\r\n1;2\r\n3;4").unwrap();
        assert_eq!(t.header, vec!["a", "b"]);
        assert_eq!(t.delimiter, b';');
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].cells, vec!["3", "4"]);
        assert_eq!(t.rows[1].line, 3);
    }

    #[test]
    fn quoted_delimiters_do_not_fool_the_sniffer() {
        let t = parse(b"\"x;y\",b\n1,2\n").unwrap();
        assert_eq!(t.delimiter, b',');
        assert_eq!(t.header, vec!["x;y", "b"]);
    }

    #[test]
    fn blank_rows_are_skipped_and_trailing_empty_cells_tolerated() {
        let t = parse(b"a,b\n1,2,\n,,\n\n3,4\n").unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells, vec!["1", "2"]);
    }

    #[test]
    fn ragged_rows_name_the_line() {
        let e = parse(b"a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.problem.contains("1 cells but the header has 2"), "{e}");
    }

    #[test]
    fn not_utf8_names_the_line() {
        let e = parse(b"a,b\n1,2\ncaf\xE9,3\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.problem.contains("not UTF-8"));
    }

    #[test]
    fn duplicate_header_names_are_rejected() {
        let e = parse(b"a,A\n1,2\n").unwrap_err();
        assert!(e.problem.contains("same name"));
        let e = parse(b"Climate Concern,climate_concern\n1,2\n").unwrap_err();
        assert!(e.problem.contains("same name"));
    }

    #[test]
    fn column_names_match_ignoring_case_spaces_underscores_and_hyphens() {
        let t = parse(b"ID,Climate Concern,age-group\n1,2,3\n").unwrap();
        assert_eq!(t.column("climate_concern"), Some(1));
        assert_eq!(t.column("  CLIMATE-concern "), Some(1));
        assert_eq!(t.column("Age Group"), Some(2));
        assert_eq!(t.column("agegroup"), None);
        assert_eq!(header_key(" What is  your age? "), "what_is_your_age?");
    }

    #[test]
    fn windows_1252_names_line_column_value_and_the_fix() {
        let e = parse(b"id,name,town\n1,Ann,Leeds\n2,Zo\xEB,Caf\xE9 Town\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.column.as_deref(), Some("name"));
        assert_eq!(e.value.as_deref(), Some("Zo\u{eb}"));
        assert!(e.hint.contains("CSV UTF-8"), "{e}");
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read() {
        let text = "id\tage\n1\t16-29\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let t = parse(&bytes).unwrap();
        assert_eq!(t.header, vec!["id", "age"]);
        assert_eq!(t.rows[0].cells, vec!["1", "16-29"]);
    }
}
