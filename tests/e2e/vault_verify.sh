# carelog verify checks the whole vault: a sound vault passes (exit 0); a
# damaged page deep inside, which status does not notice, is found (exit 65,
# the failing check named), and backup of it says so with the way out
# instead of "SQL logic error".
. "$(dirname "$0")/lib.sh"
export LANGUAGE=en   # the messages checked below are the English ones
init_vault
expect_rc 0 cl "$PASS" generate --students 60 --seed 3 --months 3
expect_rc 0 cl "$PASS" verify
grep -q "The vault is sound" "$T/out" || fail "verify of a sound vault said: $(cat "$T/out")"
expect_rc 0 cl "$PASS" verify --json
for check in cipher_integrity integrity foreign_keys audit_chain search_index derived_state; do
  grep -q "\"name\":\"$check\",[^}]*\"ok\":true" "$T/out" || fail "verify --json lacks a passing $check: $(cat "$T/out")"
done
grep -q '"intact":true' "$T/out" || fail "verify --json does not say intact"
cp -r "$V" "$T/good"

# Page 20 holds an index that status never reads.
printf 'DAMAGEDAMAGEDAMAGE' | dd of="$V/vault.db" bs=1 seek=$((20 * 4096 + 1000)) conv=notrunc status=none
expect_rc 0 cl "$PASS" status
expect_rc 65 cl "$PASS" verify
grep -q "DAMAGE.*cipher_integrity_check" "$T/out" || fail "verify did not name the failing check: $(cat "$T/out")"
grep -q "restore" "$T/err" || fail "verify does not say what to do: $(cat "$T/err")"
expect_rc 65 cl "$PASS" verify --json
grep -q '"intact":false' "$T/out" || fail "verify --json does not say damaged"
expect_rc 65 cl "$PASS" backup "$T/b.clb"
grep -q "damaged" "$T/err" && grep -q "carelog verify" "$T/err" && grep -q "restore" "$T/err" ||
  fail "backup of a damaged vault said: $(cat "$T/err")"
grep -qi "logic error" "$T/err" && fail "backup still says SQL logic error"
[ -e "$T/b.clb" ] && fail "a backup of a damaged vault was written"
ls "$T" | grep -q 'b.clb' && fail "a failed backup left a file behind: $(ls "$T")"

# A page of the audit log damaged: the chain check reports damage, not
# "entries removed".
rm -rf "$V"; cp -r "$T/good" "$V"
pages=$(( $(size_of "$V/vault.db") / 4096 ))
printf 'DAMAGEDAMAGEDAMAGE' | dd of="$V/vault.db" bs=1 seek=$(((pages - 2) * 4096 + 1000)) conv=notrunc status=none
cl "$PASS" verify >"$T/out" 2>&1
grep -q "were removed" "$T/out" && fail "an unreadable audit page was reported as removed entries: $(cat "$T/out")"
echo "vault_verify ok"
