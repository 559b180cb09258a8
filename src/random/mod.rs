//! Random streams. `draw` is the specified stream every draw uses
//! (docs/draw-spec.md): a reviewer re-implements it, so the output of an
//! existing domain label never changes. `search` is the faster stream of
//! the seating search, outside the specification. `anneal` is the one
//! annealing schedule and acceptance rule of the searches.

pub mod anneal;
pub mod draw;
pub mod search;

pub use draw::{DrawRng, LEGACY_DOMAIN, SELECT_DOMAIN, derive_key};
pub use search::SearchRng;
