//! kleroterion: fair, verifiable sortition for citizens' assemblies.
//!
//! The library holds the domain (pool, quotas, households, panels, draws)
//! and knows nothing of the command line; `src/cli/` is a thin layer over it.
//! See docs/ARCHITECTURE.md for the map.

// Input errors carry file, line, column, value and advice; they are built
// once per failed run, so their size on the error path does not matter.
#![allow(clippy::result_large_err)]

pub mod assembly;
pub mod audit;
pub mod bundle;
pub mod constraints;
pub mod distribution;
pub mod error;
pub mod export;
pub mod feasibility;
pub mod households;
pub mod instance;
pub mod latin;
pub mod legacy;
pub mod lottery;
pub mod members;
pub mod optimise;
pub mod output;
pub mod panel;
pub mod plan;
pub mod pool;
pub mod profiles;
pub mod programme;
pub mod quotas;
pub mod report;
pub mod rng;
pub mod rota;
pub mod seating;
pub mod solver;
pub mod store;
pub mod synth;
pub mod table;

pub use error::{Error, InputError, Result, Warning};
pub use households::Households;
pub use instance::{Inputs, Instance};
pub use panel::Panel;
pub use pool::Pool;
pub use quotas::Quotas;
