# The shared-machine setup of the README, with real Unix users: a
# counsellor owns the vault; two teachers in a group may drop files into
# inbox/ (mode 3730) but not list it, not read or remove each other's
# files, and not read vault.db. Needs root (to create the users); skipped
# otherwise.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
  echo "teacher_shared_inbox skipped: needs root, useradd and runuser"
  exit 0
fi
tag=$$
G="clt$tag" C="clc$tag" A="cla$tag" B="clb$tag"
cleanup() { for u in "$C" "$A" "$B"; do userdel "$u" 2>/dev/null; done; groupdel "$G" 2>/dev/null; }
trap cleanup EXIT
groupadd "$G" || fail "groupadd"
useradd -M -N -g users "$C" && useradd -M -N -g users -G "$G" "$A" && useradd -M -N -g users -G "$G" "$B" ||
  fail "useradd"

chmod 0711 "$T"
install -m 0755 "$CARELOG" "$T/carelog"
for u in "$C" "$A" "$B"; do mkdir -p "$T/$u" && chown "$u" "$T/$u" && chmod 0700 "$T/$u"; done
TP='teacher own passphrase'
# as USER PASSLINES ARG… — carelog run as USER with its own home.
as() {
  _u=$1 _lines=$2; shift 2
  printf '%s\n' "$_lines" | runuser -u "$_u" -- env -i PATH="$PATH" CARELOG_TEST_FAST_KDF=1 HOME="$T/$_u" \
    XDG_DATA_HOME="$T/$_u/data" XDG_STATE_HOME="$T/$_u/state" LANG=C.UTF-8 \
    "$T/carelog" --passphrase-fd 3 "$@" 3<&0 </dev/null
}

V="$T/$C/vault"
expect_rc 0 as "$C" "$PASS" --vault "$V" init --school 测试中学 --user 王老师
expect_rc 0 as "$C" "$PASS" --vault "$V" student add --number S001 --name 张小明 --class 初二1班
for u in "$A" "$B"; do
  expect_rc 0 as "$u" "$TP" teacher init --name "老师$u"
  expect_rc 0 as "$u" "" teacher show --json
  key=$(sed 's/.*"public_key":"\([^"]*\)".*/\1/' "$T/out")
  expect_rc 0 as "$C" "$PASS" --vault "$V" teacher add "老师$u" "$key"
done

note "the setup the README gives"
chmod 0711 "$T/$C"
chgrp "$G" "$V" "$V/inbox" && chmod 0710 "$V" && chmod 3730 "$V/inbox" || fail "setting up the inbox"

for u in "$A" "$B"; do
  expect_rc 0 as "$u" "" teacher join "$V/vault.pub"
  expect_rc 0 as "$u" "$TP" --vault "$V" observe --student S001 --field occurred_at=2026-03-01T10:00 \
    --field categories=emotional --field severity=medium --field "description=$u 看到的"
done
FA=$(ls "$V/inbox" | head -n 1)
note "a teacher cannot list the inbox, read or remove another's file, or read the vault"
runuser -u "$A" -- ls "$V/inbox" >/dev/null 2>&1 && fail "a teacher could list the inbox"
runuser -u "$A" -- ls "$V" >/dev/null 2>&1 && fail "a teacher could list the vault folder"
runuser -u "$A" -- cat "$V/vault.db" >/dev/null 2>&1 && fail "a teacher could read vault.db"
runuser -u "$A" -- cat "$V/keyslots" >/dev/null 2>&1 && fail "a teacher could read the keyslots"
for f in $(ls "$V/inbox"); do
  for u in "$A" "$B"; do
    [ "$(stat -c %U "$V/inbox/$f")" = "$u" ] && continue
    runuser -u "$u" -- cat "$V/inbox/$f" >/dev/null 2>&1 && fail "$u could read another teacher's file"
    runuser -u "$u" -- rm -f "$V/inbox/$f" 2>/dev/null
    [ -e "$V/inbox/$f" ] || fail "$u could remove another teacher's file"
  done
done
[ -n "$FA" ] || fail "no files were dropped"

note "the counsellor takes both in"
expect_rc 0 as "$C" "$PASS" --vault "$V" inbox import
grep -q '2 new observations' "$T/out" || fail "the counsellor did not take in both files: $(cat "$T/out") $(cat "$T/err")"
[ -z "$(ls -A "$V/inbox")" ] || fail "files stayed in the inbox"
echo "teacher_shared_inbox ok"
