# Damaged or foreign files under the right passphrase: a clear error (65, or
# 77 where the passphrase truly opens nothing), never a crash, no change.
. "$(dirname "$0")/lib.sh"

init_vault --user 王老师
expect_rc 0 cl "$PASS$NL$PASS2" counsellor add 李老师
cp -r "$V" "$T/good"
W="$T/w"   # the working copy each case damages
fresh() { rm -rf "$W"; cp -r "$T/good" "$W"; }

# try WANT WHAT PASSLINE — status on $W must exit WANT (65 or 77), say one
# line that is not about a wrong passphrase when WANT is 65, and leave $W as
# it was.
try() {
  snapshot "$W" "$T/before"
  (V="$W"; expect_rc "$1" cl "$3" status) || fail "$2"
  [ ! -s "$T/out" ] || fail "$2: printed on stdout"
  [ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "$2: not exactly one line on stderr"; }
  grep -q '^carelog: ' "$T/err" || fail "$2: no carelog message"
  if [ "$1" -eq 65 ] && grep -qi 'wrong passphrase' "$T/err"; then
    fail "$2: damage reported as a wrong passphrase: $(cat "$T/err")"
  fi
  same_files "$T/before" "$W" "$2"
  note "$2: $(cat "$T/err")"
}

# vault.db damaged on its first page, and on pages further in (found by
# experiment to hold the schema, meta, counsellors and audit tables).
for pg in 0 1 3 5 6 8; do
  for at in 100 1000 3000; do
    fresh
    printf 'DAMAGEDAMAGEDAMAGE' | dd of="$W/vault.db" bs=1 seek=$((pg * 4096 + at)) conv=notrunc status=none
    try 65 "vault.db page $pg+$at overwritten" "$PASS"
  done
done
# The same damage under a wrong passphrase is still a wrong passphrase (the
# key slots decide that before vault.db is read).
fresh
printf 'DAMAGEDAMAGE' | dd of="$W/vault.db" bs=1 seek=200 conv=notrunc status=none
try 77 "damaged vault.db, wrong passphrase" 'not the passphrase'
rm -rf "$XDG_STATE_HOME"
# vault.db cut short, and emptied.
fresh; head -c 5000 "$T/good/vault.db" >"$W/vault.db"; try 65 "vault.db truncated" "$PASS"
fresh; : >"$W/vault.db"; try 65 "vault.db emptied" "$PASS"

# keyslots: a flipped byte anywhere (a sample of offsets across the header,
# both slots and the checksum) is damage, whatever the passphrase.
ks_size=$(size_of "$T/good/keyslots")
for off in 0 7 8 20 24 28 29 30 46 60 80 120 160 200 280 300 400 500 $((ks_size - 33)) $((ks_size - 32)) $((ks_size - 1)); do
  fresh; flip "$W/keyslots" "$off"
  try 65 "keyslots byte $off flipped" "$PASS"
done
fresh; flip "$W/keyslots" 100; try 65 "keyslots flipped, wrong passphrase" 'not the passphrase'
# truncated at many lengths
for len in 0 1 8 28 29 60 61 100 283 284 $((ks_size / 2)) $((ks_size - 32)) $((ks_size - 1)); do
  fresh; head -c "$len" "$T/good/keyslots" >"$W/keyslots"
  try 65 "keyslots truncated to $len bytes" "$PASS"
done
# bytes appended
fresh; printf 'x' >>"$W/keyslots"; try 65 "keyslots with a byte appended" "$PASS"
# replaced by random bytes of the same size
fresh; head -c "$ks_size" /dev/urandom >"$W/keyslots"; try 65 "keyslots replaced by noise" "$PASS"
# missing: not found, and says so
fresh; rm "$W/keyslots"
(V="$W"; expect_rc 66 cl "$PASS" status) || exit 1
grep -q keyslots "$T/err" || fail "a missing keyslots file is not named"
[ ! -e "$W/keyslots" ] || fail "a missing keyslots file was recreated"

# keyslots (and more) copied from another vault with the same passphrase.
(V="$T/other"; expect_rc 0 cl "$PASS" init --school 另一所学校 --user 王老师) || exit 1
fresh; cp "$T/other/keyslots" "$W/keyslots"
try 65 "keyslots from another vault" "$PASS"
grep -q 'another vault' "$T/err" || fail "a foreign keyslots file is not called foreign"
# …with its vault.pub too: this vault's passphrase opens no slot in them (77);
# the other vault's passphrase opens a slot whose key does not fit vault.db (65).
fresh; cp "$T/other/keyslots" "$T/other/vault.pub" "$W/"
try 77 "keyslots+vault.pub from another vault, this vault's passphrase" "$PASS2"
rm -rf "$XDG_STATE_HOME"
try 65 "keyslots+vault.pub from another vault, its own passphrase" "$PASS"
# vault.db from another vault under this vault's keyslots
fresh; cp "$T/other/vault.db" "$W/vault.db"
try 65 "vault.db from another vault" "$PASS"

# The undamaged vault still opens with both passphrases.
expect_rc 0 cl "$PASS" status
expect_rc 0 cl "$PASS2" status
echo "vault_damage ok"
