//! `kleroterion serve`: the browser app.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;
use kleroterion::Error;
use kleroterion::error::exit;

use crate::app::{self, ServeOptions};

/// Open the organiser's app in a browser: the whole workflow (volunteers,
/// quotas, check, select, public lottery, draw, replacements, and a
/// reviewer's check of a published lottery), served from this program.
///
/// It listens on this computer only (127.0.0.1) unless --listen is given;
/// then every request needs the access token printed here. Nothing is
/// fetched from the network. Stop it with Ctrl-C.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct ServeArgs {
    /// The workspace folder: one folder per assembly, with the same files
    /// the other commands read and write (default: kleroterion in your home folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The port (default 8150; 0 picks any free port).
    #[arg(long, default_value_t = 8150)]
    pub port: u16,
    /// Listen on this address instead (e.g. 0.0.0.0 for every network
    /// interface); every request then needs the access token.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<IpAddr>,
    /// The access token to require with --listen (default: a new random one, printed).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// The largest upload, in megabytes.
    #[arg(long, value_name = "MB", default_value_t = 50)]
    pub upload_limit: usize,
}

pub fn run(args: ServeArgs) -> Result<i32, Error> {
    if args.token.as_ref().is_some_and(|t| {
        t.len() < 16
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        return Err(Error::Usage(
            "the access token must be at least 16 letters, digits, - or _".into(),
        ));
    }
    if args.upload_limit == 0 || args.upload_limit > 4096 {
        return Err(Error::Usage(
            "the upload limit must be between 1 and 4096 megabytes".into(),
        ));
    }
    let options = ServeOptions {
        dir: args.dir.unwrap_or_else(app::default_dir),
        port: args.port,
        listen: args.listen,
        token: args.token,
        upload_limit: args.upload_limit * 1024 * 1024,
    };
    app::serve(options, |ready| {
        outln!("kleroterion is running: open {}", ready.url);
        outln!("workspace: {}", ready.workspace.display());
        outln!("stop it with Ctrl-C");
    })
    .map_err(Error::Usage)?;
    Ok(exit::OK)
}
