# recovery-key --json prints JSON like init --json: the new key (which
# works) and the vault's fingerprint, and nothing for people.
. "$(dirname "$0")/lib.sh"

expect_rc 0 cl "$PASS" --json init --school 测试中学
fp=$(grep -o '"fingerprint":"[^"]*"' "$T/out")
grep -q '"recovery_key":"[0-9A-Z]\{4\}\(-[0-9A-Z]\{4\}\)\{7\}"' "$T/out" || fail "init --json: $(cat "$T/out")"
expect_rc 0 cl "$PASS" recovery-key --json
[ "$(wc -l <"$T/out")" = 1 ] || fail "recovery-key --json printed more than one line: $(cat "$T/out")"
grep -q '^{.*}$' "$T/out" && ! grep -q 'shown this once' "$T/out" || fail "recovery-key --json is not JSON: $(cat "$T/out")"
grep -q "$fp" "$T/out" || fail "recovery-key --json has no fingerprint: $(cat "$T/out")"
RK=$(grep -o '"recovery_key":"[0-9A-Z-]*"' "$T/out" | cut -d'"' -f4)
[ "${#RK}" = 39 ] || fail "recovery-key --json has no key: $(cat "$T/out")"
expect_rc 0 cl "$RK${NL}new passphrase two" --recovery status
opens 'new passphrase two' || fail "the key printed by recovery-key --json does not open the vault"
expect_rc 0 cl 'new passphrase two' recovery-key --help
grep -q -- '--json' "$T/out" || fail "recovery-key --help does not mention --json"
exit 0
