#!/bin/sh
# Regenerates the screenshots in this folder from data/ (release build and
# Chromium needed): the top of each report page at A4 width (794 px). The
# committed copies were then reduced to 64 colours to keep them small.
set -eu
cd "$(dirname "$0")/../.."
k=target/release/kleroterion
t=$(mktemp -d)
$k select --pool data/pool.csv --quotas data/quotas.csv -k 110 \
  --address-columns address_line_1,postcode --seed "example seed" \
  --compare-legacy 1000 --out "$t/select" -q
$k lottery --pool data/pool.csv --quotas data/quotas.csv -k 110 \
  --address-columns address_line_1,postcode --seed-format numbers \
  --seed-count 6 --seed-source "EuroMillions of 8 December 2026" \
  --bundle "$t/bundle" -q
$k draw "$t/bundle" --seed "3 14 15 26 35 41" -q
$k verify "$t/bundle" --seed "3 14 15 26 35 41" \
  --commitment "$(tail -1 "$t/bundle/commitment.txt" | awk '{print $NF}')" \
  --html "$t/verify.html" -q || true
$k plan data/assembly/assembly.toml --out "$t/plan" -q
shot() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=794,"$3" --screenshot="docs/screenshots/$2" "file://$1" 2>/dev/null
}
shot "$t/select/report.html" select.png 3000
shot "$t/bundle/report.html" lottery.png 1500
shot "$t/verify.html" verify.png 1300
shot "$t/plan/plan-report.html" plan.png 1300
rm -rf "$t"
