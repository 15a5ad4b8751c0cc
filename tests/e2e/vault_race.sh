# Two carelogs adding counsellors at the same moment: both key slots
# survive, because every keyslots change happens under the database's write
# lock. The pause widens the window between reading and saving keyslots.
. "$(dirname "$0")/lib.sh"
init_vault
CARELOG_TEST_PAUSE_AT=keyslots-loaded:1500 cl "$PASS${NL}first added passphrase" counsellor add 甲老师 >"$T/a" 2>&1 &
a=$!
sleep 0.3
CARELOG_TEST_PAUSE_AT=keyslots-loaded:1500 cl "$PASS${NL}second added passphrase" counsellor add 乙老师 >"$T/b" 2>&1 &
b=$!
wait $a || { cat "$T/a"; fail "the first counsellor add failed"; }
wait $b || { cat "$T/b"; fail "the second counsellor add failed"; }
opens "first added passphrase" || fail "甲老师's slot was lost to the concurrent add"
opens "second added passphrase" || fail "乙老师's slot was lost to the concurrent add"
opens "$PASS" || fail "王老师 can no longer open the vault"
expect_rc 0 cl "$PASS" counsellor list --json
grep -q 甲老师 "$T/out" && grep -q 乙老师 "$T/out" || fail "a name is missing from the list"
echo "vault_race ok"
