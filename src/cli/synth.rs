//! `kleroterion synth`: generate a realistic synthetic pool and quotas.

use std::path::PathBuf;

use clap::Args;
use kleroterion::error::exit;
use kleroterion::synth::{self, SynthSpec};
use kleroterion::{Error, output};

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
    /// Output directory for pool.csv and quotas.csv.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(a: SynthArgs) -> Result<i32, Error> {
    if a.assembly_example {
        output::ensure_dir(&a.out)?;
        for (name, bytes) in synth::assembly_example() {
            let path = a.out.join(name);
            output::write_atomic(&path, &bytes)?;
            println!("wrote {}", path.display());
        }
        return Ok(exit::OK);
    }
    if a.n == 0 || a.size == 0 || a.size > a.n || !(1..=8).contains(&a.categories) {
        return Err(Error::Usage(
            "need n >= 1, 1 <= --size <= n and 1 <= --categories <= 8".into(),
        ));
    }
    if !(0.0..1.0).contains(&a.household_rate) {
        return Err(Error::Usage("--household-rate must be in [0, 1)".into()));
    }
    let pool = synth::generate(&SynthSpec {
        n: a.n,
        k: a.size,
        categories: a.categories,
        household_rate: a.household_rate,
        slack: a.slack,
        seed: a.seed,
    });
    output::ensure_dir(&a.out)?;
    for (name, bytes) in [
        ("pool.csv", &pool.pool_csv),
        ("quotas.csv", &pool.quotas_csv),
    ] {
        let path = a.out.join(name);
        output::write_atomic(&path, bytes)?;
        println!("wrote {}", path.display());
    }
    println!(
        "household rule: --address-columns {}",
        pool.address_columns.join(",")
    );
    Ok(exit::OK)
}
