# import roster: good files counted in, bad files refused whole with every
# line and reason on stderr, duplicates never merged, dry runs write nothing.
. "$(dirname "$0")/lib.sh"
export LANGUAGE=en   # the English source messages
D=$(cd "$(dirname "$0")/../data" && pwd)

students() { expect_rc 0 cl "$PASS" status --json; json_count students; }

init_vault

# A bad file: exit 65, every rejected row by line, and not one student.
expect_rc 65 cl "$PASS" import roster "$D/roster_bad.csv"
for want in 'line 2: .*birth_date' 'line 3: .*name' 'line 4: .*name' 'line 7: .*20260104.*line 6' \
            'line 8: .*40' 'line 9: .*gender' 'nothing was imported'; do
  grep -q "$want" "$T/err" || { cat "$T/err"; fail "stderr lacks \"$want\""; }
done
grep -q 'line 6:' "$T/err" && fail "line 6 is a good row but was reported"
[ "$(students)" = 0 ] || fail "a rejected roster left students behind"

# The same as JSON for programs.
expect_rc 65 cl "$PASS" --json import roster "$D/roster_bad.csv"
grep -q '"rejected":6' "$T/out" || fail "JSON report lacks the rejected count: $(cat "$T/out")"

# A dry run of a good file checks and writes nothing.
snapshot "$V" "$T/before"
expect_rc 0 cl "$PASS" import roster --dry-run "$D/roster_good.csv"
grep -q 'Checked 4 students' "$T/out" || fail "dry run did not count: $(cat "$T/out")"
[ "$(students)" = 0 ] || fail "a dry run imported students"

# The good file (UTF-8, BOM, CRLF, quotes, a line break inside a field,
# 𠮷): four students; the unknown column is named and ignored.
expect_rc 0 cl "$PASS" import roster "$D/roster_good.csv"
grep -q 'Imported 4 students' "$T/out" || fail "no import summary: $(cat "$T/out")"
grep -q '家庭住址' "$T/err" || fail "the ignored column was not named: $(cat "$T/err")"
[ "$(students)" = 4 ] || fail "expected 4 students, have $(students)"
expect_rc 0 cl "$PASS" student show 20260003 --json
grep -q '𠮷喆' "$T/out" || fail "the 4-byte name did not survive: $(cat "$T/out")"

# Again: every number is already there; nothing is merged or added.
expect_rc 65 cl "$PASS" import roster "$D/roster_good.csv"
grep -q 'already in the vault' "$T/err" || fail "duplicates against the vault not reported"
[ "$(students)" = 4 ] || fail "a refused import changed the count"

# GB18030, found by itself and when named; refused when called UTF-8.
expect_rc 65 cl "$PASS" import roster --encoding utf-8 "$D/roster_gb18030.csv"
expect_rc 0 cl "$PASS" import roster --dry-run --encoding gb18030 "$D/roster_gb18030.csv"
expect_rc 0 cl "$PASS" import roster "$D/roster_gb18030.csv"
[ "$(students)" = 7 ] || fail "GB18030 roster: expected 7 students, have $(students)"
expect_rc 0 cl "$PASS" student show 20260201 --json
grep -q '陈𠮷祥' "$T/out" || fail "GB18030 name garbled: $(cat "$T/out")"

# Usage errors.
expect_rc 64 cl "$PASS" import roster --encoding latin1 "$D/roster_good.csv"
expect_rc 66 cl "$PASS" import roster "$T/no-such-file.csv"
exit 0
