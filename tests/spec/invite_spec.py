#!/usr/bin/env python3
"""An independent check of an invitation bundle (docs/draw-spec.md, "The
invitation draw"), written from the specification alone with Python's
standard library: the commitments, the allocation of letters (exact
fractions), and every round's draw (smallest tickets per stratum).

    python3 tests/spec/invite_spec.py BUNDLE [SEED_OF_ROUND_1 ...]

Seeds are the canonical forms (draw.json's "seed"); without them the
recorded ones are used. Prints one line per round, with its commitment to
compare with the published one, and exits 0 when everything agrees, 1
(naming the first disagreement) otherwise. Not checked here: that a seed
is the canonical form of the seed as typed, and that a round's seed was
not public before its commitment (`kleroterion verify` checks both; the
seed rule's canonical forms are in draw_spec.py).
"""

import csv
import hashlib
import io
import json
import os
import re
import sys
import tomllib
from fractions import Fraction
from math import floor


def fail(message):
    print("MISMATCH: " + message)
    sys.exit(1)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def number(x):
    """A TOML number as the decimal it was written as."""
    if isinstance(x, bool):
        fail("a boolean where a number belongs")
    return Fraction(x) if isinstance(x, int) else Fraction(repr(x))


def values(v):
    return [str(x) for x in v]


def matches(condition, columns, stratum):
    return all(stratum[columns.index(c)] in values(allowed) for c, allowed in condition.items())


def allocate(letters, scores, lo, hi):
    """min(hi, max(lo, λ·s)) summing to `letters`, then largest remainders."""
    def clamp(x, a, b):
        return max(Fraction(a), min(Fraction(b), x))

    def total(lam):
        return sum(clamp(lam * s, l, h) for s, l, h in zip(scores, lo, hi))

    points = sorted({Fraction(0)} | {Fraction(b) / s for s, l, h in zip(scores, lo, hi) if s != 0 for b in (l, h)})
    if sum(lo) > letters or total(points[-1]) < letters:
        fail("the plan cannot be allocated")
    lam = points[0]
    if total(points[0]) < letters:
        for a, b in zip(points, points[1:]):
            fa, fb = total(a), total(b)
            if fb >= letters:
                lam = a + (letters - fa) * (b - a) / (fb - fa)
                break
    targets = [clamp(lam * s, l, h) for s, l, h in zip(scores, lo, hi)]
    out = [floor(t) for t in targets]
    order = sorted(range(len(targets)), key=lambda h: (-(targets[h] - floor(targets[h])), h))
    for h in order[: letters - sum(out)]:
        out[h] += 1
    return targets, out


def fraction_text(x):
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def decimal_text(x, places):
    scaled = floor(x * 10**places + Fraction(1, 2))
    whole, part = divmod(scaled, 10**places)
    return f"{whole}.{part:0{places}d}" if places else str(whole)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    bundle = sys.argv[1]
    given_seeds = sys.argv[2:]
    rounds = []
    while os.path.isdir(os.path.join(bundle, f"round-{len(rounds) + 1}")):
        rounds.append(os.path.join(bundle, f"round-{len(rounds) + 1}"))
    if not rounds:
        fail("no round-1 directory")
    # The frame: every address's pseudonym and stratum.
    with open(os.path.join(rounds[0], "addresses.csv"), "rb") as f:
        addresses_bytes = f.read()
    lines = addresses_bytes.decode().split("\n")
    if lines[0] != "pseudonym,stratum" or lines[-1] != "":
        fail("addresses.csv is not in the tool's form")
    frame = []
    for line in lines[1:-1]:
        if not re.fullmatch(r"[0-9a-f]{32},[1-9][0-9]*", line):
            fail(f"addresses.csv: {line!r} is not a pseudonym and a stratum number")
        p, s = line.split(",")
        frame.append((bytes.fromhex(p), int(s)))
    if [p for p, _ in frame] != sorted({p for p, _ in frame}):
        fail("addresses.csv's pseudonyms are not unique and increasing")
    for name in os.listdir(bundle):
        if not re.fullmatch(r"round-[0-9]+", name) or not os.path.isdir(os.path.join(bundle, name)):
            fail(f"{name} is not part of any round")
    first_strata = None
    taken = {}  # pseudonym → stratum, of earlier rounds
    previous = None
    for r, directory in enumerate(rounds, start=1):
        def read(name):
            with open(os.path.join(directory, name), "rb") as f:
                return f.read()
        drawn_here = os.path.exists(os.path.join(directory, "draw.json"))
        expected_files = {"manifest.json", "plan.toml", "strata.csv", "commitment.txt"}
        expected_files |= {"addresses.csv"} if r == 1 else set()
        expected_files |= {"draw.json", "drawn.csv"} if drawn_here else set()
        if set(os.listdir(directory)) != expected_files:
            fail(f"round {r}: the files are {sorted(os.listdir(directory))}, not {sorted(expected_files)}")
        manifest_bytes, plan_bytes, strata_bytes = read("manifest.json"), read("plan.toml"), read("strata.csv")
        manifest = json.loads(manifest_bytes)
        plan = tomllib.loads(plan_bytes.decode())
        files = {"manifest.json": manifest_bytes, "plan.toml": plan_bytes, "strata.csv": strata_bytes}
        if r == 1:
            files["addresses.csv"] = addresses_bytes
        listing = "".join(f"{sha(files[n])}  {n}\n" for n in sorted(files))
        commitment = sha(listing.encode())
        stated = read("commitment.txt").decode()
        if stated != f"{listing}\ncommitment (SHA-256 of the lines above): {commitment}\n":
            fail(f"round {r}: commitment.txt does not list the files as they are")
        if r > 1 and manifest["previous_commitment"] != previous:
            fail(f"round {r}: the chain to round {r - 1} is broken")
        # The allocation, from the plan and the counts.
        rows = list(csv.reader(io.StringIO(strata_bytes.decode(), newline="")))
        columns = rows[0][1:-7]
        tail = ["addresses", "invited_before", "target", "letters", "invited", "probability", "expected_replies"]
        if rows[0] != ["stratum", *plan.get("strata", []), *tail]:
            fail(f"round {r}: strata.csv's header is not the plan's strata and the seven columns")
        strata = [row[1 : 1 + len(columns)] for row in rows[1:]]
        # Strata are numbered in the order of their values (UTF-8 bytes),
        # each once, and every round has round 1's.
        keys = [[v.encode() for v in row] for row in strata]
        if any(a >= b for a, b in zip(keys, keys[1:])):
            fail(f"round {r}: strata.csv's strata are not distinct and in the order of their values")
        if first_strata is None:
            first_strata = strata
        elif strata != first_strata:
            fail(f"round {r}: the strata are not round 1's")
        if any(s > len(strata) for _, s in frame):
            fail("addresses.csv names a stratum that strata.csv does not have")
        counts = [0] * len(strata)
        for _, s in frame:
            counts[s - 1] += 1
        before = [0] * len(strata)
        for s in taken.values():
            before[s - 1] += 1
        total = sum(counts)
        a = plan.get("allocation", {})
        if "uniform" in a:
            u = number(a["uniform"])
            targeted = [matches(a["target"], columns, v) for v in strata]
            nt = sum(c for c, t in zip(counts, targeted) if t)
            if nt == 0:
                fail(f"round {r}: allocation.target matches no stratum with addresses: the plan cannot be allocated")
            scores = [u * Fraction(c, total) + ((1 - u) * Fraction(c, nt) if t else 0) for c, t in zip(counts, targeted)]
        else:
            scores = [Fraction(c, total) for c in counts]
        for w in a.get("weight", []):
            for h, v in enumerate(strata):
                if matches(w["where"], columns, v):
                    scores[h] *= number(w["weight"])
        cap = number(a["cap"]) if "cap" in a else None
        hi = [max(0, min(c, floor(cap * c) if cap is not None else c) - b) for c, b in zip(counts, before)]
        lo = [a.get("minimum", 0) if r == 1 else 0] * len(strata)
        if any(l > h for l, h in zip(lo, hi)):
            fail(f"round {r}: a stratum has fewer addresses (under the cap) than the minimum: the plan cannot be allocated")
        targets, letters = allocate(plan["letters"], scores, lo, hi)
        rate = number(plan["response_rate"]) if "response_rate" in plan else None
        for h, row in enumerate(rows[1:]):
            invited = before[h] + letters[h]
            expected = [
                str(h + 1), *strata[h], str(counts[h]), str(before[h]), fraction_text(targets[h]), str(letters[h]), str(invited),
                decimal_text(Fraction(invited, max(counts[h], 1)), 12), decimal_text(rate * letters[h], 2) if rate is not None else "",
            ]
            if row != expected:
                fail(f"round {r}: strata.csv row {h + 2} is {row}, the plan gives {expected}")
        # The draw.
        if drawn_here:
            draw = json.loads(read("draw.json"))
            seed = given_seeds[r - 1] if r - 1 < len(given_seeds) else draw["seed"]
            if seed != draw["seed"]:
                fail(f"round {r}: drawn with the seed {draw['seed']!r}, not {seed!r}")
            if (draw["round"], draw["commitment"], draw["letters"]) != (r, commitment, sum(letters)):
                fail(f"round {r}: draw.json names another round, commitment or number of letters")
            if draw["drawn_sha256"] != sha(read("drawn.csv")):
                fail(f"round {r}: draw.json's digest of drawn.csv is not drawn.csv's")
            key = hashlib.sha256(b"kleroterion/invite-draw/v1\0" + commitment.encode() + b"\0" + seed.encode()).digest()
            by_stratum = {}
            for p, s in frame:
                if p not in taken:
                    ticket = int.from_bytes(hashlib.sha256(key + p).digest()[:8], "big")
                    by_stratum.setdefault(s, []).append((ticket, p))
            out = ["pseudonym,stratum,ticket"]
            for s in range(1, len(strata) + 1):
                for ticket, p in sorted(by_stratum.get(s, []))[: letters[s - 1]]:
                    out.append(f"{p.hex()},{s},{ticket:016x}")
                    taken[p] = s
            if read("drawn.csv").decode() != "\n".join(out) + "\n":
                fail(f"round {r}: drawn.csv is not the smallest tickets of each stratum")
            print(f"round {r}: commitment {commitment}, {sum(letters)} letters, drawn with {seed!r}: ok")
        else:
            print(f"round {r}: commitment {commitment}, {sum(letters)} letters, not drawn yet: ok")
        previous = commitment
    print("ok")


main()
