//! The one door to the LP/MIP backend.
//!
//! Algorithms describe a model as bounded variables and bounded linear rows
//! ([`Model`]) and get back an [`Outcome`]; they never see the backend. The
//! backend is HiGHS through good_lp, with settings pinned by [`Settings`] so
//! that the same model gives the same answer on every run. `model.rs`: a
//! model solved from scratch (MIPs and LPs, through good_lp); `lp.rs`: an
//! LP that grows and is re-solved from its previous basis (through the
//! `highs` crate and `highs-sys` calls); `conic.rs`: a concave program
//! with logarithms, solved approximately by Clarabel's interior-point
//! method (a starting point for NASH's exact LP, never an answer).

mod conic;
mod lp;
mod model;

pub use conic::{CONIC_TOLERANCE, LogColumn, LogProgram};

pub use lp::{Lp, LpCol, LpFailure, LpRow, LpSolution};
pub use model::{Model, Outcome, Solution};

/// Solver settings. They are fixed for reproducibility and recorded in every
/// report that depends on a solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// HiGHS keeps one scheduler per process; every solve uses this value.
    pub threads: u32,
    /// HiGHS's `random_seed`.
    pub random_seed: i32,
    /// Relative MIP gap: 0, so MIPs are solved to proven optimality…
    pub mip_rel_gap: f32,
    /// …up to this absolute gap (HiGHS's default is 1e-6).
    pub mip_abs_gap: f32,
    /// Wall-clock limit per solve in seconds, if any.
    pub time_limit: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threads: 1,
            random_seed: 0,
            mip_rel_gap: 0.0,
            mip_abs_gap: 1e-9,
            time_limit: None,
        }
    }
}

impl Settings {
    /// One line naming the backend and its settings, for reports.
    pub fn describe(&self) -> String {
        format!(
            "HiGHS {} (MIPs via good_lp, pricing programs without restarts, RINS, RENS or feasibility jump, first-solution programs stopped at one improving solution without feasibility jump and with a cut pool of one; master LPs via the highs crate: primal simplex, warm-started, presolve off; after a peel, the peel's own mixture where it reaches the target, else an interior-point solve with crossover; the peel's face LPs by dual simplex; NASH's relaxation started from Clarabel {} (exponential cones, tolerances {:e}, qdldl, one thread)); threads={}, random_seed={}, mip_rel_gap={}, mip_abs_gap={:e}, time_limit={}",
            HIGHS_VERSION,
            CLARABEL_VERSION,
            CONIC_TOLERANCE,
            self.threads,
            self.random_seed,
            self.mip_rel_gap,
            self.mip_abs_gap,
            self.time_limit
                .map_or("none".to_string(), |t| format!("{t}s"))
        )
    }
}

/// The HiGHS version bundled by highs-sys (see Cargo.lock).
pub const HIGHS_VERSION: &str = "1.16.0";
/// The Clarabel version (see Cargo.lock).
pub const CLARABEL_VERSION: &str = "0.11.1";

/// A variable of a [`Model`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Var(usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    Maximise,
    Minimise,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_clarabel_version_is_the_one_built() {
        let lock = include_str!("../../Cargo.lock");
        let entry = format!("name = \"clarabel\"\nversion = \"{CLARABEL_VERSION}\"\n");
        assert!(lock.contains(&entry), "Cargo.lock has another clarabel");
    }

    #[test]
    fn knapsack_optimum_is_found() {
        // max 5a + 4b + 3c  s.t. 2a + 3b + c <= 4, binaries: a + c = 8.
        let mut m = Model::new(Sense::Maximise);
        let a = m.binary(5.0);
        let b = m.binary(4.0);
        let c = m.binary(3.0);
        m.row(f64::NEG_INFINITY, 4.0, vec![(a, 2.0), (b, 3.0), (c, 1.0)]);
        let Outcome::Optimal(s) = m.solve(&Settings::default()).unwrap() else {
            panic!("expected optimal")
        };
        assert_eq!((s.int(a), s.int(b), s.int(c)), (1, 0, 1));
        assert!((s.objective - 8.0).abs() < 1e-9);
    }

    #[test]
    fn deleting_unused_columns_keeps_the_optimum_and_the_values() {
        // max 3x + 2y + z  s.t. x + y + z <= 4, x <= 1, y <= 2: x = 1, y = 2,
        // z = 1 (objective 8); then w (cost 0) is unused and nonbasic.
        let mut lp = Lp::new(Sense::Maximise, &Settings::default());
        let cap = lp.add_row(f64::NEG_INFINITY, 4.0);
        let x = lp.add_col(3.0, 0.0, 1.0, &[(cap, 1.0)]);
        let w = lp.add_col(-1.0, 0.0, 5.0, &[(cap, 1.0)]);
        let y = lp.add_col(2.0, 0.0, 2.0, &[(cap, 1.0)]);
        let z = lp.add_col(1.0, 0.0, 9.0, &[(cap, 1.0)]);
        let mut first = lp.solve().unwrap();
        assert!((first.objective - 8.0).abs() < 1e-9);
        assert_eq!(first.value(w), 0.0);
        assert!(!lp.basic()[w.index()]);
        let moved = lp.delete_cols(&[false, true, false, false]);
        assert_eq!(
            moved,
            vec![Some(LpCol(0)), None, Some(LpCol(1)), Some(LpCol(2))]
        );
        first.remap(&moved);
        let (x, y, z) = (
            moved[x.0].unwrap(),
            moved[y.0].unwrap(),
            moved[z.0].unwrap(),
        );
        assert_eq!(
            (first.value(x), first.value(y), first.value(z)),
            (1.0, 2.0, 1.0)
        );
        // A column added after the deletion gets the next position and is
        // not part of the earlier solution.
        let v = lp.add_col(5.0, 0.0, 1.0, &[(cap, 1.0)]);
        assert_eq!(v, LpCol(3));
        assert!(!first.has(v));
        let second = lp.solve().unwrap();
        assert!(
            (second.objective - 12.0).abs() < 1e-9,
            "{}",
            second.objective
        );
        assert!((second.value(v) - 1.0).abs() < 1e-9);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// `solve_small` (the pricing programs' options) finds the optimum
        /// that enumerating every point finds, on programs shaped like the
        /// pricing program: counts in 0..=2, exactly k in all, two groups
        /// of counts within bounds; and reports infeasibility when no point
        /// exists.
        #[test]
        fn solve_small_finds_the_enumerated_optimum(
            weights in proptest::collection::vec(-1.0f64..1.0, 3..=7),
            k in 1u32..=8,
            groups in proptest::collection::vec((0u32..128, 0u32..4, 0u32..6), 2),
        ) {
            let n = weights.len();
            let mut m = Model::new(Sense::Maximise);
            let x: Vec<Var> = weights.iter().map(|&w| m.integer(0.0, 2.0, w)).collect();
            m.row(f64::from(k), f64::from(k), x.iter().map(|&v| (v, 1.0)).collect());
            for &(members, lo, width) in &groups {
                m.row(
                    f64::from(lo),
                    f64::from(lo + width),
                    (0..n).filter(|t| members >> t & 1 == 1).map(|t| (x[t], 1.0)).collect(),
                );
            }
            let mut best: Option<f64> = None;
            for code in 0..3u32.pow(n as u32) {
                let counts: Vec<u32> = (0..n).map(|t| code / 3u32.pow(t as u32) % 3).collect();
                let fits = counts.iter().sum::<u32>() == k
                    && groups.iter().all(|&(members, lo, width)| {
                        let c: u32 = (0..n).filter(|t| members >> t & 1 == 1).map(|t| counts[t]).sum();
                        lo <= c && c <= lo + width
                    });
                if fits {
                    let value: f64 = counts.iter().zip(&weights).map(|(&c, w)| f64::from(c) * w).sum();
                    best = Some(best.map_or(value, |b: f64| b.max(value)));
                }
            }
            match (m.solve_small(&Settings::default()).unwrap(), best) {
                (Outcome::Optimal(s), Some(b)) => {
                    proptest::prop_assert!((s.objective - b).abs() <= 1e-7, "{} against {b}", s.objective)
                }
                (Outcome::Infeasible, None) => {}
                (outcome, b) => proptest::prop_assert!(false, "{outcome:?} against {b:?}"),
            }
        }
    }

    #[test]
    fn infeasibility_is_reported() {
        let mut m = Model::new(Sense::Minimise);
        let x = m.integer(0.0, 3.0, 1.0);
        m.row(5.0, 6.0, vec![(x, 1.0)]);
        assert!(matches!(
            m.solve(&Settings::default()).unwrap(),
            Outcome::Infeasible
        ));
    }
}
