#!/usr/bin/env bash
# Peer comparison: kleroterion's LEXIMIN and MAXIMIN against the Sortition
# Foundation's MAXIMIN (sortition-algorithms from PyPI, CBC backend through
# python-mip) on the shared instances. Installs the peer into a throw-away
# virtual environment; prints both tools' minimum probability and time side
# by side with the speed ratio. Usage:
#
#     benches/peer/run.sh [PEER_TIMEOUT_SECONDS]   (default 600)
#
# Needs python3 with venv and network access to PyPI; ../shared/instances.
set -euo pipefail
cd "$(dirname "$0")/../.."
timeout_s="${1:-600}"
shared=../shared/instances
[ -d "$shared" ] || { echo "SKIPPED: $shared is absent"; exit 0; }

venv=$(mktemp -d)/venv
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
# mip 1.15.0 is the release the library's own benchmark names; mip 2.0 breaks it.
"$venv/bin/pip" install -q "sortition-algorithms==0.12.15" "mip==1.15.0" >/dev/null
cargo build --release --quiet
bin=target/release/kleroterion
out=$(mktemp -d)

ours() { # name pool quotas k algorithm -> "seconds min"
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" select --quiet --algorithm "$5" --pool "$2" --quotas "$3" -k "$4" --seed peer --out "$out/$1-$5" >/dev/null 2>&1
  t1=$(date +%s.%N)
  python3 - "$out/$1-$5/probabilities.csv" "$t0" "$t1" <<'PY'
import csv, sys
p = [float(r["probability"]) for r in csv.DictReader(open(sys.argv[1]))]
print(f"{float(sys.argv[3]) - float(sys.argv[2]):.3f} {min(p):.6f}")
PY
}

printf "%-32s %5s %4s | %12s %9s | %12s %9s | %12s %9s | %9s\n" instance n k "ours LEXIMIN" "min" "ours MAXIMIN" "min" "peer MAXIMIN" "min" "ratio"
for spec in "example_small_20 respondents.csv categories.csv 20" \
            "sortition_algorithms_fixture_22 candidates.csv features.csv 22" \
            "example_large_200 respondents.csv categories.csv 200"; do
  set -- $spec
  name=$1; pool=$shared/$1/$2; quotas=$shared/$1/$3; k=$4
  n=$(($(wc -l < "$pool") - 1)); [ "$(tail -c1 "$pool")" = "" ] || n=$((n + 1))
  read -r lt lm < <(ours "$name" "$pool" "$quotas" "$k" leximin)
  read -r mt mm < <(ours "$name" "$pool" "$quotas" "$k" maximin)
  if peer=$(timeout "$timeout_s" "$venv/bin/python" benches/peer/peer.py "$pool" "$quotas" "$k" --backend mip 2>/dev/null | tail -1); then
    pt=$(python3 -c "import json,sys; print(f\"{json.loads(sys.argv[1])['seconds']:.3f}\")" "$peer")
    pm=$(python3 -c "import json,sys; print(f\"{json.loads(sys.argv[1])['min']:.6f}\")" "$peer")
    ratio=$(python3 -c "print(f'{$pt / $lt:.1f}x')")
  else
    pt=">${timeout_s}"; pm="-"; ratio=">$(python3 -c "print(f'{$timeout_s / $lt:.0f}x')")"
  fi
  printf "%-32s %5s %4s | %11ss %9s | %11ss %9s | %11ss %9s | %9s\n" "$name" "$n" "$k" "$lt" "$lm" "$mt" "$mm" "$pt" "$pm" "$ratio"
done
echo "ratio = peer MAXIMIN time / our LEXIMIN time (wall clock; ours includes loading and writing)."
