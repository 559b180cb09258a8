#!/usr/bin/env python3
"""An independent implementation of docs/draw-spec.md (the public draw of a
lottery panel number), using only the Python standard library.

    python3 draw_spec.py COMMITMENT SEED M      -> prints the panel number
    python3 draw_spec.py --stream DOMAIN SEED N -> prints N 64-bit words (hex)

Written from the specification, not from the Rust code; tests/suite/lottery.rs
checks that both agree.
"""
import hashlib
import struct
import sys

MASK = 0xFFFFFFFF


def _rotl(x, n):
    return ((x << n) & MASK) | (x >> (32 - n))


def _quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & MASK; s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & MASK; s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & MASK; s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & MASK; s[b] = _rotl(s[b] ^ s[c], 7)


def chacha20_block(key, counter):
    """64 keystream bytes: 20 rounds, 64-bit block counter, 64-bit nonce 0."""
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state += list(struct.unpack("<8I", key))
    state += [counter & MASK, counter >> 32, 0, 0]
    w = state[:]
    for _ in range(10):
        _quarter(w, 0, 4, 8, 12); _quarter(w, 1, 5, 9, 13)
        _quarter(w, 2, 6, 10, 14); _quarter(w, 3, 7, 11, 15)
        _quarter(w, 0, 5, 10, 15); _quarter(w, 1, 6, 11, 12)
        _quarter(w, 2, 7, 8, 13); _quarter(w, 3, 4, 9, 14)
    return struct.pack("<16I", *[(x + y) & MASK for x, y in zip(w, state)])


class Stream:
    """Words of the stream for a domain label and seed bytes."""

    def __init__(self, domain, seed):
        self.key = hashlib.sha256(domain + b"\x00" + seed).digest()
        self.counter = 0
        self.buffer = b""

    def word(self):
        while len(self.buffer) < 8:
            self.buffer += chacha20_block(self.key, self.counter)
            self.counter += 1
        w, self.buffer = self.buffer[:8], self.buffer[8:]
        return struct.unpack("<Q", w)[0]

    def below(self, n):
        reject_below = (2**64) % n
        while True:
            w = self.word()
            if w >= reject_below:
                return w % n


def panel_number(commitment, seed, m):
    seed_bytes = commitment.encode("ascii") + b"\x00" + seed.encode("utf-8")
    return 1 + Stream(b"kleroterion/lottery-draw/v1", seed_bytes).below(m)


def main(argv):
    if len(argv) == 4 and argv[0] == "--stream":
        s = Stream(argv[1].encode("ascii"), argv[2].encode("utf-8"))
        for _ in range(int(argv[3])):
            print("%016x" % s.word())
        return 0
    if len(argv) == 3:
        print(panel_number(argv[0], argv[1], int(argv[2])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
