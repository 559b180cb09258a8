//! Synth: a realistic synthetic pool and quotas, or the example assembly.

use std::path::PathBuf;

use crate::error::Error;
use crate::files::dir::Outputs;
use crate::synth::register::{Register, RegisterSpec};
use crate::synth::{self, SynthSpec};

/// What to generate.
#[derive(Debug, Clone)]
pub enum SynthOptions {
    /// A pool and its quotas.
    Pool { spec: SynthSpec, out: PathBuf },
    /// The example assembly (data/assembly/).
    AssemblyExample { out: PathBuf },
    /// A national address register (register.csv), its area table
    /// (areas.csv) and an invitation plan of `letters` letters.
    Register {
        spec: RegisterSpec,
        letters: u64,
        out: PathBuf,
    },
}

/// The generated files.
pub struct Generated {
    pub outputs: Outputs,
    /// For a pool: the columns that mark households.
    pub address_columns: Vec<String>,
    /// For a register: the register itself, too large to hold in memory,
    /// written by the front-end as `register.csv` in the output directory
    /// with [`crate::files::dir::write_streamed`].
    pub register: Option<Register>,
}

/// The register's file name in the output directory.
pub const REGISTER_FILE: &str = "register.csv";

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
                register: None,
            })
        }
        SynthOptions::Register { spec, letters, out } => {
            if spec.addresses == 0 || spec.addresses > 1 << 39 {
                return Err(Error::Usage(
                    "the register needs from 1 to 549,755,813,888 addresses".into(),
                ));
            }
            if *letters == 0 || *letters > spec.addresses {
                return Err(Error::Usage(
                    "the example plan's letters must be from 1 to the number of addresses".into(),
                ));
            }
            let register = Register::new(spec);
            let mut o = Outputs::into_dir(out.clone());
            o.add("areas.csv", register.areas_csv());
            o.add("plan.toml", register.plan_toml(*letters));
            Ok(Generated {
                outputs: o,
                address_columns: Vec::new(),
                register: Some(register),
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
                register: None,
            })
        }
    }
}
