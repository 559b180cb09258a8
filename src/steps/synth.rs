//! Synth: a realistic synthetic pool and quotas, or the example assembly.

use std::path::PathBuf;

use crate::error::Error;
use crate::files::dir::Outputs;
use crate::synth::{self, SynthSpec};

/// What to generate.
#[derive(Debug, Clone)]
pub enum SynthOptions {
    /// A pool and its quotas.
    Pool { spec: SynthSpec, out: PathBuf },
    /// The example assembly (data/assembly/).
    AssemblyExample { out: PathBuf },
}

/// The generated files.
#[derive(Debug)]
pub struct Generated {
    pub outputs: Outputs,
    /// For a pool: the columns that mark households.
    pub address_columns: Vec<String>,
}

pub fn synth(options: &SynthOptions) -> Result<Generated, Error> {
    match options {
        SynthOptions::AssemblyExample { out } => {
            let mut o = Outputs::into_dir(out.clone());
            for (name, bytes) in synth::assembly_example() {
                o.add(name, bytes);
            }
            Ok(Generated {
                outputs: o,
                address_columns: Vec::new(),
            })
        }
        SynthOptions::Pool { spec, out } => {
            if spec.n == 0 || spec.k == 0 || spec.k > spec.n || !(1..=8).contains(&spec.categories)
            {
                return Err(Error::Usage(
                    "need at least 1 volunteer, a panel size from 1 to the number of volunteers, and 1 to 8 categories".into(),
                ));
            }
            if !(0.0..1.0).contains(&spec.household_rate) {
                return Err(Error::Usage(
                    "the household rate must be at least 0 and below 1".into(),
                ));
            }
            let pool = synth::generate(spec);
            let mut o = Outputs::into_dir(out.clone());
            o.add("pool.csv", pool.pool_csv);
            o.add("quotas.csv", pool.quotas_csv);
            Ok(Generated {
                outputs: o,
                address_columns: pool.address_columns.iter().map(|c| c.to_string()).collect(),
            })
        }
    }
}
