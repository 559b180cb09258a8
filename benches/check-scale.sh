#!/usr/bin/env bash
# `check` on large synthetic pools of several shapes: sizes 5,000 to
# 200,000, 3 to 8 categories, bounds 1 or 3 seats from the population
# share, households counted or not. Each binary given runs every shape in
# turn (so a before/after pair is measured in the same conditions).
# Usage: benches/check-scale.sh [--big] [BINARY...]  (default target/release/kleroterion;
# --big adds the 200,000-volunteer pools)
set -u
big=0
if [ "${1:-}" = "--big" ]; then big=1; shift; fi
[ $# -gt 0 ] || set -- target/release/kleroterion
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen=$1
shapes="5000:6:1 5000:8:3 20000:3:1 20000:6:1 20000:8:3"
[ $big = 1 ] && shapes="$shapes 200000:6:1 200000:8:3"
for shape in $shapes; do
  IFS=: read -r n cats slack <<< "$shape"
  d="$tmp/$n-$cats-$slack"
  "$gen" synth --n "$n" --categories "$cats" --slack "$slack" --seed "scale $shape" --out "$d" > /dev/null
  for hh in "" "--address-columns address_line_1,postcode"; do
    for bin in "$@"; do
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e s %M KB" "$bin" check --pool "$d/pool.csv" --quotas "$d/quotas.csv" -k 110 $hh \
        > "$tmp/out" 2> "$tmp/err"
      printf '%-8s %s cats slack %s %-10s %-40s %s | %s\n' "$n" "$cats" "$slack" "${hh:+households}" "$bin" \
        "$(tail -1 "$tmp/err")" "$(grep -E '^(Feasible|Everyone|[0-9]+ (people|person))' "$tmp/out" | head -1 | cut -c1-60)"
    done
  done
done
