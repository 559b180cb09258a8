//! The lottery protocol on audit bundles: building a stage (the first draw
//! or a replacement round), reading a bundle back, drawing, and every check
//! `verify` runs. Works on file contents only; reading and writing
//! directories is [`crate::files::dir`]'s job.

pub mod bundle;
pub mod page;
pub mod private;
pub mod rounding;
pub mod seed;

pub mod draw;
mod parse;
mod replacement;
mod stage;
mod verify;

pub use draw::*;
pub use parse::*;
pub use replacement::*;
pub use stage::*;
pub use verify::*;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::audit::bundle::{
    AuditorKey, COMMITMENT_FILE, COMMITTED_FILES, DRAW_FILE, Disclosure, DrawRecord, FORMAT,
    InputFile, Manifest, Seals, Secret, StageFiles, Summary,
};
use crate::audit::rounding::{self as lottery, Made};
use crate::audit::seed::SeedRule;
use crate::error::{Error, InputError};
use crate::files::table::Table;
use crate::model::instance::Instance;
use crate::model::panel::Panel;
use crate::model::profiles::Profiles;
use crate::selection::certificate::{self, Certificate};
use crate::selection::feasibility::{Relaxation, Side};
use crate::selection::optimise::{self, Objective, Progress};

#[cfg(test)]
mod tests;
