# Moving the cursor never waits on the database: in the scripted mode each
# timed key says how many SQL statements the vault ran until the screen
# after it was drawn. A move among the rows already loaded runs none (home,
# the students list, a student's file); the move onto the first row past a
# loaded page fetches the next page, and the row is there.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/screens/lib.sh"
export CARELOG_TEST_NOW=2026-11-20T08:00:00Z TZ=UTC XDG_CONFIG_HOME="$T/config"

# statements LABEL — what the timed key LABEL ran (one key per label).
statements() {
  n=$(awk -v l="$1" '{ s = $3; $1 = $2 = $3 = ""; sub(/^   /, ""); if ($0 == l) print s }' "$T/times")
  [ -n "$n" ] || fail "no timing for \"$1\": $(cat "$T/times")"
  echo "$n"
}
# no_sql LABEL… — each ran no statement; fetched LABEL — it fetched a page.
no_sql() {
  for l in "$@"; do [ "$(statements "$l")" = 0 ] || fail "\"$l\" ran SQL: $(cat "$T/times")"; done
}
fetched() {
  [ "$(statements "$1")" -gt 0 ] || fail "\"$1\" fetched no next page: $(cat "$T/times")"
}

# Home: more than a page (50) of rows that need attention.
V="$T/home"
init_vault
expect_rc 0 cl "$PASS" generate --students 160 --seed 7 --months 4
expect_rc 0 cl "$PASS" agenda --json --limit 1
total=$(grep -o '"counts":{[^}]*}' "$T/out" | grep -o '[0-9]*' | awk '{ n += $1 } END { print n }')
[ "$total" -gt 52 ] || fail "too few attention rows for two pages: $total"
cat >"$T/home.keys" <<EOF
keys $PASS
key Enter
time home, first move
key Down
key Down 47
time home, last loaded row
key Down
time home, past the page
key Down
dump home-past.txt
key s
time students, a move
key Down
key PgDn
time students, a page down within the loaded rows
key PgDn
key q
key q
EOF
rm -f "$T/times"
(cd "$T/dumps" && CARELOG_SCREEN_TIMES="$T/times" CARELOG_SCREEN_SCRIPT="$T/home.keys" "$CARELOG" --vault "$V") ||
  fail "the home script failed"
no_sql 'home, first move' 'home, last loaded row' 'students, a move' 'students, a page down within the loaded rows'
fetched 'home, past the page'
grep -q "Needs attention now ($total)" "$T/dumps/home-past.txt" || fail "home does not count the whole list ($total)"
# The row past the first page is drawn, chosen: the screen is not empty below the page.
[ "$(grep -c '^ *\(Flag\|Overdue\|Referral\|Inbox\|Crisis\|Today\) ' "$T/dumps/home-past.txt")" -gt 5 ] ||
  fail "home past its first page shows no rows: $(cat "$T/dumps/home-past.txt")"

# A student's file of 119 records: a page of 100, then the next.
V="$T/file"
init_vault
expect_rc 0 cl "$PASS" generate --students 1 --seed 3 --records-per-student 120
cat >"$T/file.keys" <<EOF
keys $PASS
key Enter
key s
key Enter
time file, first move
key Down
key Down 97
time file, last loaded row
key Down
time file, past the page
key Down
dump file-past.txt
key End
dump file-end.txt
key q
key q
key q
EOF
rm -f "$T/times"
(cd "$T/dumps" && CARELOG_SCREEN_TIMES="$T/times" CARELOG_SCREEN_SCRIPT="$T/file.keys" "$CARELOG" --vault "$V") ||
  fail "the file script failed"
no_sql 'file, first move' 'file, last loaded row'
fetched 'file, past the page'
grep -q "119 records, newest first" "$T/dumps/file-past.txt" || fail "the file does not count every record"
# The oldest record, at the end of the second page, is the student's first
# history entry: the pages joined with none lost or repeated.
expect_rc 0 cl "$PASS" --json record list --student "$(cl "$PASS" --json student list | grep -o '"number":"[^"]*"' | head -n 1 | cut -d'"' -f4)"
oldest=$(grep -o '"id":[0-9]*' "$T/out" | tail -n 1 | cut -d: -f2)
grep -q "^ *#$oldest " "$T/dumps/file-end.txt" || fail "the file's last row is not record #$oldest: $(cat "$T/dumps/file-end.txt")"
[ "$(grep -o '"id":[0-9]*' "$T/out" | sort -u | wc -l)" = 119 ] || fail "record list does not hold 119 records"
echo "screens_cursor ok"
