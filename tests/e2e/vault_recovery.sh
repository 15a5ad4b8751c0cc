# The recovery key: opens the vault in the printed form or typed loosely,
# then insists on a new passphrase for that counsellor.
. "$(dirname "$0")/lib.sh"

init_vault --user 王老师
note "recovery key $RK"

# Wrong recovery keys: 77, one line, nothing changed.
snapshot "$V" "$T/before"
expect_rc 77 cl "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH${NL}new passphrase one" --recovery status
[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q 'wrong recovery key' "$T/err" || { cat "$T/err"; fail "wrong recovery key message"; }
[ ! -s "$T/out" ] || fail "a wrong recovery key printed on stdout"
# The passphrase is no recovery key, and the recovery key no passphrase.
expect_rc 77 cl "$PASS${NL}new passphrase one" --recovery status
expect_rc 77 cl "$RK" status
same_files "$T/before" "$V" "wrong recovery keys"
rm -rf "$XDG_STATE_HOME"
# The next unlock logs and clears the failed attempts (a change of its own).
expect_rc 0 cl "$PASS" status
grep -q '3 failed unlock attempts' "$T/err" || fail "the failed recovery attempts were not told: $(cat "$T/err")"
snapshot "$V" "$T/before"
# A right key but a new passphrase too short: refused, nothing changed.
expect_rc 64 cl "$RK${NL}short" --recovery status
same_files "$T/before" "$V" "recovery with a too short new passphrase"
# …or no new passphrase at all.
expect_rc 64 cl "$RK" --recovery status
same_files "$T/before" "$V" "recovery without a new passphrase"

# 1. As printed (upper case, dashes); the next line is the new passphrase.
expect_rc 0 cl "$RK${NL}new passphrase one" --recovery status --json
grep -q '"user":"王老师"' "$T/out" || fail "after recovery the vault does not act as 王老师"
grep -q 'Set a new passphrase' "$T/err" || fail "recovery did not say it sets a new passphrase"
opens 'new passphrase one' || fail "the new passphrase does not open"
expect_rc 77 cl "$PASS" status
rm -rf "$XDG_STATE_HOME"

# 2. Typed loosely: lower case, spaces instead of dashes, O for 0, l for 1.
loose=$(printf '%s' "$RK" | tr 'A-Z-' 'a-z ' | sed 's/0/o/g; s/1/l/g')
note "typed as: $loose"
expect_rc 0 cl "$loose${NL}new passphrase two" --recovery passwd
opens 'new passphrase two' || fail "the passphrase set after a loosely typed key does not open"
expect_rc 77 cl 'new passphrase one' status
rm -rf "$XDG_STATE_HOME"
# 3. No separators at all.
expect_rc 0 cl "$(printf '%s' "$RK" | tr -d -)${NL}new passphrase three" --recovery status
opens 'new passphrase three' || fail "the passphrase set after an unseparated key does not open"

# With two counsellors the recovery key must be told whose passphrase to
# replace; the other counsellor's stays as it was.
expect_rc 0 cl "new passphrase three${NL}$PASS2" counsellor add 李老师
snapshot "$V" "$T/before"
expect_rc 64 cl "$RK${NL}new passphrase four" --recovery status
grep -q -- '--user' "$T/err" || fail "recovery with two counsellors does not ask for --user"
same_files "$T/before" "$V" "recovery without --user"
expect_rc 66 cl "$RK${NL}new passphrase four" --recovery --user 无此人 status
expect_rc 0 cl "$RK${NL}new passphrase four" --recovery --user 李老师 status --json
grep -q '"user":"李老师"' "$T/out" || fail "recovery --user 李老师 does not act as 李老师"
opens 'new passphrase four' || fail "李老师's new passphrase does not open"
opens 'new passphrase three' || fail "王老师's passphrase was changed by 李老师's recovery"
expect_rc 77 cl "$PASS2" status
rm -rf "$XDG_STATE_HOME"

# A new recovery key replaces the old one.
expect_rc 0 cl 'new passphrase three' recovery-key
RK2=$(grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){7}' "$T/out" | head -n 1)
[ -n "$RK2" ] && [ "$RK2" != "$RK" ] || fail "recovery-key printed no new key"
expect_rc 77 cl "$RK${NL}new passphrase five" --recovery --user 王老师 status
expect_rc 0 cl "$RK2${NL}new passphrase five" --recovery --user 王老师 status
opens 'new passphrase five' || fail "the new recovery key did not set the passphrase"
echo "vault_recovery ok"
