//! The browser app, `kleroterion serve`: the second thin front-end beside
//! the command line. Every action a page starts is the same library step
//! the command line calls (`kleroterion::steps`); the app adds the
//! workspace (one folder per assembly, `workspace.rs`), background runs
//! with progress and cancel (`jobs.rs`), the pages (`pages.rs`, templates
//! in `templates/`) and the guard every request passes (`security.rs`).
//!
//! Everything it serves is compiled into the binary (templates, style,
//! one small script): nothing is fetched from the network.

// A refused request is a finished response, returned early with `?`; boxing
// it would only add an allocation per refusal.
#![allow(clippy::result_large_err)]

mod jobs;
mod pages;
mod plan;
mod security;
mod view;
mod workspace;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The workspace folder (one folder per assembly).
    pub dir: PathBuf,
    /// 0: any free port.
    pub port: u16,
    /// Listen on this address instead of 127.0.0.1 (then every request
    /// needs the token).
    pub listen: Option<IpAddr>,
    /// The access token for `listen` (None: a new random one).
    pub token: Option<String>,
    /// The largest upload, in bytes.
    pub upload_limit: usize,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub workspace: workspace::Workspace,
    pub jobs: Arc<jobs::Jobs>,
    pub view: Arc<view::View>,
    /// The token every form carries (checked on every post).
    pub csrf: Arc<str>,
    /// The access token, when listening beyond this machine.
    pub token: Option<Arc<str>>,
    /// The Host header values the app answers to on this machine.
    pub hosts: Arc<[String]>,
    pub upload_limit: usize,
    /// Held while the workspace's settings, inputs or plan versions change
    /// (two tabs saving at once would otherwise mix them or share a
    /// version number).
    pub edits: Arc<std::sync::Mutex<()>>,
    /// Held while a reviewer's bundle is checked: one at a time.
    pub review: Arc<tokio::sync::Semaphore>,
}

/// Where the app can be opened, once it listens.
pub struct Ready {
    /// The address to open (with the token, when there is one).
    pub url: String,
    pub workspace: PathBuf,
}

/// The workspace used when none is given: `kleroterion` in the home folder.
pub fn default_dir() -> PathBuf {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
        .join("kleroterion")
}

/// Serves until interrupted (Ctrl-C or a termination signal); `ready` is
/// told the address once the app listens.
pub fn serve(options: ServeOptions, ready: impl FnOnce(&Ready)) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the app: {e}"))?;
    runtime.block_on(run(options, ready))
}

async fn run(options: ServeOptions, ready: impl FnOnce(&Ready)) -> Result<(), String> {
    let dir = std::path::absolute(&options.dir).unwrap_or(options.dir.clone());
    let workspace = workspace::Workspace::open(dir.clone()).map_err(|e| {
        format!(
            "cannot use {} as the workspace: {e}; choose another folder",
            dir.display()
        )
    })?;
    // Runs left running by an app that stopped will never finish.
    for (a, _) in workspace.list() {
        a.mark_interrupted(&|_| false);
    }
    let ip = options.listen.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, options.port))
        .await
        .map_err(|e| {
            format!(
                "cannot listen on {ip} port {}: {e}; choose another port",
                options.port
            )
        })?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot listen: {e}"))?;
    let token: Option<Arc<str>> = match (&options.listen, &options.token) {
        (None, _) => None,
        (Some(_), Some(t)) => Some(t.as_str().into()),
        (Some(_), None) => Some(random_hex(16)?.into()),
    };
    let port = address.port();
    let hosts: Arc<[String]> = vec![
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ]
    .into();
    let state = AppState {
        workspace,
        jobs: Arc::new(jobs::Jobs::default()),
        view: Arc::new(view::View::new()),
        csrf: random_hex(16)?.into(),
        token: token.clone(),
        hosts,
        upload_limit: options.upload_limit,
        edits: Arc::default(),
        review: Arc::new(tokio::sync::Semaphore::new(1)),
    };
    let app = router(state);
    let host = match ip {
        IpAddr::V4(v) if v.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V4(v) => v.to_string(),
        IpAddr::V6(v) if v.is_unspecified() => "[::1]".to_string(),
        IpAddr::V6(v) => format!("[{v}]"),
    };
    let url = match &token {
        None => format!("http://{host}:{port}/"),
        Some(t) => format!("http://{host}:{port}/?token={t}"),
    };
    ready(&Ready {
        url,
        workspace: dir,
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| format!("the app stopped: {e}"))
}

fn router(state: AppState) -> Router {
    let limit = state.upload_limit;
    Router::new()
        .route("/", get(pages::home))
        .route("/assemblies", post(pages::create))
        .route("/a/{slug}", get(pages::assembly))
        .route("/a/{slug}/upload", post(pages::upload))
        .route("/a/{slug}/settings", post(pages::settings))
        .route("/a/{slug}/check", post(pages::check))
        .route("/a/{slug}/relax", post(pages::relax))
        .route("/a/{slug}/select", post(pages::select))
        .route("/a/{slug}/lottery", post(pages::lottery))
        .route("/a/{slug}/draw", post(pages::draw))
        .route("/a/{slug}/replace", post(pages::replace))
        .route("/a/{slug}/cancel", post(pages::cancel))
        .route("/a/{slug}/plan-inputs", post(plan::upload))
        .route("/a/{slug}/plan", post(plan::plan))
        .route("/a/{slug}/runs/{number}", get(pages::run))
        .route("/a/{slug}/runs/{number}/progress", get(pages::progress))
        .route("/a/{slug}/runs/{number}/bundle.zip", get(pages::bundle_zip))
        .route(
            "/a/{slug}/runs/{number}/zip/{index}",
            get(pages::folder_zip),
        )
        .route("/a/{slug}/files/{*path}", get(pages::file))
        .route("/review", get(pages::review_form).post(pages::review))
        .route("/static/{name}", get(pages::asset))
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .with_state(state)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `bytes` random bytes from the operating system, as hex.
fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| format!("no randomness from the system: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}
