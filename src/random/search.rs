//! The fast stream of the searches (seating): outside the draw
//! specification.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use super::draw::derive_key;

/// A fast deterministic stream for searches (the seating): ChaCha8 keyed
/// like [`DrawRng`], uniform integers by Lemire's multiply-and-reject. Not
/// part of the draw specification: a reviewer never re-derives it; only the
/// search's result (re-checked independently) leaves the program.
pub struct SearchRng {
    inner: ChaCha8Rng,
}

impl SearchRng {
    pub fn new(domain: &str, seed: &str) -> SearchRng {
        SearchRng {
            inner: ChaCha8Rng::from_seed(derive_key(domain, seed)),
        }
    }

    pub fn next_word(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform integer in `0..n` (`n` ≥ 1), without bias.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let mut m = u128::from(self.next_word()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_word()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// A uniform index into a slice of length `len` (`len` ≥ 1).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A uniform number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_word() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_stream_is_uniform_and_repeatable() {
        let mut r = SearchRng::new("test", "seed");
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[r.index(7)] += 1;
        }
        // Each bucket expects 10,000; 5 standard deviations is ±475.
        assert!(
            counts.iter().all(|&c| (9_525..=10_475).contains(&c)),
            "{counts:?}"
        );
        let (mut a, mut b) = (SearchRng::new("d", "s"), SearchRng::new("d", "s"));
        assert!((0..100).all(|_| a.below(1000) == b.below(1000)));
        assert!((0..100).all(|_| (0.0..1.0).contains(&a.unit())));
        assert_eq!(SearchRng::new("d", "s").below(1), 0);
    }
}
