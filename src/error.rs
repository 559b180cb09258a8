//! Errors, warnings and the process exit codes they map to.
//!
//! Every error about an input names the file, and where it can the line, the
//! column and the value, and says what to do. The exit codes are part of the
//! public interface (docs/formats.md lists them); never renumber them.

use std::fmt;
use std::path::{Path, PathBuf};

/// Process exit codes, documented in docs/formats.md.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// An internal error (a bug, or the solver failed unexpectedly).
    pub const INTERNAL: i32 = 1;
    /// The command line was wrong (clap's own code).
    pub const USAGE: i32 = 2;
    /// An input file could not be read as a table: missing, unreadable,
    /// not UTF-8, empty, or ragged.
    pub const UNREADABLE: i32 = 3;
    /// An input file was read but its content is invalid: ids, values,
    /// bounds, columns.
    pub const INVALID: i32 = 4;
    /// The quotas cannot be met by any panel from this pool.
    pub const INFEASIBLE: i32 = 5;
    /// The draw itself failed (e.g. LEGACY gave up after its attempts).
    pub const DRAW_FAILED: i32 = 6;
    /// An output could not be written.
    pub const OUTPUT: i32 = 7;
    /// `--time-limit` stopped the optimisation: outputs are written and
    /// valid, but the distribution is not optimal.
    pub const TIME_LIMIT: i32 = 8;
    /// `verify`: at least one check of the audit bundle failed.
    pub const VERIFY_FAILED: i32 = 9;
    /// `verify`: no check failed, but some could not be made (no published
    /// commitment or seed given, the lottery not recomputed, a sealed
    /// category without the auditor's key): the bundle is not verified.
    pub const VERIFY_INCOMPLETE: i32 = 10;
    /// `seat`, `plan`, `programme`: the outputs are written, but some hard
    /// rules (seating or programme) could not be met (each is named in the
    /// report).
    pub const RULES_UNMET: i32 = 11;
}

/// What kind of input problem this is; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// The file could not be read as a table (exit 3).
    Unreadable,
    /// The table's content is invalid (exit 4).
    Invalid,
}

/// One problem in one input file, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub kind: InputKind,
    pub file: PathBuf,
    /// Physical line in the file, 1-based (the header is line 1).
    pub line: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub hint: String,
}

impl InputError {
    pub fn new(kind: InputKind, file: &Path, problem: impl Into<String>) -> Self {
        InputError {
            kind,
            file: file.to_path_buf(),
            line: None,
            column: None,
            value: None,
            problem: problem.into(),
            hint: String::new(),
        }
    }
    pub fn invalid(file: &Path, problem: impl Into<String>) -> Self {
        Self::new(InputKind::Invalid, file, problem)
    }
    pub fn unreadable(file: &Path, problem: impl Into<String>) -> Self {
        Self::new(InputKind::Unreadable, file, problem)
    }
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{}\"", bounded(column))?;
        }
        if let Some(value) = &self.value {
            write!(f, ", value \"{}\"", bounded(value))?;
        }
        // A problem may quote cells too; long ones are cut as well.
        write!(f, ": {}", bounded_to(&self.problem, 10 * QUOTED_CHARS))?;
        if !self.hint.is_empty() {
            // A hint may list allowed values: cut like a problem.
            write!(
                f,
                "\n  what to do: {}",
                bounded_to(&self.hint, 10 * QUOTED_CHARS)
            )?;
        }
        Ok(())
    }
}

/// Cells quoted in messages are cut to this many characters, so that one
/// huge cell cannot flood the terminal.
pub const QUOTED_CHARS: usize = 80;

/// `text`, cut to [`QUOTED_CHARS`] characters with "…" when longer.
/// Values for a message, quoted and each cut like a cell: at most 12, then
/// how many more (`"a", "b", … and 4,988 more`).
pub fn quoted_list<S: AsRef<str>>(items: &[S]) -> String {
    const SHOWN: usize = 12;
    let mut out: Vec<String> = items
        .iter()
        .take(SHOWN)
        .map(|v| format!("\"{}\"", bounded(v.as_ref())))
        .collect();
    if items.len() > SHOWN {
        out.push(format!("… and {} more", items.len() - SHOWN));
    }
    out.join(", ")
}

pub fn bounded(text: &str) -> String {
    bounded_to(text, QUOTED_CHARS)
}

fn bounded_to(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more problems in the input files (all of the same run).
    #[error("{}", format_input_errors(.0))]
    Input(Vec<InputError>),
    /// The quotas cannot be met; the message says which and why.
    #[error("{0}")]
    Infeasible(String),
    /// The draw failed (after its documented number of attempts).
    #[error("{0}")]
    DrawFailed(String),
    /// An output file or directory could not be written.
    #[error("cannot write {}: {source}\n  what to do: check that the directory exists and is writable, and that the disk is not full", .path.display())]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The solver failed unexpectedly (a bug or a resource limit).
    #[error("solver error: {0}")]
    Solver(String),
    /// A result failed the independent check run before anything is
    /// written (a bug: nothing was written).
    #[error("internal check failed: {0}")]
    CheckFailed(String),
    /// An internal invariant does not hold (a bug).
    #[error("internal error: {0}")]
    Internal(String),
    /// The operating system gave no randomness for a secret key.
    #[error("no system randomness: {0}")]
    NoRandomness(String),
    /// Two ids got the same pseudonym under this secret key (a 64-bit
    /// collision): a new key is needed.
    #[error("{0}")]
    PseudonymCollision(String),
    /// An output directory that must be new exists already (a front-end
    /// says how to allow replacing it).
    #[error("{} already exists; nothing was written", .0.display())]
    Exists(PathBuf),
    /// A command-line value is unusable (e.g. a panel size of 0).
    #[error("{0}")]
    Usage(String),
}

/// At most this many input problems are listed; the rest are counted.
pub const MAX_LISTED_INPUT_ERRORS: usize = 20;

fn format_input_errors(errors: &[InputError]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().take(MAX_LISTED_INPUT_ERRORS).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&e.to_string());
    }
    if errors.len() > MAX_LISTED_INPUT_ERRORS {
        out.push_str(&format!(
            "\n... and {} more problems of the same kind",
            errors.len() - MAX_LISTED_INPUT_ERRORS
        ));
    }
    out
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(vec![e])
    }
}

impl Error {
    /// The documented process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(errors) => {
                if errors.iter().any(|e| e.kind == InputKind::Unreadable) {
                    exit::UNREADABLE
                } else {
                    exit::INVALID
                }
            }
            Error::Infeasible(_) => exit::INFEASIBLE,
            Error::DrawFailed(_) => exit::DRAW_FAILED,
            Error::Output { .. } => exit::OUTPUT,
            Error::Solver(_)
            | Error::CheckFailed(_)
            | Error::Internal(_)
            | Error::NoRandomness(_)
            | Error::PseudonymCollision(_) => exit::INTERNAL,
            Error::Usage(_) | Error::Exists(_) => exit::USAGE,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A non-fatal finding the user should see (printed on stderr as `warning:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
