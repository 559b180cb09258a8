//! The integration tests, as one test binary (so HiGHS is linked once):
//! each module tests one area through the library or the built binary.

mod common;
mod exactness;
mod http;

mod app;
mod architecture;
mod bad_input;
mod cli;
mod invite;
mod lottery;
mod plan;
mod properties;
mod reports;
mod seating;
mod selection;
mod spreadsheets;
