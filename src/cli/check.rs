//! `kleroterion check`: can the quotas be met, and by whom?

use clap::Args;
use kleroterion::error::exit;
use kleroterion::feasibility::{self, Relaxation};
use kleroterion::solver::Settings;
use kleroterion::{Error, report};

use super::{PoolArgs, describe_instance, household_clause};

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
}

pub fn run(args: CheckArgs) -> Result<i32, Error> {
    let instance = args.inputs.load()?;
    let settings = Settings::default();
    println!("{}\n", describe_instance(&instance));
    print!("{}", report::composition(&instance, None));
    println!();
    let quick = instance.quick_infeasibility();
    for line in &quick {
        println!("Impossible: {line}");
    }
    let result = feasibility::check(&instance, &settings)?;
    let Some(relaxation) = &result.relaxation else {
        println!(
            "Feasible: yes. A panel of {} meeting every quota{} exists (decided exactly by integer programming; {}).",
            instance.k,
            household_clause(&instance),
            settings.describe()
        );
        if result.unselectable.is_empty() {
            println!("Everyone in the pool can sit on at least one feasible panel.");
        } else {
            println!(
                "{} people cannot sit on any feasible panel (their selection probability is 0 under every algorithm):",
                result.unselectable.len()
            );
            for &i in &result.unselectable {
                let p = &instance.pool.people[i];
                println!("  {} (line {})", p.id, p.line);
            }
        }
        return Ok(exit::OK);
    };
    println!(
        "Feasible: NO. No panel of {} meets every quota{}.",
        instance.k,
        household_clause(&instance),
    );
    match relaxation {
        Relaxation::WithinFlex(changes) | Relaxation::BeyondFlex(changes) => {
            let total: u32 = changes.iter().map(|c| c.from.abs_diff(c.to)).sum();
            if matches!(relaxation, Relaxation::BeyondFlex(_)) {
                println!(
                    "No relaxation within min_flex/max_flex is enough. The smallest relaxation beyond them (total change {total}):"
                );
            } else {
                println!(
                    "The smallest relaxation that makes the quotas feasible (total change {total}):"
                );
            }
            for c in changes {
                println!("  {c}");
            }
        }
        Relaxation::None => println!(
            "No change of the quotas helps: the pool has too few people who may sit together for a panel of {}. Lower --size or add volunteers.",
            instance.k
        ),
    }
    Ok(exit::INFEASIBLE)
}
