//! Selection: is a panel possible (`feasibility`), the Sortition
//! Foundation's greedy draw (`legacy`), the optimising algorithms
//! (`optimise`: LEXIMIN, MAXIMIN, NASH by column generation), distributions
//! over panels and their checks (`distribution`), optimality certificates
//! checked without a solver (`certificate`), and the output tables of a
//! selection as bytes (`outputs`).

pub mod certificate;
pub mod distribution;
pub mod feasibility;
pub mod legacy;
pub mod optimise;
pub mod outputs;
