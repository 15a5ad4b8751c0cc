# agenda and due a page at a time: --limit N shows N rows with the whole
# list's counts and the command for the next page; --json ends with
# "next" only when --limit is given; the pages end to end are the whole
# list; bad cursors and limits are refused with the way out, changing
# nothing. Long lists stream: record list and student list print the same
# tables and JSON whatever their length (the blocks of a long table keep
# the whole list's columns: test_table.c).
. "$(dirname "$0")/lib.sh"
export CARELOG_TEST_NOW=2026-11-20T08:00:00Z TZ=UTC
init_vault
expect_rc 0 cl "$PASS" generate --students 160 --seed 7 --months 4

expect_rc 0 cl "$PASS" agenda --json
cp "$T/out" "$T/whole.json"
grep -q '"next"' "$T/whole.json" && fail "agenda --json without --limit gained a next field"
rows() { grep -o '"\(flag_id\|days_overdue\|age_days\|days_since\)":' "$1" | wc -l; }
total=$(rows "$T/whole.json")
[ "$total" -gt 60 ] || fail "too few attention rows to page: $total"

# Pages of 25, end to end.
after=""; pages=0; : >"$T/seen"
while :; do
  if [ -n "$after" ]; then expect_rc 0 cl "$PASS" agenda --json --limit 25 --after "$after"
  else expect_rc 0 cl "$PASS" agenda --json --limit 25; fi
  pages=$((pages + 1))
  [ "$(rows "$T/out")" -le 25 ] || fail "a page of 25 showed $(rows "$T/out") rows"
  grep -o '"counts":{[^}]*}' "$T/out" >"$T/c.page"; grep -o '"counts":{[^}]*}' "$T/whole.json" >"$T/c.whole"
  cmp -s "$T/c.page" "$T/c.whole" || fail "a page's counts are not the whole list's: $(cat "$T/c.page")"
  grep -o '"\(flag_id\|record_id\|id\)":[0-9]*,"\(flag\|student_id\|number\|name\)"' "$T/out" >>"$T/seen"
  grep -q '"next":null}$' "$T/out" && break
  after=$(grep -o '"next":"[^"]*"}$' "$T/out" | sed 's/^"next":"//; s/"}$//')
  [ -n "$after" ] || fail "a page has neither a next cursor nor null: $(tail -c 200 "$T/out")"
  [ "$pages" -lt 100 ] || fail "the pages never end"
done
[ "$pages" = $(((total + 24) / 25)) ] || fail "$total rows took $pages pages of 25"
grep -o '"\(flag_id\|record_id\|id\)":[0-9]*,"\(flag\|student_id\|number\|name\)"' "$T/whole.json" >"$T/all"
cmp -s "$T/seen" "$T/all" || { diff "$T/all" "$T/seen" | head; fail "the pages are not the whole list in order"; }

# For people: how many of how many, and the command for the next page.
expect_rc 0 cl "$PASS" agenda --limit 2
grep -q 'of [0-9]*)' "$T/out" || fail "a page does not say how many of the section it shows: $(cat "$T/out")"
grep -q 'More: carelog agenda --limit 2 --after [a-z_]*:' "$T/out" || fail "no next-page command: $(cat "$T/out")"

# due: the same, its JSON {rows, total, next} only with --limit.
expect_rc 0 cl "$PASS" due --json --days 30
cp "$T/out" "$T/due.json"
head -c 1 "$T/due.json" | grep -q '\[' || fail "due --json without --limit is no longer the array"
n=$(grep -o '"days_overdue":' "$T/due.json" | wc -l)
expect_rc 0 cl "$PASS" due --json --days 30 --limit 4
grep -q "\"total\":$n," "$T/out" || fail "due's page does not give the whole list's total ($n): $(tail -c 100 "$T/out")"
after=$(grep -o '"next":"[^"]*"' "$T/out" | sed 's/^"next":"//; s/"$//')
expect_rc 0 cl "$PASS" due --days 30 --limit 4 --after "$after"
grep -q "More: carelog due --limit 4 --after " "$T/out" || fail "due shows no next page: $(cat "$T/out")"

# Refusals: exit 64, the cause and the way out; nothing is logged.
expect_rc 0 cl "$PASS" audit list --json
audits=$(grep -o '"action":' "$T/out" | wc -l)
expect_rc 64 cl "$PASS" agenda --limit 3 --after 'overdue:yesterday'
grep -q 'not a cursor of the agenda' "$T/err" && grep -q 'next' "$T/err" || fail "bad cursor said: $(cat "$T/err")"
expect_rc 64 cl "$PASS" due --limit 3 --after "$(printf 'x\033[31m')"
grep -q "$(printf '\033')" "$T/err" && fail "a bad cursor was echoed raw to the terminal"
expect_rc 64 cl "$PASS" agenda --limit 0
expect_rc 64 cl "$PASS" agenda --after flags:1
grep -q -- '--limit' "$T/err" || fail "--after without --limit said: $(cat "$T/err")"
expect_rc 0 cl "$PASS" audit list --json
[ "$(grep -o '"action":' "$T/out" | wc -l)" -le $((audits + 1)) ] || fail "refused pages were audited"

# Longer than a block of the table (1000 rows): one table all the same.
expect_rc 0 cl "$PASS" record list
lines=$(wc -l <"$T/out")
[ "$lines" -gt 1002 ] || fail "too few records for more than one block: $lines lines"
[ "$(grep -c '^ *ID  ' "$T/out")" = 1 ] || fail "a long table repeats its header"
expect_rc 0 cl "$PASS" record list --json
head -c 2 "$T/out" | grep -q '^\[{' || fail "record list --json does not start an array"
tail -c 3 "$T/out" | grep -q '}\]' || fail "record list --json does not end the array"
[ "$(grep -o '"summary":' "$T/out" | wc -l)" = $((lines - 2)) ] || fail "JSON and table list different numbers of records"
echo "lists_paged ok"
