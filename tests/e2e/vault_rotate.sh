# Rotating a secret rotates the database key: after `recovery-key` or
# `passwd --rotate`, an old keyslots file (every backup holds one) with the
# old recovery key or passphrase opens nothing written since, and is named
# as an old keyslots file, not as damage.
. "$(dirname "$0")/lib.sh"
export LANGUAGE=en   # the messages checked below are the English ones
init_vault
old_rk=$RK
cp "$V/keyslots" "$T/keyslots.before"
expect_rc 0 cl "$PASS" backup "$T/before.clb"
expect_rc 0 cl "$PASS" recovery-key
new_rk=$(grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){7}' "$T/out" | head -n 1)
[ -n "$new_rk" ] && [ "$new_rk" != "$old_rk" ] || fail "recovery-key printed no new key"
grep -q 'key-epoch: 2' "$V/vault.pub" || fail "vault.pub does not record the new key epoch: $(cat "$V/vault.pub")"
expect_rc 0 cl "$PASS" student add --number 1 --name 写在轮换后 --class 一班

# stale KEYSLOTS SECRET [--recovery] — today's vault.db under an old
# keyslots file: refused with 65, named as an old keyslots file.
stale() {
  rm -rf "$T/s" "$XDG_STATE_HOME"; cp -r "$V" "$T/s"; cp "$1" "$T/s/keyslots"
  _secret=$2; shift 2
  (V="$T/s"; expect_rc 65 cl "$_secret" "$@" status) || fail "an old keyslots file still opens today's vault.db"
  grep -q "older than this vault" "$T/err" || fail "an old keyslots file is not named as such: $(cat "$T/err")"
  grep -qi "damaged" "$T/err" && fail "an old keyslots file is called damage: $(cat "$T/err")"
  rm -rf "$T/s" "$XDG_STATE_HOME"
}
stale "$T/keyslots.before" "$old_rk" --recovery
stale "$T/keyslots.before" "$PASS"
# The old recovery key opens nothing in today's keyslots; the new one does.
expect_rc 77 cl "$old_rk" --recovery status
rm -rf "$XDG_STATE_HOME"
expect_rc 0 cl "$new_rk$NL$PASS$NL$PASS" --recovery status
# A backup from before is whole in itself: it restores and opens.
(V="$T/r"; expect_rc 0 cl "$PASS" restore "$T/before.clb") || exit 1

# passwd --rotate: the old keyslots file with the old passphrase opens
# nothing written since.
cp "$V/keyslots" "$T/keyslots.mid"
expect_rc 0 cl "$PASS${NL}rotated passphrase" passwd --rotate
grep -q "rotated" "$T/out" || fail "passwd --rotate did not say the key was rotated"
grep -q 'key-epoch: 3' "$V/vault.pub" || fail "passwd --rotate did not rotate the key"
expect_rc 0 cl 'rotated passphrase' student add --number 2 --name 改密后 --class 一班
stale "$T/keyslots.mid" "$PASS"
opens 'rotated passphrase' || fail "the new passphrase does not open"
opens "$PASS" && fail "the old passphrase still opens"
# Plain passwd keeps the key (and says nothing about rotating).
expect_rc 0 cl "rotated passphrase${NL}plain change" passwd
grep -q 'key-epoch: 3' "$V/vault.pub" || fail "plain passwd rotated the key"
expect_rc 0 cl 'plain change' audit verify
expect_rc 0 cl 'plain change' audit list --json
grep -q '"action":"counsellor.passphrase","target":"[^"]*","detail":"database key rotated"' "$T/out" ||
  fail "passwd --rotate is not audited as a rotation"
echo "vault_rotate ok"
