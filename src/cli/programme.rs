//! `kleroterion programme`: the speaker programme alone.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use kleroterion::Error;
use kleroterion::error::exit;
use kleroterion::output;
use kleroterion::programme::{self, Problem, Programme};
use kleroterion::table::Table;

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
    super::list(&mut out, "Not placed", &a.unplaced);
    super::list(&mut out, "Broken rules", &a.broken);
    super::list(&mut out, "Unmet goals", &a.unmet);
    if !a.warnings.is_empty() {
        super::list(&mut out, "Warnings", &a.warnings);
    }
    out
}

pub fn run(args: ProgrammeArgs) -> Result<i32, Error> {
    let (assembly, base) = super::load_assembly(&args.assembly)?;
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
