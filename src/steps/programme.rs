//! Programme: the speaker programme alone, to try out a speakers list.

use std::path::PathBuf;

use crate::error::Error;
use crate::files::dir::Outputs;
use crate::files::table::Table;
use crate::logistics::export;
use crate::logistics::programme::{self, Problem};
use crate::report;

/// Where the assembly and speakers are.
#[derive(Debug, Clone)]
pub struct ProgrammeOptions {
    /// The assembly file.
    pub assembly: PathBuf,
    /// The speakers file (None: the assembly file's).
    pub speakers: Option<PathBuf>,
    pub out: PathBuf,
}

/// A programme and its report.
#[derive(Debug)]
pub struct Programmed {
    /// programme.csv and programme-report.txt.
    pub outputs: Outputs,
    pub text: String,
    /// Hard rules the programme breaks (named in the report).
    pub broken: usize,
}

pub fn programme(options: &ProgrammeOptions) -> Result<Programmed, Error> {
    let (assembly, base) = super::load_assembly(&options.assembly)?;
    let speakers = match (&options.speakers, &assembly.files.speakers) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => base.join(f),
        (None, None) => {
            return Err(Error::Usage(
                "no speakers file: give one, or name it as files.speakers in the assembly file"
                    .into(),
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
    let mut out = Outputs::into_dir(options.out.clone());
    out.add("programme.csv", export::programme_csv(&problem, &prog));
    let text = report::plan::programme(&problem, &prog);
    out.add("programme-report.txt", text.clone());
    let broken = programme::assess(&problem, &prog).broken.len();
    Ok(Programmed {
        outputs: out,
        text,
        broken,
    })
}
