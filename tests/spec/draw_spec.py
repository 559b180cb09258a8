#!/usr/bin/env python3
"""An independent implementation of docs/draw-spec.md (the public draw of a
lottery panel number), using only the Python standard library.

    python3 draw_spec.py COMMITMENT SEED M      -> prints the panel number
    python3 draw_spec.py --stream DOMAIN SEED N -> prints N 64-bit words (hex)
    python3 draw_spec.py --canonical FORMAT COUNT TYPED
        -> prints the seed's canonical form under the seed rule (COUNT "-"
           for none) as UTF-8, or "REFUSED" and exits 1
    python3 draw_spec.py --input-digest AUDITOR_KEY SHA256
        -> prints an input file's keyed digest (docs/formats.md, manifest
           `inputs`) from the auditor's key and the file's SHA-256 (hex)
    python3 draw_spec.py --open-seal AUDITOR_KEY PSEUDONYM CATEGORY CELL VALUE...
        -> prints the VALUE the sealed CELL of pool.csv opens to, or
           "NONE" and exits 1 (docs/formats.md, `pool.csv`)

Written from the specification, not from the Rust code; tests/suite/lottery.rs
checks that both agree.
"""
import hashlib
import hmac
import struct
import sys
import unicodedata

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


# The Unicode White_Space characters (docs/draw-spec.md, "The seed rule").
WHITE_SPACE = set(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
)


# Characters a text seed may not contain: controls other than white space,
# and Default_Ignorable_Code_Point (docs/draw-spec.md, "The seed rule").
INVISIBLE = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]


def invisible(c):
    if c in WHITE_SPACE:
        return False
    if unicodedata.category(c) == "Cc":
        return True
    return any(lo <= ord(c) <= hi for lo, hi in INVISIBLE)


class Refused(Exception):
    pass


def words(text):
    out, current = [], ""
    for c in text:
        if c in WHITE_SPACE:
            if current:
                out.append(current)
            current = ""
        else:
            current += c
    if current:
        out.append(current)
    return out


def canonical(fmt, count, typed):
    if fmt in ("numbers", "sorted-numbers"):
        runs, current = [], ""
        for c in typed:
            if c in "0123456789":
                current += c
                continue
            if unicodedata.category(c) in ("Nd", "Nl", "No"):
                raise Refused("a digit other than 0-9")
            if current:
                runs.append(current)
            current = ""
        if current:
            runs.append(current)
        numbers = [str(int(r)) for r in runs]
        if not numbers:
            raise Refused("no numbers")
        if fmt == "sorted-numbers":
            numbers.sort(key=int)
        if count is not None and len(numbers) != count:
            raise Refused("count")
        return " ".join(numbers)
    if fmt == "text":
        if any(invisible(c) for c in typed):
            raise Refused("invisible character")
        text = " ".join(words(unicodedata.normalize("NFC", typed)))
        if not text:
            raise Refused("empty")
        return text
    if fmt == "hex":
        digits = "".join(c for c in typed if c not in WHITE_SPACE)
        if digits[:2] in ("0x", "0X"):
            digits = digits[2:]
        if not digits or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise Refused("not hex")
        if count is not None and len(digits) != count:
            raise Refused("count")
        return digits.lower()
    raise Refused("unknown format")


def keyed(key_hex, *parts):
    """HMAC-SHA256 under the 32-byte key of the parts joined by 0x00."""
    message = b"\x00".join(p.encode("utf-8") for p in parts)
    return hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).hexdigest()


def main(argv):
    if len(argv) == 3 and argv[0] == "--input-digest":
        print(keyed(argv[1], "kleroterion/input/v1", argv[2]))
        return 0
    if len(argv) >= 6 and argv[0] == "--open-seal":
        key, pseudonym, category, cell = argv[1:5]
        for value in argv[5:]:
            if keyed(key, "kleroterion/seal/v1", pseudonym, category, value)[:32] == cell:
                print(value)
                return 0
        print("NONE")
        return 1
    if len(argv) == 4 and argv[0] == "--canonical":
        count = None if argv[2] == "-" else int(argv[2])
        try:
            sys.stdout.buffer.write(canonical(argv[1], count, argv[3]).encode("utf-8"))
        except Refused:
            print("REFUSED")
            return 1
        return 0
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
