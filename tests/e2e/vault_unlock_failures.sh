# Failed unlocks are seen: each is recorded sealed to the vault's public
# key in the vault folder (nothing readable there), counted under a lock
# even by carelogs failing at once, keeps the growing delay when
# XDG_STATE_HOME points elsewhere, and the next successful unlock tells the
# counsellor how many there were and when, audits them and clears them.
. "$(dirname "$0")/lib.sh"
RECORD=146   # length (2) + sealed (96 + 48)
init_vault
[ ! -s "$V/failed-unlocks" ] || fail "a new vault has failed unlocks"
expect_rc 77 cl 'wrong one' status
expect_rc 77 cl 'wrong two' --recovery status
[ "$(size_of "$V/failed-unlocks")" = $((2 * RECORD)) ] || fail "two failures, $(size_of "$V/failed-unlocks") bytes recorded"
for word in carelog-failed-unlock passphrase recovery "$(date -u +%Y-%m-%d)"; do
  grep -qa "$word" "$V/failed-unlocks" && fail "the failure record holds \"$word\" in the clear"
done

# Carelogs failing at the same moment all count.
rm -rf "$XDG_STATE_HOME"
pids=""
for i in 1 2 3 4 5 6; do cl "wrong $i" status >/dev/null 2>&1 & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
[ "$(size_of "$V/failed-unlocks")" = $((8 * RECORD)) ] || fail "8 failures, $(($(size_of "$V/failed-unlocks") / RECORD)) recorded"
grep -q '^6$' "$XDG_STATE_HOME"/carelog/failures-* || fail "the counter lost concurrent failures: $(cat "$XDG_STATE_HOME"/carelog/failures-*)"

# Another state folder does not reset the delay: the vault's record counts.
XDG_STATE_HOME="$T/elsewhere" expect_rc 77 cl 'wrong again' status
grep -q "8 failed attempts; waiting" "$T/err" || fail "pointing XDG_STATE_HOME elsewhere escaped the delay: $(cat "$T/err")"

# The next unlock tells, audits, clears.
expect_rc 0 cl "$PASS" status --json
grep -q "9 failed unlock attempts since the last unlock, from 20..-..-..T" "$T/err" ||
  fail "the counsellor was not told about the failed unlocks: $(cat "$T/err")"
[ ! -s "$V/failed-unlocks" ] || fail "the records were not cleared"
expect_rc 0 cl "$PASS" status --json
[ ! -s "$T/err" ] || fail "the failed unlocks were told twice: $(cat "$T/err")"
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"unlock.failures","target":"vault","detail":"9 failed unlock attempt(s) since the last unlock: 20' "$T/out" ||
  fail "the failed unlocks are not in the audit log"
grep -q '(recovery)' "$T/out" && grep -q '(passphrase)' "$T/out" || fail "the audit entry does not say which kind failed"
expect_rc 0 cl "$PASS" audit verify
echo "vault_unlock_failures ok"
