//! kleroterion: fair, verifiable sortition for citizens' assemblies.
//!
//! The library holds the domain (pool, quotas, households, panels, draws)
//! and knows nothing of the command line; `src/cli/` is a thin layer over it.
//! See docs/ARCHITECTURE.md for the map.

// Input errors carry file, line, column, value and advice; they are built
// once per failed run, so their size on the error path does not matter.
#![allow(clippy::result_large_err)]
// Nothing below the front-ends prints: steps return what to tell the user.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod audit;
pub mod error;
pub mod files;
pub mod invite;
pub mod logistics;
pub mod model;
pub mod random;
pub mod report;
pub mod selection;
pub mod solver;
pub mod steps;
pub mod synth;

pub use error::{Error, InputError, Result, Warning};
pub use model::households::Households;
pub use model::instance::{Inputs, Instance};
pub use model::panel::Panel;
pub use model::pool::Pool;
pub use model::quotas::Quotas;
