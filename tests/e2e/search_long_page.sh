# A page of search hits longer than a block of the table (1,000 rows) is
# printed a block at a time, its hits read a second time after the first
# block, so that memory stays flat however long the page. Printed, it is
# still one table: every hit of the page once, in the order --json gives
# them, under one header, each column as wide in every block; and the
# search is audited once.
. "$(dirname "$0")/lib.sh"
init_vault
expect_rc 0 cl "$PASS" generate --students 800 --seed 2 --months 6
entries() { cl "$PASS" audit verify --json | grep -o '"entries":[0-9]*' | cut -d: -f2; }
WORD=的

expect_rc 0 cl "$PASS" --json search "$WORD" --limit 5000 --offset 3
grep -o '"record_id":[0-9]*' "$T/out" | cut -d: -f2 >"$T/json-ids"
hits=$(wc -l <"$T/json-ids")
[ "$hits" -gt 2100 ] || fail "only $hits hits of $WORD: the page would not reach a third block"

# Audited as a page of one block is.
before=$(entries)
expect_rc 0 cl "$PASS" search "$WORD" --limit 10
short=$(entries)
COLUMNS=200 expect_rc 0 cl "$PASS" search "$WORD" --limit 5000 --offset 3
cp "$T/out" "$T/table"
long=$(entries)
[ $((long - short)) = $((short - before)) ] ||
  fail "a long page left $((long - short)) audit entries, a short one $((short - before))"
sed -n 's/^ *#\([0-9][0-9]*\)  .*/\1/p' "$T/table" >"$T/table-ids"
cmp -s "$T/json-ids" "$T/table-ids" || fail "the table's hits are not the page --json gives: $(diff "$T/json-ids" "$T/table-ids" | head -5)"
[ "$(grep -c '^ *Record  Date' "$T/table")" = 1 ] || fail "the header is not printed once: $(grep -n 'Record  Date' "$T/table" | head)"
# The id column is aligned on the right, so each row's date starts where
# every other row's does.
starts=$(awk 'match($0, /^ *#[0-9]+  /) { print RLENGTH }' "$T/table" | sort -u | wc -l)
[ "$starts" = 1 ] || fail "the date column starts at $starts different places"
tail -n 1 "$T/table" | grep -q "^Showing 4–$((3 + hits)) of more than " ||
  fail "the last line does not say which hits were shown: $(tail -n 1 "$T/table")"
echo "search_long_page ok"
