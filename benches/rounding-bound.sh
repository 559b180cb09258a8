#!/usr/bin/env bash
# The rounding's largest change per person, in units of 1/m, over pools of
# many shapes (synth with varied n, k, categories, household rates and
# seeds; data/; fixture_22 when ../shared is present) and several m: the
# evidence for the guarantee `change_bound` (src/audit/rounding.rs).
# Usage: benches/rounding-bound.sh [BINARY]   (default target/release/kleroterion)
set -u
bin=${1:-target/release/kleroterion}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rule=(--seed-format text --seed-source "benchmark")
run() { # name m args...
  local name=$1 m=$2; shift 2
  local out
  out=$("$bin" lottery "$@" --panels "$m" --bundle "$tmp/b" --force -q --time-limit 120 "${rule[@]}" 2>&1)
  local line
  line=$(grep -o "largest change per person [0-9.]* ([0-9.]*/m)" <<<"$out" | grep -o "([0-9.]*/m)")
  [ -n "$line" ] || line="($(grep -o "moved someone's chance by [0-9.]*/m" <<<"$out"), refused)"
  printf "%-40s m=%-5s %s\n" "$name" "$m" "$line"
}
i=0
for shape in "150 12 3 0.06" "200 24 4 0.06" "250 20 4 0.06" "200 44 6 0.1" "300 60 6 0.06" \
             "400 30 8 0.02" "600 80 5 0.06" "500 110 6 0.06" "800 40 7 0.15" "1000 150 6 0.06"; do
  set -- $shape
  for seed in a b; do
    i=$((i + 1))
    "$bin" synth --n "$1" -k "$2" --categories "$3" --household-rate "$4" --seed "$seed$i" --out "$tmp/s" > /dev/null
    for m in 100 1000; do
      run "synth n=$1 k=$2 c=$3 h=$4 seed=$seed" "$m" --pool "$tmp/s/pool.csv" --quotas "$tmp/s/quotas.csv" -k "$2" --address-columns address_line_1,postcode
    done
  done
done
for m in 100 1000 5000; do
  run "data/" "$m" --pool data/pool.csv --quotas data/quotas.csv -k 110 --address-columns address_line_1,postcode
done
F=../shared/instances/sortition_algorithms_fixture_22
if [ -d "$F" ]; then
  for m in 100 1000; do
    run "fixture_22" "$m" --pool "$F/candidates.csv" --quotas "$F/features.csv" -k 22 --address-columns primary_address1,primary_zip
  done
fi
