# audit: list (table, JSON, --since, --limit) and verify through the real
# binary. Tampering is tested in tests/unit/test_referral.c, where the
# database can be opened with the vault's key.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
export CARELOG_TEST_NOW=2026-11-01T08:00:00Z
init_vault --user 王老师
export CARELOG_TEST_NOW=2026-11-05T08:00:00Z
expect_rc 0 cl "$PASS" policy set circumstance left_behind 21
export CARELOG_TEST_NOW=2026-11-06T08:00:00Z
expect_rc 0 cl "$PASS" policy set risk elevated 10

expect_rc 0 cl "$PASS" audit verify
grep -q '^audit log intact: [0-9]* entries$' "$T/out" || fail "audit verify said: $(cat "$T/out")"
expect_rc 0 cl "$PASS" audit verify --json
grep -q '^{"intact":true,"entries":[0-9]*}$' "$T/out" || fail "audit verify --json: $(cat "$T/out")"

expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"vault.init"' "$T/out" || fail "audit list lacks vault.init"
grep -q '"at":"2026-11-05T08:00:00Z","actor":"王老师","action":"policy.set","target":"policy circumstance left_behind"' "$T/out" ||
  fail "audit list lacks the first policy.set: $(cat "$T/out")"
grep -q '"action":"policy.set","target":"policy risk 2"' "$T/out" || fail "audit list lacks the second policy.set"

expect_rc 0 cl "$PASS" audit list --limit 1 --json
[ "$(grep -o '"id":' "$T/out" | wc -l)" -eq 1 ] || fail "--limit 1 gave: $(cat "$T/out")"
grep -q '"target":"policy risk 2"' "$T/out" || fail "--limit keeps the newest: $(cat "$T/out")"
expect_rc 0 cl "$PASS" audit list --since 2026-11-06 --json
grep -q 'left_behind' "$T/out" && fail "--since kept an older entry"
grep -q '"target":"policy risk 2"' "$T/out" || fail "--since lost the newer entry"

expect_rc 0 cl "$PASS" audit list
head -n 1 "$T/out" | grep -q 'Action' || fail "audit table has no header: $(cat "$T/out")"
grep -q 'policy.set' "$T/out" || fail "audit table lacks policy.set"

expect_rc 64 cl "$PASS" audit list --since yesterday
expect_rc 64 cl "$PASS" audit list --limit 0
expect_rc 0 cl "$PASS" audit list --help
grep -q 'usage: carelog audit list' "$T/out" || fail "audit list --help"
echo "case_audit ok"
