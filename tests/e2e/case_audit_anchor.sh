# The audit head signed with the vault's key travels out: `audit anchor`
# prints it, every backup and vault export carries one, and `audit verify
# --anchor FILE` checks the log against any of them; an altered anchor or
# one from another vault is refused.
. "$(dirname "$0")/lib.sh"
init_vault
expect_rc 0 cl "$PASS" student add --number 1 --name 张一 --class 一班
expect_rc 0 cl "$PASS" audit anchor
cp "$T/out" "$T/anchor.txt"
grep -q '^carelog-audit-anchor 1$' "$T/anchor.txt" && grep -q '^signature: ' "$T/anchor.txt" ||
  fail "audit anchor printed: $(cat "$T/anchor.txt")"
expect_rc 0 cl "$PASS" backup "$T/b.clb"
expect_rc 0 cl "$PASS" --yes export vault --json -o "$T/e.json"
expect_rc 0 cl "$PASS" student add --number 2 --name 张二 --class 一班
for f in anchor.txt b.clb e.json; do
  expect_rc 0 cl "$PASS" audit verify --anchor "$T/$f"
  grep -q "match the anchor in $T/$f" "$T/out" || fail "verify --anchor $f said: $(cat "$T/out")"
done
expect_rc 0 cl "$PASS" audit verify --anchor "$T/b.clb" --json
grep -q '"anchored":[1-9]' "$T/out" || fail "verify --anchor --json: $(cat "$T/out")"
# An anchor whose count was edited no longer verifies.
sed 's/^entries: \([0-9]*\)/entries: 1\1/' "$T/anchor.txt" >"$T/edited.txt"
expect_rc 65 cl "$PASS" audit verify --anchor "$T/edited.txt"
grep -q "not signed by this vault" "$T/err" || fail "an edited anchor said: $(cat "$T/err")"
# Another vault's anchor is named as such.
(V="$T/other"; init_vault; expect_rc 0 cl "$PASS" audit anchor; cp "$T/out" "$T/other.txt") || exit 1
expect_rc 65 cl "$PASS" audit verify --anchor "$T/other.txt"
grep -q "another vault" "$T/err" || fail "another vault's anchor said: $(cat "$T/err")"
# A file with no anchor.
echo hello >"$T/none.txt"
expect_rc 65 cl "$PASS" audit verify --anchor "$T/none.txt"
# A restore checks the restored log against the backup's own anchor.
(V="$T/r"; expect_rc 0 cl "$PASS" restore "$T/b.clb") || exit 1
echo "case_audit_anchor ok"
