# A teacher who may write into a shared inbox/ cannot stall the counsellor
# or make carelog read a file for them: a FIFO dropped there as NAME.clobs
# is not opened for reading (which would block every unlock forever), and
# a symbolic link is not followed (to a FIFO, or to a file of the
# counsellor's, which would be copied into the quarantine); each is
# reported and left, and the real files beside them are still taken in.
. "$(dirname "$0")/lib.sh"

TP='teacher own passphrase'
init_vault
expect_rc 0 cl "$PASS" student add --number S001 --name 张小明 --class 初二1班
printf '%s\n' "$TP" | "$CARELOG" --passphrase-fd 3 teacher init --name 李老师 --identity "$T/t1" 3<&0 >/dev/null ||
  fail "teacher init"
"$CARELOG" teacher join "$V/vault.pub" --identity "$T/t1" >/dev/null || fail "teacher join"
key=$("$CARELOG" teacher show --json --identity "$T/t1" | sed 's/.*"public_key":"\([^"]*\)".*/\1/')
expect_rc 0 cl "$PASS" teacher add 李老师 "$key"
printf '%s\n' "$TP" | "$CARELOG" --passphrase-fd 3 observe --identity "$T/t1" -o "$V/inbox/b-good.clobs" \
  --student S001 --field occurred_at=2026-03-01T10:00 --field categories=emotional --field severity=low \
  --field description=看见在哭 3<&0 >/dev/null || fail "observe"

mkfifo "$V/inbox/a-fifo.clobs" || fail "mkfifo"
mkfifo "$T/elsewhere" && ln -s "$T/elsewhere" "$V/inbox/c-link.clobs" || fail "link"
echo 'counsellor private SECRETWORD' >"$T/private.txt"
ln -s "$T/private.txt" "$V/inbox/d-link.clobs" || fail "link to a file"

note "an inbox import with a FIFO in inbox/ finishes (timeout only catches the hang)"
timeout 60 "$CARELOG" --vault "$V" --passphrase-fd 3 inbox import --json 3<<EOF >"$T/out" 2>"$T/err"
$PASS
EOF
rc=$?
[ "$rc" -ne 124 ] || fail "inbox import blocked on a FIFO dropped in inbox/"
[ "$rc" -eq 0 ] || { cat "$T/out" "$T/err"; fail "inbox import exit $rc"; }
grep -q '"b-good.clobs","result":"new"\|b-good.clobs", *"result": *"new"' "$T/out" ||
  grep -q 'b-good.clobs.*"new"' "$T/out" || fail "the good file beside the FIFO was not taken in: $(cat "$T/out")"
grep -q 'a-fifo.clobs.*"unreadable"' "$T/out" || fail "the FIFO was not reported: $(cat "$T/out")"
grep -q 'c-link.clobs.*"unreadable"' "$T/out" || fail "the link to a FIFO was not reported: $(cat "$T/out")"
grep -q 'd-link.clobs.*"unreadable"' "$T/out" || fail "the link to a file was followed: $(cat "$T/out")"
expect_rc 0 cl "$PASS" inbox quarantine --json
grep -q 'd-link' "$T/out" && fail "the linked file was copied into the quarantine"
[ -p "$V/inbox/a-fifo.clobs" ] || fail "the FIFO was removed"

note "unlocking for anything else does not block either"
timeout 60 "$CARELOG" --vault "$V" --passphrase-fd 3 status 3<<EOF >"$T/out" 2>"$T/err"
$PASS
EOF
rc=$?
[ "$rc" -ne 124 ] || fail "an unlock blocked on a FIFO in inbox/"
echo "teacher_inbox_special ok"
