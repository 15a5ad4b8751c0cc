# generate: deterministic from the seed under the test clock, documented as
# synthetic, careful with its arguments.
. "$(dirname "$0")/lib.sh"
export CARELOG_TEST_NOW=2026-11-01T08:00:00Z TZ=UTC
body() { awk '/^ "(vault|audit)": /{skip=1; next} skip && /^ [}\]],?$/{skip=0; next} !skip' "$1"; }

expect_rc 0 "$CARELOG" generate --help
grep -qi 'synthetic' "$T/out" && grep -q 'demos' "$T/out" || fail "--help does not say what generate is for"

for n in 1 2 3; do
  V="$T/v$n"
  init_vault
  seed=11; [ "$n" = 3 ] && seed=12
  expect_rc 0 cl "$PASS" --json generate --students 6 --seed $seed
  grep -q '"students":6' "$T/out" || fail "generate --json: $(cat "$T/out")"
  expect_rc 0 cl "$PASS" --yes export vault --json -o "$T/e$n.json"
  body "$T/e$n.json" >"$T/b$n"
done
cmp -s "$T/b1" "$T/b2" || fail "the same seed gave different data"
cmp -s "$T/b1" "$T/b3" && fail "another seed gave the same data"

# Only an empty vault is filled: a second run would add the same invented
# people again under new numbers.
V="$T/v1"
snapshot "$V" "$T/before"
expect_rc 73 cl "$PASS" generate --students 6 --seed 11
grep -q 'generate fills only an empty vault: it is for demonstrations, tests and benchmarks' "$T/err" ||
  fail "generate on a vault with students: $(cat "$T/err")"
same_files "$T/before" "$V" "generate on a vault with students"
V="$T/v4"
init_vault
expect_rc 0 cl "$PASS" student add --number 20260101 --name 王小明 --class 初一1班
expect_rc 73 cl "$PASS" generate --students 1

V="$T/v1"
expect_rc 64 cl "$PASS" generate --students 0
expect_rc 64 cl "$PASS" generate --students lots
expect_rc 64 cl "$PASS" generate --seed -1
expect_rc 64 cl "$PASS" generate extra
exit 0
