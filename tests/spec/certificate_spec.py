#!/usr/bin/env python3
"""An independent implementation of docs/certificate-spec.md (the check of a
LEXIMIN/MAXIMIN optimality certificate, format kleroterion-certificate/2),
using only the Python standard library and exact rational arithmetic
(fractions.Fraction, never float except for printing).

    python3 certificate_spec.py STAGE_DIR
        STAGE_DIR holds pool.csv, quotas.csv, probabilities.csv,
        manifest.json (for the panel size k) and certificate.json.

Prints `PASS stages=S gap=<max |B_s - v_s|> pin=<max (B_s - v_s)*Y/c_j>
off=<max |p_i - v_s|>` (one line) and exits 0; `FAIL: <reason>` and exits 1
at the first broken rule, on malformed input or on a format other than
kleroterion-certificate/2;
`NO PROOF: <sentence>` (the certificate's `missing`) or `NOT CHECKED: ...`
(sealed categories) and exits 2.

Written from the specification, not from the Rust code; tests/suite/lottery.rs
checks that both agree.
"""
import csv
import json
import os
import re
import sys
from fractions import Fraction

DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE]-?[0-9]+)?")
FRACTION = re.compile(r"-?[0-9]+/[0-9]+")


class Fail(Exception):
    pass


def dec(s, what):
    """A spec decimal string, read exactly (at most 64 characters, exponent
    within 400, so that hostile input cannot make the arithmetic slow)."""
    if not isinstance(s, str) or len(s) > 64 or not DECIMAL.fullmatch(s):
        raise Fail(f"{what}: not a decimal string: {s!r}")
    m = DECIMAL.fullmatch(s)
    if m.group(2) and abs(int(m.group(2)[1:])) > 400:
        raise Fail(f"{what}: exponent out of range: {s!r}")
    return Fraction(s)


def frac(s, what):
    """A stage value: an exact fraction string (at most 2,000 characters,
    denominator not 0, not necessarily in lowest terms) or a spec decimal."""
    if isinstance(s, str) and "/" in s:
        if len(s) > 2000 or not FRACTION.fullmatch(s):
            raise Fail(f"{what}: malformed fraction string: {s[:80]!r}")
        num, den = s.split("/")
        if int(den) == 0:
            raise Fail(f"{what}: malformed fraction string (denominator 0): {s!r}")
        return Fraction(int(num), int(den))
    return dec(s, what)


def sci(x):
    """x in the form %.3e, for printing only (exact values can exceed a float)."""
    try:
        return f"{float(x):.3e}"
    except OverflowError:
        e = len(str(abs(int(x)))) - 1
        return f"{float(x / 10**e):.3f}e+{e}"


def names(x, what):
    if not isinstance(x, list) or not all(isinstance(n, str) for n in x):
        raise Fail(f"{what}: not a list of names")
    return x


def get(obj, key, typ, what):
    if not isinstance(obj, dict) or key not in obj:
        raise Fail(f"{what}: missing field {key!r}")
    v = obj[key]
    if not isinstance(v, typ) or isinstance(v, bool):
        raise Fail(f"{what}: field {key!r} has the wrong type")
    return v


def read_csv(d, name, header=None):
    try:
        with open(os.path.join(d, name), newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise Fail(f"cannot read {name}: {e}")
    if not rows or (header and rows[0] != header):
        raise Fail(f"{name}: bad or missing header")
    if any(len(r) != len(rows[0]) for r in rows):
        raise Fail(f"{name}: ragged rows")
    return rows[0], rows[1:]


def read_json(d, name):
    try:
        with open(os.path.join(d, name), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise Fail(f"cannot read {name}: {e}")


def check(d):
    # ---- inputs
    head, pool = read_csv(d, "pool.csv")
    if len(head) < 2 or head[0] != "pseudonym" or head[-1] != "household":
        raise Fail("pool.csv: header must be pseudonym,<categories>,household")
    cats = head[1:-1]
    people = [r[0] for r in pool]
    index = {n: i for i, n in enumerate(people)}
    if len(index) != len(people):
        raise Fail("pool.csv: a pseudonym is listed twice")
    _, qrows = read_csv(d, "quotas.csv", ["category", "name", "min", "max"])
    lo, hi = {}, {}
    for c, v, mn, mx in qrows:
        if (c, v) in lo:
            raise Fail(f"quotas.csv: quota {c}/{v} listed twice")
        lo[(c, v)], hi[(c, v)] = dec(mn, f"quotas.csv {c}/{v} min"), dec(mx, f"quotas.csv {c}/{v} max")
    # per person, the quotas they have (their cells that name a quota)
    has = [[(c, r[j + 1]) for j, c in enumerate(cats) if (c, r[j + 1]) in lo] for r in pool]
    _, prows = read_csv(d, "probabilities.csv", ["pseudonym", "exact", "lottery_panels", "lottery"])
    if [r[0] for r in prows] != people:
        raise Fail("probabilities.csv: names are not pool.csv's, in its order")
    p = [dec(r[1], f"probabilities.csv exact of {r[0]}") for r in prows]
    manifest = read_json(d, "manifest.json")
    k = get(manifest, "panel_size", int, "manifest.json")
    sealed = manifest.get("sealed") if isinstance(manifest, dict) else None
    if sealed:
        print(f"NOT CHECKED: sealed categories {sealed} hide their quotas' members")
        sys.exit(2)
    rule = manifest.get("household_rule", True) is not False
    households = {}  # frozenset of members -> members' indices
    if rule:
        groups = {}
        for i, r in enumerate(pool):
            if r[-1] != "":
                groups.setdefault(r[-1], []).append(i)
        households = {frozenset(people[i] for i in g): g for g in groups.values() if len(g) >= 2}
    hh_of = {i: h for h, g in households.items() for i in g}
    cert = read_json(d, "certificate.json")

    # ---- rule 1
    if get(cert, "format", str, "certificate") != "kleroterion-certificate/2":
        raise Fail(f"format {cert['format']!r} is not kleroterion-certificate/2")
    if get(cert, "panel_size", int, "certificate") != k:
        raise Fail(f"panel_size {cert['panel_size']} is not the bundle's {k}")
    tau = dec(get(cert, "tolerance", str, "certificate"), "tolerance")
    if not 0 <= tau <= Fraction(1, 10**6):
        raise Fail(f"tolerance {cert['tolerance']} is not within [0, 1e-6]")
    if "missing" not in cert:
        raise Fail("certificate: missing field 'missing'")
    if cert["missing"] is not None:
        print(f"NO PROOF: {cert['missing']}")
        sys.exit(2)
    stages = get(cert, "stages", list, "certificate")
    N = names(get(cert, "in_no_panel", list, "certificate"), "in_no_panel")

    # ---- rule 2
    def person(n, what):
        if n not in index:
            raise Fail(f"{what}: {n!r} is not a person of pool.csv")
        return index[n]
    stage = {}  # person index -> stage number (0 = N)
    v = [None]
    for n in N:
        stage.setdefault(person(n, "in_no_panel"), []).append(0)
    for s, st in enumerate(stages, 1):
        w = f"stage {s}"
        v.append(frac(get(st, "value", str, w), f"{w} value"))
        for n in names(get(st, "fixes", list, w), f"{w} fixes"):
            stage.setdefault(person(n, f"{w} fixes"), []).append(s)
        for pr in get(st, "prices", list, w):
            if not (isinstance(pr, list) and len(pr) == 2 and isinstance(pr[0], str)):
                raise Fail(f"{w} prices: entry {pr!r} is not [name, decimal]")
            person(pr[0], f"{w} prices")
        for h in get(st, "households", list, w):
            for n in names(get(h, "members", list, f"{w} household"), f"{w} household"):
                person(n, f"{w} households")
    for i, n in enumerate(people):
        if len(stage.get(i, [])) != 1:
            raise Fail(f"person {n} is in {len(stage.get(i, []))} of in_no_panel and the stages' fixes, not exactly one")
    t = [stage[i][0] for i in range(len(people))]

    # ---- rule 2b: the values climb from at least 0 and stay at most 1
    for s in range(1, len(v)):
        if v[s] > 1 or v[s] < (v[s - 1] if s > 1 else 0):
            raise Fail(f"stage {s}: value is above 1 or below the stage before (or 0)")

    # ---- rule 3
    if abs(sum(p, Fraction(0)) - k) > len(people) * tau:
        raise Fail(f"the exact probabilities sum to {sci(sum(p, Fraction(0)))}, not k = {k}")
    off = Fraction(0)
    for i, n in enumerate(people):
        if t[i] == 0 and p[i] != 0:
            raise Fail(f"person {n} is in no panel but has probability {prows[i][1]}")
        if t[i] > 0:
            dev = abs(p[i] - v[t[i]])
            if dev > tau:
                raise Fail(f"person {n} of stage {t[i]}: |p - v| = {sci(dev)} exceeds the tolerance")
            off = max(off, dev)

    # ---- rule 3b: the stage values are a point of R
    wv = [v[t[i]] if t[i] > 0 else Fraction(0) for i in range(len(people))]
    total = sum(wv, Fraction(0))
    if total != k:
        raise Fail(f"rule 3b: the stage values sum to k {'+' if total > k else '-'} {sci(abs(total - k))}, not exactly k = {k}")
    for q in lo:
        sq = sum((wv[i] for i in range(len(people)) if q in has[i]), Fraction(0))
        if not lo[q] <= sq <= hi[q]:
            raise Fail(f"rule 3b: quota {q[0]}/{q[1]} has {sci(sq)} by the stage values, outside [{lo[q]}, {hi[q]}]")
    for h, g in households.items():
        sh = sum((wv[i] for i in g), Fraction(0))
        if sh > 1:
            raise Fail(f"rule 3b: household {sorted(h)} has {sci(sh)} > 1 by the stage values")

    # ---- rule 4
    live = [i for i in range(len(people)) if t[i] != 0]
    gap, pin = None, Fraction(0)
    for s, st in enumerate(stages, 1):
        w = f"stage {s}"
        c = {}
        for n, x in st["prices"]:
            i = index[n]
            if i in c:
                raise Fail(f"{w}: {n} has two prices")
            if t[i] == 0:
                raise Fail(f"{w}: {n} is in no panel but has a price")
            c[i] = dec(x, f"{w} price of {n}")
            if c[i] < 0:
                raise Fail(f"{w}: price of {n} is negative")
        Y = sum((x for i, x in c.items() if t[i] >= s), Fraction(0))
        if Y == 0:
            B = Fraction(1)
        else:
            alpha = dec(get(st, "panel_size_multiplier", str, w), f"{w} panel_size_multiplier")
            net, seen, D = {}, set(), alpha * k
            for q in get(st, "quotas", list, w):
                key = (get(q, "category", str, f"{w} quota"), get(q, "value", str, f"{w} quota"))
                bound = get(q, "bound", str, f"{w} quota")
                m = dec(get(q, "multiplier", str, f"{w} quota"), f"{w} quota {key} multiplier")
                if key not in lo or bound not in ("min", "max"):
                    raise Fail(f"{w}: quota {key[0]}/{key[1]} {bound} is not a bound of quotas.csv")
                if (key, bound) in seen:
                    raise Fail(f"{w}: quota {key[0]}/{key[1]} {bound} listed twice")
                seen.add((key, bound))
                if m < 0:
                    raise Fail(f"{w}: quota {key[0]}/{key[1]} {bound} multiplier is negative")
                net[key] = net.get(key, 0) + (m if bound == "max" else -m)
                D += m * hi[key] if bound == "max" else -m * lo[key]
            gamma = {}
            for h in st["households"]:
                mem = frozenset(h["members"])
                if len(mem) != len(h["members"]) or mem not in households:
                    raise Fail(f"{w}: household {sorted(mem)} is not a household of pool.csv")
                if mem in gamma:
                    raise Fail(f"{w}: household {sorted(mem)} listed twice")
                gamma[mem] = dec(get(h, "multiplier", str, f"{w} household"), f"{w} household multiplier")
                if gamma[mem] < 0:
                    raise Fail(f"{w}: household {sorted(mem)} multiplier is negative")
                D += gamma[mem]
            for i in live:
                r = alpha + sum((net[q] for q in has[i] if q in net), Fraction(0))
                r += gamma.get(hh_of.get(i), 0)
                ci = c.get(i, 0)
                if ci > r:
                    D += ci - r
                if t[i] < s:
                    D -= ci * v[t[i]]
            B = min(Fraction(1), D / Y)
        if abs(B - v[s]) > tau:
            raise Fail(f"{w}: bound B - v = {float(B - v[s]):.3e} is beyond the tolerance")
        gap = abs(B - v[s]) if gap is None else max(gap, abs(B - v[s]))
        if v[s] != 1:
            for i in live:
                if t[i] == s and c.get(i, 0) <= 0:
                    raise Fail(f"{w}: {people[i]} is fixed with no positive price")
        # rule 4.8: the pin of each person of F_s with a positive price
        for i in live:
            if t[i] == s and c.get(i, 0) > 0:
                this = (B - v[s]) * Y / c[i]
                # rule 4.9: no pin above the tolerance
                if this > tau:
                    raise Fail(f"{w}: {people[i]} could rise {sci(this)} above the stage's value, beyond the tolerance")
                pin = max(pin, this)
    return len(stages), gap, pin, off


def main():
    if len(sys.argv) != 2:
        print("usage: certificate_spec.py STAGE_DIR", file=sys.stderr)
        sys.exit(1)
    try:
        S, gap, pin, off = check(sys.argv[1])
    except Fail as e:
        print(f"FAIL: {e}")
        sys.exit(1)
    except (ValueError, TypeError, KeyError, ZeroDivisionError, RecursionError) as e:
        print(f"FAIL: malformed input: {e}")
        sys.exit(1)
    g = "none" if gap is None else f"{float(gap):.3e}"
    print(f"PASS stages={S} gap={g} pin={sci(pin)} off={float(off):.3e}")


if __name__ == "__main__":
    main()
