//! The seed rule's options, shared by every command that commits a
//! round before its seed exists (lottery, replace, invite). Also compiled
//! into the stage-one build (stage-one/src/main.rs).

use clap::Args;
use kleroterion::Error;
use kleroterion::audit::seed::{SeedFormat, SeedRule};

/// The seed rule a commitment fixes before the seed exists.
#[derive(Debug, Args)]
pub struct SeedRuleArgs {
    /// How the public seed will be written, committed before it exists: numbers (the whole numbers in the order given), sorted-numbers (the same, sorted), text (Unicode NFC, white space collapsed to single spaces) or hex (a randomness beacon's value).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub seed_format: SeedFormatArg,
    /// Required with numbers, sorted-numbers and hex: how many numbers, or hex digits, the seed will have (a seed with more or fewer is refused).
    #[arg(long, value_name = "N")]
    pub seed_count: Option<u32>,
    /// Where the seed will come from: the public event and its date, e.g. "EuroMillions of Tuesday 8 December 2026: the five main numbers, then the two stars".
    #[arg(long, value_name = "TEXT")]
    pub seed_source: String,
}

impl SeedRuleArgs {
    pub fn rule(&self) -> Result<SeedRule, Error> {
        SeedRule::new(
            self.seed_format.format(),
            self.seed_count,
            &self.seed_source,
        )
        .map_err(|e| Error::Usage(format!("the seed rule: {e}")))
    }
}

/// The seed formats (docs/draw-spec.md, "The seed rule").
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SeedFormatArg {
    Numbers,
    SortedNumbers,
    Text,
    Hex,
}

impl SeedFormatArg {
    pub fn format(self) -> SeedFormat {
        match self {
            SeedFormatArg::Numbers => SeedFormat::Numbers,
            SeedFormatArg::SortedNumbers => SeedFormat::SortedNumbers,
            SeedFormatArg::Text => SeedFormat::Text,
            SeedFormatArg::Hex => SeedFormat::Hex,
        }
    }
}
