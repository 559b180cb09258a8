//! Background runs: one at a time per assembly, on its own thread (the
//! library's steps are synchronous and CPU-bound), with progress the page
//! polls and a cancel flag the optimiser checks. The run's record on disk
//! (run.json) is the truth; this registry only knows what is live now, so
//! a finished result survives a reload or a restart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use kleroterion::files::dir::Outputs;

use super::workspace::{Assembly, Run, Status};

/// What a live run shows.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// The current stage in words.
    pub line: String,
    /// How far, from 0 to 1, when known.
    pub fraction: Option<f64>,
}

/// A live run.
#[derive(Debug)]
pub struct Job {
    pub run: u32,
    pub progress: Mutex<Progress>,
    pub cancel: Arc<AtomicBool>,
}

impl Job {
    pub fn set(&self, line: String, fraction: Option<f64>) {
        if let Ok(mut p) = self.progress.lock() {
            *p = Progress { line, fraction };
        }
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub fn snapshot(&self) -> Progress {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

/// What a finished action hands back.
pub struct Finished {
    /// What the action said, as the command line would print it.
    pub summary: String,
    pub warnings: Vec<String>,
    /// The files to write (into the run's folder, or for a draw into the
    /// lottery's bundle).
    pub outputs: Vec<Outputs>,
}

/// The runs live now, by assembly.
#[derive(Debug, Default)]
pub struct Jobs {
    live: Mutex<HashMap<String, Arc<Job>>>,
}

/// How a run is described when it starts.
pub struct Start {
    pub action: &'static str,
    pub options: Vec<(String, String)>,
    pub inputs: Vec<(String, String, String)>,
}

impl Jobs {
    /// The live run of an assembly.
    pub fn live(&self, slug: &str) -> Option<Arc<Job>> {
        self.live.lock().ok()?.get(slug).cloned()
    }

    /// Starts `work` in the background as a new run of `assembly`; refused
    /// while another of its runs is live. `work` gets the run's folder and
    /// the job (for progress and the cancel flag).
    pub fn start<F>(
        self: &Arc<Self>,
        assembly: &Assembly,
        start: Start,
        work: F,
    ) -> Result<u32, String>
    where
        F: FnOnce(&Path, &Job) -> Result<Finished, String> + Send + 'static,
    {
        let mut live = self
            .live
            .lock()
            .map_err(|_| "the app's run registry failed")?;
        if let Some(job) = live.get(&assembly.slug) {
            return Err(format!(
                "run {} is still going: wait for it or cancel it first",
                job.run
            ));
        }
        let (number, dir) = assembly
            .new_run(start.action)
            .map_err(|e| format!("cannot create the run's folder: {e}"))?;
        let run = Run {
            number,
            action: start.action.to_string(),
            started: now(),
            finished: None,
            seconds: None,
            status: Status::Running,
            options: start.options,
            inputs: start.inputs,
            summary: String::new(),
            error: None,
            warnings: Vec::new(),
            outputs: Vec::new(),
        };
        assembly
            .save_run(&dir, &run)
            .map_err(|e| format!("cannot record the run: {e}"))?;
        let job = Arc::new(Job {
            run: number,
            progress: Mutex::new(Progress {
                line: "starting".into(),
                fraction: None,
            }),
            cancel: Arc::new(AtomicBool::new(false)),
        });
        live.insert(assembly.slug.clone(), job.clone());
        drop(live);
        let jobs = self.clone();
        let assembly = assembly.clone();
        std::thread::spawn(move || {
            let clock = Instant::now();
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&dir, &job)))
                    .unwrap_or_else(|_| {
                        Err(
                            "internal error: the action stopped unexpectedly; nothing was written"
                                .into(),
                        )
                    });
            let mut run = run;
            run.seconds = Some(clock.elapsed().as_secs_f64());
            match result {
                _ if job.cancelled() => {
                    run.status = Status::Cancelled;
                    run.summary = "Cancelled: nothing was kept.".into();
                }
                Ok(done) => {
                    // A cancel arriving from here on is too late: the
                    // finished run is kept.
                    let mut written = Vec::new();
                    let mut failed = None;
                    for o in &done.outputs {
                        match o.write() {
                            Ok(paths) => written.extend(paths),
                            Err(e) => {
                                failed = Some(e.to_string());
                                break;
                            }
                        }
                    }
                    run.summary = done.summary;
                    run.warnings = done.warnings;
                    run.outputs = relative(&assembly.dir, &written);
                    match failed {
                        None => run.status = Status::Done,
                        Some(e) => {
                            run.status = Status::Failed;
                            run.error = Some(e);
                        }
                    }
                }
                Err(e) => {
                    run.status = Status::Failed;
                    run.error = Some(e);
                }
            }
            run.finished = Some(now());
            let _ = assembly.save_run(&dir, &run);
            if let Ok(mut live) = jobs.live.lock() {
                live.remove(&assembly.slug);
            }
        });
        Ok(number)
    }
}

/// Paths relative to the assembly's folder, with `/`, sorted.
fn relative(base: &Path, paths: &[PathBuf]) -> Vec<String> {
    let mut out: Vec<String> = paths
        .iter()
        .filter_map(|p| p.strip_prefix(base).ok())
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Now, as an ISO time in UTC (the history's times).
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}
