//! `kleroterion check`: can the quotas be met, and by whom?

use clap::Args;
use kleroterion::error::exit;
use kleroterion::{Error, steps};

use super::PoolArgs;
/// Check that a panel meeting every quota (and the household rule) exists.
///
/// Prints the pool's composition against the quotas, then decides exactly,
/// with an integer program, whether any panel of the given size meets every
/// quota. If none does, prints the smallest relaxation of the bounds that
/// would (within min_flex/max_flex when the quotas give them) and exits
/// with code 5. If one does, lists anyone who fits on no feasible panel.
#[derive(Debug, Args)]
#[command(long_about)]
pub struct CheckArgs {
    #[command(flatten)]
    pub inputs: PoolArgs,
    #[command(flatten)]
    pub invitations: super::InvitationArgs,
    #[command(flatten)]
    pub quiet: super::QuietArg,
}

pub fn run(args: CheckArgs) -> Result<i32, Error> {
    let instance = args.inputs.load()?;
    if let Some(inv) = args.invitations.invitations() {
        let (replies, warnings) = kleroterion::invite::replies::check(
            &instance.pool,
            &inv,
            &instance.households.columns,
        )?;
        super::print_warnings(&warnings);
        if !args.quiet.quiet {
            out!("{}\n", replies.render_text());
        }
    }
    if !args.quiet.quiet {
        outln!("{}\n", steps::describe_instance(&instance));
        out!("{}", steps::check::composition(&instance));
    }
    let checked = steps::check::check(&instance)?;
    out!("{}", steps::check::verdict(&instance, &checked));
    Ok(if checked.feasible() {
        exit::OK
    } else {
        exit::INFEASIBLE
    })
}
