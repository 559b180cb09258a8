//! `kleroterion synth`: generate a realistic synthetic pool and quotas.

use std::path::PathBuf;

use clap::Args;
use kleroterion::error::exit;
use kleroterion::steps::synth::SynthOptions;
use kleroterion::synth::{self, SynthSpec};
use kleroterion::{Error, steps};

/// Generate a synthetic volunteer pool (pool.csv) and its quotas (quotas.csv).
///
/// Volunteers are drawn from a population with known shares and accepted with
/// a self-selection bias (graduates, older and more concerned people answer
/// more often); some share an address. Quotas are the population shares of
/// the panel size ± slack. The defaults regenerate the bundled example in
/// data/ byte for byte.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct SynthArgs {
    /// Number of volunteers.
    #[arg(long, default_value_t = synth::example_spec().n)]
    pub n: usize,
    /// Panel size the quotas are made for.
    #[arg(long, short = 'k', default_value_t = synth::example_spec().k)]
    pub size: usize,
    /// Number of categories (1-8): gender, age, education, region, climate_concern, ethnicity, housing, urban_rural.
    #[arg(long, default_value_t = synth::example_spec().categories)]
    pub categories: usize,
    /// Share of volunteers who live with an earlier volunteer.
    #[arg(long, default_value_t = synth::example_spec().household_rate)]
    pub household_rate: f64,
    /// Bounds lie this many seats outside the population share of the panel.
    #[arg(long, default_value_t = synth::example_spec().slack)]
    pub slack: u32,
    /// Seed text.
    #[arg(long, default_value_t = synth::example_spec().seed)]
    pub seed: String,
    /// Write the example assembly (assembly.toml, members, facilitators,
    /// speakers, constraints) instead of a pool: regenerates data/assembly/.
    #[arg(long)]
    pub assembly_example: bool,
    #[command(flatten)]
    pub quiet: super::QuietArg,
    /// Output directory for pool.csv and quotas.csv.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(a: SynthArgs) -> Result<i32, Error> {
    let options = if a.assembly_example {
        SynthOptions::AssemblyExample { out: a.out.clone() }
    } else {
        SynthOptions::Pool {
            spec: SynthSpec {
                n: a.n,
                k: a.size,
                categories: a.categories,
                household_rate: a.household_rate,
                slack: a.slack,
                seed: a.seed.clone(),
                shape: synth::Shape::default(),
            },
            out: a.out.clone(),
        }
    };
    let generated = steps::synth::synth(&options)?;
    for f in generated.outputs.write()? {
        outln!("wrote {}", f.display());
    }
    if !a.assembly_example && !a.quiet.quiet {
        outln!(
            "household rule: --address-columns {}",
            generated.address_columns.join(",")
        );
    }
    Ok(exit::OK)
}
