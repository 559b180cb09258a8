//! The invitation draw: every address gets a ticket from the round's
//! commitment, the public seed and its pseudonym, and each stratum takes
//! the addresses with the smallest tickets (docs/draw-spec.md, "The
//! invitation draw"). Anyone with the public address list recomputes it;
//! a later round draws only among addresses no earlier round took, with
//! its own commitment and seed, so earlier letters never change.

use std::collections::{BinaryHeap, HashSet};

use sha2::{Digest, Sha256};

use super::Pseudonym;

/// Domain label of the invitation draw's key.
pub const DOMAIN: &str = "kleroterion/invite-draw/v1";

/// `SHA-256(DOMAIN ‖ 0x00 ‖ commitment ‖ 0x00 ‖ seed)`: the round's
/// ticket key.
pub fn ticket_key(commitment: &str, seed: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN.as_bytes());
    h.update([0]);
    h.update(commitment.as_bytes());
    h.update([0]);
    h.update(seed.as_bytes());
    h.finalize().into()
}

/// Computes tickets under one key: the first 8 bytes, big-endian, of
/// `SHA-256(key ‖ pseudonym)` (48 bytes: one compression).
#[derive(Clone)]
pub struct Tickets {
    keyed: Sha256,
}

impl Tickets {
    pub fn new(key: &[u8; 32]) -> Tickets {
        let mut keyed = Sha256::new();
        keyed.update(key);
        Tickets { keyed }
    }

    pub fn ticket(&self, pseudonym: &Pseudonym) -> u64 {
        let mut h = self.keyed.clone();
        h.update(pseudonym);
        let d = h.finalize();
        u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    }
}

/// One drawn address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Drawn {
    pub ticket: u64,
    pub pseudonym: Pseudonym,
    pub stratum: u32,
}

/// Per stratum h, the `letters[h]` addresses of `frame` (pseudonym,
/// stratum) with the smallest (ticket, pseudonym), skipping `taken`
/// (drawn by earlier rounds). Returned sorted by (stratum, ticket,
/// pseudonym). Uses `threads` threads.
pub fn smallest(
    frame: &[(Pseudonym, u32)],
    letters: &[u64],
    taken: &HashSet<Pseudonym>,
    tickets: &Tickets,
    threads: usize,
) -> Vec<Drawn> {
    let chunk = frame.len().div_ceil(threads.max(1)).max(1);
    let heaps: Vec<Vec<BinaryHeap<(u64, Pseudonym)>>> = std::thread::scope(|s| {
        let handles: Vec<_> = frame
            .chunks(chunk)
            .map(|part| s.spawn(move || best(part, letters, taken, tickets)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut out = Vec::new();
    for (h, &want) in letters.iter().enumerate() {
        let mut all: Vec<(u64, Pseudonym)> =
            heaps.iter().flat_map(|hs| hs[h].iter().copied()).collect();
        all.sort_unstable();
        all.truncate(want as usize);
        out.extend(all.into_iter().map(|(ticket, pseudonym)| Drawn {
            ticket,
            pseudonym,
            stratum: h as u32,
        }));
    }
    out
}

/// Bounded max-heaps: each keeps its stratum's smallest tickets so far.
fn best(
    part: &[(Pseudonym, u32)],
    letters: &[u64],
    taken: &HashSet<Pseudonym>,
    tickets: &Tickets,
) -> Vec<BinaryHeap<(u64, Pseudonym)>> {
    let mut heaps: Vec<BinaryHeap<(u64, Pseudonym)>> =
        letters.iter().map(|_| BinaryHeap::new()).collect();
    for (p, s) in part {
        let s = *s as usize;
        let want = letters[s] as usize;
        if want == 0 || (!taken.is_empty() && taken.contains(p)) {
            continue;
        }
        let item = (tickets.ticket(p), *p);
        let heap = &mut heaps[s];
        if heap.len() < want {
            heap.push(item);
        } else if heap.peek().is_some_and(|top| item < *top) {
            heap.pop();
            heap.push(item);
        }
    }
    heaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_documented_hash() {
        // printf 'kleroterion/invite-draw/v1\0%s\0%s' $(printf '0%.0s' {1..64}) '12 34 56' | sha256sum
        let key = ticket_key(&"0".repeat(64), "12 34 56");
        let mut h = Sha256::new();
        h.update(b"kleroterion/invite-draw/v1\0");
        h.update("0".repeat(64).as_bytes());
        h.update(b"\x0012 34 56");
        assert_eq!(key, <[u8; 32]>::from(h.finalize()));
        // docs/draw-spec.md's test vector.
        assert_eq!(
            crate::invite::frame::hex(&key),
            "b901f0fe082b6a71e833ace5bf0ae0f989386e25dd62ad73914ee454d5dab875"
        );
        let p: Pseudonym = std::array::from_fn(|i| i as u8);
        assert_eq!(Tickets::new(&key).ticket(&p), 0xf2a9_eed1_250c_550f);
    }

    #[test]
    fn smallest_tickets_per_stratum_whatever_the_threads() {
        let frame: Vec<(Pseudonym, u32)> = (0u32..1000)
            .map(|i| {
                let mut p = [0u8; 16];
                p[..4].copy_from_slice(&i.to_be_bytes());
                (p, i % 3)
            })
            .collect();
        let t = Tickets::new(&ticket_key(&"a".repeat(64), "seed"));
        let one = smallest(&frame, &[5, 0, 7], &HashSet::new(), &t, 1);
        let two = smallest(&frame, &[5, 0, 7], &HashSet::new(), &t, 2);
        assert_eq!(one, two);
        assert_eq!(one.len(), 12);
        // Stratum 0's five are its five smallest tickets.
        let mut all0: Vec<u64> = frame
            .iter()
            .filter(|f| f.1 == 0)
            .map(|f| t.ticket(&f.0))
            .collect();
        all0.sort_unstable();
        let got0: Vec<u64> = one
            .iter()
            .filter(|d| d.stratum == 0)
            .map(|d| d.ticket)
            .collect();
        assert_eq!(got0, all0[..5].to_vec());
        // A later round skips what was taken and keeps the rest's order.
        let taken: HashSet<Pseudonym> = one.iter().map(|d| d.pseudonym).collect();
        let next = smallest(&frame, &[5, 0, 7], &taken, &t, 2);
        let got0: Vec<u64> = next
            .iter()
            .filter(|d| d.stratum == 0)
            .map(|d| d.ticket)
            .collect();
        assert_eq!(got0, all0[5..10].to_vec());
    }
}
