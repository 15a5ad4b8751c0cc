# No plaintext on disk: a marker written into students and records (Chinese
# and ASCII) appears in no file under $T — vault, -wal, state, anything.
. "$(dirname "$0")/lib.sh"

M='标记XQ7marker'
init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number "N$M" --name "张$M" --class "班$M" \
  --field "guardians=[{\"name\":\"监护$M\",\"relation\":\"mother\",\"phone\":\"1$M\"}]" --field "school_notes=$M"
expect_rc 0 cl "$PASS" record add observation --student "N$M" --field occurred_at=2026-03-01T10:00 \
  --field categories=emotional --field severity=low --field "description=看见$M 哭"
expect_rc 0 cl "$PASS" record add session --student "N$M" --field occurred_at=2026-03-02 \
  --field session_type=individual --field risk_noted=no --field "data=$M"
expect_rc 0 cl "$PASS" record edit 3 --version 1 --field "plan=下次$M"
expect_rc 0 cl "$PASS" record sign 3 --version 2
expect_rc 0 cl "$PASS" record amend 3 --text "补充$M"
printf '{"occurred_at":"2026-03-05","who":"父亲%s","channel":"phone","summary":"%s"}' "$M" "$M" >"$T/in.json"
expect_rc 0 cl "$PASS" record add contact --student "N$M" --input "$T/in.json"
rm -f "$T/in.json"
expect_rc 0 cl "$PASS" student close "N$M" --status closed --reason "理由$M"
# The marker is readable through carelog…
expect_rc 0 cl "$PASS" record show 3
grep -q "$M" "$T/out" || fail "the marker is not readable through carelog"
rm -f "$T/out" "$T/err"
# …and nowhere on disk (also not in the ASCII part alone).
if grep -r -a -l -e "$M" -e 'XQ7marker' "$T" 2>/dev/null | grep -v '/\.log$'; then
  fail "the marker is on disk in plaintext"
fi
echo "records_marker ok"
