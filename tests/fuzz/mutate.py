#!/usr/bin/env python3
"""Mutation fuzzing of the kleroterion binary through its command line.

    python3 tests/fuzz/mutate.py BINARY [--runs N] [--seed S] [--timeout SECONDS]

Makes a small pool and quotas (`synth`), an audit bundle (`lottery`,
`draw`), the example assembly (`synth --assembly-example`, with a small
search effort) and a seating of it, then N times mutates one input (bytes
deleted, duplicated, inserted or replaced; lines swapped, duplicated or
dropped; a cell made huge, negative, non-UTF-8 or full of quotes) and runs
`check`, `select` or `verify`, or `seat`, `rota`, `programme` or `plan`,
on it; a fifth of the pools are a workbook (the tool's own --xlsx output)
with its bytes mutated. Reports the exit codes seen; fails (exit 1) on any
panic (exit 101 or "panicked" on stderr) or any run past the timeout.
The test suite runs it at a small size; run it for hours on demand with
a large --runs.
"""
import argparse
import collections
import os
import random
import shutil
import subprocess
import sys
import tempfile

NASTY = [b"\xff\xfe", b'"', b'""', b",", b"\n", b"\r\n", b"\x00", b"-1", b"1e308",
         b"\xe2\x80\xae", "é".encode(), b"x" * 10000, b";", b"\t", b"NaN", b"99999999999999999999"]


def mutate(data, rng):
    kind = rng.randrange(8)
    if not data:
        return rng.choice(NASTY)
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randrange(1, 40))
    if kind == 0:
        return data[:i] + data[j:]
    if kind == 1:
        return data[:j] + data[i:j] + data[j:]
    if kind == 2:
        return data[:i] + rng.choice(NASTY) + data[i:]
    if kind == 3:
        return data[:i] + bytes(rng.randrange(256) for _ in range(j - i)) + data[j:]
    lines = data.split(b"\n")
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    if kind == 4:
        lines[a], lines[b] = lines[b], lines[a]
    elif kind == 5:
        lines.insert(a, lines[b])
    elif kind == 6:
        del lines[a]
    else:
        cells = lines[a].split(b",")
        cells[rng.randrange(len(cells))] = rng.choice(NASTY)
        lines[a] = b",".join(cells)
    return b"\n".join(lines)


def run(args, timeout):
    try:
        p = subprocess.run(args, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", b""
    return p.returncode, p.stderr


def logistics_case(k, case, choice, files, rng):
    """Writes the assembly's files into `case`, one of those the command
    reads mutated, and returns the command."""
    reads = {
        3: ["members.csv", "constraints.csv"],
        4: ["seating.csv", "rota-facilitators.csv"],
        5: ["assembly.toml", "speakers.csv"],
        6: ["assembly.toml", "members.csv", "constraints.csv", "facilitators.csv",
            "speakers.csv"],
    }[choice]
    victim = rng.choice(reads)
    for name, data in files.items():
        open(f"{case}/{name}", "wb").write(mutate(data, rng) if name == victim else data)
    if choice == 3:
        return [k, "seat", "--members", f"{case}/members.csv", "--constraints",
                f"{case}/constraints.csv", "--table-size", "8", "--rounds", "3",
                "--balance", "gender,age", "--effort", "20", "--out", f"{case}/out"]
    if choice == 4:
        return [k, "rota", "--seating", f"{case}/seating.csv", "--facilitators",
                f"{case}/rota-facilitators.csv", "--effort", "20", "--out", f"{case}/out"]
    if choice == 5:
        return [k, "programme", f"{case}/assembly.toml", "--out", f"{case}/out"]
    return [k, "plan", f"{case}/assembly.toml", "--issued", "2027-01-01T00:00:00Z",
            "--out", f"{case}/out"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="kleroterion-fuzz-")
    try:
        k = a.binary
        base = os.path.join(work, "base")
        subprocess.run([k, "synth", "--n", "60", "-k", "8", "--categories", "3",
                        "--seed", "fuzz", "--out", base], check=True, capture_output=True)
        bundle = os.path.join(work, "bundle")
        subprocess.run([k, "lottery", "--pool", f"{base}/pool.csv", "--quotas", f"{base}/quotas.csv",
                        "-k", "8", "--panels", "100", "--bundle", bundle, "-q",
                        "--seed-format", "text", "--seed-source", "fuzz"], check=True, capture_output=True)
        subprocess.run([k, "draw", bundle, "--seed", "s"], check=True, capture_output=True)
        files = {n: open(f"{base}/{n}", "rb").read() for n in ["pool.csv", "quotas.csv"]}
        # A workbook (the tool's own --xlsx output) for the workbook reader:
        # its "remaining" sheet is a pool.
        subprocess.run([k, "select", "--pool", f"{base}/pool.csv", "--quotas", f"{base}/quotas.csv",
                        "-k", "8", "--seed", "s", "-q", "--xlsx", "--out", f"{base}/sel"],
                       check=True, capture_output=True)
        book = open(f"{base}/sel/selection.xlsx", "rb").read()
        asm = os.path.join(work, "assembly")
        subprocess.run([k, "synth", "--assembly-example", "--out", asm], check=True,
                       capture_output=True)
        text = open(f"{asm}/assembly.toml", "rb").read()
        # A small search: the fuzzing is of the readers, not the search.
        text = text.replace(b"effort = 5000", b"effort = 20")
        text = text.replace(b'[rota]\n', b'[rota]\neffort = 20\n')
        open(f"{asm}/assembly.toml", "wb").write(text)
        logistics = {n: open(f"{asm}/{n}", "rb").read() for n in os.listdir(asm)}
        seated = os.path.join(work, "seated")
        subprocess.run([k, "seat", "--members", f"{asm}/members.csv", "--table-size", "8",
                        "--rounds", "3", "--effort", "20", "--out", seated], check=True,
                       capture_output=True)
        logistics["seating.csv"] = open(f"{seated}/seating.csv", "rb").read()
        # rota alone knows rounds, not the assembly's days: no availability.
        logistics["rota-facilitators.csv"] = b"\n".join(
            b",".join(line.split(b",")[:3]) for line in logistics["facilitators.csv"].split(b"\n"))
        bundle_files = sorted(f for f in os.listdir(bundle))
        codes = collections.Counter()
        bad = []
        for r in range(a.runs):
            case = os.path.join(work, f"case{r % 4}")
            shutil.rmtree(case, ignore_errors=True)
            os.makedirs(case)
            # check, select, verify; then seat, rota, programme and, less
            # often (a second each), plan.
            choice = rng.choices(range(7), weights=[6, 6, 6, 3, 3, 3, 1])[0]
            if choice >= 3:
                args = logistics_case(k, case, choice, logistics, rng)
            elif choice < 2:
                pool, quotas = files["pool.csv"], files["quotas.csv"]
                pool_path = f"{case}/pool.csv"
                if rng.random() < 0.2:
                    open(f"{case}/book.xlsx", "wb").write(mutate(book, rng))
                    pool_path = f"{case}/book.xlsx#remaining"
                elif rng.random() < 0.6:
                    pool = mutate(pool, rng)
                else:
                    quotas = mutate(quotas, rng)
                open(f"{case}/pool.csv", "wb").write(pool)
                open(f"{case}/quotas.csv", "wb").write(quotas)
                common = ["--pool", pool_path, "--quotas", f"{case}/quotas.csv", "-k", "8"]
                if choice == 0:
                    args = [k, "check"] + common
                else:
                    args = [k, "select", "--seed", "s", "-q", "--time-limit", "10",
                            "--out", f"{case}/out"] + common
            else:
                copy = f"{case}/bundle"
                shutil.copytree(bundle, copy)
                name = rng.choice(bundle_files)
                data = open(f"{copy}/{name}", "rb").read()
                open(f"{copy}/{name}", "wb").write(mutate(data, rng))
                args = [k, "verify", copy]
            code, err = run(args, a.timeout)
            codes[code] += 1
            if (r + 1) % 5000 == 0:
                print(f"... {r + 1} runs, {len(bad)} problems", flush=True)
            if os.environ.get("FUZZ_DEBUG"):
                print(args[1], code, err[:200])
            if code == "timeout" or code == 101 or b"panicked" in err:
                bad.append((args[1], code, err[-300:]))
        print(f"{a.runs} runs, exit codes: {dict(sorted(codes.items(), key=str))}")
        for what, code, err in bad:
            print(f"PROBLEM: {what} gave {code}: {err.decode(errors='replace')}")
        return 1 if bad else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
