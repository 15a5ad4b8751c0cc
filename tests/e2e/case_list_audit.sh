# Views in bulk are views: record list, student list, referral list, agenda
# and due each leave one audit entry naming what was listed, the filter as
# given and how many rows were shown.
. "$(dirname "$0")/lib.sh"
init_vault
expect_rc 0 cl "$PASS" generate --students 6 --seed 3 --months 2
last_entry() { cl "$PASS" audit list --json --limit 1 | grep -o '"action":"[^"]*","target":"[^"]*","detail":"[^"]*"'; }
entries() { cl "$PASS" audit verify --json | grep -o '"entries":[0-9]*' | cut -d: -f2; }
for cmd in "record list --kind session" "student list --class 初一(1)班" "student list --json" "referral list --all" \
           "agenda" "due --days 30" "record list --json --limit 3"; do
  before=$(entries)
  # shellcheck disable=SC2086
  expect_rc 0 cl "$PASS" $cmd
  after=$(entries)
  [ "$after" = $((before + 1)) ] || fail "$cmd added $((after - before)) audit entries, not one"
  what=$(echo "$cmd" | awk '{ if ($1 == "agenda" || $1 == "due") print $1; else print $1 " " $2 }')
  entry=$(last_entry)
  echo "$entry" | grep -q "\"action\":\"list\",\"target\":\"$what\"" || fail "$cmd: last audit entry is $entry"
  # the command's own options (--json is a global one)
  filter=$(echo "$cmd" | cut -d' ' -f$(( $(echo "$what" | wc -w) + 1 ))- | sed 's/--json *//; s/ *$//')
  { [ "$filter" = "$cmd" ] || [ -z "$filter" ]; } && filter="(none)"
  echo "$entry" | grep -qF "filter: $filter;" || fail "$cmd: the entry does not give the filter \"$filter\": $entry"
  echo "$entry" | grep -q 'rows: [0-9]' || fail "$cmd: the entry does not count the rows: $entry"
done
# The row count is the number shown.
expect_rc 0 cl "$PASS" record list --json --limit 3
shown=$(grep -o '"id":' "$T/out" | wc -l)
[ "$shown" -gt 0 ] || fail "record list showed nothing, so the count proves nothing"
last_entry | grep -q "rows: $shown\"" || fail "record list showed $shown rows but logged $(last_entry)"
echo "case_list_audit ok"
