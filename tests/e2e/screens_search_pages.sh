# The search screen pages through every match, newest first, as the user
# scrolls (keyset pages of the core, each after the last hit shown), with
# the count capped at "more than 1000", and Enter opens the record under
# the cursor however deep; checked against the command line's own order.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/screens/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z LANG=zh_CN.UTF-8 XDG_CONFIG_HOME="$T/config"
init_vault --user 王老师
expect_rc 0 cl "$PASS" generate --students 500 --seed 5
expect_rc 0 cl "$PASS" --json search 反映 --limit 1
grep -q '"total_exact":false' "$T/out" || fail "反映 should match more than 1000 records: $(head -c 300 "$T/out")"
screens search-pages.keys
compare search-pages-first search-pages-deep search-pages-end search-pages-record

note "the record opened 300 rows down is the command line's 300th match"
expect_rc 0 cl "$PASS" --json search 反映 --offset 299 --limit 1
ID=$(grep -Eo '"record_id":[0-9]+' "$T/out" | head -n 1 | cut -d: -f2)
[ -n "$ID" ] || fail "no 300th match: $(cat "$T/out")"
head -n 3 "$T/dumps/search-pages-record.txt" | grep -q "#$ID " ||
  fail "the screen opened another record than #$ID: $(head -n 3 "$T/dumps/search-pages-record.txt")"
grep -q "当前第 300 条" "$T/dumps/search-pages-end.txt" || fail "the end screen is not at the 300th match"
note "the screen's search is audited once, as typed in full, not letter by letter"
expect_rc 0 cl "$PASS" --json audit list
[ "$(grep -o 'matches for \\"反映\\"' "$T/out" | wc -l)" -eq 3 ] ||
  fail "want 3 searches for 反映 (two from the command line, one from the screen): $(grep -o 'for \\"[^\\]*\\"' "$T/out")"
grep -q 'for \\"反\\"' "$T/out" && fail "the half-typed 反 was audited as a search"
note "S on the students list opens the same search"
screens search-from-students.keys
diff -u "$T/dumps/search-pages-first.txt" "$T/dumps/search-from-students.txt" ||
  fail "the search opened from the students list differs from home's"
echo "screens_search_pages ok"
