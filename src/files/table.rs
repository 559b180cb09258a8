//! Reading the CSV files organisers actually have.
//!
//! Handles a UTF-8 byte-order mark, CRLF line ends, a missing final newline,
//! and comma-, semicolon- or tab-delimited files (the delimiter is sniffed
//! from the header line). Rows whose cells are all blank are skipped (trailing
//! rows of spreadsheet exports). Every other irregularity is an error that
//! names the file and the line.

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

/// Normalises a header or a category value for matching: trimmed and
/// lower-cased (Unicode-aware).
pub fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The words of a list cell: separated by white space or `;`.
pub fn words(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
}

impl Table {
    /// Reads a file from disk. Never panics; every failure is an
    /// [`InputError`] naming the file.
    pub fn read(path: &Path) -> Result<Table, InputError> {
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
        Table::parse(path, &bytes)
    }

    /// Parses CSV bytes; `path` is used only in messages.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Table, InputError> {
        let sha256 = sha256_hex(bytes);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            let bad = bytes[at];
            InputError::unreadable(
                path,
                format!("the file is not UTF-8 text (byte 0x{bad:02X} at byte offset {at})"),
            )
            .line(line)
            .hint(
                "save the file as \"CSV UTF-8\" (Excel) or UTF-8 text (LibreOffice); \
                 files exported as Latin-1 or Windows-1252 must be converted",
            )
        })?;
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
        let k = key(name);
        self.header.iter().position(|h| key(h) == k)
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

fn check_header(path: &Path, line: u64, cells: &[String]) -> Result<(), InputError> {
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
        if let Some(&j) = seen.get(&key(c)) {
            return Err(InputError::unreadable(
                path,
                format!(
                    "columns {} and {} have the same name (names are compared ignoring case)",
                    j + 1,
                    i + 1
                ),
            )
            .line(line)
            .column(c.trim())
            .hint("rename one of the two columns"));
        }
        seen.insert(key(c), i);
    }
    Ok(())
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
    }
}
