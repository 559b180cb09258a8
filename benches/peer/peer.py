"""Run the Sortition Foundation's MAXIMIN (sortition-algorithms, PyPI) on one
instance and print one JSON line: {"seconds": ..., "min": ..., "panels": ...}.

Usage: peer.py POOL QUOTAS K [--backend mip] [--address a,b]
Panelot files (no id column; header category,feature,min,max) are converted
in memory to the library's dialect (id = 1-based row number). Written for the
kleroterion peer comparison (docs/benchmarks.md); needs only the library.
"""
import argparse
import csv
import io
import json
import time

from sortition_algorithms.adapters import CSVStringDataSource, SelectionData
from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
from sortition_algorithms.settings import Settings

ID_NAMES = ["id", "nationbuilder_id"]


def load(pool_path, quotas_path):
    with open(pool_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    lower = [h.strip().lower() for h in header]
    id_col = next((h for h in ID_NAMES if h in lower), None)
    if id_col is None:
        header = ["id"] + header
        body = [[str(i + 1)] + r for i, r in enumerate(body)]
        id_col = "id"
    else:
        id_col = header[lower.index(id_col)]
    out = io.StringIO()
    csv.writer(out).writerows([header] + body)
    with open(quotas_path, newline="", encoding="utf-8-sig") as f:
        q = list(csv.reader(f))
    qh = [h.strip().lower() for h in q[0]]
    if "category" in qh and "feature" in qh:  # Panelot: feature is the value
        q[0] = ["feature" if h == "category" else "value" if h == "feature" else h for h in qh]
    qout = io.StringIO()
    csv.writer(qout).writerows(q)
    return out.getvalue(), qout.getvalue(), id_col


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pool")
    ap.add_argument("quotas")
    ap.add_argument("k", type=int)
    ap.add_argument("--backend", default="mip")
    ap.add_argument("--address", default="")
    a = ap.parse_args()
    people_csv, features_csv, id_col = load(a.pool, a.quotas)
    address = [c for c in a.address.split(",") if c]
    settings = Settings(
        id_column=id_col,
        columns_to_keep=[],
        check_same_address=bool(address),
        check_same_address_columns=address,
        selection_algorithm="maximin",
        solver_backend=a.backend,
    )
    data = SelectionData(CSVStringDataSource(features_csv, people_csv))
    features, _ = data.load_features(a.k)
    people, _ = data.load_people(settings, features)
    start = time.perf_counter()
    committees, probabilities, _ = find_distribution_maximin(
        features, people, a.k, address, a.backend
    )
    seconds = time.perf_counter() - start
    pi = {}
    for committee, p in zip(committees, probabilities):
        for person in committee:
            pi[person] = pi.get(person, 0.0) + p
    minimum = min(pi.get(pid, 0.0) for pid in people)
    print(json.dumps({"seconds": seconds, "min": minimum, "panels": len(committees)}))


if __name__ == "__main__":
    main()
