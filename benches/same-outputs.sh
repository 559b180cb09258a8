#!/usr/bin/env bash
# Do two kleroterion binaries write the same bytes? Runs every organiser
# action (check; select with LEXIMIN, MAXIMIN, LEGACY on data/ and every
# algorithm on fixture_22, NASH on a small synthetic pool; lottery with a
# fixed secret key, draw, verify, replace from a bundle and from the
# inputs; plan and a re-plan after withdrawals; seat, rota, programme;
# synth) with each binary, then compares every output file and the
# terminal output. Measured seconds and the output directory's own path
# are masked; everything else must match byte for byte.
#   benches/same-outputs.sh OLD_BINARY NEW_BINARY
# Exit 0 when every file matches. Takes about three minutes per binary.
set -uo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
F=../shared/instances/sortition_algorithms_fixture_22

run_all() {
  local bin=$1 O=$2
  mkdir -p "$O"
  local D="--pool data/pool.csv --quotas data/quotas.csv --size 110 --address-columns address_line_1,postcode"
  echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef > "$O/key.hex"
  r() { local name=$1; shift; "$bin" "$@" > "$O/$name.stdout" 2> "$O/$name.stderr"; echo $? > "$O/$name.rc"; }
  r check check $D
  r sel_lex select --algorithm leximin $D --seed s1 --out "$O/sel_lex" -q
  r sel_max select --algorithm maximin $D --seed s1 --out "$O/sel_max" -q
  r sel_leg select --algorithm legacy $D --seed s1 --out "$O/sel_leg" -q
  if [ -d "$F" ]; then
    local FX="--pool $F/candidates.csv --quotas $F/features.csv --size 22"
    r check_fx check $FX
    for a in leximin maximin nash legacy; do r "fx_$a" select --algorithm $a $FX --seed s2 --out "$O/fx_$a" -q; done
  fi
  "$bin" synth --n 150 -k 15 --categories 4 --seed small --out "$O/small" > /dev/null
  r small_nash select --algorithm nash --pool "$O/small/pool.csv" --quotas "$O/small/quotas.csv" -k 15 --seed s3 --out "$O/small_nash" -q
  # Since the seed rule (2026-12-05) lottery and replace need it; binaries
  # from before then are compared on the other actions only.
  local RULE=(--seed-format text --seed-source "the benchmark's event")
  r lot lottery $D --bundle "$O/audit" --secret-key "$O/key.hex" -q "${RULE[@]}"
  r draw draw "$O/audit" --seed "seed one"
  r verify verify "$O/audit" --seed "seed one" -q
  local w
  w=$(grep "^members" "$O/draw.stdout" | cut -d" " -f3,4 | tr " " ,)
  local RULE2=(--seed-format text --seed-source "the benchmark's later event")
  r rep replace "$O/audit" --withdrawn "$w" --relax -q "${RULE2[@]}"
  r draw2 draw "$O/audit" --seed "seed two"
  r verify2 verify "$O/audit" --seed "seed one" --seed "seed two" -q
  w=$(sed -n 2,3p "$O/sel_lex/selected.csv" | cut -d, -f1 | paste -sd,)
  r repin replace "$O/round1" $D --panel "$O/sel_lex/selected.csv" --withdrawn "$w" --relax --secret-key "$O/key.hex" -q "${RULE[@]}"
  r drawin draw "$O/round1" --seed "seed three"
  r verifyin verify "$O/round1" --seed "seed three" -q
  r plan plan data/assembly/assembly.toml --out "$O/plan" --issued 2027-02-01T12:00:00Z
  mkdir -p "$O/asm2"; cp data/assembly/* "$O/asm2/"
  # Five members withdraw after the first weekend (none named in a rule).
  awk 'NR != 4 && NR != 11 && NR != 21 && NR != 41 && NR != 71' data/assembly/members.csv > "$O/asm2/members.csv"
  r replan plan "$O/asm2/assembly.toml" --previous "$O/plan" --from w2-sat-welcome --out "$O/plan2" --issued 2027-02-02T12:00:00Z
  r seat seat --members data/assembly/members.csv --table-size 8 --rounds 4 --balance gender,age --constraints data/assembly/constraints.csv --seed x --out "$O/seat" --effort 200
  cut -d, -f1,3 data/assembly/facilitators.csv | sed '1s/$/,rounds/; 2,$s/$/,/' > "$O/fac.csv"
  r rota rota --seating "$O/seat/seating.csv" --facilitators "$O/fac.csv" --out "$O/seat"
  r prog programme data/assembly/assembly.toml --out "$O/prog"
  r synth synth --out "$O/synth"
  r synthasm synth --assembly-example --out "$O/synthasm"
}

run_all "$old" "$work/old"
run_all "$new" "$work/new"

# Seconds (x.yyy, "x.y s") and the run's own directory are masked.
norm() { sed -E "s#$1#OUT#g; s/\b[0-9]+\.[0-9]{3}\b/T/g; s/[0-9]+\.[0-9]+ s\b/T s/g" | grep -vE '^Time: '; }
(cd "$work/old" && find . -type f | sort) > "$work/old.list"
(cd "$work/new" && find . -type f | sort) > "$work/new.list"
status=0
if ! diff -q "$work/old.list" "$work/new.list" > /dev/null; then
  echo "the two versions write different sets of files:"; diff "$work/old.list" "$work/new.list"; status=1
fi
same=0; differ=0
while read -r f; do
  [ -f "$work/new/$f" ] || continue
  if cmp -s "$work/old/$f" "$work/new/$f" \
    || diff -q <(norm "$work/old" < "$work/old/$f") <(norm "$work/new" < "$work/new/$f") > /dev/null; then
    same=$((same + 1))
  else
    echo "DIFFERS: $f"; differ=$((differ + 1)); status=1
  fi
done < "$work/old.list"
echo "$same files the same, $differ differ"
exit $status
