//! `kleroterion synth`: generate a realistic synthetic pool and quotas.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use kleroterion::error::exit;
use kleroterion::steps::synth::SynthOptions;
use kleroterion::synth::register::RegisterSpec;
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
#[command(
    long_about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct SynthArgs {
    #[command(subcommand)]
    pub what: Option<SynthWhat>,
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
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SynthWhat {
    Register(RegisterArgs),
}

/// Generate a synthetic national address register for stage one.
///
/// Writes register.csv (address_id, line_1, line_2, town, postcode,
/// area_code; sorted by postcode like a real register), areas.csv (one
/// line per small area of about 1,500 addresses: local authority, one of
/// twelve regions, national deprivation decile, urban or rural) and an
/// example plan.toml for `kleroterion invite commit`.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct RegisterArgs {
    /// Number of addresses.
    #[arg(long, default_value_t = 20_000)]
    pub addresses: u64,
    /// Letters in the example plan.
    #[arg(long, default_value_t = 600)]
    pub letters: u64,
    /// Seed text.
    #[arg(long, default_value = "register")]
    pub seed: String,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(a: SynthArgs) -> Result<i32, Error> {
    if let Some(SynthWhat::Register(r)) = a.what {
        return register(r);
    }
    let out = a
        .out
        .clone()
        .ok_or_else(|| Error::Usage("say where to write the files (--out DIR)".into()))?;
    let options = if a.assembly_example {
        SynthOptions::AssemblyExample { out: out.clone() }
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
            out,
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

fn register(a: RegisterArgs) -> Result<i32, Error> {
    let generated = steps::synth::synth(&SynthOptions::Register {
        spec: RegisterSpec {
            addresses: a.addresses,
            seed: a.seed.clone(),
        },
        letters: a.letters,
        out: a.out.clone(),
    })?;
    if let Some(register) = &generated.register {
        let path = a.out.join(steps::synth::REGISTER_FILE);
        kleroterion::files::dir::write_streamed(&path, |w| register.write_register(w))?;
        outln!("wrote {}", path.display());
    }
    for f in generated.outputs.write()? {
        outln!("wrote {}", f.display());
    }
    Ok(exit::OK)
}
