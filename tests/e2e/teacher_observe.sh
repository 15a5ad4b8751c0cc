# The whole path of a teacher's observation: teacher init → join → enrolled
# by the counsellor → observe → inbox import → accept → an observation
# record in the student's timeline, authored by the teacher. On the way: the
# teacher's side never needs the vault (only vault.pub and inbox/), the
# teacher cannot read what was sealed, and nothing readable reaches disk.
. "$(dirname "$0")/lib.sh"

M='观察XQ7marker'
TP='teacher own passphrase'
TI="$T/teacher"          # the teacher's identity folder

# t PASSLINES ARG… — carelog as the teacher (the passphrase on descriptor 3).
t() {
  _lines=$1; shift
  printf '%s\n' "$_lines" | "$CARELOG" --passphrase-fd 3 "$@" --identity "$TI" 3<&0 </dev/null
}

init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number S001 --name 张小明 --class 初二1班

note "teacher init, show, join"
# Before there is an identity, the teacher's commands say how to make one.
for cmd in "teacher show" "teacher sent" "teacher join $V/vault.pub"; do
  # shellcheck disable=SC2086
  expect_rc 66 t "" $cmd
  grep -q 'there is no teacher identity at .*carelog teacher init' "$T/err" || fail "$cmd: $(cat "$T/err")"
done
# Words left over are refused with the usage, before anything is asked.
for cmd in "teacher sent extra" "observe --student S001 extra"; do
  # shellcheck disable=SC2086
  expect_rc 64 t "" $cmd
  grep -q "usage: carelog ${cmd%% *}" "$T/err" || fail "$cmd: no usage: $(cat "$T/err")"
done
expect_rc 0 t "$TP" teacher init --name 李老师
grep -q 'Fingerprint: [0-9A-Z]\{4\}-' "$T/out" || fail "init printed no fingerprint"
[ "$(stat -c %a "$TI")" = 700 ] || fail "the identity folder is not private"
expect_rc 0 t "" teacher show --json
KEY=$(sed 's/.*"public_key":"\([^"]*\)".*/\1/' "$T/out")
TFP=$(sed 's/.*"fingerprint":"\([^"]*\)".*/\1/' "$T/out")
[ ${#KEY} -eq 44 ] || fail "no public key in teacher show: $KEY"
expect_rc 0 t "" teacher join "$V/vault.pub"
VFP=$(grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){3}' "$T/out" | head -n 1)
expect_rc 0 cl "$PASS" status --json
grep -q "\"fingerprint\":\"$VFP\"" "$T/out" || fail "join showed another fingerprint than the vault's"

note "enrolment shows the same fingerprint, and is audited"
expect_rc 64 cl "$PASS" teacher add 李老师 not-a-key
expect_rc 0 cl "$PASS" teacher add 李老师 "$KEY" --class 初二1班
grep -q "$TFP" "$T/out" || fail "teacher add did not show the teacher's fingerprint"
expect_rc 73 cl "$PASS" teacher add 李老师二 "$KEY"
expect_rc 73 cl "$PASS" teacher add 王老师 "$KEY"
expect_rc 0 cl "$PASS" teacher list --json
grep -q '"name":"李老师"' "$T/out" || fail "teacher list misses the teacher"
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"teacher.add"' "$T/out" || fail "enrolment was not audited"
grep -q '"action":"list","target":"teacher list"' "$T/out" || fail "listing teachers was not audited"

note "the teacher's side needs only vault.pub and inbox/: no vault.db, no keyslots"
D="$T/drop"
mkdir -p "$D/inbox" && cp "$V/vault.pub" "$D/vault.pub"
expect_rc 0 t "$TP" --vault "$D" observe --student S001 --field occurred_at=2026-03-01T10:00 \
  --field categories=emotional,self_harm_signs --field severity=urgent \
  --field "description=手臂上有划痕 $M" --field "immediate_action=已陪同到心理室"
[ "$(ls "$D")" = "$(printf 'inbox\nvault.pub')" ] || fail "observe wrote something beside the inbox: $(ls "$D")"
F=$(ls "$D"/inbox/*.clobs)
[ -f "$F" ] || fail "no sealed file in the inbox"
[ "$(stat -c %a "$F")" = 604 ] || fail "the sealed file has mode $(stat -c %a "$F")"
expect_rc 65 t "$TP" --vault "$D" observe --student S001 --field severity=low
expect_rc 77 t "wrong one" --vault "$D" observe --student S001 --field occurred_at=2026-03-01T10:00 \
  --field categories=emotional --field severity=low --field description=x
[ "$(ls "$D/inbox" | wc -l)" -eq 1 ] || fail "a refused observe left a file"

note "nothing readable on disk: not the teacher's folder, not the sealed file"
rm -f "$T/out" "$T/err"
if grep -r -a -l -e "$M" -e 'XQ7marker' -e '手臂' "$T" 2>/dev/null | grep -v '/\.log$'; then
  fail "the observation is on disk in plaintext"
fi

note "the teacher cannot read it back, with anything the teacher holds"
expect_rc 77 cl "$TP" status
expect_rc 77 cl "$TP" inbox list
expect_rc 77 cl "$TP" --recovery status
# The teacher's keyslots, put in place of the vault's, unlock with the
# teacher's passphrase — and what they hold does not open vault.db.
cp -r "$V" "$T/vcopy" && cp "$TI/keyslots" "$T/vcopy/keyslots" && rm -f "$T/vcopy/vault.pub"
printf '%s\n' "$TP" | "$CARELOG" --vault "$T/vcopy" --passphrase-fd 3 status 3<&0 >"$T/out" 2>"$T/err"
[ $? -eq 65 ] || fail "the teacher's secret did something to vault.db: $(cat "$T/err")"
rm -rf "$T/vcopy"
for k in "$TP" "x'$(printf '%s' "$KEY" | base64 -d | od -An -tx1 | tr -d ' \n')'"; do
  if sqlcipher "$V/vault.db" "PRAGMA key = \"$k\"; SELECT count(*) FROM sqlite_master;" >/dev/null 2>&1; then
    fail "the SQLCipher shell opened vault.db with what a teacher holds"
  fi
done
# The teacher's own side has no command that opens a sealed file.
expect_rc 0 t "" teacher sent --json
grep -q '"counter":1' "$T/out" || fail "teacher sent does not list the observation"
if grep -q -e 'S001' -e '张小明' -e "$M" "$T/out"; then fail "teacher sent shows what was written"; fi

note "import, then the file is gone from the inbox; a second copy is not taken twice"
cp "$F" "$T/copy.clobs"
expect_rc 0 cl "$PASS" inbox import "$F"
grep -q '1 new observation' "$T/out" || fail "import did not take the file in: $(cat "$T/out")"
[ -e "$F" ] || fail "a file named outside the vault's inbox/ was removed"
cp "$T/copy.clobs" "$V/inbox/again.clobs"
expect_rc 0 cl "$PASS" inbox import
[ ! -e "$V/inbox/again.clobs" ] || fail "a file already taken in stayed in inbox/"
expect_rc 0 cl "$PASS" inbox list --json
[ "$(grep -o '"id":' "$T/out" | wc -l)" -eq 1 ] || fail "the same file was queued twice: $(cat "$T/out")"
grep -q '"severity":"urgent"' "$T/out" || fail "the list lost the severity"

note "the home screen counts it, urgent first"
expect_rc 0 cl "$PASS" agenda --json
grep -q '"new_observations":{"count":1,"urgent":1}' "$T/out" || fail "agenda does not count the observation: $(cat "$T/out")"
expect_rc 0 cl "$PASS" agenda
grep -q 'URGENT' "$T/out" || fail "agenda does not show the urgent observation"

note "accept onto the student: an observation record authored by the teacher"
expect_rc 0 cl "$PASS" inbox show 1
grep -q "$M" "$T/out" || fail "inbox show does not show the observation"
expect_rc 0 cl "$PASS" inbox accept 1
expect_rc 65 cl "$PASS" inbox accept 1
expect_rc 0 cl "$PASS" record list --student S001 --json
grep -q '"kind":"observation"' "$T/out" || fail "no observation record in the timeline"
grep -q '"author":"李老师"' "$T/out" || fail "the record is not authored by the teacher: $(cat "$T/out")"
expect_rc 0 cl "$PASS" agenda --json
grep -q '"new_observations":{"count":0' "$T/out" || fail "an accepted observation is still counted"

note "the teacher's passphrase opens nothing through any carelog command"
"$CARELOG" --help | sed -n '/^commands:/,/^$/p' | grep '^  [a-z]' |
  sed 's/^  \([a-z-]*\)\( [a-z][a-z-]*\)\{0,1\}.*/\1\2/' | sort -u >"$T/commands"
[ "$(wc -l <"$T/commands")" -gt 30 ] || fail "could not read the list of commands"
while read -r cmd; do
  for operand in "" 1 S001; do
    # No growing delay between the tries: both counts of failures go.
    rm -f "$XDG_STATE_HOME"/carelog/failures-* "$V/failed-unlocks"
    # shellcheck disable=SC2086 # the command's words are split on purpose
    cl "$TP" $cmd $operand >"$T/out" 2>"$T/err"
    rc=$?
    # Commands that never open this vault (the teacher's and the office's
    # sides, the public keys, the county's merge) may succeed; no other.
    case "$cmd" in
      teacher\ init | teacher\ show | teacher\ join | teacher\ sent | observe | pubkey | office\ * | report\ merge) ;;
      *) [ $rc -ne 0 ] || fail "\"$cmd $operand\" succeeded with the teacher's passphrase" ;;
    esac
    if grep -q -e "$M" -e '张小明' "$T/out" "$T/err"; then fail "\"$cmd $operand\" showed vault content to the teacher"; fi
  done
done <"$T/commands"
expect_rc 0 cl "$PASS" inbox show 1

note "dismissing needs a reason, and is audited"
expect_rc 0 t "$TP" observe -o "$T/second.clobs" --name 张小明 --class 初二1班 --field occurred_at=2026-03-02T09:00 \
  --field categories=absence --field severity=low --field "description=迟到"
expect_rc 0 cl "$PASS" inbox import "$T/second.clobs"
expect_rc 64 cl "$PASS" inbox dismiss 2
expect_rc 0 cl "$PASS" inbox dismiss 2 --reason "已电话了解，家中有事"
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"list","target":"inbox list"' "$T/out" || fail "listing the inbox was not audited"
for a in inbox.receive inbox.accept inbox.dismiss inbox.view; do
  grep -q "\"action\":\"$a\"" "$T/out" || fail "$a was not audited"
done
echo "teacher_observe ok"
