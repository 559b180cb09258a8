//! Stage one's polars engine: a [`kleroterion::invite::frame::Reader`]
//! that reads national registers (CSV or Parquet) with polars' lazy
//! scans, joins and group-bys. Everything else (the plan, the draw, the
//! bundle) is the core library's; the `kleroterion-invite` binary is the
//! core's `invite` command line with this engine.

#![allow(clippy::result_large_err)]

pub mod engine;
