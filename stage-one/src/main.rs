//! `kleroterion-invite`: stage one (the invitation lottery) with the
//! polars engine, which also reads Parquet registers. The subcommands and
//! their options are the core's `kleroterion invite` (the same source
//! file, src/cli/invite.rs); only the engine that reads the register
//! differs, and both give the same files byte for byte.

#![allow(clippy::result_large_err)]

use kleroterion_invite::engine;

#[macro_use]
mod cli;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use kleroterion::Error;
use kleroterion::error::exit;

/// Stage one of a citizens' assembly: the invitation lottery over an
/// address register, read with polars (CSV or Parquet).
#[derive(Debug, Parser)]
#[command(name = "kleroterion-invite", version, about, long_about = None)]
#[command(
    after_help = "Exit codes as kleroterion's: 0 ok, 1 internal error, 2 usage, 3 unreadable input file, 4 invalid input content, 7 cannot write output, 9 audit failed (docs/formats.md)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Invite(cli::invite::InviteCommand),
    /// Write a CSV register as Parquet (every column as text), for faster commits and draws.
    ToParquet {
        /// The CSV register.
        csv: PathBuf,
        /// The Parquet file to write.
        parquet: PathBuf,
    },
}

fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return exit::USAGE;
        }
        Err(e) => {
            out!("{}", e.render());
            return exit::OK;
        }
    };
    let result = match cli.command {
        Command::Invite(c) => cli::invite::run(
            cli::invite::InviteArgs { command: c },
            &engine::PolarsRegister,
        ),
        Command::ToParquet { csv, parquet } => engine::to_parquet(&csv, &parquet).map(|rows| {
            outln!("wrote {} ({rows} rows)", parquet.display());
            exit::OK
        }),
    };
    match result {
        Ok(code) => code,
        Err(Error::Exists(path)) => {
            errln!(
                "error: {} already exists; nothing was written (use --force to replace it, or choose another directory)",
                path.display()
            );
            exit::USAGE
        }
        Err(e) => {
            errln!("error: {e}");
            e.exit_code()
        }
    }
}

fn main() -> std::process::ExitCode {
    let code = run();
    std::process::ExitCode::from(cli::output::finish(code) as u8)
}
