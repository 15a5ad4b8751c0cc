# The teachers' roster, end to end: the counsellor publishes it (numbers,
# names and classes only, audited, 0644 beside vault.pub); an enrolled
# teacher's observe checks a number against it and writes with its form; a
# teacher enrolled later or revoked reads only the rosters published for
# them; a tampered, foreign or older roster is refused before anything is
# shown or sealed, naming the file and the way out.
. "$(dirname "$0")/lib.sh"

TP='teacher own passphrase'
A="$T/teacher-a" B="$T/teacher-b"
RISK_MARK='RISKNOTE7Q'

# as DIR PASSLINES ARG… — carelog as the teacher whose identity is DIR.
as() {
  _dir=$1 _lines=$2; shift 2
  printf '%s\n' "$_lines" | "$CARELOG" --vault "$V" --passphrase-fd 3 "$@" --identity "$_dir" 3<&0 </dev/null
}
key_of() { "$CARELOG" teacher show --json --identity "$1" | sed 's/.*"public_key":"\([^"]*\)".*/\1/'; }
F='--field occurred_at=2026-03-02T09:00 --field categories=emotional --field severity=high --field description=在走廊哭'

init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number S001 --name 赵小明 --class 初二1班 --field "circumstances=left_behind"
expect_rc 0 cl "$PASS" student add --number S002 --name 钱小红 --class 初二2班
expect_rc 0 cl "$PASS" record add session --student S001 --field occurred_at=2026-03-01 --field session_type=individual \
  --field "presenting_issue=$RISK_MARK" --field risk_noted=no
for d in "$A" "$B"; do
  as "$d" "$TP" teacher init --name "teacher-$(basename "$d")" >/dev/null || fail "teacher init"
  as "$d" "" teacher join "$V/vault.pub" >/dev/null || fail "teacher join"
done

note "nobody enrolled: nothing to publish"
expect_rc 65 cl "$PASS" teacher publish-roster
[ -e "$V/teacher.roster" ] && fail "a roster nobody can read was written"
expect_rc 0 cl "$PASS" teacher add 甲老师 "$(key_of "$A")"

note "publish: 0644 beside vault.pub, nothing but numbers, names and classes, audited"
expect_rc 0 cl "$PASS" teacher publish-roster --json
grep -q '"students":2' "$T/out" || fail "the roster does not hold both students: $(cat "$T/out")"
grep -q '"teachers":1' "$T/out" || fail "the roster is not for the one enrolled teacher"
[ "$(stat -c %a "$V/teacher.roster")" = 644 ] || fail "the roster is not readable by teachers"
for w in 赵小明 S001 初二1班 left_behind "$RISK_MARK"; do
  grep -qa "$w" "$V/teacher.roster" && fail "the roster holds $w in the clear"
done
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"teacher.roster"' "$T/out" || fail "publishing the roster was not audited"
cp "$V/teacher.roster" "$T/roster.first"

note "an enrolled teacher: a number on the roster is sent, with the roster's name and class"
expect_rc 0 as "$A" "$TP" observe --student S001 $F --json
grep -q '"roster":true' "$T/out" || fail "observe did not use the roster"
expect_rc 0 cl "$PASS" inbox import
expect_rc 0 cl "$PASS" inbox list --json
grep -q '赵小明' "$T/out" || fail "the roster's name did not travel with the observation"

note "a number not on the roster is refused, nothing sealed"
n_before=$(ls "$V/inbox" | wc -l)
expect_rc 66 as "$A" "$TP" observe --student S999 $F
grep -q 'S999 is not on the teachers.* roster' "$T/err" || fail "no clear message for an unknown number: $(cat "$T/err")"
grep -q 'publish the roster again' "$T/err" || fail "the message names no way out"
[ "$(ls "$V/inbox" | wc -l)" = "$n_before" ] || fail "something was dropped for an unknown number"
expect_rc 0 as "$A" "$TP" observe --name 钱小红 $F --json
expect_rc 66 as "$A" "$TP" observe --name 孙小刚 $F

note "a teacher not enrolled cannot read it; nor can anyone holding only vault.pub"
expect_rc 77 as "$B" "$TP" observe --student S001 $F
grep -q 'teacher.roster is not for you' "$T/err" || fail "an unenrolled teacher was not told: $(cat "$T/err")"

note "enrolled later: the old roster still does not open for them, the new one does"
expect_rc 0 cl "$PASS" teacher add 乙老师 "$(key_of "$B")"
expect_rc 77 as "$B" "$TP" observe --student S001 $F
expect_rc 0 cl "$PASS" teacher publish-roster --class 初二1班 --json
grep -q '"students":1' "$T/out" || fail "--class did not limit the roster"
cp "$V/teacher.roster" "$T/roster.second"
expect_rc 0 as "$B" "$TP" observe --student S001 $F
expect_rc 66 as "$B" "$TP" observe --student S002 $F

note "an older roster put back is refused (once the teacher has seen the newer one)"
expect_rc 0 as "$A" "$TP" observe --student S001 $F
cp "$T/roster.first" "$V/teacher.roster"
expect_rc 65 as "$A" "$TP" observe --student S001 $F
grep -q 'older than a roster you already had' "$T/err" || fail "an older roster was not refused: $(cat "$T/err")"

note "one byte changed anywhere is refused before the passphrase is asked"
size=$(size_of "$T/roster.second")
for off in 0 9 26 40 $((size / 2)) $((size - 70)) $((size - 1)); do
  cp "$T/roster.second" "$V/teacher.roster"
  flip "$V/teacher.roster" "$off"
  expect_rc 65 as "$A" "" observe --student S001 $F
  grep -q 'teacher.roster' "$T/err" || fail "the refusal at byte $off does not name the file"
  grep -Eq 'publish the roster again|vault you joined' "$T/err" || fail "no way out at byte $off: $(cat "$T/err")"
done
cp "$T/roster.second" "$V/teacher.roster"
expect_rc 0 as "$A" "$TP" observe --student S001 $F

note "revoked, then re-published: the revoked teacher cannot read the new roster"
expect_rc 0 cl "$PASS" teacher revoke 乙老师
expect_rc 0 cl "$PASS" teacher publish-roster --json
grep -q '"teachers":1' "$T/out" || fail "the revoked teacher is still a recipient"
expect_rc 77 as "$B" "$TP" observe --student S001 $F
expect_rc 0 as "$A" "$TP" observe --student S001 $F

note "--roster FILE and -o for a teacher on another machine"
cp "$V/teacher.roster" "$T/usb.roster"
rm "$V/teacher.roster"
expect_rc 0 as "$A" "$TP" observe --roster "$T/usb.roster" --student S002 $F -o "$T/handover.clobs" --json
expect_rc 66 as "$A" "$TP" observe --roster "$T/usb.roster" --student S404 $F -o "$T/other.clobs"
[ -e "$T/other.clobs" ] && fail "a file was written for an unknown student"
expect_rc 66 as "$A" "$TP" observe --roster "$T/missing.roster" --student S002 $F -o "$T/other.clobs"

note "teacher sent: whom about only with the passphrase"
expect_rc 0 as "$A" "" teacher sent --json
grep -q '钱小红' "$T/out" && fail "teacher sent shows the student without the passphrase"
expect_rc 0 as "$A" "$TP" teacher sent --students --json
grep -q 'S002 钱小红' "$T/out" || fail "teacher sent --students does not show whom: $(cat "$T/out")"
grep -rqa '钱小红' "$A" && fail "the teacher's folder holds a student's name in the clear"
grep -rqa 'S002' "$A" && fail "the teacher's folder holds a student number in the clear"
exit 0
