//! The `kleroterion` binary: a thin command line over the library.

mod app;
mod cli;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(cli::run() as u8)
}
