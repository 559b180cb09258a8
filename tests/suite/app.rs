//! The browser app, `kleroterion serve`, run as the built binary: the
//! request guard over plain HTTP (token, cross-site posts, upload limit,
//! file names, Host), and the organiser's and the reviewer's ways through
//! it in a real headless Chromium driven over WebDriver (chromedriver),
//! with axe-core run on every page.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::common::{data_dir, scratch};
use crate::http::{Server, wait_for_run};

/// A server on a new workspace in a scratch folder.
fn start(name: &str, extra: &[&str]) -> Server {
    Server::start_at(scratch(name).join("workspace"), extra)
}

/// Creates an assembly over HTTP with data/'s pool and quotas and a panel
/// of 110; returns its address.
fn example_assembly(s: &Server, csrf: &str) -> String {
    let r = s.post(
        "/assemblies",
        &[("csrf", csrf), ("name", "Example assembly")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let at = r.header("location").unwrap().to_string();
    for (role, file) in [("pool", "pool.csv"), ("quotas", "quotas.csv")] {
        let bytes = std::fs::read(data_dir().join(file)).unwrap();
        let r = s.upload(
            &format!("{at}/upload"),
            &[("csrf", csrf), ("role", role)],
            ("file", file, &bytes),
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let r = s.post(
        &format!("{at}/settings"),
        &[
            ("csrf", csrf),
            ("size", "110"),
            ("address", "address_line_1"),
            ("address", "postcode"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    at
}

/// A pool and quotas (6,000 people, 7 categories, a panel of 150) in
/// `dir/big/` on which NASH runs long enough to be cancelled or cut short.
fn long_running_pool(dir: &Path, seed: &str) -> PathBuf {
    let big = dir.join("big");
    let run = crate::common::kleroterion(&[
        "synth",
        "--n",
        "6000",
        "-k",
        "150",
        "--categories",
        "7",
        "--seed",
        seed,
        "--out",
        &big.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    big
}

// ---------------------------------------------------------------- guard

#[test]
fn beyond_this_machine_every_request_needs_the_token() {
    let token = "0123456789abcdef-test-token";
    let s = start("app-token", &["--listen", "127.0.0.1", "--token", token]);
    assert!(s.url.ends_with(&format!("?token={token}")), "{}", s.url);
    let r = s.get("/");
    assert_eq!(r.status, 401);
    assert!(r.body.contains("access token"), "{}", r.body);
    assert!(!r.body.contains(token));
    assert_eq!(s.get("/?token=wrong-token-wrong-token").status, 401);
    // The printed address sets a cookie and shows the page without the
    // token in the address.
    let r = s.get(&format!("/?token={token}"));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/"));
    let cookie = r.header("set-cookie").unwrap();
    assert!(
        cookie.contains("httponly") && cookie.contains("samesite=strict"),
        "{cookie}"
    );
    let with_cookie = s.request(
        "GET",
        "/",
        &[("Cookie", &format!("kleroterion_token={token}"))],
        b"",
    );
    assert_eq!(with_cookie.status, 200);
    let bearer = s.request(
        "GET",
        "/review",
        &[("Authorization", &format!("Bearer {token}"))],
        b"",
    );
    assert_eq!(bearer.status, 200);
    // Every route is behind it, files and posts included.
    for path in [
        "/review",
        "/static/app.css",
        "/a/x/files/runs/0001-check/out/check.txt",
    ] {
        assert_eq!(s.get(path).status, 401, "{path}");
    }
    assert_eq!(s.request("POST", "/assemblies", &[], b"name=x").status, 401);
}

#[test]
fn the_app_refuses_cross_site_posts_other_hosts_large_uploads_and_paths_from_names() {
    let s = start("app-guard", &["--upload-limit", "1"]);
    let csrf = s.csrf();
    // Every page carries the policy: no inline script, nothing from
    // elsewhere, no framing; nothing with personal data is cached.
    let home = s.get("/");
    let csp = home.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(home.header("cache-control"), Some("no-store"));
    assert_eq!(home.header("x-frame-options"), Some("deny"));

    // A name that points at this machine from another site (DNS rebinding).
    let r = s.request("GET", "/", &[("Host", "evil.example")], b"");
    assert_eq!(r.status, 421);

    // A cross-site form post, by Origin or by Fetch metadata, and a post
    // without the form's token.
    let body = format!("csrf={csrf}&name=Forged");
    let ct = ("Content-Type", "application/x-www-form-urlencoded");
    for headers in [
        vec![ct, ("Origin", "http://evil.example")],
        vec![ct, ("Sec-Fetch-Site", "cross-site")],
        vec![ct, ("Sec-Fetch-Site", "same-site")],
    ] {
        let r = s.request("POST", "/assemblies", &headers, body.as_bytes());
        assert_eq!(r.status, 403, "{headers:?}");
        assert!(r.body.contains("another site"), "{}", r.body);
    }
    let r = s.request("POST", "/assemblies", &[ct], b"name=Forged");
    assert_eq!(r.status, 403);
    let r = s.request(
        "POST",
        "/assemblies",
        &[ct],
        b"csrf=00000000000000000000000000000000&name=Forged",
    );
    assert_eq!(r.status, 403);
    assert!(
        s.get("/").body.contains("No assembly yet"),
        "a refused post created something"
    );

    // An upload over the limit (1 MB here) is refused with a clear page,
    // whether or not it says its length up front.
    let at = {
        let r = s.post("/assemblies", &[("csrf", &csrf), ("name", "Guarded")]);
        assert_eq!(r.status, 303);
        r.header("location").unwrap().to_string()
    };
    let big = vec![b'a'; 2 * 1024 * 1024];
    let r = s.upload(
        &format!("{at}/upload"),
        &[("csrf", &csrf), ("role", "pool")],
        ("file", "big.csv", &big),
    );
    assert_eq!(r.status, 413);
    assert!(r.body.contains("up to 1 MB"), "{}", r.body);

    // An uploaded file's name never becomes a path: it is stored by role
    // and version and shown by its last part.
    let pool = std::fs::read(data_dir().join("pool.csv")).unwrap();
    let r = s.upload(
        &format!("{at}/upload"),
        &[("csrf", &csrf), ("role", "pool")],
        ("file", "../../../escaped.csv", &pool),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let root = s.dir.parent().unwrap();
    assert!(!root.join("escaped.csv").exists() && !s.dir.join("escaped.csv").exists());
    assert!(s.dir.join("guarded/inputs/pool-1.csv").is_file());
    let page = s.get(&at).body;
    assert!(
        page.contains("<strong>escaped.csv</strong>"),
        "shown by its last part"
    );

    // Names in addresses are looked up, never joined: no way out of the
    // workspace, and no file that no run wrote.
    for path in [
        "/a/..%2F..%2Fetc/files/passwd",
        "/a/guarded/files/../../../../etc/passwd",
        "/a/guarded/files/..%2F..%2F..%2Fetc%2Fpasswd",
        "/a/guarded/files/inputs/pool-1.csv",
        "/a/guarded/files/assembly.json",
        "/a/Guarded",
        "/static/../Cargo.toml",
    ] {
        let r = s.get(path);
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.body.contains("first_name"), "{path} leaked the pool");
    }

    // A bundle .zip whose entry would leave its folder is refused.
    let mut zip = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut zip);
        z.start_file("../outside.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"x").unwrap();
        z.finish().unwrap();
    }
    let r = s.upload(
        "/review",
        &[("csrf", &csrf)],
        ("bundle", "b.zip", zip.get_ref()),
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("outside the archive"), "{}", r.body);
    assert!(!std::env::temp_dir().join("outside.txt").exists());
}

/// Personal data never appears in an address: no link or form target of
/// any page of a worked example holds a name, an email or a postcode of
/// the pool.
#[test]
fn no_address_of_the_app_holds_personal_data() {
    let s = start("app-privacy", &[]);
    let csrf = s.csrf();
    let at = example_assembly(&s, &csrf);
    let r = s.post(
        &format!("{at}/select"),
        &[
            ("csrf", &csrf),
            ("algorithm", "leximin"),
            ("seed", "privacy"),
        ],
    );
    let run = r.header("location").unwrap().to_string();
    assert_eq!(wait_for_run(&s, &run), "done");
    let (header, rows) = crate::common::read_csv(&data_dir().join("pool.csv"));
    let personal: Vec<String> = ["first_name", "last_name", "email", "postcode"]
        .iter()
        .flat_map(|c| {
            let i = header.iter().position(|h| h == c).unwrap();
            rows.iter().map(move |r| r[i].to_lowercase())
        })
        .filter(|v| v.len() > 3)
        .collect();
    for page in ["/", at.as_str(), run.as_str(), "/review"] {
        let body = s.get(page).body;
        for target in body.split(['"', '\'']).filter(|t| t.starts_with('/')) {
            let t = target.to_lowercase();
            for p in &personal {
                assert!(
                    !t.contains(p.as_str()),
                    "{page}: address {target} holds {p}"
                );
            }
        }
    }
}

/// A finished run survives a restart of the app; a run the restart cut
/// short says so instead of "running" for ever.
#[test]
fn runs_survive_a_restart_of_the_app() {
    let s = start("app-restart", &[]);
    let csrf = s.csrf();
    let at = example_assembly(&s, &csrf);
    let r = s.post(&format!("{at}/check"), &[("csrf", &csrf)]);
    let check = r.header("location").unwrap().to_string();
    assert_eq!(wait_for_run(&s, &check), "done");
    // A long run, then the app is killed under it.
    let big = long_running_pool(s.dir.parent().unwrap(), "restart");
    for role in ["pool", "quotas"] {
        let bytes = std::fs::read(big.join(format!("{role}.csv"))).unwrap();
        let r = s.upload(
            &format!("{at}/upload"),
            &[("csrf", &csrf), ("role", role)],
            ("file", "big.csv", &bytes),
        );
        assert_eq!(r.status, 303);
    }
    s.post(
        &format!("{at}/settings"),
        &[("csrf", &csrf), ("size", "150")],
    );
    let r = s.post(
        &format!("{at}/select"),
        &[("csrf", &csrf), ("algorithm", "nash"), ("seed", "x")],
    );
    let long = r.header("location").unwrap().to_string();
    assert!(s.get(&format!("{long}/progress")).body.contains("running"));
    // A second run of the same assembly waits for the first.
    let r = s.post(&format!("{at}/check"), &[("csrf", &csrf)]);
    assert_eq!(r.status, 409);
    assert!(r.body.contains("still going"), "{}", r.body);
    let ws = s.dir.clone();
    drop(s);

    let s = Server::start_at(ws, &[]);
    let page = s.get(&check).body;
    assert!(
        page.contains("finished") && page.contains("Feasible: yes"),
        "{page}"
    );
    let file = page
        .split('"')
        .find(|t| t.ends_with("check.txt"))
        .unwrap()
        .replace("&#x2f;", "/");
    assert_eq!(s.get(&file).status, 200);
    assert_eq!(wait_for_run(&s, &long), "interrupted");
    assert!(
        s.get(&long)
            .body
            .contains("interrupted (the app stopped while it ran)")
    );
}

/// The options beyond the defaults reach the steps: a time limit and the
/// LEGACY comparison for select, an algorithm and sealed categories for
/// the lottery, and the auditor's key on the reviewer's page.
#[test]
fn the_apps_options_reach_the_library_steps() {
    let s = start("app-options", &[]);
    let csrf = s.csrf();
    let at = example_assembly(&s, &csrf);
    let select = |fields: &[(&str, &str)]| {
        let mut all = vec![
            ("csrf", csrf.as_str()),
            ("algorithm", "leximin"),
            ("seed", "o"),
        ];
        all.extend_from_slice(fields);
        s.post(&format!("{at}/select"), &all)
    };
    let r = select(&[("minutes", "soon")]);
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("number of minutes") && r.body.contains("soon"),
        "{}",
        r.body
    );
    let r = select(&[("minutes", "2,5"), ("compare_legacy", "yes")]);
    let run = r.header("location").unwrap().to_string();
    assert_eq!(wait_for_run(&s, &run), "done");
    let page = s.get(&run).body;
    assert!(
        page.contains("2.5 minutes") && page.contains("1000 draws"),
        "{page}"
    );
    assert!(page.contains("LEGACY"), "the comparison is in the report");

    let r = s.post(
        &format!("{at}/lottery"),
        &[
            ("csrf", &csrf),
            ("algorithm", "maximin"),
            ("panels", "500"),
            ("seal", "climate_concern"),
            ("seed_format", "text"),
            ("seed_source", "the mayor's words on the day"),
        ],
    );
    let lottery = r.header("location").unwrap().to_string();
    assert_eq!(
        wait_for_run(&s, &lottery),
        "done",
        "{}",
        s.get(&lottery).body
    );
    let page = s.get(&lottery).body;
    assert!(
        page.contains("MAXIMIN") && page.contains("climate_concern"),
        "{page}"
    );
    let commitment = page
        .lines()
        .find_map(|l| l.strip_prefix("COMMITMENT "))
        .unwrap()
        .trim()
        .to_string();
    let r = s.post(
        &format!("{at}/draw"),
        &[("csrf", &csrf), ("seed", "Let it be fair.")],
    );
    let draw = r.header("location").unwrap().to_string();
    assert_eq!(wait_for_run(&s, &draw), "done");
    let zip = s.get_bytes(&format!("{lottery}/bundle.zip"));
    let number: String = lottery.rsplit('/').next().unwrap().to_string();
    let key_path = std::fs::read_dir(s.dir.join("example-assembly/runs"))
        .unwrap()
        .flatten()
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{number:0>4}-"))
        })
        .unwrap()
        .path()
        .join("out/bundle-private/auditor.key");
    let key = std::fs::read(key_path).unwrap();
    let review = |with_key: bool| {
        let fields = [
            ("csrf", csrf.as_str()),
            ("commitments", commitment.as_str()),
            ("seeds", "Let it be fair."),
        ];
        let mut files = vec![("bundle", "bundle.zip", zip.as_slice())];
        if with_key {
            files.push(("auditor_key", "auditor.key", key.as_slice()));
        }
        let (body, boundary) = crate::http::multipart_files(&fields, &files);
        s.request(
            "POST",
            "/review",
            &[
                (
                    "Content-Type",
                    &format!("multipart/form-data; boundary={boundary}"),
                ),
                ("Origin", &s.base),
            ],
            &body,
        )
        .body
    };
    let count = |page: &str| page.matches(">NOT CHECKED<").count();
    let (without, with) = (review(false), review(true));
    let fails = |page: &str| -> Vec<String> {
        page.split("<tr>")
            .filter(|row| row.contains(">FAIL<"))
            .map(str::to_string)
            .collect()
    };
    assert!(fails(&without).is_empty(), "{:?}", fails(&without));
    assert!(fails(&with).is_empty(), "{:?}", fails(&with));
    assert!(
        count(&with) < count(&without),
        "the key lets the sealed quotas be checked: {} vs {}",
        count(&with),
        count(&without)
    );
}

// ---------------------------------------------------------------- browser

/// chromedriver on a free port and a headless Chromium session, or None
/// (with SKIPPED printed) where they are not installed.
struct Browser {
    driver: Child,
    port: u16,
    client: Option<Client>,
}

impl Drop for Browser {
    /// Stops chromedriver, which quits the Chromium it started, also when
    /// a test failed before closing its session.
    fn drop(&mut self) {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = write!(
                s,
                "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
        for _ in 0..50 {
            if let Ok(Some(_)) = self.driver.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

async fn browser(test: &str) -> Option<Browser> {
    let Some(chromium) = crate::reports::chromium() else {
        println!("SKIPPED {test}: no Chromium (install chromium and chromium-driver)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Ok(driver) = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        println!("SKIPPED {test}: no chromedriver (install chromium-driver)");
        return None;
    };
    let mut b = Browser {
        driver,
        port,
        client: None,
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let binary = which(&chromium).unwrap_or(chromium);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": binary,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1000"]
        }),
    );
    let client =
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
    b.client = Some(client);
    Some(b)
}

fn which(name: &str) -> Option<String> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    })
}

/// axe-core's source, installed by `npm ci --prefix tests/browser`
/// (.ci/run does it), or None.
fn axe_source() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(path).ok()
}

/// Runs axe-core on the page shown; returns its serious and critical
/// violations in words (empty: none). The script is injected through
/// WebDriver, which the page's policy does not govern; the page itself
/// runs no inline script.
async fn axe(c: &Client, axe: &str) -> Vec<String> {
    c.execute(axe, vec![]).await.expect("axe loads");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(
               r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ') + ')')))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe runs");
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// What each page visited gave: (name, violations), and screenshots.
struct Visit<'a> {
    c: &'a Client,
    axe: Option<String>,
    results: Vec<(String, Vec<String>)>,
    shots: PathBuf,
}

impl Visit<'_> {
    /// Checks the page shown with axe-core and saves a screenshot.
    async fn page(&mut self, name: &str) {
        let html = self.c.source().await.unwrap();
        // No inline script and no inline event handler on any page.
        assert!(!html.contains("<script>"), "{name}: inline script");
        for attr in [
            " onclick=",
            " onload=",
            " onsubmit=",
            " onchange=",
            "javascript:",
        ] {
            assert!(!html.contains(attr), "{name}: {attr}");
        }
        if let Some(axe_src) = &self.axe {
            let v = axe(self.c, axe_src).await;
            self.results.push((name.to_string(), v));
        }
        let png = self.c.screenshot().await.unwrap();
        std::fs::create_dir_all(&self.shots).unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    fn assert_accessible(&self) {
        let bad: Vec<String> = self
            .results
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| format!("{n}: {}", v.join("; ")))
            .collect();
        assert!(
            bad.is_empty(),
            "axe-core found serious or critical violations:\n{}",
            bad.join("\n")
        );
        if self.axe.is_some() {
            println!(
                "axe-core: no serious or critical violation on {} pages ({})",
                self.results.len(),
                self.results
                    .iter()
                    .map(|r| r.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
}

async fn css(c: &Client, selector: &str) -> fantoccini::elements::Element {
    match c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(selector))
        .await
    {
        Ok(e) => e,
        Err(e) => {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let page = c.source().await.unwrap_or_default();
            panic!("no {selector} on {url}: {e}\n{page}")
        }
    }
}

/// Waits until the run page shows a finished status; returns it.
async fn wait_finished(c: &Client) -> String {
    let start = Instant::now();
    loop {
        if let Ok(s) = c.find(Locator::Css("#status")).await
            && let Ok(t) = s.text().await
            && t != "running"
        {
            return t;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the run did not finish"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';

/// Presses a key on whatever has the focus, as a person would.
async fn press(c: &Client, key: char) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(keys).await.unwrap();
}

/// Chooses `file` in the upload field `input` (`#pool-file`,
/// `#quotas-file`) of the assembly page shown and sends its form.
async fn upload_in_browser(c: &Client, input: &str, file: &Path) {
    css(c, input)
        .await
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    submit(c, &format!("form:has({input})")).await;
    css(c, "#inputs").await;
}

/// The public seeds of the flow's two draws, one per line.
const SEEDS: &str = "3 14 15 22 41 2 9\n1 2 3 4 5 6 7";

/// Sends a bundle .zip with its commitments and seeds through the
/// reviewer's page shown; returns the verdict.
async fn review_in_browser(c: &Client, zip: &Path, commitments: &[&str], seeds: &str) -> String {
    css(c, "#bundle")
        .await
        .send_keys(&zip.display().to_string())
        .await
        .unwrap();
    css(c, "#commitments")
        .await
        .send_keys(&commitments.join("\n"))
        .await
        .unwrap();
    css(c, "#seeds").await.send_keys(seeds).await.unwrap();
    submit(c, "main").await;
    css(c, "#verdict").await.text().await.unwrap()
}

/// data/'s quotas with cells of one data row (1 = the first) changed,
/// written to `path`.
fn quotas_with_row(path: &Path, row: usize, cells: &[(usize, &str)]) {
    let good = std::fs::read_to_string(data_dir().join("quotas.csv")).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    let mut row_cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
    for (i, v) in cells {
        row_cells[*i] = v.to_string();
    }
    lines[row] = row_cells.join(",");
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

async fn text(c: &Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn submit(c: &Client, form: &str) {
    click_through(c, &format!("{form} button[type=submit]")).await;
}

/// Clicks what `selector` finds and waits until the next page has loaded
/// (so that nothing of the old page is found after it).
async fn click_through(c: &Client, selector: &str) {
    c.execute("window.__kleroterion_old = true;", vec![])
        .await
        .unwrap();
    css(c, selector).await.click().await.unwrap();
    let start = Instant::now();
    loop {
        let fresh = c
            .execute(
                "return window.__kleroterion_old === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await
            .map(|v| v == json!(true))
            .unwrap_or(false);
        if fresh {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no new page after clicking {selector}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The organiser's whole way through on data/, as a person would click
/// it: create, upload, columns, check, select, lottery, draw, a
/// replacement round and the downloads; then the reviewer's check of the
/// published bundle, and of a tampered one.
#[test]
fn an_organiser_goes_from_a_spreadsheet_to_a_drawn_verifiable_panel_in_the_browser() {
    runtime().block_on(organiser_flow());
}

async fn organiser_flow() {
    let Some(mut b) = browser("the browser flow").await else {
        return;
    };
    let c = b.client.take().unwrap();
    let s = start("app-flow", &[]);
    let axe_src = axe_source();
    if axe_src.is_none() {
        println!(
            "SKIPPED axe-core checks: run `npm ci --prefix tests/browser` first (.ci/run does)"
        );
    }
    let mut v = Visit {
        c: &c,
        axe: axe_src,
        results: Vec::new(),
        shots: Path::new(env!("CARGO_TARGET_TMPDIR")).join("app-screenshots"),
    };
    c.goto(&s.url).await.unwrap();
    v.page("01-assemblies-empty").await;

    // Keyboard only: the skip link first, then the name field, Enter.
    press(&c, TAB).await;
    let first = c.active_element().await.unwrap();
    assert_eq!(first.attr("class").await.unwrap().as_deref(), Some("skip"));
    let mut found = false;
    for _ in 0..12 {
        press(&c, TAB).await;
        if c.active_element()
            .await
            .unwrap()
            .attr("id")
            .await
            .unwrap()
            .as_deref()
            == Some("name")
        {
            found = true;
            break;
        }
    }
    assert!(found, "Tab never reached the name field");
    let field = c.active_element().await.unwrap();
    field.send_keys("Climate Assembly 2027").await.unwrap();
    press(&c, ENTER).await;
    css(&c, "#inputs").await;
    let at = c.current_url().await.unwrap();
    assert!(at.path().ends_with("/a/climate-assembly-2027"), "{at}");
    v.page("02-assembly-new").await;

    // Upload the volunteers and the quotas, as files chosen on disk.
    for (input, file) in [("#pool-file", "pool.csv"), ("#quotas-file", "quotas.csv")] {
        upload_in_browser(&c, input, &data_dir().join(file).canonicalize().unwrap()).await;
    }
    let size = css(&c, "#size").await;
    size.send_keys("110").await.unwrap();
    for col in ["address_line_1", "postcode"] {
        css(&c, &format!("input[name=address][value={col}]"))
            .await
            .click()
            .await
            .unwrap();
    }
    click_through(&c, "form[action$='/settings'] button").await;
    css(&c, "svg.chart").await;
    let page = text(&c).await;
    assert!(page.contains("500 people"), "{page}");
    assert!(
        page.contains("households of 2+ people by address_line_1, postcode"),
        "{page}"
    );
    v.page("03-volunteers-and-quotas").await;

    // Check.
    submit(&c, "#check").await;
    assert_eq!(wait_finished(&c).await, "finished");
    assert!(text(&c).await.contains("Feasible: yes"));
    v.page("04-check").await;

    // Select, following the run live.
    c.goto(at.as_str()).await.unwrap();
    css(&c, "#seed")
        .await
        .send_keys("example seed")
        .await
        .unwrap();
    submit(&c, "#select").await;
    assert_eq!(wait_finished(&c).await, "finished");
    // The report's page is shown in the run's: charts and reasons.
    css(&c, "section.report svg.chart").await;
    let result = css(&c, "section.report").await.text().await.unwrap();
    assert!(
        result.contains("LEXIMIN") && result.contains("Why the chances differ"),
        "{result}"
    );
    v.page("05-select").await;
    let report = css(&c, "a[href$='report.html']").await;
    let href = report.attr("href").await.unwrap().unwrap();
    let r = s.get(&href);
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(
        !r.header("content-security-policy")
            .unwrap()
            .contains("script-src"),
        "reports run no script"
    );
    let xlsx = css(&c, "a[href$='selection.xlsx']")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let r = s.get(&xlsx);
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    // The same selection as the command line's, byte for byte.
    let cli_out = scratch("app-flow-cli");
    crate::reports::select_data(&cli_out.join("out"), &[]);
    let app_selected = s.get(&href.replace("report.html", "selected.csv")).body;
    assert_eq!(
        app_selected,
        std::fs::read_to_string(cli_out.join("out/selected.csv")).unwrap()
    );

    // The public lottery, its commitment and seed rule, the draw.
    c.goto(&format!("{at}#lottery")).await.unwrap();
    css(&c, "#lottery-count")
        .await
        .send_keys("7")
        .await
        .unwrap();
    css(&c, "#lottery-source")
        .await
        .send_keys("EuroMillions of Tuesday 8 December 2026")
        .await
        .unwrap();
    click_through(&c, "form[action$='/lottery'] button").await;
    assert_eq!(wait_finished(&c).await, "finished");
    let page = text(&c).await;
    let commitment = page
        .lines()
        .find_map(|l| l.strip_prefix("COMMITMENT "))
        .expect("the commitment is shown")
        .trim()
        .to_string();
    v.page("06-lottery").await;
    c.goto(&format!("{at}#lottery")).await.unwrap();
    let shown = css(&c, "#lottery code.digest").await.text().await.unwrap();
    assert_eq!(shown, commitment);
    v.page("07-lottery-to-publish").await;
    css(&c, "#draw-seed")
        .await
        .send_keys("3 14 15 22 41 2 9")
        .await
        .unwrap();
    click_through(&c, "form[action$='/draw'] button").await;
    assert_eq!(wait_finished(&c).await, "finished");
    assert!(text(&c).await.contains("panel "), "the draw says its panel");
    v.page("08-draw").await;

    // A replacement round: two members withdraw.
    c.goto(&format!("{at}#lottery")).await.unwrap();
    let boxes = c
        .find_all(Locator::Css("input[name=withdrawn]"))
        .await
        .unwrap();
    assert_eq!(boxes.len(), 110, "the drawn panel is listed");
    let mut gone = Vec::new();
    for b in &boxes[..2] {
        gone.push(b.attr("value").await.unwrap().unwrap());
        b.click().await.unwrap();
    }
    v.page("09-replacement-form").await;
    css(&c, "#replace-relax").await.click().await.unwrap();
    css(&c, "#replace-count")
        .await
        .send_keys("7")
        .await
        .unwrap();
    css(&c, "#replace-source")
        .await
        .send_keys("EuroMillions of Friday 11 December 2026")
        .await
        .unwrap();
    click_through(&c, "form[action$='/replace'] button").await;
    assert_eq!(wait_finished(&c).await, "finished", "{}", text(&c).await);
    let round = text(&c).await;
    let commitment2 = round
        .lines()
        .find_map(|l| l.strip_prefix("COMMITMENT "))
        .unwrap()
        .trim()
        .to_string();
    c.goto(&format!("{at}#lottery")).await.unwrap();
    css(&c, "#draw-seed")
        .await
        .send_keys("1 2 3 4 5 6 7")
        .await
        .unwrap();
    click_through(&c, "form[action$='/draw'] button").await;
    assert_eq!(wait_finished(&c).await, "finished");

    // The panel after the round: the two who withdrew are gone, their
    // replacements in.
    c.goto(&format!("{at}#lottery")).await.unwrap();
    let mut now = Vec::new();
    for b in c
        .find_all(Locator::Css("input[name=withdrawn]"))
        .await
        .unwrap()
    {
        now.push(b.attr("value").await.unwrap().unwrap());
    }
    assert_eq!(now.len(), 110);
    assert!(
        gone.iter().all(|g| !now.contains(g)),
        "{gone:?} still listed"
    );

    // The assembly plan from the example's assembly file and tables; then
    // a re-plan after two withdrawals, from the second weekend on.
    c.goto(&format!("{at}#plan")).await.unwrap();
    let assembly = data_dir().join("assembly").canonicalize().unwrap();
    for (input, file) in [
        ("#plan-assembly", "assembly.toml"),
        ("#plan-members", "members.csv"),
        ("#plan-facilitators", "facilitators.csv"),
        ("#plan-speakers", "speakers.csv"),
        ("#plan-constraints", "constraints.csv"),
    ] {
        css(&c, input)
            .await
            .send_keys(&assembly.join(file).display().to_string())
            .await
            .unwrap();
    }
    click_through(&c, "form[action$='/plan-inputs'] button").await;
    let plan_section = css(&c, "#plan").await.text().await.unwrap();
    assert!(
        plan_section.contains("version 1 of Example Citizens' Assembly on Climate"),
        "{plan_section}"
    );
    v.page("14-plan-inputs").await;
    click_through(&c, "form[action$='/plan'] button").await;
    assert_eq!(wait_finished(&c).await, "finished", "{}", text(&c).await);
    v.page("15-plan").await;
    let report = css(&c, "a[href$='plan-report.html']")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let page = s.get(&report);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"), "the seating pictures");
    let zip = s.get(&format!("{}/zip/1", c.current_url().await.unwrap().path()));
    assert_eq!(zip.status, 200, "the calendars as one .zip");
    c.goto(&format!("{at}#plan")).await.unwrap();
    css(&c, "#plan-from")
        .await
        .select_by_value("w2-sat-welcome")
        .await
        .unwrap();
    for id in ["M001", "M002"] {
        css(&c, &format!("#plan input[name=withdrawn][value={id}]"))
            .await
            .click()
            .await
            .unwrap();
    }
    v.page("16-replan-form").await;
    click_through(&c, "#plan form[action$='/plan']:last-of-type button").await;
    assert_eq!(wait_finished(&c).await, "finished", "{}", text(&c).await);
    let replanned = text(&c).await;
    assert!(
        replanned.contains("changes.txt"),
        "the change list: {replanned}"
    );
    assert!(
        replanned.contains("M001, M002"),
        "the withdrawals are recorded: {replanned}"
    );

    // The public bundle, downloaded as one .zip, holds no personal data.
    c.goto(&format!("{at}#lottery")).await.unwrap();
    let zip_href = css(&c, "a[href$='bundle.zip']")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let zip_bytes = s.get_bytes(&zip_href);
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes.clone())).unwrap();
    let mut names = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        names.push(f.name().to_string());
        let mut t = String::new();
        let _ = f.read_to_string(&mut t);
        assert!(!t.contains("@example"), "{} holds an email", f.name());
    }
    assert!(
        names.iter().any(|n| n.ends_with("replacement-1/draw.json")),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.contains("private") || n.contains("secret")),
        "{names:?}"
    );

    // The reviewer, in the same browser with nothing of the assembly.
    let zip_path = s.dir.parent().unwrap().join("published-bundle.zip");
    std::fs::write(&zip_path, &zip_bytes).unwrap();
    c.goto(&format!("{}/review", s.base)).await.unwrap();
    v.page("10-review-form").await;
    let verdict = review_in_browser(&c, &zip_path, &[&commitment, &commitment2], SEEDS).await;
    assert!(
        verdict.starts_with("NOT VERIFIED: nothing failed"),
        "{verdict}\n{}",
        text(&c).await
    );
    let fails = c.find_all(Locator::Css("td.fail")).await.unwrap();
    let passes = c.find_all(Locator::Css("td.pass")).await.unwrap();
    assert!(fails.is_empty() && !passes.is_empty(), "{}", text(&c).await);
    v.page("11-review-result").await;

    // A tampered bundle: one probability changed after the commitment.
    let tampered = tamper(&zip_bytes);
    std::fs::write(&zip_path, &tampered).unwrap();
    c.goto(&format!("{}/review", s.base)).await.unwrap();
    let verdict = review_in_browser(&c, &zip_path, &[&commitment, &commitment2], SEEDS).await;
    assert!(verdict.starts_with("FAILED"), "{verdict}");
    v.page("12-review-tampered").await;

    // The history keeps every run.
    c.goto(&format!("{at}#history")).await.unwrap();
    let rows = c.find_all(Locator::Css("#history tbody tr")).await.unwrap();
    assert_eq!(
        rows.len(),
        8,
        "check, select, lottery, draw, replace, draw, plan, re-plan"
    );
    v.page("13-assembly-history").await;
    v.assert_accessible();
    // axe-core does find what it should: a field without a label.
    if let Some(axe_src) = &v.axe {
        c.execute(
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=\"unlabelled\">');",
            vec![],
        )
        .await
        .unwrap();
        let found = axe(&c, axe_src).await;
        assert!(found.iter().any(|f| f.contains(" label:")), "{found:?}");
    }
    let _ = c.close().await;
}

/// The bundle with one person's probability in the first stage changed.
fn tamper(zip_bytes: &[u8]) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().to_string();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            if name == "bundle/probabilities.csv" {
                let text = String::from_utf8(bytes).unwrap();
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                let cells: Vec<&str> = lines[1].split(',').collect();
                let last = cells.len() - 1;
                let changed: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        if i == last {
                            "0.5".to_string()
                        } else {
                            c.to_string()
                        }
                    })
                    .collect();
                lines[1] = changed.join(",");
                bytes = (lines.join("\n") + "\n").into_bytes();
            }
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(&bytes).unwrap();
        }
        w.finish().unwrap();
    }
    out.into_inner()
}

/// What goes wrong, in the browser: a file that cannot be read, quotas
/// that cannot be met (and the one-click relaxation), a cancelled run.
#[test]
fn errors_are_shown_in_the_organisers_words_and_runs_can_be_cancelled() {
    runtime().block_on(error_flows());
}

async fn error_flows() {
    let Some(mut b) = browser("the browser error flows").await else {
        return;
    };
    let c = b.client.take().unwrap();
    let s = start("app-errors", &[]);
    let mut v = Visit {
        c: &c,
        axe: axe_source(),
        results: Vec::new(),
        shots: Path::new(env!("CARGO_TARGET_TMPDIR")).join("app-screenshots"),
    };
    let csrf = s.csrf();
    let at = example_assembly(&s, &csrf);
    let work = s.dir.parent().unwrap().to_path_buf();

    // A quotas file with a bound that is not a number: the page names the
    // file (as uploaded), the line, the column and the value.
    let bad = work.join("my quotas.csv");
    quotas_with_row(&bad, 2, &[(2, "lots")]);
    c.goto(&format!("{}{at}", s.base)).await.unwrap();
    upload_in_browser(&c, "#quotas-file", &bad).await;
    let error = css(&c, "#inputs pre.message").await.text().await.unwrap();
    assert!(
        error.contains("my quotas.csv") && error.contains("line 3") && error.contains("\"lots\""),
        "{error}"
    );
    assert!(
        !error.contains("--") && !error.contains(&s.dir.display().to_string()),
        "no flag, no workspace path: {error}"
    );
    v.page("20-bad-file").await;

    // Quotas that cannot be met: the check says so, shows the smallest
    // change, and one click applies it as a new version.
    let infeasible = work.join("tight.csv");
    quotas_with_row(&infeasible, 1, &[(2, "70"), (3, "80"), (5, "110")]);
    upload_in_browser(&c, "#quotas-file", &infeasible).await;
    let page = text(&c).await;
    assert!(
        page.contains("Impossible:"),
        "the arithmetic shows it at once: {page}"
    );
    submit(&c, "#check").await;
    assert_eq!(wait_finished(&c).await, "finished");
    let page = text(&c).await;
    assert!(page.contains("Feasible: NO"), "{page}");
    v.page("21-infeasible").await;
    click_through(&c, "form[action$='/relax'] button").await;
    css(&c, "#inputs").await;
    assert!(
        text(&c).await.contains("version 4"),
        "the relaxed quotas are a new version"
    );
    submit(&c, "#check").await;
    assert_eq!(wait_finished(&c).await, "finished");
    assert!(text(&c).await.contains("Feasible: yes"));

    // A long run, cancelled: a larger pool so that it is still running.
    let big = long_running_pool(&work, "cancel me");
    c.goto(&format!("{}{at}", s.base)).await.unwrap();
    for (input, file) in [("#pool-file", "pool.csv"), ("#quotas-file", "quotas.csv")] {
        upload_in_browser(&c, input, &big.join(file)).await;
    }
    let size = css(&c, "#size").await;
    size.clear().await.unwrap();
    size.send_keys("150").await.unwrap();
    click_through(&c, "form[action$='/settings'] button").await;
    css(&c, "#seed").await.send_keys("cancel").await.unwrap();
    css(&c, "#algorithm")
        .await
        .select_by_value("nash")
        .await
        .unwrap();
    submit(&c, "#select").await;
    css(&c, "#live").await;
    v.page("22-running").await;
    click_through(&c, "#live button").await;
    assert_eq!(wait_finished(&c).await, "cancelled");
    assert!(text(&c).await.contains("nothing was kept"));
    // A finished result survives a reload; nothing of the cancelled run
    // was written.
    c.refresh().await.unwrap();
    assert_eq!(wait_finished(&c).await, "cancelled");
    let runs = s.dir.join("example-assembly/runs");
    let cancelled = std::fs::read_dir(&runs)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("-select"))
        .unwrap()
        .path();
    assert!(
        !cancelled.join("out").exists(),
        "a cancelled run writes nothing"
    );
    v.page("23-cancelled").await;

    // A form's export: the age question is not named like the category.
    // The page says the column is missing; picking it from the list
    // fixes it.
    let forms = work.join("form responses.csv");
    let pool = std::fs::read_to_string(data_dir().join("pool.csv")).unwrap();
    let (header, rest) = pool.split_once('\n').unwrap();
    let header = header.replace(",age,", ",What is your age group?,");
    std::fs::write(&forms, format!("{header}\n{rest}")).unwrap();
    let r = s.post("/assemblies", &[("csrf", &csrf), ("name", "Forms")]);
    let forms_at = r.header("location").unwrap().to_string();
    let quotas = std::fs::read(data_dir().join("quotas.csv")).unwrap();
    s.upload(
        &format!("{forms_at}/upload"),
        &[("csrf", &csrf), ("role", "quotas")],
        ("file", "quotas.csv", &quotas),
    );
    s.post(
        &format!("{forms_at}/settings"),
        &[("csrf", &csrf), ("size", "110")],
    );
    c.goto(&format!("{}{forms_at}", s.base)).await.unwrap();
    upload_in_browser(&c, "#pool-file", &forms).await;
    let error = css(&c, "#inputs pre.message").await.text().await.unwrap();
    assert!(
        error.contains("age") && error.contains("form responses.csv"),
        "{error}"
    );
    let mut select = None;
    for label in c.find_all(Locator::Css("label[for^=map-]")).await.unwrap() {
        if label.text().await.unwrap() == "age" {
            select = label.attr("for").await.unwrap();
        }
    }
    let select = select.expect("a list for the age category");
    css(&c, &format!("#{select}"))
        .await
        .select_by_value("What is your age group?")
        .await
        .unwrap();
    v.page("24-column-mapping").await;
    click_through(&c, "form[action$='/settings'] button").await;
    css(&c, "svg.chart").await;
    assert!(
        c.find(Locator::Css("#inputs pre.message")).await.is_err(),
        "the mapping fixed it"
    );
    assert!(text(&c).await.contains("500 people"));
    v.assert_accessible();
    let _ = c.close().await;
}
