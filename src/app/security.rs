//! What every request passes before a page sees it, because the workspace
//! holds personal data: the Host check (a web page elsewhere cannot reach
//! the app through a name that points at this machine), the access token
//! when the app listens beyond this machine, the same-origin check on
//! every form post (with the form's own token, checked in
//! `pages::Posted`), the upload limit, and the headers every response
//! carries (a Content-Security-Policy with no inline script, no caching of
//! pages with personal data, no referrer to other sites).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::AppState;

/// The policy of the app's own pages: scripts and styles from the app
/// only, nothing inline, no frames, forms only to the app.
pub const APP_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of the HTML reports the actions write (their style is
/// inline, so a report opens as one file anywhere): no script at all.
pub const REPORT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const TOKEN_COOKIE: &str = "kleroterion_token";

/// The checks, in order; then the response's headers.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = match check(&state, &request) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused,
    };
    let h = response.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(APP_POLICY));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

fn check(state: &AppState, request: &Request) -> Result<(), Response> {
    let headers = request.headers();
    if !host_allowed(state, headers) {
        return Err(refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "This address is not the app's",
            "Open the address the app printed when it started.",
        ));
    }
    if let Some(token) = &state.token {
        let query_token = request
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")));
        if request.method() == Method::GET && query_token.is_some() {
            // The printed address carries the token once: it becomes a
            // cookie and the address is shown without it.
            if query_token.is_some_and(|t| same(t, token)) {
                // Never `//elsewhere`: a browser would leave the app.
                let path = request.uri().path();
                let path = if path.starts_with("//") { "/" } else { path };
                let mut r = Redirect::to(path).into_response();
                if let Ok(v) = HeaderValue::from_str(&format!(
                    "{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
                )) {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
                return Err(r);
            }
            return Err(refuse_token());
        }
        if !presented(headers).is_some_and(|t| same(&t, token)) {
            return Err(refuse_token());
        }
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        if !same_origin(state, headers) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "Refused: this form was sent from another site",
                "Use the app's own pages to make changes.",
            ));
        }
        let length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if length.is_some_and(|l| l > state.upload_limit as u64) {
            return Err(too_large(state.upload_limit));
        }
    }
    Ok(())
}

/// The token a request presents: its cookie or a bearer header.
fn presented(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(t.trim().to_string());
    }
    let prefix = format!("{TOKEN_COOKIE}=");
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(&prefix).map(str::to_owned))
}

/// Compares secrets in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn host_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    if state.token.is_some() {
        // Reachable from elsewhere by any name; the token guards it.
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    state.hosts.iter().any(|h| h == host)
}

/// A form post must come from the app's own pages: browsers send Origin
/// (and Sec-Fetch-Site) with every cross-site post.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            origin == format!("http://{host}")
                && (state.token.is_some() || state.hosts.iter().any(|h| h == host))
        }
    }
}

fn refuse_token() -> Response {
    refuse(
        StatusCode::UNAUTHORIZED,
        "This app needs its access token",
        "Open the full address the app printed when it started (it ends with ?token=…), or ask whoever started it.",
    )
}

/// The page for an upload over the limit.
pub fn too_large(limit: usize) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The file is too large",
        &format!(
            "Files up to {} MB can be uploaded. Remove unused sheets or columns, or ask whoever started the app to raise the limit.",
            limit / (1024 * 1024)
        ),
    )
}

/// A short page saying what was refused and what to do (no detail of the
/// request: it may hold personal data).
pub fn refuse(status: StatusCode, title: &str, what_to_do: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main><h1>{t}</h1><p>{w}</p><p><a href=\"/\">Back to the assemblies</a></p></main></body></html>\n",
        t = kleroterion::report::html::esc(title),
        w = kleroterion::report::html::esc(what_to_do)
    );
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}
