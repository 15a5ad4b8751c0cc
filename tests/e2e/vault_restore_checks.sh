# restore runs its integrity checks itself: a backup with a page of the
# database changed and its checksum recomputed (as someone who means it
# would) is refused with 65 and leaves no folder behind.
. "$(dirname "$0")/lib.sh"
init_vault
expect_rc 0 cl "$PASS" generate --students 60 --seed 3 --months 3
expect_rc 0 cl "$PASS" backup "$T/b.clb"
B="$T/b.clb"
u32_at() { od -An -tu4 -j "$1" -N4 "$B" | tr -d ' '; }   # little-endian, as written
ks_len=$(u32_at 9)
anchor_len=$(u32_at $((13 + ks_len)))
db_at=$((13 + ks_len + 4 + anchor_len))
size=$(size_of "$B")
[ $((size - db_at - 32)) -gt $((30 * 4096)) ] || fail "the backup's database is smaller than the test needs"

# rewrite_sum FILE — the trailing BLAKE2b-256 recomputed over the rest.
rewrite_sum() {
  _n=$(($(size_of "$1") - 32))
  _hex=$(head -c "$_n" "$1" | b2sum -l 256 | cut -c1-64)
  head -c "$_n" "$1" >"$1.new"
  _i=1
  while [ $_i -le 63 ]; do
    printf "\\$(printf %03o $((0x$(echo "$_hex" | cut -c$_i-$((_i + 1))))))" >>"$1.new"
    _i=$((_i + 2))
  done
  mv "$1.new" "$1"
}
# A page of an index, which opening the vault never reads.
cp "$B" "$T/bad.clb"
printf 'CHANGEDCHANGED' | dd of="$T/bad.clb" bs=1 seek=$((db_at + 20 * 4096 + 1000)) conv=notrunc status=none
rewrite_sum "$T/bad.clb"
cp "$B" "$T/same.clb"; rewrite_sum "$T/same.clb"
cmp -s "$B" "$T/same.clb" || fail "rewrite_sum does not reproduce carelog's checksum, so this test proves nothing"

(V="$T/r"; expect_rc 65 cl "$PASS" restore "$T/bad.clb") || exit 1
grep -q "damage" "$T/err" || fail "a changed page was refused without saying so: $(cat "$T/err")"
[ -e "$T/r" ] && fail "a refused restore left the folder $(ls -A "$T/r")"
(V="$T/r"; expect_rc 0 cl "$PASS" restore "$B") || exit 1
echo "vault_restore_checks ok"
