//! `kleroterion invite`: stage one, the invitation lottery over an address
//! register. Also compiled into the stage-one build (`kleroterion-invite`,
//! stage-one/), which runs the same steps with the polars engine.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use kleroterion::Error;
use kleroterion::error::exit;
use kleroterion::invite::frame::{Reader, Source};
use kleroterion::steps::invite::{self, CommitOptions, DrawOptions, TopUpOptions};

use super::seed_args::SeedRuleArgs;

/// Stage one: draw the addresses that get invitation letters.
///
/// `commit` reads the register (and an area table), allocates the letters
/// over the strata and writes a public bundle with no address in it: the
/// plan, the strata table and every address's pseudonym and stratum. It
/// prints the COMMITMENT and SEED RULE to publish before the seed exists.
/// `draw`, once the seed is public, gives each stratum the addresses with
/// the smallest tickets and writes the mail-merge files (addresses and
/// invitation codes) to the private directory. `top-up` commits another
/// round of letters among the addresses not invited yet. Reviewers run
/// `kleroterion verify BUNDLE`.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct InviteArgs {
    #[command(subcommand)]
    pub command: InviteCommand,
}

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    Commit(CommitArgs),
    Draw(DrawArgs),
    TopUp(TopUpArgs),
    Audit(AuditArgs),
}

/// As an auditor: check that the bundle's address list is the whole register.
///
/// Needs the register (and area table and exclusion lists) the organiser
/// used and invite-auditor.key from their private directory: recomputes
/// every address's pseudonym and stratum and compares with the bundle's
/// addresses.csv. Exit code 0 when they agree, 9 when not.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct AuditArgs {
    /// The bundle directory.
    #[arg(long, value_name = "DIR")]
    pub bundle: PathBuf,
    #[command(flatten)]
    pub register: RegisterArgs,
    /// invite-auditor.key from the organiser's private directory.
    #[arg(long, value_name = "FILE")]
    pub auditor_key: PathBuf,
}

/// The register and what goes with it.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The address register: one line per address (CSV; Parquet with the stage-one build).
    #[arg(long, value_name = "FILE")]
    pub register: PathBuf,
    /// The area table: one line per area code, with columns such as region and deprivation decile.
    #[arg(long, value_name = "FILE")]
    pub areas: Option<PathBuf>,
    /// A list of addresses never to invite (invited before, opted out): a CSV file with the register's id column (repeat for several).
    #[arg(long, value_name = "FILE")]
    pub exclude: Vec<PathBuf>,
}

impl RegisterArgs {
    fn source(&self) -> Source {
        Source {
            register: self.register.clone(),
            areas: self.areas.clone(),
            exclusions: self.exclude.clone(),
        }
    }
}

/// Commit round 1: read the register, allocate the letters, write the bundle.
#[derive(Debug, Args)]
pub struct CommitArgs {
    #[command(flatten)]
    pub register: RegisterArgs,
    /// The invitation plan (TOML): letters, strata, the register's columns and the allocation (docs/formats.md, "The invitation plan").
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    #[command(flatten)]
    pub seed_rule: SeedRuleArgs,
    /// The bundle directory to create (public; no address in it).
    #[arg(long, value_name = "DIR")]
    pub bundle: PathBuf,
    /// The organiser's private directory (default: BUNDLE-private).
    #[arg(long, value_name = "DIR")]
    pub private: Option<PathBuf>,
    /// File with the 32-byte secret key in hex (default: the private directory's secret.key if present, else a new random key).
    #[arg(long, value_name = "FILE")]
    pub secret_key: Option<PathBuf>,
    /// Replace an existing bundle.
    #[arg(long)]
    pub force: bool,
}

/// Draw the first round not drawn yet with the public seed; write the letters.
#[derive(Debug, Args)]
pub struct DrawArgs {
    /// The bundle directory.
    #[arg(long, value_name = "DIR")]
    pub bundle: PathBuf,
    /// The public seed, as announced; put in its canonical form by the round's seed rule.
    #[arg(long, value_name = "TEXT")]
    pub seed: String,
    /// The commitment you published for this round, to check the files against.
    #[arg(long, value_name = "HEX")]
    pub commitment: Option<String>,
    /// The organiser's private directory (default: BUNDLE-private).
    #[arg(long, value_name = "DIR")]
    pub private: Option<PathBuf>,
    /// The register, if it moved since the commit (default: where the commit read it).
    #[arg(long, value_name = "FILE")]
    pub register: Option<PathBuf>,
    /// The area table, if it moved (with --register).
    #[arg(long, value_name = "FILE", requires = "register")]
    pub areas: Option<PathBuf>,
    /// The exclusion lists, if they moved (with --register).
    #[arg(long, value_name = "FILE", requires = "register")]
    pub exclude: Vec<PathBuf>,
}

/// Commit a top-up round: more letters among the addresses not invited yet.
#[derive(Debug, Args)]
pub struct TopUpArgs {
    /// The bundle directory.
    #[arg(long, value_name = "DIR")]
    pub bundle: PathBuf,
    /// The top-up's plan: round 1's, with its letters (and, if wanted, its allocation) changed.
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    #[command(flatten)]
    pub seed_rule: SeedRuleArgs,
}

pub fn run(args: InviteArgs, reader: &dyn Reader) -> Result<i32, Error> {
    match args.command {
        InviteCommand::Commit(a) => {
            let committed = invite::commit(
                &CommitOptions {
                    source: a.register.source(),
                    plan: a.plan.clone(),
                    bundle: a.bundle.clone(),
                    private: a.private.clone(),
                    secret_key: a.secret_key.clone(),
                    seed_rule: a.seed_rule.rule()?,
                    force: a.force,
                },
                reader,
            )?;
            // The private key first: a bundle whose key was lost could
            // never be drawn.
            committed.private.write()?;
            committed.public.write()?;
            out!("{}", committed.text);
            next_step(&a.bundle);
            outln!("\nwrote {}", a.bundle.display());
            outln!(
                "private (keep, never publish): {}",
                committed.private.dir.display()
            );
        }
        InviteCommand::TopUp(a) => {
            let committed = invite::top_up(&TopUpOptions {
                bundle: a.bundle.clone(),
                plan: a.plan.clone(),
                seed_rule: a.seed_rule.rule()?,
            })?;
            for f in committed.public.write()? {
                outln!("wrote {}", f.display());
            }
            out!("{}", committed.text);
            next_step(&a.bundle);
        }
        InviteCommand::Audit(a) => {
            let (ok, text) = invite::audit(
                &invite::AuditOptions {
                    bundle: a.bundle.clone(),
                    source: a.register.source(),
                    auditor_key: a.auditor_key.clone(),
                },
                reader,
            )?;
            out!("{text}");
            return Ok(if ok { exit::OK } else { exit::VERIFY_FAILED });
        }
        InviteCommand::Draw(a) => {
            let drawn = invite::draw(
                &DrawOptions {
                    bundle: a.bundle.clone(),
                    seed: a.seed.clone(),
                    commitment: a.commitment.clone(),
                    private: a.private.clone(),
                    source: a.register.clone().map(|register| Source {
                        register,
                        areas: a.areas.clone(),
                        exclusions: a.exclude.clone(),
                    }),
                    threads: kleroterion::steps::verify::threads(),
                },
                reader,
            )?;
            // The letters before the public record: once draw.json exists
            // the round counts as drawn.
            for f in drawn.private.write()? {
                outln!("wrote {}", f.display());
            }
            for f in drawn.public.write()? {
                outln!("wrote {}", f.display());
            }
            out!("{}", drawn.text);
        }
    }
    Ok(exit::OK)
}

/// How this build is called: the core's subcommand or the stage-one
/// build's own program.
fn command() -> &'static str {
    if env!("CARGO_PKG_NAME") == "kleroterion" {
        "kleroterion invite"
    } else {
        "kleroterion-invite"
    }
}

fn next_step(bundle: &std::path::Path) {
    outln!(
        "\nPublish the commitment and the seed rule now, before the seed exists; once the seed is public, run\n  {} draw --bundle {} --seed \"<the seed, as announced>\"",
        command(),
        bundle.display()
    );
}
