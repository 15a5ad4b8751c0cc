# export vault streams the document inside one read transaction: held in
# the middle of its records (the test hook waits for a file, no clock), it
# lets a counsellor's `record add` from another process finish at once,
# and the finished file is the vault as it was when the export began.
. "$(dirname "$0")/lib.sh"
export CARELOG_TEST_NOW=2026-11-01T08:00:00Z TZ=UTC
init_vault
expect_rc 0 cl "$PASS" generate --students 12 --seed 4 --months 3
expect_rc 0 cl "$PASS" status --json
before=$(json_count records)

mkdir "$T/hold"
CARELOG_TEST_PAUSE_AT="export-records:wait:$T/hold" cl "$PASS" --yes export vault --json -o "$T/x.json" \
  >"$T/export.out" 2>"$T/export.err" &
exporter=$!
# Until the exporter stands in its records, its transaction open.
i=0
while [ ! -e "$T/hold/export-records.reached" ]; do
  kill -0 "$exporter" 2>/dev/null || { cat "$T/export.err"; fail "the export ended before its records"; }
  i=$((i + 1)); [ "$i" -lt 3000 ] || fail "the export never reached its records"
  sleep 0.02
done
partial=$(ls "$T" | grep '^x.json.tmp-')
[ -s "$T/$partial" ] || fail "the export had written nothing before its records"
[ -e "$T/x.json" ] && fail "the file took its name before it was whole"

# A writer while the export is held: done at once, not after a busy timeout.
expect_rc 0 cl "$PASS" record add session --student 1 --field session_type=individual --field risk_noted=no \
  --field "presenting_issue=added during the export"
kill -0 "$exporter" 2>/dev/null || fail "the export was not held while the record was added"
[ ! -e "$T/hold/export-records.go" ] || fail "the hold was released early"
touch "$T/hold/export-records.go"
wait "$exporter" || { cat "$T/export.err"; fail "the held export failed"; }

# The file is the vault at the export's start: without the new record.
grep -q 'added during the export' "$T/x.json" && fail "the export saw a write made after it began"
n=$(grep -c '^   "versions": ' "$T/x.json")
[ "$n" = "$before" ] || fail "the export holds $n records, the vault had $before"
grep -q "\"records\":$before," "$T/export.out" || fail "the summary does not count the records: $(cat "$T/export.out")"
[ "$(stat -c %a "$T/x.json")" = 600 ] || fail "export mode $(stat -c %a "$T/x.json")"
expect_rc 0 cl "$PASS" record list --json
grep -q 'added during the export' "$T/out" || fail "the record added during the export is not in the vault"

# The streamed file reads back: into a new vault, with every record.
A=$V; V="$T/b"
init_vault
expect_rc 0 cl "$PASS" import vault "$T/x.json"
expect_rc 0 cl "$PASS" status --json
[ "$(json_count records)" = "$before" ] || fail "the import of the streamed export holds $(json_count records) records"
V=$A

# A failed export leaves no file behind: a folder that is not there.
expect_rc 73 cl "$PASS" --yes export vault --json -o "$T/missing/x.json"
[ ! -e "$T/missing" ] || fail "a failed export made something"
echo "vault_export_stream ok"
