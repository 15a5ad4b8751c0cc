# Bad input is refused with the right exit code, a message naming the field
# and the way out, and changes nothing; stale and signed edits are refused.
. "$(dirname "$0")/lib.sh"

jget() { grep -o "\"$1\":\(\"[^\"]*\"\|[-0-9a-z.]*\)" "$T/out" | head -n 1 | cut -d: -f2- | tr -d '"'; }
# state — a fingerprint of everything stored (records with versions, students).
state() {
  cl "$PASS" --json record list >"$T/s1" 2>/dev/null
  cl "$PASS" --json student list --status active >>"$T/s1" 2>/dev/null
  cl "$PASS" --json record list --kind student >>"$T/s1" 2>/dev/null
  cat "$T/s1"
}
# refused RC WHAT ARG… — the command exits RC, says something, changes nothing.
refused() {
  _rc=$1; _what=$2; shift 2
  state >"$T/before"
  expect_rc "$_rc" cl "$PASS" "$@"
  [ -s "$T/err" ] || fail "$_what: no message"
  state >"$T/after"
  cmp -s "$T/before" "$T/after" || fail "$_what: something changed"
}

init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张三 --class 初二3班
OBS="--field occurred_at=2026-03-01T10:00 --field categories=emotional --field severity=low"

# Students.
refused 73 "duplicate number" student add --number 20260001 --name 李四 --class 初一
grep -q -- '--allow-duplicate' "$T/err" || fail "duplicate number: no way out named"
refused 65 "missing name" student add --number 20260002 --class 初一
grep -q 'name' "$T/err" || fail "missing name not named"
refused 65 "invalid birth date" student add --number 20260002 --name 李四 --field birth_date=2012-02-30
grep -q 'birth_date' "$T/err" || fail "bad date not named"
refused 66 "unknown student field" student add --number 20260002 --name 李四 --field hobby=chess
grep -q 'hobby' "$T/err" || fail "unknown field not named"
refused 65 "invalid UTF-8 in --field" student add --number 20260002 --name "$(printf 'bad\377name')"
grep -q 'UTF-8' "$T/err" || fail "invalid UTF-8 not named"
refused 66 "unknown student" record add observation --student 99999999 $OBS --field description=x
refused 65 "bad risk filter" student list --risk 7

# Records.
refused 66 "unknown kind" record add diary --student 20260001 --field x=1
grep -q 'observation' "$T/err" || fail "unknown kind: the kinds are not named"
refused 65 "invalid date" record add observation --student 20260001 --field occurred_at=2026-13-01 \
  --field categories=emotional --field severity=low --field description=x
grep -q 'occurred_at' "$T/err" || fail "invalid date not named"
refused 65 "missing required" record add observation --student 20260001 $OBS
grep -q 'description' "$T/err" || fail "missing description not named"
refused 65 "bad choice" record add observation --student 20260001 $OBS --field description=x --field severity=huge
grep -q 'severity' "$T/err" || fail "bad choice not named"
long=$(printf '%4001s' '' | tr ' ' 'x')
refused 65 "over-long field" record add observation --student 20260001 $OBS --field "description=$long"
grep -q 'description' "$T/err" || fail "over-long field not named"
refused 65 "conditional field" record add referral --student 20260001 --field occurred_at=2026-03-06 \
  --field concerns=neglect --field reason=r --field urgency=urgent --field what=w --field guardians_informed=no \
  --field agency=police
grep -q 'reason_not_informed' "$T/err" || fail "conditional requirement not named"
printf '{"occurred_at":"2026-03-01T10:00","categories":["emotional"],"severity":"low","description":"bad \377 text"}' >"$T/bad.json"
refused 65 "invalid UTF-8 in --input" record add observation --student 20260001 --input "$T/bad.json"
printf '{"occurred_at":"2026-03-01T10:00",' >"$T/cut.json"
refused 65 "malformed JSON" record add observation --student 20260001 --input "$T/cut.json"
grep -q 'line 1' "$T/err" || fail "malformed JSON: no position"
printf '[1,2]' >"$T/arr.json"
refused 65 "JSON not an object" record add observation --student 20260001 --input "$T/arr.json"
refused 66 "missing input file" record add observation --student 20260001 --input "$T/nope.json"
refused 64 "field without =" record add observation --student 20260001 --field description
refused 64 "no student" record add observation $OBS --field description=x
refused 66 "review of no plan" record add review --student 20260001 --parent 999 --field occurred_at=2026-04-01 \
  --field progress=p --field goal_status=partly

# Stale version: exit 75 naming who changed it and when; nothing lost.
expect_rc 0 cl "$PASS" --json record add session --student 20260001 --field occurred_at=2026-03-02 \
  --field session_type=individual --field risk_noted=no --field data='第一版'
ses=$(jget id)
expect_rc 0 cl "$PASS" record edit "$ses" --version 1 --field data='第二版'
refused 75 "stale edit" record edit "$ses" --version 1 --field data='第三版'
grep -q '王老师' "$T/err" && grep -q 'version 2' "$T/err" || fail "stale edit message: $(cat "$T/err")"
expect_rc 0 cl "$PASS" --json record show "$ses" --history
grep -q '第一版' "$T/out" && grep -q '第二版' "$T/out" || fail "a version was lost"
! grep -q '第三版' "$T/out" || fail "the stale edit was saved"
refused 64 "edit without version" record edit "$ses" --field data=x

# Signed: no edit (77), amendments only.
refused 75 "sign a stale version" record sign "$ses" --version 1
expect_rc 0 cl "$PASS" record sign "$ses" --version 2
refused 77 "edit after signing" record edit "$ses" --version 2 --field data='改'
grep -q 'amend' "$T/err" || fail "signed edit: no way out named"
refused 77 "sign twice" record sign "$ses" --version 2
expect_rc 0 cl "$PASS" --json record add contact --student 20260001 --field occurred_at=2026-03-05 --field who=父亲 \
  --field channel=phone --field summary=s
refused 64 "sign a contact" record sign "$(jget id)" --version 1
refused 66 "amend no record" record amend 9999 --text x
refused 66 "show no record" record show 9999

# Something that happened cannot be dated in the future (2062 for 2026).
refused 65 "an observation dated 2062" record add observation --student 20260001 \
  --field occurred_at=2062-03-05T10:00 --field categories=emotional --field severity=low --field description=哭泣
grep -q 'in the future' "$T/err" || fail "future date: the message does not say why"
echo "records_rejects ok"
