//! The pages: each shows what the command line prints and more, and each
//! form starts one library step (in the background when it computes).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path as UrlPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Serialize;

use kleroterion::audit::seed::{SeedFormat, SeedRule};
use kleroterion::error::Error;
use kleroterion::files::table::Table;
use kleroterion::model::instance::{POOL_SHEETS, QUOTA_SHEETS};
use kleroterion::report::Measured;
use kleroterion::selection::optimise::{Cancel, Gamma, Objective, Progress as Step};
use kleroterion::steps::{self, PoolFiles};
use kleroterion::{Instance, Warning};

use super::AppState;
use super::jobs::{Finished, Job, Start};
use super::security::{self, REPORT_POLICY};
use super::view;
use super::workspace::{Assembly, Meta, Status, Stored};

pub type Page = Result<Response, Response>;

// ---------------------------------------------------------------- forms

/// A posted form (URL-encoded or multipart), its token checked: the
/// fields, and the files by field name as (name on the organiser's
/// computer, bytes).
pub struct Posted {
    fields: HashMap<String, Vec<String>>,
    pub files: HashMap<String, (String, Vec<u8>)>,
}

impl Posted {
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .map_or("", |s| s.as_str())
    }

    pub fn all(&self, name: &str) -> &[String] {
        self.fields.get(name).map_or(&[], |v| v.as_slice())
    }
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let mut posted = Posted {
            fields: HashMap::new(),
            files: HashMap::new(),
        };
        let too_large = || security::too_large(state.upload_limit);
        if multipart {
            let mut form = Multipart::from_request(req, state)
                .await
                .map_err(|_| bad_form())?;
            loop {
                let field = match form.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(_) => return Err(bad_form()),
                };
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().map(str::to_string);
                let bytes = match field.bytes().await {
                    Ok(b) => b.to_vec(),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(_) => return Err(bad_form()),
                };
                match file_name {
                    Some(f) if !f.is_empty() || !bytes.is_empty() => {
                        posted.files.insert(name, (f, bytes));
                    }
                    Some(_) => {}
                    None => posted
                        .fields
                        .entry(name)
                        .or_default()
                        .push(String::from_utf8_lossy(&bytes).into_owned()),
                }
            }
        } else {
            let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        bad_form()
                    }
                })?;
            for (k, v) in pairs {
                posted.fields.entry(k).or_default().push(v);
            }
        }
        if !security::same(posted.get("csrf"), &state.csrf) {
            return Err(security::refuse(
                StatusCode::FORBIDDEN,
                "Refused: the form has expired or came from elsewhere",
                "Go back, reload the page and send the form again.",
            ));
        }
        Ok(posted)
    }
}

fn bad_form() -> Response {
    security::refuse(
        StatusCode::BAD_REQUEST,
        "The form could not be read",
        "Go back, reload the page and send it again.",
    )
}

fn not_found_page() -> Response {
    security::refuse(
        StatusCode::NOT_FOUND,
        "Not found",
        "The page or file does not exist (any more).",
    )
}

pub async fn not_found() -> Response {
    not_found_page()
}

/// The assembly of `slug` and what the app remembers of it.
pub fn find(state: &AppState, slug: &str) -> Result<(Assembly, Meta), Response> {
    let a = state.workspace.assembly(slug).ok_or_else(not_found_page)?;
    let meta = a.meta().map_err(|_| {
        security::refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The assembly's settings cannot be read",
            "Its file assembly.json is damaged; restore it from a backup.",
        )
    })?;
    Ok((a, meta))
}

pub fn back(slug: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/a/{slug}{anchor}")).into_response()
}

fn to_run(slug: &str, number: u32) -> Response {
    Redirect::to(&format!("/a/{slug}/runs/{number}")).into_response()
}

/// A message page (for a refused form: what is wrong, what to do).
pub fn message(
    state: &AppState,
    status: StatusCode,
    title: &str,
    text: &str,
    back_to: &str,
) -> Response {
    let mut r = state.view.render(
        "message.html",
        context! { title, text, back_to, csrf => &*state.csrf },
    );
    *r.status_mut() = status;
    r
}

// ---------------------------------------------------------------- home

#[derive(Serialize)]
struct Listed {
    slug: String,
    name: String,
    created: String,
    runs: usize,
}

pub async fn home(State(state): State<AppState>) -> Response {
    let list: Vec<Listed> = state
        .workspace
        .list()
        .into_iter()
        .map(|(a, m)| Listed {
            runs: a.runs().len(),
            slug: a.slug,
            name: m.name,
            created: m.created,
        })
        .collect();
    state.view.render(
        "home.html",
        context! {
            assemblies => list,
            workspace => state.workspace.root.display().to_string(),
            csrf => &*state.csrf,
        },
    )
}

pub async fn create(State(state): State<AppState>, form: Posted) -> Response {
    let _edit = state.edits.lock();
    match state
        .workspace
        .create(form.get("name"), &super::jobs::now())
    {
        Ok(a) => back(&a.slug, ""),
        Err(e) => message(
            &state,
            StatusCode::BAD_REQUEST,
            "The assembly was not created",
            &e,
            "/",
        ),
    }
}

// ---------------------------------------------------------------- assembly

#[derive(Serialize)]
struct RunRow {
    number: u32,
    action: String,
    status: String,
    started: String,
    seconds: String,
}

#[derive(Serialize)]
struct Mapping {
    category: String,
    column: String,
}

#[derive(Serialize, Default)]
struct LotteryView {
    run: u32,
    commitment: String,
    seed_rule: String,
    /// Stages drawn so far / in all.
    drawn: usize,
    stages: usize,
    /// Current panel members (id, pseudonym) for the replacement form.
    members: Vec<(String, String)>,
    last_draw: String,
}

pub async fn assembly(State(state): State<AppState>, UrlPath(slug): UrlPath<String>) -> Page {
    let (a, meta) = find(&state, &slug)?;
    let view_state = state.clone();
    let page = tokio::task::spawn_blocking(move || assembly_page(&view_state, &a, &meta))
        .await
        .map_err(|_| not_found_page())?;
    Ok(page)
}

fn assembly_page(state: &AppState, a: &Assembly, meta: &Meta) -> Response {
    let clock = Instant::now();
    let pool_columns: Vec<String> = meta
        .pool
        .as_ref()
        .and_then(|p| read_table(a, p, meta.sheet.as_deref(), POOL_SHEETS).ok())
        .map(|t| t.header.clone())
        .unwrap_or_default();
    let categories: Vec<String> = meta
        .quotas
        .as_ref()
        .and_then(|q| read_table(a, q, None, QUOTA_SHEETS).ok())
        .and_then(|t| kleroterion::Quotas::from_table(&t).ok())
        .map(|q| q.categories.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    let mappings: Vec<Mapping> = categories
        .iter()
        .map(|c| Mapping {
            category: c.clone(),
            column: meta
                .columns
                .iter()
                .find(|(_, cat)| cat == c)
                .map(|(col, _)| col.clone())
                .unwrap_or_default(),
        })
        .collect();
    let (mut composition, mut load_error, mut impossible, mut described) =
        (String::new(), String::new(), Vec::new(), String::new());
    let mut warnings: Vec<String> = Vec::new();
    if let Some(files) = pool_files(a, meta) {
        match files.load() {
            Ok((instance, w)) => {
                composition =
                    kleroterion::report::composition_figures(&instance, Measured::Nothing, &[]);
                impossible = instance.quick_infeasibility();
                described = tidy(&steps::describe_instance(&instance), a, meta);
                warnings = w.iter().map(|w| tidy(&w.0, a, meta)).collect();
            }
            Err(e) => load_error = tidy(&e.to_string(), a, meta),
        }
    }
    let live = state.jobs.live(&a.slug).map(|j| {
        let p = j.snapshot();
        context! { run => j.run, line => p.line, fraction => p.fraction }
    });
    let runs: Vec<RunRow> = a
        .runs()
        .into_iter()
        .map(|r| RunRow {
            number: r.number,
            action: r.action,
            status: r.status.word().into(),
            started: r.started,
            seconds: r.seconds.map_or(String::new(), |s| format!("{s:.1} s")),
        })
        .collect();
    let lottery = current_lottery(a);
    let plan = super::plan::view(a);
    let seconds = clock.elapsed().as_secs_f64();
    state.view.render(
        "assembly.html",
        context! {
            slug => &a.slug,
            name => &meta.name,
            csrf => &*state.csrf,
            pool => &meta.pool,
            quotas => &meta.quotas,
            size => meta.size,
            address_columns => &meta.address_columns,
            id_column => &meta.id_column,
            pool_columns,
            mappings,
            composition => Value::from_safe_string(composition),
            impossible,
            described,
            load_error,
            warnings,
            live,
            runs,
            lottery,
            plan,
            seconds => format!("{:.0}", seconds * 1000.0),
        },
    )
}

/// Reads an uploaded table as the library would.
fn read_table(
    a: &Assembly,
    s: &Stored,
    sheet: Option<&str>,
    roles: &[&str],
) -> Result<Table, Error> {
    Table::read_for(&with_sheet(a, s, sheet), roles).map_err(Error::from)
}

/// The selection inputs, once both files and the panel size are given.
fn pool_files(a: &Assembly, meta: &Meta) -> Option<PoolFiles> {
    let (Some(pool), Some(quotas), Some(size)) = (&meta.pool, &meta.quotas, meta.size) else {
        return None;
    };
    Some(PoolFiles {
        pool: with_sheet(a, pool, meta.sheet.as_deref()),
        quotas: a.path(quotas),
        size,
        id_column: meta.id_column.clone(),
        address_columns: meta.address_columns.clone(),
        columns: meta.columns.clone(),
    })
}

/// A stored input's path, with `#SHEET` when a sheet is named (the
/// library's way of choosing a workbook's sheet).
fn with_sheet(a: &Assembly, s: &Stored, sheet: Option<&str>) -> PathBuf {
    let mut path = a.path(s).into_os_string();
    if let Some(sheet) = sheet.filter(|s| !s.is_empty()) {
        path.push(format!("#{sheet}"));
    }
    PathBuf::from(path)
}

/// A message with the workspace's paths replaced by the names the
/// organiser uploaded.
fn tidy(text: &str, a: &Assembly, meta: &Meta) -> String {
    let mut t = text.to_string();
    for s in [&meta.pool, &meta.quotas].into_iter().flatten() {
        t = t.replace(&a.path(s).display().to_string(), &s.original);
    }
    t.replace(&format!("{}/", a.dir.display()), "")
}

/// The inputs of a selection run: (what, name, SHA-256).
fn inputs_of(meta: &Meta) -> Vec<(String, String, String)> {
    [("volunteers", &meta.pool), ("quotas", &meta.quotas)]
        .into_iter()
        .filter_map(|(w, s)| {
            s.as_ref().map(|s| {
                (
                    format!("{w} (version {})", s.version),
                    s.original.clone(),
                    s.sha256.clone(),
                )
            })
        })
        .collect()
}

pub async fn upload(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let _edit = state.edits.lock();
    let (a, mut meta) = find(&state, &slug)?;
    let role = match form.get("role") {
        "pool" => "pool",
        "quotas" => "quotas",
        _ => return Err(bad_form()),
    };
    let Some((original, bytes)) = form.files.get("file") else {
        return Ok(message(
            &state,
            StatusCode::BAD_REQUEST,
            "No file was chosen",
            "Choose a file (CSV, Excel or OpenDocument) and upload it again.",
            &format!("/a/{slug}"),
        ));
    };
    if bytes.is_empty() {
        return Ok(message(
            &state,
            StatusCode::BAD_REQUEST,
            "The file is empty",
            "Choose the file with the data and upload it again.",
            &format!("/a/{slug}"),
        ));
    }
    let stored = a
        .store_input(role, original, bytes, &super::jobs::now())
        .map_err(|e| write_failed(&state, &slug, &e))?;
    if role == "pool" {
        meta.pool = Some(stored);
        meta.sheet = Some(form.get("sheet").trim().to_string()).filter(|s| !s.is_empty());
    } else {
        meta.quotas = Some(stored);
    }
    a.save(&meta).map_err(|e| write_failed(&state, &slug, &e))?;
    Ok(back(&slug, "#inputs"))
}

fn write_failed(state: &AppState, slug: &str, e: &std::io::Error) -> Response {
    message(
        state,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Could not save",
        &format!(
            "The workspace folder could not be written ({e}). Check the disk has space and the folder can be written."
        ),
        &format!("/a/{slug}"),
    )
}

pub async fn settings(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let _edit = state.edits.lock();
    let (a, mut meta) = find(&state, &slug)?;
    let size = form.get("size").trim();
    meta.size = if size.is_empty() {
        None
    } else {
        match size.parse::<usize>() {
            Ok(k) if k > 0 => Some(k),
            _ => {
                return Ok(message(
                    &state,
                    StatusCode::BAD_REQUEST,
                    "The panel size is not a whole number",
                    &format!(
                        "The panel size must be a whole number above 0, such as 110; \"{size}\" is not."
                    ),
                    &format!("/a/{slug}#inputs"),
                ));
            }
        }
    };
    meta.address_columns = form
        .all("address")
        .iter()
        .filter(|c| !c.is_empty())
        .cloned()
        .collect();
    let id = form.get("id_column").trim();
    meta.id_column = (!id.is_empty()).then(|| id.to_string());
    let mut columns = Vec::new();
    for (i, cat) in form.all("category").iter().enumerate() {
        if let Some(col) = form.all("column").get(i).filter(|c| !c.is_empty())
            && col != cat
        {
            columns.push((col.clone(), cat.clone()));
        }
    }
    meta.columns = columns;
    a.save(&meta).map_err(|e| write_failed(&state, &slug, &e))?;
    Ok(back(&slug, "#inputs"))
}

// ---------------------------------------------------------------- runs

/// Loads the instance for a run or says what is missing.
fn ready(state: &AppState, a: &Assembly, meta: &Meta) -> Result<PoolFiles, Response> {
    pool_files(a, meta).ok_or_else(|| {
        message(
            state,
            StatusCode::BAD_REQUEST,
            "The volunteers, the quotas or the panel size are missing",
            "Upload the volunteers and the quotas and give the panel size first.",
            &format!("/a/{}#inputs", a.slug),
        )
    })
}

fn load(files: &PoolFiles, a: &Assembly, meta: &Meta) -> Result<(Instance, Vec<String>), String> {
    files
        .load()
        .map(|(i, w)| {
            (
                i,
                w.into_iter()
                    .map(|w: Warning| tidy(&w.0, a, meta))
                    .collect(),
            )
        })
        .map_err(|e| tidy(&e.to_string(), a, meta))
}

/// A refusal of a form as a bad request: (title, what to do) → the page
/// that says it and links back to `back_to`.
pub fn refuser(state: &AppState, back_to: String) -> impl Fn(&str, &str) -> Response + '_ {
    move |title, text| message(state, StatusCode::BAD_REQUEST, title, text, &back_to)
}

pub fn started(state: &AppState, slug: &str, r: Result<u32, String>) -> Response {
    match r {
        Ok(n) => to_run(slug, n),
        Err(e) => message(
            state,
            StatusCode::CONFLICT,
            "The run was not started",
            &e,
            &format!("/a/{slug}"),
        ),
    }
}

/// A progress callback for the optimiser that updates the job.
fn optimiser_progress(job: &Job, objective: Objective) -> impl FnMut(&Step) + '_ {
    move |p| {
        let fraction = (p.profiles > 0).then(|| p.fixed as f64 / p.profiles as f64);
        job.set(steps::progress_line(objective, p), fraction);
    }
}

pub async fn check(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    _form: Posted,
) -> Page {
    let (a, meta) = find(&state, &slug)?;
    let files = ready(&state, &a, &meta)?;
    let start = Start {
        action: "check",
        options: vec![("panel size".into(), files.size.to_string())],
        inputs: inputs_of(&meta),
    };
    let (a2, meta2) = (a.clone(), meta.clone());
    let r = state.jobs.start(&a, start, move |dir, job| {
        job.set("reading the inputs".into(), None);
        let (instance, warnings) = load(&files, &a2, &meta2)?;
        job.set(
            "deciding exactly whether the quotas can be met".into(),
            None,
        );
        let checked =
            steps::check::check(&instance).map_err(|e| tidy(&e.to_string(), &a2, &meta2))?;
        let mut out = kleroterion::files::dir::Outputs::into_dir(dir.join("out"));
        if let Some(relaxed) = steps::check::relaxed_quotas(&instance, &checked) {
            // Ready to apply as a new version of the quotas.
            out.add("relaxed-quotas.csv", relaxed);
        }
        let text = steps::check::text(&instance, &checked);
        let summary = tidy(&text, &a2, &meta2);
        out.add("check.txt", text);
        Ok(Finished {
            summary,
            warnings,
            outputs: vec![out],
        })
    });
    Ok(started(&state, &slug, r))
}

/// Applies a check's relaxed quotas as the next version of the quotas.
pub async fn relax(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let _edit = state.edits.lock();
    let (a, mut meta) = find(&state, &slug)?;
    let number: u32 = form.get("run").parse().map_err(|_| bad_form())?;
    let run = a.run(number).ok_or_else(not_found_page)?;
    let file = run
        .outputs
        .iter()
        .find(|f| f.ends_with("/relaxed-quotas.csv"))
        .ok_or_else(not_found_page)?;
    let bytes = std::fs::read(a.dir.join(file)).map_err(|_| not_found_page())?;
    let original = format!("quotas relaxed by run {number}.csv");
    let stored = a
        .store_input("quotas", &original, &bytes, &super::jobs::now())
        .map_err(|e| write_failed(&state, &slug, &e))?;
    meta.quotas = Some(stored);
    a.save(&meta).map_err(|e| write_failed(&state, &slug, &e))?;
    Ok(back(&slug, "#inputs"))
}

/// How many seeded LEGACY draws estimate LEGACY's chances for the
/// comparison in report.html.
const LEGACY_DRAWS: u32 = 1000;

/// A time limit typed in minutes: None when blank, in seconds.
fn minutes(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim().replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(m) if m > 0.0 && m.is_finite() => Ok(Some(m * 60.0)),
        _ => Err(format!(
            "Give the time limit as a number of minutes above 0, such as 10, or leave it empty; \"{text}\" is not."
        )),
    }
}

fn objective_of(name: &str) -> Option<Option<Objective>> {
    Some(match name {
        "leximin" | "" => Some(Objective::Leximin),
        "maximin" => Some(Objective::Maximin),
        "nash" => Some(Objective::Nash),
        "goldilocks" => Some(Objective::Goldilocks(Gamma(1.0))),
        "legacy" => None,
        _ => return None,
    })
}

pub async fn select(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let (a, meta) = find(&state, &slug)?;
    let files = ready(&state, &a, &meta)?;
    let Some(objective) = objective_of(form.get("algorithm")) else {
        return Err(bad_form());
    };
    let seed = form.get("seed").trim().to_string();
    if seed.is_empty() {
        return Ok(message(
            &state,
            StatusCode::BAD_REQUEST,
            "The seed is missing",
            "Type a seed: any text, such as the date and place of the draw. The same seed always draws the same panel.",
            &format!("/a/{slug}#select"),
        ));
    }
    let algorithm = objective.map_or(
        steps::select::Algorithm::Legacy,
        steps::select::Algorithm::Fair,
    );
    let name = objective.map_or("LEGACY", |o| o.name());
    let time_limit = match minutes(form.get("minutes")) {
        Ok(t) => t,
        Err(e) => {
            return Ok(message(
                &state,
                StatusCode::BAD_REQUEST,
                "The time limit is not a number of minutes",
                &e,
                &format!("/a/{slug}#select"),
            ));
        }
    };
    let compare_legacy =
        (form.get("compare_legacy") == "yes" && objective.is_some()).then_some(LEGACY_DRAWS);
    let mut described = vec![
        ("algorithm".into(), name.into()),
        ("seed".into(), seed.clone()),
        ("panel size".into(), files.size.to_string()),
    ];
    if let Some(t) = time_limit {
        described.push(("time limit".into(), format!("{} minutes", t / 60.0)));
    }
    if let Some(n) = compare_legacy {
        described.push(("compared with LEGACY".into(), format!("{n} draws")));
    }
    let start = Start {
        action: "select",
        options: described,
        inputs: inputs_of(&meta),
    };
    let (a2, meta2) = (a.clone(), meta.clone());
    let r = state.jobs.start(&a, start, move |dir, job| {
        let clock = Instant::now();
        job.set("reading the inputs".into(), None);
        let (instance, mut warnings) = load(&files, &a2, &meta2)?;
        let options = steps::select::SelectOptions {
            algorithm,
            seed,
            time_limit,
            max_attempts: 100,
            compare_legacy,
            out: dir.join("out"),
            started: clock,
            cancel: Cancel::new(job.cancel.clone()),
            invitations: None,
        };
        let objective = objective.unwrap_or(Objective::Leximin);
        let selected =
            steps::select::select(&instance, &options, &mut optimiser_progress(job, objective))
                .map_err(|e| tidy(&e.to_string(), &a2, &meta2))?;
        warnings.extend(selected.warnings.iter().map(|w| w.0.clone()));
        let mut outputs = selected.outputs;
        outputs
            .for_spreadsheets(
                kleroterion::files::sheets::Dialect::Standard,
                Some("selection.xlsx"),
                &["distribution.csv"],
            )
            .map_err(|e| e.to_string())?;
        Ok(Finished {
            summary: tidy(&selected.text, &a2, &meta2),
            warnings,
            outputs: vec![outputs],
        })
    });
    Ok(started(&state, &slug, r))
}

pub async fn lottery(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let (a, meta) = find(&state, &slug)?;
    let files = ready(&state, &a, &meta)?;
    let refuse = refuser(&state, format!("/a/{slug}#lottery"));
    let (panels, seed_rule) = match lottery_form(&form) {
        Ok(x) => x,
        Err((title, text)) => return Ok(refuse(title, &text)),
    };
    let algorithm = match objective_of(form.get("algorithm")) {
        Some(Some(o)) => o,
        _ => return Err(bad_form()),
    };
    let seal: Vec<String> = form.all("seal").to_vec();
    let settings = steps::lottery::LotterySettings {
        algorithm,
        panels,
        time_limit: None,
        started: Instant::now(),
        seed_rule: seed_rule.clone(),
        seal: seal.clone(),
        cancel: Cancel::default(),
    };
    if let Err(e) = settings.options() {
        return Ok(refuse("The lottery cannot be made", &e.to_string()));
    }
    let mut described = vec![
        ("algorithm".into(), algorithm.name().to_string()),
        ("panels".into(), panels.to_string()),
        ("seed rule".into(), seed_rule.describe()),
    ];
    if !seal.is_empty() {
        described.push(("sealed categories".into(), seal.join(", ")));
    }
    let start = Start {
        action: "lottery",
        options: described,
        inputs: inputs_of(&meta),
    };
    let (a2, meta2) = (a.clone(), meta.clone());
    let r = state.jobs.start(&a, start, move |dir, job| {
        job.set("reading the inputs".into(), None);
        let (instance, warnings) = load(&files, &a2, &meta2)?;
        let settings = steps::lottery::LotterySettings {
            started: Instant::now(),
            cancel: Cancel::new(job.cancel.clone()),
            ..settings
        };
        let target = steps::lottery::NewBundle {
            bundle: dir.join("out").join("bundle"),
            private: None,
            secret_key: None,
            force: false,
        };
        let published = steps::lottery::lottery(
            &instance,
            &files,
            &settings,
            &target,
            &mut optimiser_progress(job, algorithm),
        )
        .map_err(|e| tidy(&e.to_string(), &a2, &meta2))?;
        Ok(published_stage(published, warnings, &a2, &meta2))
    });
    Ok(started(&state, &slug, r))
}

/// A committed stage (a lottery or a replacement round) as a finished run:
/// what the command line prints, with the commitment and the seed rule to
/// publish.
fn published_stage(
    published: steps::lottery::Published,
    mut warnings: Vec<String>,
    a: &Assembly,
    meta: &Meta,
) -> Finished {
    warnings.extend(published.rounding_warning.iter().map(|w| w.0.clone()));
    warnings.extend(published.warnings.iter().map(|w| w.0.clone()));
    let summary = format!(
        "{}\nCOMMITMENT {}\nSEED RULE  {}\n",
        published.summary,
        published.built.commitment,
        published.built.manifest.seed_rule.describe()
    );
    Finished {
        summary: tidy(&summary, a, meta),
        warnings,
        outputs: published.outputs,
    }
}

/// The lottery fields of a form (a new lottery or a replacement round):
/// the number of panels and the seed rule, or what is wrong (title, text).
fn lottery_form(form: &Posted) -> Result<(u32, SeedRule), (&'static str, String)> {
    let panels: u32 = form.get("panels").trim().parse().map_err(|_| {
        (
            "The number of panels is not a whole number",
            "Give the number of panels in the lottery, such as 1000.".to_string(),
        )
    })?;
    let format = match form.get("seed_format") {
        "numbers" => SeedFormat::Numbers,
        "sorted-numbers" => SeedFormat::SortedNumbers,
        "text" => SeedFormat::Text,
        "hex" => SeedFormat::Hex,
        other => {
            return Err((
                "The form of the seed is not one offered",
                format!("Choose the form of the seed from the list, not \"{other}\"."),
            ));
        }
    };
    let count = match form.get("seed_count").trim() {
        "" => None,
        c => Some(c.parse::<u32>().map_err(|_| {
            (
                "The count of seed numbers is not a whole number",
                "Give how many numbers (or hex digits) the public seed will have, such as 7."
                    .to_string(),
            )
        })?),
    };
    let rule = SeedRule::new(format, count, form.get("seed_source"))
        .map_err(|e| ("The seed rule is incomplete", e))?;
    Ok((panels, rule))
}

/// The latest finished lottery run of the assembly, and its bundle.
fn lottery_bundle(a: &Assembly) -> Option<(u32, PathBuf)> {
    a.runs()
        .into_iter()
        .find(|r| r.action == "lottery" && r.status == Status::Done)
        .and_then(|r| Some((r.number, a.run_dir_of(r.number)?.join("out").join("bundle"))))
}

/// What the lottery section shows.
fn current_lottery(a: &Assembly) -> Option<LotteryView> {
    let (run, bundle) = lottery_bundle(a)?;
    let files = kleroterion::files::dir::read_dir(&bundle).ok()?;
    let b = kleroterion::audit::Bundle::from_files(&bundle, files);

    let private = kleroterion::audit::private::beside(&bundle, None).ok()?.1;
    let key = private.as_ref().map(|p| p.secret.auditor_key());
    let stages = kleroterion::audit::parse_all(&b, key.as_ref()).ok()?;
    let last = stages.last()?;
    let drawn = stages.iter().filter(|s| s.draw.is_some()).count();
    let mut view = LotteryView {
        run,
        commitment: last.commitment.clone(),
        seed_rule: last.manifest.seed_rule.describe(),
        drawn,
        stages: stages.len(),
        ..LotteryView::default()
    };
    if let Some(d) = stages.iter().rev().find_map(|s| s.draw.as_ref()) {
        view.last_draw = format!("panel {} with the seed \"{}\"", d.panel, d.seed);
    }
    // The current panel, by id: the private selected.csv of the newest
    // draw of this lottery (after a replacement round, its folder's).
    let drawn = a
        .runs()
        .into_iter()
        .any(|r| r.action == "draw" && r.status == Status::Done && r.number > run);
    let panel = super::plan::latest_panel(a, &["draw"]).filter(|_| drawn);
    if let Some(t) = panel.and_then(|(p, _)| Table::read(&p).ok()) {
        for row in &t.rows {
            let id = row.cells.first().cloned().unwrap_or_default();
            view.members.push((id, String::new()));
        }
    }
    Some(view)
}

pub async fn draw(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let (a, meta) = find(&state, &slug)?;
    let Some((lottery_run, bundle)) = lottery_bundle(&a) else {
        return Ok(message(
            &state,
            StatusCode::BAD_REQUEST,
            "There is no lottery to draw",
            "Make the public lottery first.",
            &format!("/a/{slug}#lottery"),
        ));
    };
    let seed = form.get("seed").trim().to_string();
    if seed.is_empty() {
        return Ok(message(
            &state,
            StatusCode::BAD_REQUEST,
            "The seed is missing",
            "Type the public seed exactly as it was announced.",
            &format!("/a/{slug}#lottery"),
        ));
    }
    let start = Start {
        action: "draw",
        options: vec![
            ("lottery".into(), format!("run {lottery_run}")),
            ("seed".into(), seed.clone()),
        ],
        inputs: inputs_of(&meta),
    };
    let (a2, meta2) = (a.clone(), meta.clone());
    let r = state.jobs.start(&a, start, move |_dir, job| {
        job.set("drawing".into(), None);
        let drawn = steps::draw::draw(&steps::draw::DrawOptions {
            bundle,
            seed,
            commitment: None,
            private: None,
        })
        .map_err(|e| tidy(&e.to_string(), &a2, &meta2))?;
        let mut outputs = vec![drawn.record];
        if let steps::draw::PrivateFiles::Written(o) = drawn.private {
            outputs.push(o);
        }
        Ok(Finished {
            summary: tidy(&drawn.text, &a2, &meta2),
            warnings: drawn.warnings.iter().map(|w| w.0.clone()).collect(),
            outputs,
        })
    });
    Ok(started(&state, &slug, r))
}

pub async fn replace(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let (a, meta) = find(&state, &slug)?;
    let Some((lottery_run, bundle)) = lottery_bundle(&a) else {
        return Ok(message(
            &state,
            StatusCode::BAD_REQUEST,
            "There is no lottery",
            "Make and draw the public lottery first.",
            &format!("/a/{slug}#lottery"),
        ));
    };
    let withdrawn: Vec<String> = form.all("withdrawn").to_vec();
    if withdrawn.is_empty() {
        return Ok(message(
            &state,
            StatusCode::BAD_REQUEST,
            "Nobody is ticked",
            "Tick the members who withdrew, then start the replacement round.",
            &format!("/a/{slug}#lottery"),
        ));
    }
    let (panels, seed_rule) = match lottery_form(&form) {
        Ok(x) => x,
        Err((title, text)) => {
            return Ok(message(
                &state,
                StatusCode::BAD_REQUEST,
                title,
                &text,
                &format!("/a/{slug}#lottery"),
            ));
        }
    };
    let relax = form.get("relax") == "yes";
    let settings = steps::lottery::LotterySettings {
        algorithm: Objective::Leximin,
        panels,
        time_limit: None,
        started: Instant::now(),
        seed_rule,
        seal: Vec::new(),
        cancel: Cancel::default(),
    };
    if let Err(e) = settings.options() {
        return Ok(message(
            &state,
            StatusCode::BAD_REQUEST,
            "The replacement round cannot be made",
            &e.to_string(),
            &format!("/a/{slug}#lottery"),
        ));
    }
    let start = Start {
        action: "replace",
        options: vec![
            ("lottery".into(), format!("run {lottery_run}")),
            ("withdrawn".into(), withdrawn.len().to_string()),
            (
                "relax the quotas if needed".into(),
                if relax { "yes" } else { "no" }.into(),
            ),
            ("panels".into(), panels.to_string()),
            ("seed rule".into(), settings.seed_rule.describe()),
        ],
        inputs: inputs_of(&meta),
    };
    let (a2, meta2) = (a.clone(), meta.clone());
    let r = state.jobs.start(&a, start, move |_dir, job| {
        let settings = steps::lottery::LotterySettings {
            started: Instant::now(),
            cancel: Cancel::new(job.cancel.clone()),
            ..settings
        };
        let round = steps::replace::NextRound {
            bundle,
            private: None,
            withdrawn,
            relax,
        };
        let published = steps::replace::next_round(
            &round,
            &settings,
            &mut optimiser_progress(job, Objective::Leximin),
        )
        .map_err(|e| tidy(&e.to_string(), &a2, &meta2))?;
        Ok(published_stage(published, Vec::new(), &a2, &meta2))
    });
    Ok(started(&state, &slug, r))
}

/// Cancels the run the form names, if it is still the live one (a page
/// left open must not cancel a newer run).
pub async fn cancel(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let (a, _) = find(&state, &slug)?;
    let number: u32 = form.get("run").parse().map_err(|_| bad_form())?;
    match state.jobs.live(&a.slug).filter(|j| j.run == number) {
        Some(job) => {
            job.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            job.set("cancelling…".into(), None);
            Ok(to_run(&slug, job.run))
        }
        None => Ok(to_run(&slug, number)),
    }
}

fn run_number(s: &str) -> Result<u32, Response> {
    s.parse().map_err(|_| not_found_page())
}

pub async fn run(
    State(state): State<AppState>,
    UrlPath((slug, number)): UrlPath<(String, String)>,
) -> Page {
    let (a, meta) = find(&state, &slug)?;
    let number = run_number(&number)?;
    let run = a.run(number).ok_or_else(not_found_page)?;
    let live = state.jobs.live(&slug).filter(|j| j.run == number).map(|j| {
        let p = j.snapshot();
        context! { line => p.line, fraction => p.fraction, cancelling => j.cancelled() }
    });
    let report = run
        .outputs
        .iter()
        .find(|o| o.ends_with("/report.html") || o.ends_with("/plan-report.html"))
        .cloned();
    let relaxed = run
        .outputs
        .iter()
        .any(|o| o.ends_with("/relaxed-quotas.csv"));
    // The report's page shown in this one: its body only (the app's style
    // includes the reports'), and only if it carries no inline style or
    // script, which this page's policy would block.
    let report_body = report
        .as_ref()
        .and_then(|r| std::fs::read_to_string(a.dir.join(r)).ok())
        .and_then(|html| {
            let body = html
                .split_once("<main>")?
                .1
                .rsplit_once("</main>")?
                .0
                .to_string();
            (!body.contains(" style=\"") && !body.contains("<script")).then_some(body)
        })
        .map(Value::from_safe_string);
    let bundle = run.action == "lottery" && run.status == Status::Done;
    let groups: Vec<Group> = folders(&run.outputs)
        .into_iter()
        .enumerate()
        .map(|(i, (dir, files))| Group {
            zip: i,
            files: files
                .iter()
                .map(|f| (f.clone(), f.rsplit('/').next().unwrap_or(f).to_string()))
                .collect(),
            dir: dir.split("/out/").nth(1).unwrap_or("").to_string(),
        })
        .collect();
    Ok(state.view.render(
        "run.html",
        context! {
            slug => &slug,
            name => &meta.name,
            csrf => &*state.csrf,
            run => &run,
            status => run.status.word(),
            running => run.status == Status::Running,
            live,
            report,
            relaxed,
            bundle,
            groups,
            report_body,
        },
    ))
}

#[derive(Serialize)]
struct Group {
    /// The folder, relative to the run's out/ ("" for its top).
    dir: String,
    /// (path, file name).
    files: Vec<(String, String)>,
    /// Its number for the .zip download.
    zip: usize,
}

/// A run's outputs by folder, in name order.
fn folders(outputs: &[String]) -> Vec<(String, Vec<String>)> {
    let mut map: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for o in outputs {
        let dir = o.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        map.entry(dir).or_default().push(o.clone());
    }
    map.into_iter().collect()
}

/// One folder of a run's outputs as a .zip (the calendars or the printable
/// pages of a plan, say): only files the run lists.
pub async fn folder_zip(
    State(state): State<AppState>,
    UrlPath((slug, number, index)): UrlPath<(String, String, String)>,
) -> Page {
    let (a, _) = find(&state, &slug)?;
    let run = a.run(run_number(&number)?).ok_or_else(not_found_page)?;
    let index: usize = index.parse().map_err(|_| not_found_page())?;
    let (dir, files) = folders(&run.outputs)
        .into_iter()
        .nth(index)
        .ok_or_else(not_found_page)?;
    let root = a.dir.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let mut map = std::collections::BTreeMap::new();
        for f in &files {
            let name = f.rsplit('/').next().unwrap_or(f).to_string();
            map.insert(
                name,
                std::fs::read(root.join(f)).map_err(|e| e.to_string())?,
            );
        }
        zip_files(&map, dir.rsplit('/').next().unwrap_or("files"))
    })
    .await
    .map_err(|_| not_found_page())?
    .map_err(|_| not_found_page())?;
    Ok(serve_bytes("files.zip", bytes))
}

pub async fn progress(
    State(state): State<AppState>,
    UrlPath((slug, number)): UrlPath<(String, String)>,
) -> Page {
    let (a, _) = find(&state, &slug)?;
    let number = run_number(&number)?;
    let live = state.jobs.live(&slug).filter(|j| j.run == number);
    let (status, line, fraction) = match live {
        Some(j) => {
            let p = j.snapshot();
            ("running".to_string(), p.line, p.fraction)
        }
        None => {
            let run = a.run(number).ok_or_else(not_found_page)?;
            (
                serde_json::to_value(run.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                String::new(),
                None,
            )
        }
    };
    let body = serde_json::json!({ "status": status, "line": line, "fraction": fraction });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

/// A file an action wrote: only a path some run lists among its outputs
/// (so no name from a URL reaches the disk unchecked).
pub async fn file(
    State(state): State<AppState>,
    UrlPath((slug, path)): UrlPath<(String, String)>,
) -> Page {
    let (a, _) = find(&state, &slug)?;
    let listed = a.runs().iter().any(|r| r.outputs.contains(&path));
    if !listed {
        return Err(not_found_page());
    }
    let bytes = std::fs::read(a.dir.join(&path)).map_err(|_| not_found_page())?;
    Ok(serve_bytes(&path, bytes))
}

fn serve_bytes(path: &str, bytes: Vec<u8>) -> Response {
    let name = path.rsplit('/').next().unwrap_or("file");
    let ext = name.rsplit('.').next().unwrap_or("");
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    let (kind, inline) = match ext {
        "html" => ("text/html; charset=utf-8", true),
        "txt" => ("text/plain; charset=utf-8", true),
        "csv" => ("text/csv; charset=utf-8", false),
        "json" => ("application/json", true),
        "ics" => ("text/calendar; charset=utf-8", false),
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            false,
        ),
        "zip" => ("application/zip", false),
        _ => ("application/octet-stream", false),
    };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if ext == "html" {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(REPORT_POLICY),
        );
    }
    if !inline {
        let safe: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
            .collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    r
}

/// The public bundle of a lottery run as one .zip (what a reviewer gets).
pub async fn bundle_zip(
    State(state): State<AppState>,
    UrlPath((slug, number)): UrlPath<(String, String)>,
) -> Page {
    let (a, _) = find(&state, &slug)?;
    let number = run_number(&number)?;
    let run = a.run(number).ok_or_else(not_found_page)?;
    if run.action != "lottery" || run.status != Status::Done {
        return Err(not_found_page());
    }
    let dir = a
        .run_dir_of(number)
        .ok_or_else(not_found_page)?
        .join("out")
        .join("bundle");
    let bytes = tokio::task::spawn_blocking(move || zip_dir(&dir))
        .await
        .map_err(|_| not_found_page())?
        .map_err(|_| not_found_page())?;
    Ok(serve_bytes("bundle.zip", bytes))
}

/// Every file of `dir` (the public bundle: never the private folder
/// beside it) in a zip under `bundle/`, in name order, with fixed times.
fn zip_dir(dir: &Path) -> Result<Vec<u8>, String> {
    let files = kleroterion::files::dir::read_dir(dir).map_err(|e| e.to_string())?;
    zip_files(&files, "bundle")
}

/// `files` (name → bytes) in a zip under `top/`, in name order, with fixed
/// times (the same files give the same bytes).
fn zip_files(
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    top: &str,
) -> Result<Vec<u8>, String> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for (name, bytes) in files {
            z.start_file(format!("{top}/{name}"), options)
                .map_err(|e| e.to_string())?;
            z.write_all(bytes).map_err(|e| e.to_string())?;
        }
        z.finish().map_err(|e| e.to_string())?;
    }
    Ok(buf.into_inner())
}

// ---------------------------------------------------------------- review

pub async fn review_form(State(state): State<AppState>) -> Response {
    state
        .view
        .render("review.html", context! { csrf => &*state.csrf })
}

#[derive(Serialize)]
struct CheckRow {
    status: &'static str,
    class: &'static str,
    stage: u32,
    kind: String,
    meaning: String,
    detail: String,
}

/// The reviewer's check: the uploaded bundle is unpacked into a folder of
/// its own outside every assembly, verified, and removed; nothing of it is
/// kept.
pub async fn review(State(state): State<AppState>, mut form: Posted) -> Response {
    // One check at a time: each may unpack a large bundle and recompute.
    let Ok(_turn) = state.review.clone().try_acquire_owned() else {
        return message(
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            "Another bundle is being checked",
            "Wait until it is done, then send this one again.",
            "/review",
        );
    };
    let Some((_, bytes)) = form.files.remove("bundle") else {
        return message(
            &state,
            StatusCode::BAD_REQUEST,
            "No bundle was chosen",
            "Choose the bundle's .zip file and check again.",
            "/review",
        );
    };
    let lines = |name: &str| -> Vec<String> {
        form.get(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (commitments, seeds) = (lines("commitments"), lines("seeds"));
    let resolve = form.get("resolve") == "yes";
    let auditor_key = form.files.remove("auditor_key").map(|(_, k)| k);
    let limit = state.upload_limit;
    let result = tokio::task::spawn_blocking(move || {
        let dir = std::env::temp_dir().join(format!(
            "kleroterion-review-{}-{}",
            std::process::id(),
            super::random_hex(8).unwrap_or_default()
        ));
        // The auditor's key, if given, beside the unpacked bundle, never in it.
        let key = dir.with_extension("key");
        let key = match auditor_key {
            Some(k) => std::fs::write(&key, k)
                .map(|()| Some(key.clone()))
                .map_err(|e| e.to_string()),
            None => Ok(None),
        };
        let r = key.and_then(|key| unzip(&bytes, &dir, limit * 4).map(|root| (root, key)));
        let r = r.and_then(|(root, key)| {
            steps::verify::verify(
                &steps::verify::VerifyOptions {
                    bundle: root,
                    seeds,
                    commitments,
                    resolve,
                    auditor_key: key,
                    certificate_only: false,
                },
                &mut |_| {},
            )
            .map_err(|e| e.to_string().replace(&format!("{}/", dir.display()), ""))
        });
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_file(dir.with_extension("key"));
        r
    })
    .await
    .unwrap_or_else(|_| Err("internal error while checking".into()));
    match result {
        Err(e) => message(
            &state,
            StatusCode::BAD_REQUEST,
            "The bundle could not be checked",
            &e,
            "/review",
        ),
        Ok(verified) => {
            let checks: Vec<CheckRow> = verified
                .checks
                .iter()
                .map(|c| {
                    let (status, class) = match c.status {
                        kleroterion::audit::Status::Pass => ("PASS", "pass"),
                        kleroterion::audit::Status::Fail => ("FAIL", "fail"),
                        kleroterion::audit::Status::Unverified => ("NOT CHECKED", "open"),
                    };
                    CheckRow {
                        status,
                        class,
                        stage: c.stage,
                        kind: c.kind.to_string(),
                        meaning: c.kind.meaning().to_string(),
                        detail: c.detail.clone(),
                    }
                })
                .collect();
            let (verdict, class) = match verified.verdict() {
                steps::verify::Verdict::Verified => ("VERIFIED: every check passed", "pass"),
                steps::verify::Verdict::Incomplete => (
                    "NOT VERIFIED: nothing failed, but some checks could not be made",
                    "open",
                ),
                steps::verify::Verdict::Failed => ("FAILED: at least one check failed", "fail"),
            };
            state.view.render(
                "review.html",
                context! { csrf => &*state.csrf, checks, verdict, class },
            )
        }
    }
}

/// Unpacks a bundle .zip into `dir`: entry names that would leave it are
/// refused, and so is more than `max` bytes in all. Returns the bundle's
/// folder (the zip's one top folder, or `dir`).
/// The most files a reviewer's .zip may hold.
const MAX_ENTRIES: usize = 10_000;

fn unzip(bytes: &[u8], dir: &Path, max: usize) -> Result<PathBuf, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
        "the file is not a .zip archive: upload the bundle's .zip as published".to_string()
    })?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut total = 0usize;
    let mut tops = std::collections::BTreeSet::new();
    for i in 0..z.len() {
        let mut entry = z
            .by_index(i)
            .map_err(|e| format!("the .zip is damaged: {e}"))?;
        let Some(name) = entry.enclosed_name() else {
            return Err(format!(
                "the .zip holds an entry named {:?} that points outside the archive; it was refused",
                entry.name()
            ));
        };
        if entry.is_dir() {
            continue;
        }
        if let Some(top) = name.components().next() {
            tops.insert(top.as_os_str().to_owned());
        }
        let target = dir.join(&name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        if i >= MAX_ENTRIES {
            return Err(format!(
                "the .zip holds more than {MAX_ENTRIES} files; a bundle has a few per stage"
            ));
        }
        // Streamed to the file, at most what is left of the allowance.
        let mut file = std::fs::File::create(&target).map_err(|e| e.to_string())?;
        let mut limited = std::io::Read::take(&mut entry, (max - total) as u64 + 1);
        let written = std::io::copy(&mut limited, &mut file)
            .map_err(|e| format!("the .zip is damaged: {e}"))?;
        total += written as usize;
        if total > max {
            return Err("the .zip unpacks to more than the upload limit allows".into());
        }
    }
    let root = if tops.len() == 1
        && dir
            .join(tops.first().unwrap_or(&Default::default()))
            .is_dir()
    {
        dir.join(tops.first().cloned().unwrap_or_default())
    } else {
        dir.to_path_buf()
    };
    Ok(root)
}

// ---------------------------------------------------------------- assets

pub async fn asset(UrlPath(name): UrlPath<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "app.css" => (view::style(), "text/css; charset=utf-8"),
        "app.js" => (view::SCRIPT.to_string(), "text/javascript; charset=utf-8"),
        _ => return not_found_page(),
    };
    let mut r = Response::new(Body::from(body));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600"),
    );
    r
}
