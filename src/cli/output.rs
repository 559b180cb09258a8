//! Printing that never panics. `println!` panics when stdout is a closed
//! pipe (`kleroterion verify … | head -1`) or a full disk; here a failed
//! write is remembered instead, the command carries on (so its output
//! files are always complete), and [`finish`] turns the failure into the
//! exit code: a closed pipe means the reader stopped reading and keeps the
//! command's own code; any other failure is exit 7 (an output could not be
//! written). Failures on stderr are ignored: there is nowhere left to say
//! them.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU8, Ordering};

use kleroterion::error::exit;

const WRITING: u8 = 0;
const CLOSED: u8 = 1;
const FAILED: u8 = 2;

static STDOUT: AtomicU8 = AtomicU8::new(WRITING);

fn note(e: &io::Error) {
    let state = if e.kind() == io::ErrorKind::BrokenPipe {
        CLOSED
    } else {
        FAILED
    };
    STDOUT.store(state, Ordering::Relaxed);
}

/// Writes to stdout unless an earlier write failed.
pub fn out(args: std::fmt::Arguments) {
    if STDOUT.load(Ordering::Relaxed) != WRITING {
        return;
    }
    if let Err(e) = io::stdout().lock().write_fmt(args) {
        note(&e);
    }
}

/// Writes to stderr, ignoring failures.
pub fn err(args: std::fmt::Arguments) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// The exit code after flushing stdout: `code`, or 7 when stdout could not
/// be written for a reason other than a closed pipe.
pub fn finish(code: i32) -> i32 {
    if STDOUT.load(Ordering::Relaxed) == WRITING
        && let Err(e) = io::stdout().flush()
    {
        note(&e);
    }
    match STDOUT.load(Ordering::Relaxed) {
        FAILED if code == exit::OK => exit::OUTPUT,
        _ => code,
    }
}

/// `print!` to stdout through [`out`].
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cli::output::out(format_args!($($t)*))
    };
}

/// `println!` to stdout through [`out`].
macro_rules! outln {
    () => {
        $crate::cli::output::out(format_args!("\n"))
    };
    ($($t:tt)*) => {
        $crate::cli::output::out(format_args!("{}\n", format_args!($($t)*)))
    };
}

/// `eprintln!` through [`err`].
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::cli::output::err(format_args!("{}\n", format_args!($($t)*)))
    };
}
