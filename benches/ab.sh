#!/usr/bin/env bash
# End-to-end A/B timing of two kleroterion binaries on the bundled data and
# fixture_22, runs alternating so that both see the same machine load.
#   benches/ab.sh OLD_BINARY NEW_BINARY
# Prints, per case, the fastest and the median wall time of each binary.
# Build each version with `cargo build --release` and copy its
# target/release/kleroterion aside first.
set -euo pipefail
old=$1
new=$2
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
key="$work/key.hex"
echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef > "$key"
D="--pool data/pool.csv --quotas data/quotas.csv --size 110 --address-columns address_line_1,postcode"
F=../shared/instances/sortition_algorithms_fixture_22
cases=("select data/ (LEXIMIN)|select $D --seed s --out OUT -q|5"
  "lottery data/ (m=1000)|lottery $D --bundle OUT/b --secret-key $key --force -q|3"
  "plan example assembly|plan data/assembly/assembly.toml --out OUT/p --force --issued 2027-02-01T12:00:00Z|3"
  "seat 110 members, effort 2000|seat --members data/assembly/members.csv --table-size 8 --rounds 4 --balance gender,age --seed x --out OUT --effort 2000|3")
if [ -d "$F" ]; then
  cases+=("select fixture_22 (LEXIMIN)|select --pool $F/candidates.csv --quotas $F/features.csv --size 22 --seed s --out OUT -q|15")
else
  echo "SKIPPED fixture_22: ../shared/instances is absent" >&2
fi
stats() { sort -n | awk '{a[NR]=$1} END {printf "fastest %.3f s, median %.3f s (n=%d)", a[1], a[int((NR+1)/2)], NR}'; }
for c in "${cases[@]}"; do
  IFS='|' read -r name args reps <<< "$c"
  : > "$work/old.t"; : > "$work/new.t"
  for _ in $(seq "$reps"); do
    for side in old new; do
      bin=${!side}
      out="$work/$side"; rm -rf "$out"; mkdir -p "$out"
      t0=$(date +%s%N)
      # shellcheck disable=SC2086
      "$bin" ${args//OUT/$out} > /dev/null 2>&1 || { echo "$name: $side failed" >&2; exit 1; }
      echo "$(( $(date +%s%N) - t0 ))" | awk '{print $1/1e9}' >> "$work/$side.t"
    done
  done
  echo "$name: old $(stats < "$work/old.t"); new $(stats < "$work/new.t")"
done
