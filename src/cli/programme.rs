//! `kleroterion programme`: the speaker programme alone.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use kleroterion::assembly::Assembly;
use kleroterion::error::exit;
use kleroterion::output;
use kleroterion::programme::{self, Problem, Programme};
use kleroterion::table::Table;
use kleroterion::{Error, InputError};

/// Place the speakers' contributions into the assembly's plenaries.
///
/// Reads the assembly file (sessions, topics and their order) and its
/// speakers file (id,name,topic,perspective,side,minutes,available). Hard:
/// no double booking, no session over its length, topic order and
/// availability. Soft, explained when unmet: every contribution placed; a
/// session with an advocate for one side also hears the other side or an
/// informant; per weekend and topic, each side's minutes within ±10% of
/// the sides' mean. Writes programme.csv and programme-report.txt.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct ProgrammeArgs {
    /// The assembly file (TOML).
    #[arg(value_name = "ASSEMBLY")]
    pub assembly: PathBuf,
    /// Speakers CSV (default: the assembly file's files.speakers).
    #[arg(long, value_name = "CSV")]
    pub speakers: Option<PathBuf>,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Reads and checks an assembly file; returns it and the directory its
/// file names are relative to.
pub fn load_assembly(path: &Path) -> Result<(Assembly, PathBuf), Error> {
    let text = std::fs::read(path).map_err(|e| {
        InputError::unreadable(path, format!("cannot read the assembly file: {e}"))
            .hint("check the path")
    })?;
    let text = String::from_utf8(text).map_err(|_| {
        InputError::unreadable(path, "the assembly file is not UTF-8 text").hint("save it as UTF-8")
    })?;
    let assembly = Assembly::parse(path, &text)?;
    let base = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok((assembly, base))
}

/// The programme's report section.
pub fn report(p: &Problem, prog: &Programme) -> String {
    let a = programme::assess(p, prog);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Programme: {} of {} contributions placed in {} plenaries{}",
        a.placed,
        p.contributions.len(),
        p.assembly.plenaries().len(),
        if prog.optimal {
            ""
        } else {
            " (time limit reached: best placement found, not proven best)"
        }
    );
    for (w, label, mins) in &a.minutes {
        let _ = writeln!(out, "  weekend {w}: {label} {mins} min");
    }
    for (title, list) in [
        ("Not placed", &a.unplaced),
        ("Broken rules", &a.broken),
        ("Unmet goals", &a.unmet),
        ("Warnings", &a.warnings),
    ] {
        if list.is_empty() {
            if title != "Warnings" {
                let _ = writeln!(out, "{title}: none");
            }
            continue;
        }
        let _ = writeln!(out, "{title} ({}):", list.len());
        for x in list {
            let _ = writeln!(out, "  {x}");
        }
    }
    out
}

pub fn run(args: ProgrammeArgs) -> Result<i32, Error> {
    let (assembly, base) = load_assembly(&args.assembly)?;
    let speakers = match (&args.speakers, &assembly.files.speakers) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => base.join(f),
        (None, None) => {
            return Err(Error::Usage(
                "no speakers file: give --speakers or files.speakers in the assembly file".into(),
            ));
        }
    };
    let contributions = programme::from_table(&Table::read(&speakers)?, &assembly)?;
    let problem = Problem {
        assembly: &assembly,
        contributions,
        previous: Vec::new(),
        from: 0,
    };
    let prog = programme::solve(&problem)?;
    let bytes = kleroterion::export::programme_csv(&problem, &prog);
    output::ensure_dir(&args.out)?;
    let csv = args.out.join("programme.csv");
    output::write_atomic(&csv, &bytes)?;
    let text = report(&problem, &prog);
    let rep = args.out.join("programme-report.txt");
    output::write_atomic(&rep, text.as_bytes())?;
    print!("{text}");
    println!("\nwrote {}\nwrote {}", csv.display(), rep.display());
    Ok(exit::OK)
}
