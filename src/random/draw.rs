//! The seeded random stream every draw uses, specified so that a reviewer
//! can re-implement it (docs/draw-spec.md):
//!
//! - key = SHA-256(domain ‖ 0x00 ‖ seed), where `domain` is an ASCII label
//!   naming the purpose (e.g. `kleroterion/legacy/v1`) and `seed` is the
//!   seed text's UTF-8 bytes;
//! - stream = ChaCha20 (20 rounds, 64-bit block counter from 0, 64-bit
//!   nonce 0) keyed with it: the same bytes as RFC 8439 ChaCha20 with an
//!   all-zero nonce and OpenSSL's `chacha20`;
//! - words = consecutive 8-byte little-endian chunks of the stream;
//! - a uniform integer below `n` = `w mod n` for the first word `w` with
//!   `w ≥ 2^64 mod n` (rejection sampling as in OpenBSD's
//!   `arc4random_uniform`: no bias, no floating point).

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// Domain label of the LEGACY draw.
pub const LEGACY_DOMAIN: &str = "kleroterion/legacy/v1";

/// Domain label of the draw from an optimised distribution.
pub const SELECT_DOMAIN: &str = "kleroterion/select/v1";

/// The 32-byte ChaCha20 key for `seed` in `domain`.
pub fn derive_key(domain: &str, seed: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(domain.as_bytes());
    h.update([0u8]);
    h.update(seed.as_bytes());
    h.finalize().into()
}

/// A deterministic stream of uniform integers.
pub struct DrawRng {
    inner: ChaCha20Rng,
}

impl DrawRng {
    pub fn new(domain: &str, seed: &str) -> DrawRng {
        DrawRng {
            inner: ChaCha20Rng::from_seed(derive_key(domain, seed)),
        }
    }

    /// The next 64-bit little-endian word of the stream.
    pub fn next_word(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.inner.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    /// A uniform integer in `0..n` (`n` ≥ 1), by rejection sampling.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0) has no value");
        // 2^64 mod n: the words below it would make small results likelier.
        let reject_below = n.wrapping_neg() % n;
        loop {
            let w = self.next_word();
            if w >= reject_below {
                return w % n;
            }
        }
    }

    /// A uniform number in [0, 1) from the next word's top 53 bits (for
    /// searches seeded with this stream; no draw uses it).
    pub fn unit(&mut self) -> f64 {
        (self.next_word() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_derivation_is_sha256_of_domain_nul_seed() {
        // echo -n 'kleroterion/legacy/v1\x00hello' | sha256sum
        let k = derive_key(LEGACY_DOMAIN, "hello");
        let mut h = Sha256::new();
        h.update(b"kleroterion/legacy/v1\0hello");
        assert_eq!(k, <[u8; 32]>::from(h.finalize()));
    }

    #[test]
    fn stream_matches_rfc8439_block_function_with_zero_nonce() {
        // RFC 8439 2.3.2 uses nonce 0:0:0x4a:0, so instead check the
        // well-known all-zero key, zero nonce keystream (RFC 7539 A.1 #1).
        let mut r = DrawRng {
            inner: ChaCha20Rng::from_seed([0; 32]),
        };
        assert_eq!(
            r.next_word(),
            u64::from_le_bytes([0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90])
        );
        assert_eq!(
            r.next_word(),
            u64::from_le_bytes([0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28])
        );
    }

    #[test]
    fn below_is_in_range_and_exact_for_powers_of_two() {
        let mut r = DrawRng::new("test", "seed");
        for n in [1u64, 2, 3, 7, 8, 1000, u64::MAX] {
            for _ in 0..100 {
                assert!(r.below(n) < n);
            }
        }
        let mut a = DrawRng::new("test", "x");
        let mut b = DrawRng::new("test", "x");
        assert_eq!(a.below(8), b.next_word() % 8);
    }
}
