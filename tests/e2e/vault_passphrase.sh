# Wrong passphrases: exit 77, one line, nothing changed, a growing delay.
. "$(dirname "$0")/lib.sh"

init_vault

# 1. A wrong passphrase on a closed vault.
snapshot "$V" "$T/before"
expect_rc 77 cl 'not the passphrase' status
[ ! -s "$T/out" ] || fail "a wrong passphrase printed on stdout: $(cat "$T/out")"
[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "a wrong passphrase printed more than one line"; }
grep -qi 'wrong passphrase' "$T/err" || fail "the message does not say wrong passphrase: $(cat "$T/err")"
same_files "$T/before" "$V" "wrong passphrase"
for cmd in "counsellor list" "passwd" "backup $T/b.clb" "counsellor remove 王老师"; do
  # shellcheck disable=SC2086
  expect_rc 77 cl "wrong one$NL$PASS2" $cmd
  same_files "$T/before" "$V" "wrong passphrase for $cmd"
done
[ ! -e "$T/b.clb" ] || fail "backup under a wrong passphrase wrote a file"
expect_rc 77 cl '' status       # an empty line is a wrong passphrase too
same_files "$T/before" "$V" "empty passphrase"
expect_rc 0 cl "$PASS" status   # the right one works (and resets the count)

# 2. A wrong passphrase while another carelog holds the vault open (so
# vault.db-wal and -shm exist): still nothing changes, -wal/-shm included.
mkfifo "$T/fifo"
"$CARELOG" --vault "$V" --passphrase-fd 3 counsellor add 李老师 3<"$T/fifo" >"$T/holder.out" 2>&1 &
holder=$!
exec 4>"$T/fifo"
printf '%s\n' "$PASS" >&4
i=0
while [ ! -e "$V/vault.db-wal" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$V/vault.db-wal" ] || fail "the holding carelog never opened the vault"
snapshot "$V" "$T/before-open"
expect_rc 77 cl 'not the passphrase' status
[ ! -s "$T/out" ] && [ "$(wc -l <"$T/err")" -eq 1 ] || fail "wrong passphrase output while open"
same_files "$T/before-open" "$V" "wrong passphrase while the vault is open"
printf '%s\n' "$PASS2" >&4
exec 4>&-
wait $holder || { cat "$T/holder.out"; fail "the holding counsellor add failed"; }
expect_rc 0 cl "$PASS2" status --json
grep -q '"user":"李老师"' "$T/out" || fail "the counsellor added meanwhile cannot open"

# 3. The delay: three wrong tries in a row are quick, the fourth waits >= 1 s.
for n in 1 2 3; do
  t0=$(date +%s%N); expect_rc 77 cl "wrong $n wrong" status; t1=$(date +%s%N)
  [ $(((t1 - t0) / 1000000)) -lt 900 ] || fail "wrong try $n already waited"
done
t0=$(date +%s%N); expect_rc 77 cl 'wrong 4 wrong' status; t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
note "fourth wrong try took $ms ms"
[ "$ms" -ge 1000 ] || fail "the fourth wrong try took only $ms ms"
grep -q 'carelog: wrong passphrase' "$T/err" || fail "no wrong-passphrase line after the delay"
# The right passphrase still works (after the delay) and clears the count.
expect_rc 0 cl "$PASS" status
t0=$(date +%s%N); expect_rc 77 cl 'wrong again' status; t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 900 ] || fail "the count was not cleared by a right passphrase"
# The counter lives outside the vault and names no counsellor.
ls "$XDG_STATE_HOME/carelog" | grep -q '^failures-' || fail "no failure counter in the state folder"
echo "vault_passphrase ok"
