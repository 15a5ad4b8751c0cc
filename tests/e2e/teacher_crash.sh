# An import killed at any point loses nothing and takes nothing twice: a
# file leaves inbox/ only after its content is committed, and a file found
# again after a kill between the commit and the removal is only removed.
. "$(dirname "$0")/lib.sh"

TP='teacher own passphrase'
TI="$T/teacher"
init_vault
expect_rc 0 cl "$PASS" student add --number S001 --name 张小明 --class 初二1班
printf '%s\n' "$TP" | "$CARELOG" --passphrase-fd 3 teacher init --name 李老师 --identity "$TI" 3<&0 >/dev/null
"$CARELOG" teacher join "$V/vault.pub" --identity "$TI" >/dev/null || fail "join"
expect_rc 0 cl "$PASS" teacher add 李老师 "$("$CARELOG" teacher show --json --identity "$TI" | sed 's/.*"public_key":"\([^"]*\)".*/\1/')"
N=6
i=0
while [ $i -lt $N ]; do
  printf '%s\n' "$TP" | "$CARELOG" --vault "$V" --passphrase-fd 3 observe --identity "$TI" --student S001 \
    --field occurred_at=2026-03-01T10:00 --field categories=emotional --field severity=low \
    --field "description=第$i次" 3<&0 >/dev/null || fail "observe $i"
  i=$((i + 1))
done
[ "$(ls "$V/inbox" | wc -l)" -eq $N ] || fail "not $N files in the inbox"

# Each killed import takes at most one file further; alternate the two
# points, and the unlock of every other command takes files in too.
tries=0
while [ -n "$(ls "$V/inbox")" ] && [ $tries -lt 30 ]; do
  case $((tries % 2)) in
    0) point=inbox-before-commit ;;
    1) point=inbox-after-commit ;;
  esac
  printf '%s\n' "$PASS" | CARELOG_TEST_CRASH_AT=$point "$CARELOG" --vault "$V" --passphrase-fd 3 inbox import \
    3<&0 >/dev/null 2>&1
  rc=$?
  # Only the last run, finding just the file it took before, runs through.
  [ $rc -eq 137 ] || [ $rc -eq 0 -a -z "$(ls "$V/inbox")" ] || fail "the import did not stop at $point (exit $rc)"
  tries=$((tries + 1))
done
[ -z "$(ls "$V/inbox")" ] || fail "killed imports made no progress through the inbox"
[ $tries -ge $((2 * N - 1)) ] || fail "only $tries imports were needed: a crash point was skipped"
expect_rc 0 cl "$PASS" inbox import
[ -z "$(ls -A "$V/inbox")" ] || fail "files stayed in the inbox: $(ls -A "$V/inbox")"
expect_rc 0 cl "$PASS" inbox list --json
[ "$(grep -o '"id":' "$T/out" | wc -l)" -eq $N ] || fail "not exactly $N observations queued: $(cat "$T/out")"
expect_rc 0 cl "$PASS" inbox quarantine --json
[ "$(cat "$T/out")" = "[]" ] || fail "a file was quarantined after a crash: $(cat "$T/out")"
expect_rc 0 cl "$PASS" audit verify

note "observes started at once never share a counter (the vault would refuse one as a replay)"
for i in 1 2 3 4 5 6; do
  printf '%s\n' "$TP" | "$CARELOG" --vault "$V" --passphrase-fd 3 observe --identity "$TI" --student S001 \
    --field occurred_at=2026-03-01T10:00 --field categories=emotional --field severity=low \
    --field "description=同时$i" 3<&0 >/dev/null 2>&1 &
done
wait
"$CARELOG" teacher sent --json --identity "$TI" | grep -o '"counter":[0-9]*' | sort | uniq -d >"$T/dups"
[ ! -s "$T/dups" ] || fail "two observations took one counter: $(cat "$T/dups")"
expect_rc 0 cl "$PASS" inbox import
grep -q "^6 new observations" "$T/out" || fail "not all six observed at once were taken in: $(cat "$T/out")"
echo "teacher_crash ok"
