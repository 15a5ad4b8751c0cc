# Counsellors: add, list, remove (never the last), and what removal rotates.
. "$(dirname "$0")/lib.sh"

init_vault --user 王老师
expect_rc 0 cl "$PASS$NL$PASS2" counsellor add 李老师
grep -q '李老师' "$T/out" || fail "counsellor add did not confirm"
expect_rc 0 cl "$PASS" counsellor list --json
grep -q '"name":"王老师"' "$T/out" && grep -q '"name":"李老师"' "$T/out" || fail "list lacks a counsellor: $(cat "$T/out")"
grep -q '"name":"王老师"[^}]*"current":true' "$T/out" || fail "list does not mark the current counsellor"
expect_rc 0 cl "$PASS2" counsellor list
# "(you)" is part of the name, not a column without a header.
grep -q '^李老师 (you)  ' "$T/out" || fail "table list does not mark 李老师 as you: $(cat "$T/out")"
grep -q '^王老师 (you' "$T/out" && fail "table list marks 王老师 as you too"
expect_rc 0 cl "$PASS2" status --json
grep -q '"user":"李老师"' "$T/out" || fail "李老师's passphrase does not act as 李老师"

# Refusals change nothing.
snapshot "$V" "$T/before"
expect_rc 73 cl "$PASS${NL}yet another passphrase" counsellor add 李老师
same_files "$T/before" "$V" "adding a counsellor twice"
expect_rc 64 cl "$PASS${NL}yet another passphrase" counsellor add "$(printf 'bad\033[31mname')"
expect_rc 64 cl "$PASS${NL}short" counsellor add 张老师
expect_rc 66 cl "$PASS" counsellor remove 无此人
expect_rc 64 cl "$PASS" counsellor add
same_files "$T/before" "$V" "refused counsellor commands"

# Removing while another carelog has the vault open: 75, nothing changed.
mkfifo "$T/fifo"
"$CARELOG" --vault "$V" --passphrase-fd 3 counsellor add 张老师 3<"$T/fifo" >/dev/null 2>&1 &
holder=$!
exec 4>"$T/fifo"
printf '%s\n' "$PASS" >&4
i=0
while [ ! -e "$V/vault.db-wal" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$V/vault.db-wal" ] || fail "the holding carelog never opened the vault"
expect_rc 75 cl "$PASS" counsellor remove 李老师
grep -qi 'another carelog' "$T/err" || fail "the conflict is not explained: $(cat "$T/err")"
printf 'short\n' >&4; exec 4>&-   # the holder's new counsellor is refused
wait $holder
same_files "$T/before" "$V" "removal while the vault is open elsewhere"
opens "$PASS2" || fail "李老师 cannot open after a refused removal"

# Remove 李老师: the passphrase stops opening, the name leaves the list, and
# 李老师's copy of the old keyslots file unlocks a key that opens nothing.
cp "$V/keyslots" "$T/keyslots.old"
expect_rc 0 cl "$PASS" counsellor remove 李老师
grep -q 'rotated' "$T/out" || fail "removal does not mention the key rotation"
expect_rc 77 cl "$PASS2" status
rm -rf "$XDG_STATE_HOME"
expect_rc 0 cl "$PASS" counsellor list --json
grep -q 李老师 "$T/out" && fail "李老师 still listed"
expect_rc 0 cl "$PASS" status --json
[ "$(json_count counsellors)" = 2 ] || fail "the removed counsellor's row is gone (history is kept)"
cp -r "$V" "$T/stale"; cp "$T/keyslots.old" "$T/stale/keyslots"
(V="$T/stale"; expect_rc 65 cl "$PASS2" status) || fail "the old key still opens vault.db"
(V="$T/stale"; expect_rc 65 cl "$PASS" status) || fail "the old key still opens vault.db"
rm -rf "$XDG_STATE_HOME"

# The last counsellor cannot be removed: 64, nothing changed.
snapshot "$V" "$T/before"
expect_rc 64 cl "$PASS" counsellor remove 王老师
grep -q 'last counsellor' "$T/err" || fail "no reason given for keeping the last counsellor"
same_files "$T/before" "$V" "removing the last counsellor"
# The recovery key is not a counsellor and cannot remove one either.
expect_rc 0 cl "$PASS$NL$PASS2" counsellor add 李老师   # a name can come back
opens "$PASS2" || fail "a re-added counsellor cannot open"
expect_rc 0 cl "$PASS" counsellor list --json
[ "$(grep -o '"name"' "$T/out" | wc -l)" -eq 2 ] || fail "re-added counsellor listed wrongly: $(cat "$T/out")"
expect_rc 0 cl "$PASS2" counsellor remove 王老师       # anyone may remove another
opens "$PASS" && fail "王老师 still opens after removal"
opens "$PASS2" || fail "李老师 cannot open after removing 王老师"
echo "vault_counsellor ok"
