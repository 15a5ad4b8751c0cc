# Term-start roster import: next term's roster updates the students already
# in the vault (--update, through the normal edit path, history kept) or
# leaves them (--skip-existing); full-width numbers and brackets, 20120305
# dates and Excel's apostrophes are understood; a wrong encoding names the
# line and a wrong separator says so.
. "$(dirname "$0")/lib.sh"
export LANGUAGE=en   # the English source messages
D=$(cd "$(dirname "$0")/../data" && pwd)

students() { expect_rc 0 cl "$PASS" status --json; json_count students; }

init_vault
expect_rc 0 cl "$PASS" import roster "$D/roster_good.csv"
[ "$(students)" = 4 ] || fail "first term: expected 4 students"
expect_rc 0 cl "$PASS" student edit 20260001 --version 1 --field status=monitoring

# Next term, as before: every known number is refused, and the way out named.
expect_rc 65 cl "$PASS" import roster "$D/roster_term2.csv"
grep -q 'line 2: .*already in the vault.*--update.*--skip-existing' "$T/err" || fail "no way out named: $(cat "$T/err")"
[ "$(students)" = 4 ] || fail "a refused import added students"
expect_rc 64 cl "$PASS" import roster --update --skip-existing "$D/roster_term2.csv"

# --skip-existing: only the new student; the others untouched.
snapshot "$V" "$T/before"
expect_rc 0 cl "$PASS" import roster --skip-existing --dry-run "$D/roster_term2.csv"
same_files "$T/before" "$V" "a dry run"
expect_rc 0 cl "$PASS" --json import roster --skip-existing "$D/roster_term2.csv"
grep -q '"imported":1,.*"skipped":3' "$T/out" || fail "skip-existing counts: $(cat "$T/out")"
[ "$(students)" = 5 ] || fail "skip-existing: expected 5 students, have $(students)"
expect_rc 0 cl "$PASS" --json student show 20260005
grep -q '"class":"八年级(4)班"' "$T/out" || fail "full-width brackets not folded: $(cat "$T/out")"
grep -q '"birth_date":"2013-01-01"' "$T/out" || fail "20130101 not read as a date: $(cat "$T/out")"
grep -q '"phone":"10000000001"' "$T/out" || fail "phone spaces kept: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json student show 20260001
grep -q '"class":"七年级(3)班"' "$T/out" || fail "skip-existing changed a student"

# --update: classes and details move on; status and history kept.
expect_rc 0 cl "$PASS" --json import roster --update "$D/roster_term2.csv"
grep -q '"imported":0,"updated":3' "$T/out" || fail "update counts: $(cat "$T/out")"
[ "$(students)" = 5 ] || fail "update added students: $(students)"
expect_rc 0 cl "$PASS" --json student show 20260001
grep -q '"class":"八年级(3)班"' "$T/out" || fail "class not updated: $(cat "$T/out")"
grep -q '"status":"monitoring"' "$T/out" || fail "update reset the status: $(cat "$T/out")"
grep -q '"birth_date":"2013-03-05"' "$T/out" || fail "birth date: $(cat "$T/out")"
grep -q '"phone":"10012345678"' "$T/out" || fail "Excel's apostrophe or spaces kept in the phone: $(cat "$T/out")"
rec=$(grep -o '"record_id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)
expect_rc 0 cl "$PASS" --json record show "$rec" --history
grep -q '七年级(3)班' "$T/out" || fail "the earlier version was not kept"
expect_rc 0 cl "$PASS" --json student show 20260002
grep -q '"phone":"10012345699"' "$T/out" || fail "the guardian's phone was not updated: $(cat "$T/out")"
[ "$(grep -o '"guardians":\[[^]]*\]' "$T/out" | head -n 1 | grep -o '"relation":' | wc -l)" = 1 ] ||
  fail "the guardian was added twice: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json student show 20260003
grep -q '"class":"八年级(4)班"' "$T/out" || fail "apostrophe number not matched: $(cat "$T/out")"
# Again: nothing differs, nothing is written.
expect_rc 0 cl "$PASS" --json import roster --update "$D/roster_term2.csv"
grep -q '"updated":0,"unchanged":4' "$T/out" || fail "a second update changed something: $(cat "$T/out")"

# The same class and number however typed, in every filter and lookup.
expect_rc 0 cl "$PASS" --json student list --class '八年级(3)班'
[ "$(grep -o '"id":' "$T/out" | wc -l)" = 2 ] || fail "--class (ASCII brackets): $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json student list --class '八年级（3）班'
[ "$(grep -o '"id":' "$T/out" | wc -l)" = 2 ] || fail "--class (full-width brackets): $(cat "$T/out")"
expect_rc 0 cl "$PASS" student show '２０２６０００２'
expect_rc 0 cl "$PASS" record list --student '２０２６０００２'

# A wrong encoding names the line; another separator says so.
expect_rc 65 cl "$PASS" import roster --encoding utf-8 "$D/roster_bad_utf8.csv"
grep -q 'line 3: not valid UTF-8' "$T/err" || fail "encoding error without its line: $(cat "$T/err")"
grep -q 'byte offset' "$T/err" && fail "a byte offset for people"
expect_rc 65 cl "$PASS" import roster "$D/roster_semicolon.csv"
grep -q 'separated by semicolons' "$T/err" || fail "semicolons not named: $(cat "$T/err")"
expect_rc 65 cl "$PASS" import roster "$D/roster_tab.csv"
grep -q 'separated by tabs' "$T/err" || fail "tabs not named: $(cat "$T/err")"
exit 0
