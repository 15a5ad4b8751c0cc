# No plaintext without its audit entry: an export's intent is in the audit
# log before the first byte is written and its completion after; an export
# or backup killed half way leaves temporary files that the next unlock
# removes (and audits); a backup that fails is not logged as done.
. "$(dirname "$0")/lib.sh"
init_vault
expect_rc 0 cl "$PASS" generate --students 5 --seed 3 --months 2
audit() { cl "$PASS" audit list --json >"$T/audit" 2>&1 || { cat "$T/audit"; fail "audit list failed"; }; }
has() { grep -q "\"action\":\"$1\",\"target\":\"$2\"" "$T/audit"; }

# Killed once the file is complete but before anything else: the intent is
# already in the log, the completion is not.
CARELOG_TEST_CRASH_AT=atomic-after-rename expect_rc 137 cl "$PASS" --yes export vault --json -o "$T/a.json"
[ -s "$T/a.json" ] || fail "the export did not get as far as its file"
audit
has export.vault "$T/a.json" || fail "a complete plaintext export is not in the audit log"
has export.vault.done "$T/a.json" && fail "a killed export was logged as done"
has output.cleanup "$T/a.json" || fail "the next unlock did not note the interrupted export"

# Killed before the rename: a temporary plaintext file, removed (and the
# removal audited) at the next unlock.
CARELOG_TEST_CRASH_AT=atomic-before-rename expect_rc 137 cl "$PASS" --yes export vault --json -o "$T/b.json"
ls "$T" | grep -q '^b.json.tmp-' || fail "the crash point left no temporary file, so this proves nothing"
[ -e "$T/b.json" ] && fail "a killed export left its file"
audit
ls "$T" | grep -q '^b.json.tmp-' && fail "the next unlock left the temporary export file"
has output.cleanup "$T/b.json" || fail "the removal of the temporary export file is not audited"
grep -q '1 temporary file(s) removed; the file itself was never written' "$T/audit" || fail "cleanup detail: $(cat "$T/audit")"

# A normal export: intent, then completion.
expect_rc 0 cl "$PASS" --yes export vault --json -o "$T/c.json"
audit
has export.vault "$T/c.json" && has export.vault.done "$T/c.json" || fail "a finished export lacks intent or completion"
grep -q '"action": "export.vault"' "$T/c.json" || fail "the export's own audit section does not name it"

# A backup killed after copying the database: its partial copy goes at the
# next run, and it is not logged as done.
CARELOG_TEST_CRASH_AT=backup-after-copy expect_rc 137 cl "$PASS" backup "$T/k.clb"
ls "$T" | grep -q '^k.clb.tmp-' || fail "the crash point left no partial copy, so this proves nothing"
audit
ls "$T" | grep -q '^k.clb.tmp-' && fail "the next unlock left a killed backup's partial copy"
has vault.backup.done "$T/k.clb" && fail "a killed backup was logged as done"
has output.cleanup "$T/k.clb" || fail "the removal of the partial backup is not audited"

# A backup that fails (its folder is missing) is logged as failed, not done.
expect_rc 73 cl "$PASS" backup "$T/no/such/folder/f.clb"
audit
has vault.backup.failed "$T/no/such/folder/f.clb" || fail "a failed backup is not logged as failed"
has vault.backup.done "$T/no/such/folder/f.clb" && fail "a failed backup was logged as done"
expect_rc 0 cl "$PASS" backup "$T/ok.clb"
audit
has vault.backup.done "$T/ok.clb" || fail "a finished backup is not logged as done"
expect_rc 0 cl "$PASS" audit verify
echo "vault_output ok"
