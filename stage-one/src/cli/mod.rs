//! The core's command-line files this build shares (see main.rs).

#[macro_use]
#[path = "../../../src/cli/output.rs"]
pub mod output;
#[path = "../../../src/cli/invite.rs"]
pub mod invite;
#[path = "../../../src/cli/seed_args.rs"]
pub mod seed_args;
