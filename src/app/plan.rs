//! The assembly plan's pages: the assembly file and its tables kept as
//! numbered versions (`plan/vN/`, each a complete set the command line's
//! `plan` reads as it is), a plan run, and a re-plan after withdrawals
//! from a chosen session with the change list.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use serde::Serialize;

use kleroterion::files::csv::CsvDoc;
use kleroterion::files::table::Table;
use kleroterion::logistics::members::Members;
use kleroterion::steps;

use super::AppState;
use super::jobs::{Finished, Start};
use super::pages::{Page, Posted, back, find, refuser, started};
use super::workspace::{Assembly, Status, write_atomic};

const ASSEMBLY_FILE: &str = "assembly.toml";

/// What the plan section shows.
#[derive(Serialize, Default)]
pub struct PlanView {
    /// The current version of the plan's inputs (0: none yet).
    pub version: u32,
    pub name: String,
    /// The files of the current version.
    pub files: Vec<String>,
    /// Sessions (id, title and time) for the re-plan form.
    pub sessions: Vec<(String, String)>,
    /// Members (id) for the withdrawals.
    pub members: Vec<String>,
    /// The latest finished plan run.
    pub last_run: Option<u32>,
    pub report: Option<String>,
    /// Where the drawn or selected panel comes from, when there is one.
    pub panel: Option<String>,
    /// What is wrong with the current version, if anything.
    pub error: String,
    /// The current assembly file, for editing in the page.
    pub toml: String,
}

fn versions_dir(a: &Assembly) -> PathBuf {
    a.dir.join("plan")
}

fn version_dir(a: &Assembly, v: u32) -> PathBuf {
    versions_dir(a).join(format!("v{v}"))
}

/// The newest version of the plan's inputs.
fn current_version(a: &Assembly) -> u32 {
    (1..)
        .take_while(|v| version_dir(a, *v).join(ASSEMBLY_FILE).is_file())
        .last()
        .unwrap_or(0)
}

/// The newest panel the assembly drew or selected (of `actions`): its
/// selected.csv (after a replacement round, the whole current panel, which
/// the draw writes into the round's folder of the private directory).
pub fn latest_panel(a: &Assembly, actions: &[&str]) -> Option<(PathBuf, String)> {
    for run in a.runs() {
        if run.status != Status::Done || !actions.contains(&run.action.as_str()) {
            continue;
        }
        let file = run.outputs.iter().find(|o| {
            o.ends_with("/selected.csv")
                && if run.action == "draw" {
                    o.contains("-private/")
                } else {
                    o.ends_with("/out/selected.csv")
                }
        });
        if let Some(f) = file {
            return Some((
                a.dir.join(f),
                format!("the panel of run {} ({})", run.number, run.action),
            ));
        }
    }
    None
}

pub fn view(a: &Assembly) -> PlanView {
    let mut view = PlanView {
        version: current_version(a),
        panel: latest_panel(a, &["select", "draw"]).map(|p| p.1),
        ..PlanView::default()
    };
    let last = a
        .runs()
        .into_iter()
        .find(|r| r.action == "plan" && r.status == Status::Done);
    if let Some(r) = last {
        view.last_run = Some(r.number);
        view.report = r
            .outputs
            .iter()
            .find(|o| o.ends_with("/plan-report.html"))
            .cloned();
    }
    if view.version == 0 {
        return view;
    }
    let dir = version_dir(a, view.version);
    view.toml = std::fs::read_to_string(dir.join(ASSEMBLY_FILE)).unwrap_or_default();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    view.files = files;
    match steps::load_assembly(&dir.join(ASSEMBLY_FILE)) {
        Ok((assembly, _)) => {
            view.name = assembly.name.clone();
            view.sessions = assembly
                .sessions
                .iter()
                .map(|s| {
                    let day = assembly
                        .days
                        .get(s.day)
                        .map(|d| d.date.to_string())
                        .unwrap_or_default();
                    (
                        s.id.clone(),
                        format!("{day} {}: {}", s.start.format("%H:%M"), s.title),
                    )
                })
                .collect();
            match members(&dir, &assembly) {
                Ok((_, ids)) => view.members = ids,
                Err(e) => view.error = e,
            }
        }
        Err(e) => view.error = tidy(&e.to_string(), &dir),
    }
    view
}

/// The members table of a version and its ids.
/// The members table of a version and its ids, read as the plan reads
/// them (`Members`); refused when the ids are row numbers, which taking a
/// withdrawn member's row out would shift.
fn members(
    dir: &Path,
    assembly: &kleroterion::logistics::assembly::Assembly,
) -> Result<(Table, Vec<String>), String> {
    let t =
        Table::read(&dir.join(&assembly.files.members)).map_err(|e| tidy(&e.to_string(), dir))?;
    let ids = Members::from_table(t.clone(), assembly.seating.id_column.as_deref())
        .map_err(|e| tidy(&e.to_string(), dir))?
        .ids;
    let from_a_column = (0..t.header.len()).any(|c| {
        t.rows
            .iter()
            .zip(&ids)
            .all(|(r, id)| r.cells.get(c).is_some_and(|x| x.trim() == id))
    });
    if !from_a_column {
        return Err("the members file has no id column, so a re-plan could not tell who is who after a withdrawal: give it one (and name it in the assembly file's seating id_column)".into());
    }
    Ok((t, ids))
}

fn tidy(text: &str, dir: &Path) -> String {
    text.replace(&format!("{}/", dir.display()), "")
}

/// A name from the assembly file that may become a file of the version:
/// a plain file name only.
fn plain(name: &str) -> Result<&str, String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':'])
        && name.chars().all(|c| !c.is_control());
    if ok {
        Ok(name)
    } else {
        Err(format!(
            "the assembly file names the table \"{name}\": in the app, tables are named by a plain file name such as members.csv (no folder)"
        ))
    }
}

/// Stores a new version of the plan's inputs: the previous version's
/// files, with the uploaded ones (and the drawn panel as the members, if
/// asked) in their place.
pub async fn upload(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let (a, _) = find(&state, &slug)?;
    let refuse = refuser(&state, format!("/a/{slug}#plan"));
    let _edit = state.edits.lock();
    let result = new_version(&a, |staging| {
        let io = |e: std::io::Error| ("Could not save".to_string(), e.to_string());
        if let Some((_, bytes)) = form.files.get("assembly") {
            write_atomic(&staging.join(ASSEMBLY_FILE), bytes).map_err(io)?;
        } else if !form.get("assembly_text").trim().is_empty() {
            // Edited in the page: the browser sends CRLF line ends.
            let text = form.get("assembly_text").replace("\r\n", "\n");
            write_atomic(&staging.join(ASSEMBLY_FILE), text.as_bytes()).map_err(io)?;
        }
        let toml = staging.join(ASSEMBLY_FILE);
        if !toml.is_file() {
            return Err((
                "The assembly file is missing".into(),
                "Upload the assembly file (assembly.toml) with the rooms, days and sessions."
                    .into(),
            ));
        }
        let (assembly, _) = steps::load_assembly(&toml).map_err(|e| {
            (
                "The assembly file cannot be used".to_string(),
                tidy(&e.to_string(), staging),
            )
        })?;
        let f = &assembly.files;
        let named = [
            ("members", Some(&f.members)),
            ("facilitators", f.facilitators.as_ref()),
            ("speakers", f.speakers.as_ref()),
            ("constraints", f.constraints.as_ref()),
        ];
        for (field, name) in named {
            let Some(name) = name else { continue };
            let name =
                plain(name).map_err(|e| ("The assembly file cannot be used".to_string(), e))?;
            if field == "members" && form.get("use_panel") == "yes" {
                let Some((panel, _)) = latest_panel(&a, &["select", "draw"]) else {
                    return Err((
                        "There is no panel yet".into(),
                        "Select or draw a panel first, or upload the members file.".into(),
                    ));
                };
                std::fs::copy(panel, staging.join(name)).map_err(io)?;
            } else if let Some((_, bytes)) = form.files.get(field) {
                write_atomic(&staging.join(name), bytes).map_err(io)?;
            }
        }
        Ok(())
    });
    if let Err((title, text)) = result {
        return Ok(refuse(&title, &text));
    }
    Ok(back(&slug, "#plan"))
}

/// Plans from the current version; with `from` set, re-plans from that
/// session with the latest plan as the previous one, after taking the
/// ticked withdrawals out of a new version's members file.
pub async fn plan(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    form: Posted,
) -> Page {
    let (a, _) = find(&state, &slug)?;
    let refuse = refuser(&state, format!("/a/{slug}#plan"));
    let version = current_version(&a);
    if version == 0 {
        return Ok(refuse(
            "There is nothing to plan yet",
            "Upload the assembly file and its tables first.",
        ));
    }
    let from = form.get("from").trim().to_string();
    let withdrawn: Vec<String> = form.all("withdrawn").to_vec();
    let mut previous = None;
    let mut options = vec![("inputs".to_string(), format!("version {version}"))];
    if !from.is_empty() {
        let view = view(&a);
        let Some(run) = view.last_run else {
            return Ok(refuse(
                "There is no plan to revise",
                "Make a plan first; re-planning keeps its past sessions.",
            ));
        };
        previous = Some(
            a.run_dir_of(run)
                .map(|d| d.join("out").join("plan"))
                .unwrap_or_default(),
        );
        options.push(("revises".into(), format!("the plan of run {run}")));
        options.push(("from session".into(), from.clone()));
        if !withdrawn.is_empty() {
            options.push(("withdrawn".into(), withdrawn.join(", ")));
            options[0].1 = format!(
                "version {version} without the withdrawn (saved by this run as version {})",
                version + 1
            );
        }
    } else if !withdrawn.is_empty() {
        return Ok(refuse(
            "Choose the first session still to come",
            "Withdrawals change the plan from a session on; earlier sessions are kept as they were.",
        ));
    }
    let start = Start {
        action: "plan",
        options,
        inputs: Vec::new(),
    };
    let (a2, edits) = (a.clone(), state.edits.clone());
    let r = state.jobs.start(&a, start, move |dir, job| {
        // The withdrawals make a new version only once the run has
        // started (a refused start leaves the inputs as they were).
        let version = if withdrawn.is_empty() {
            version
        } else {
            let _edit = edits.lock();
            without(&a2, version, &withdrawn)
                .map_err(|e| format!("the withdrawals could not be applied: {e}"))?
        };
        let plan_options = steps::plan::PlanOptions {
            assembly: version_dir(&a2, version).join(ASSEMBLY_FILE),
            out: dir.join("out").join("plan"),
            force: false,
            previous,
            from: (!from.is_empty()).then_some(from),
            issued: None,
        };
        let planned = steps::plan::plan(&plan_options, &|what, fraction| {
            job.set(what.to_string(), Some(fraction));
        })
        .map_err(|e| tidy(&e.to_string(), dir))?;
        let mut outputs = planned.outputs;
        outputs
            .for_spreadsheets(
                kleroterion::files::sheets::Dialect::Standard,
                Some("plan.xlsx"),
                &[],
            )
            .map_err(|e| e.to_string())?;
        let mut warnings = Vec::new();
        if planned.rules_unmet > 0 {
            warnings.push(format!(
                "{} rule(s) could not be met: the report names them",
                planned.rules_unmet
            ));
        }
        Ok(Finished {
            summary: planned.text,
            warnings,
            outputs: vec![outputs],
        })
    });
    Ok(started(&state, &slug, r))
}

/// A new version whose members file leaves out `withdrawn`.
fn without(a: &Assembly, version: u32, withdrawn: &[String]) -> Result<u32, String> {
    let dir = version_dir(a, version);
    let (assembly, _) =
        steps::load_assembly(&dir.join(ASSEMBLY_FILE)).map_err(|e| tidy(&e.to_string(), &dir))?;
    let (table, ids) = members(&dir, &assembly)?;
    let mut doc = CsvDoc::default();
    doc.record(&table.header);
    for (row, id) in table.rows.iter().zip(&ids) {
        if !withdrawn.contains(id) {
            doc.record(&row.cells);
        }
    }
    let name = plain(&assembly.files.members)?.to_string();
    new_version(a, |staging| {
        write_atomic(&staging.join(&name), &doc.into_bytes())
            .map_err(|e| ("Could not save".to_string(), e.to_string()))
    })
    .map_err(|(_, e)| e)
}

/// Makes the next version: the current one's files copied into a staging
/// folder, `fill` run on it, then the folder renamed into place (a version
/// is complete or absent).
fn new_version(
    a: &Assembly,
    fill: impl FnOnce(&Path) -> Result<(), (String, String)>,
) -> Result<u32, (String, String)> {
    let io = |e: std::io::Error| ("Could not save".to_string(), e.to_string());
    let previous = current_version(a);
    let staging =
        versions_dir(a).join(format!(".v{}-{}", previous + 1, super::workspace::unique()));
    let _ = std::fs::remove_dir_all(&staging);
    let result = (|| {
        std::fs::create_dir_all(&staging).map_err(io)?;
        if previous > 0 {
            for e in std::fs::read_dir(version_dir(a, previous))
                .map_err(io)?
                .flatten()
            {
                std::fs::copy(e.path(), staging.join(e.file_name())).map_err(io)?;
            }
        }
        fill(&staging)?;
        std::fs::rename(&staging, version_dir(a, previous + 1)).map_err(|_| {
            (
                "Could not save".to_string(),
                "another version was saved at the same time: reload and try again".to_string(),
            )
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result.map(|()| previous + 1)
}
