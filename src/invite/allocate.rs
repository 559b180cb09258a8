//! How many letters each stratum gets: a proportional allocation with
//! bounds, in exact rational arithmetic so that a reviewer recomputes the
//! same integers in any language (docs/draw-spec.md, "Allocating the
//! letters").
//!
//! Every stratum h has a score s_h ≥ 0 (its share of the design), a lower
//! bound lo_h and an upper bound hi_h. The targets are
//! t_h = min(hi_h, max(lo_h, λ·s_h)) for the smallest λ ≥ 0 that makes them
//! sum to the number of letters L ("water-filling": strata held at a bound
//! give their surplus or deficit to the others in proportion to their
//! scores). The integers are the floors of the targets plus one letter each
//! for the L − Σ⌊t_h⌋ strata with the largest fractional parts, ties going
//! to the earlier stratum. Since every bound is an integer, the rounding
//! never leaves [lo_h, hi_h].

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};

/// Why no allocation exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Impossible {
    /// The lower bounds add up to more than the letters.
    TooFew { letters: u64, minimum: u64 },
    /// The upper bounds (of the strata with a positive score) add up to
    /// fewer than the letters.
    TooMany { letters: u64, maximum: u64 },
}

/// The exact targets (before rounding) and the letters per stratum.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub targets: Vec<BigRational>,
    pub letters: Vec<u64>,
}

/// Allocates `letters` over strata with `scores` and bounds `lo ≤ hi`.
pub fn allocate(
    letters: u64,
    scores: &[BigRational],
    lo: &[u64],
    hi: &[u64],
) -> Result<Allocation, Impossible> {
    debug_assert!(scores.len() == lo.len() && lo.len() == hi.len());
    let minimum: u64 = lo.iter().sum();
    if minimum > letters {
        return Err(Impossible::TooFew { letters, minimum });
    }
    let reachable: u64 = (0..scores.len())
        .map(|h| if scores[h].is_zero() { lo[h] } else { hi[h] })
        .sum();
    if reachable < letters {
        return Err(Impossible::TooMany {
            letters,
            maximum: reachable,
        });
    }
    let target = BigRational::from_integer(BigInt::from(letters));
    let total = |lambda: &BigRational| -> BigRational {
        (0..scores.len())
            .map(|h| clamp(lambda * &scores[h], lo[h], hi[h]))
            .fold(BigRational::zero(), |a, b| a + b)
    };
    // Where a stratum starts or stops growing: f(λ) is linear between
    // consecutive breakpoints.
    let mut breaks: Vec<BigRational> = vec![BigRational::zero()];
    for h in 0..scores.len() {
        if !scores[h].is_zero() {
            breaks.push(BigRational::from_integer(lo[h].into()) / &scores[h]);
            breaks.push(BigRational::from_integer(hi[h].into()) / &scores[h]);
        }
    }
    breaks.sort();
    breaks.dedup();
    // The first breakpoint where the total reaches L (it exists: the last
    // one gives `reachable` ≥ L).
    let (mut below, mut above) = (0usize, breaks.len() - 1);
    if total(&breaks[0]) >= target {
        above = 0;
    } else {
        while above - below > 1 {
            let mid = (below + above) / 2;
            if total(&breaks[mid]) >= target {
                above = mid;
            } else {
                below = mid;
            }
        }
    }
    let lambda = if above == 0 {
        breaks[0].clone()
    } else {
        let (a, b) = (&breaks[above - 1], &breaks[above]);
        let (fa, fb) = (total(a), total(b));
        a + (&target - &fa) * (b - a) / (fb - fa)
    };
    let targets: Vec<BigRational> = (0..scores.len())
        .map(|h| clamp(&lambda * &scores[h], lo[h], hi[h]))
        .collect();
    let mut out: Vec<u64> = targets
        .iter()
        .map(|t| t.floor().to_integer().to_u64().unwrap_or(0))
        .collect();
    let short = letters - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..targets.len()).collect();
    // Largest fractional part first; the stable sort keeps stratum order
    // among equals.
    order.sort_by(|&a, &b| targets[b].fract().cmp(&targets[a].fract()));
    for &h in order.iter().take(short as usize) {
        out[h] += 1;
    }
    Ok(Allocation {
        targets,
        letters: out,
    })
}

fn clamp(x: BigRational, lo: u64, hi: u64) -> BigRational {
    let lo = BigRational::from_integer(lo.into());
    let hi = BigRational::from_integer(hi.into());
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn r(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn proportional_without_bounds_is_largest_remainder() {
        // 10 letters over 1:1:1 → 3.33 each; the first stratum gets the
        // extra one.
        let a = allocate(10, &[r(1, 1), r(1, 1), r(1, 1)], &[0; 3], &[100; 3]).unwrap();
        assert_eq!(a.letters, vec![4, 3, 3]);
        assert_eq!(a.targets[0], r(10, 3));
    }

    #[test]
    fn a_capped_stratum_passes_its_surplus_on() {
        // Scores 9:1, L = 10, the first capped at 3: 3 and 7.
        let a = allocate(10, &[r(9, 1), r(1, 1)], &[0, 0], &[3, 100]).unwrap();
        assert_eq!(a.letters, vec![3, 7]);
        // A minimum that the proportional share misses is met, and the
        // cap is not hit needlessly (greedy fixing in the wrong order
        // would have asked for 11 letters here).
        let a = allocate(10, &[r(9, 1), r(1, 1)], &[0, 8], &[3, 10]).unwrap();
        assert_eq!(a.letters, vec![2, 8]);
    }

    #[test]
    fn impossible_plans_are_refused() {
        assert_eq!(
            allocate(5, &[r(1, 1), r(1, 1)], &[3, 3], &[9, 9]),
            Err(Impossible::TooFew {
                letters: 5,
                minimum: 6
            })
        );
        assert_eq!(
            allocate(20, &[r(1, 1), r(0, 1)], &[0, 2], &[9, 9]),
            Err(Impossible::TooMany {
                letters: 20,
                maximum: 11
            })
        );
    }

    proptest! {
        #[test]
        fn letters_add_up_and_respect_the_bounds(
            strata in proptest::collection::vec((0u64..50, 0u64..5, 0u64..40), 1..12),
            extra in 0u64..200,
        ) {
            let scores: Vec<BigRational> = strata.iter().map(|s| r(s.0 as i64, 7)).collect();
            let lo: Vec<u64> = strata.iter().map(|s| s.1).collect();
            let hi: Vec<u64> = strata.iter().map(|s| s.1 + s.2).collect();
            let reachable: u64 = (0..strata.len())
                .map(|h| if strata[h].0 == 0 { lo[h] } else { hi[h] })
                .sum();
            let letters = (lo.iter().sum::<u64>() + extra).min(reachable.max(lo.iter().sum()));
            let a = allocate(letters, &scores, &lo, &hi).unwrap();
            prop_assert_eq!(a.letters.iter().sum::<u64>(), letters);
            for h in 0..strata.len() {
                prop_assert!(lo[h] <= a.letters[h] && a.letters[h] <= hi[h]);
                // Within one letter of the exact target.
                let t = &a.targets[h];
                let n = BigRational::from_integer(a.letters[h].into());
                prop_assert!(&n - t < r(1, 1) && t - &n < r(1, 1));
            }
            // Monotone in the score among unbounded strata: a stratum with
            // a larger score never gets a smaller target unless a bound
            // holds it.
            for a1 in 0..strata.len() {
                for b1 in 0..strata.len() {
                    if scores[a1] > scores[b1]
                        && a.targets[a1] > BigRational::from_integer(lo[a1].into())
                        && a.targets[b1] < BigRational::from_integer(hi[b1].into())
                        && a.targets[b1] > BigRational::from_integer(lo[b1].into())
                        && a.targets[a1] < BigRational::from_integer(hi[a1].into())
                    {
                        prop_assert!(a.targets[a1] >= a.targets[b1]);
                    }
                }
            }
        }
    }
}
