#!/usr/bin/env bash
# Import time of a large pool with a category of many values (200,000
# volunteers, 5,000 districts): `check` stops right after reading the
# files (the panel size is larger than the pool), so the time is the
# import's. Usage: benches/import.sh [BINARY...]   (default target/release/kleroterion)
set -u
[ $# -gt 0 ] || set -- target/release/kleroterion
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import random, sys
d = sys.argv[1]
random.seed(1)
n, V = 200000, 5000
with open(f"{d}/pool.csv", "w") as f:
    f.write("id,gender,district\n")
    for i in range(n):
        f.write(f"{i},{'fm'[i % 2]},D{random.randrange(V):05d}\n")
with open(f"{d}/quotas.csv", "w") as f:
    f.write("category,name,min,max\ngender,f,0,5\ngender,m,0,5\n")
    for v in range(V):
        f.write(f"district,D{v:05d},0,1\n")
PY
for bin in "$@"; do
  /usr/bin/time -f "$bin: %e s, %M KB" "$bin" check --pool "$tmp/pool.csv" --quotas "$tmp/quotas.csv" -k 300000 > /dev/null 2> "$tmp/err" || true
  tail -1 "$tmp/err"
done
