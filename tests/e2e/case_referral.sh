# referral: a case walked through the reporting loop with notes; invalid
# moves refused with the right exit codes; late drafts; history and audit.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
export CARELOG_TEST_NOW=2026-11-01T08:00:00Z
init_vault --user 王老师

expect_rc 0 cl "$PASS" student add --number 20260001 --name 张小明 --class 初二3班 --field status=active

# Referral id from "Added referral #N for …".
expect_rc 0 cl "$PASS" record add referral --student 20260001 --field occurred_at=2026-11-01 \
  --field concerns=self_harm --field reason=学生透露有自伤计划 --field urgency=urgent \
  --field what=课间对班主任说想结束生命 --field guardians_informed=yes --field agency=protection_station
R=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")
[ -n "$R" ] || { cat "$T/out"; fail "record add printed no referral id"; }
note "referral #$R"

expect_rc 0 cl "$PASS" referral list --json
grep -q "\"id\":$R,.*\"state\":\"draft\"" "$T/out" || fail "new referral is not a draft: $(cat "$T/out")"
grep -q '"late":null' "$T/out" || fail "a fresh draft is late"

# Two days later the draft is late.
export CARELOG_TEST_NOW=2026-11-03T08:00:00Z
expect_rc 0 cl "$PASS" referral list --json
grep -q '"age_days":2' "$T/out" || fail "draft age is not 2 days: $(cat "$T/out")"
grep -q '"late":"draft older than a day (2 days)"' "$T/out" || fail "old draft not late: $(cat "$T/out")"
expect_rc 0 cl "$PASS" referral list
grep -q 'draft older than a day' "$T/out" || fail "table does not show the late draft"
grep -q '张小明' "$T/out" || fail "table does not name the student"

# Refusals: no note (64), a move the loop does not allow (64, naming the
# allowed states), an unknown state (64), an unknown id (66), not a referral (65).
expect_rc 64 cl "$PASS" referral move "$R" reported
expect_rc 64 cl "$PASS" referral move "$R" closed --note 跳过
grep -q 'reported' "$T/err" && grep -q 'withdrawn' "$T/err" || fail "invalid move does not name the next states"
expect_rc 64 cl "$PASS" referral move "$R" sent --note x
expect_rc 64 cl "$PASS" referral move abc reported --note x
expect_rc 66 cl "$PASS" referral move 9999 reported --note x
expect_rc 0 cl "$PASS" record add session --student 20260001 --field occurred_at=2026-11-03 \
  --field session_type=individual --field risk_noted=no
S=$(sed -n 's/^Added session #\([0-9]*\) .*/\1/p' "$T/out")
expect_rc 65 cl "$PASS" referral move "$S" reported --note x
expect_rc 0 cl "$PASS" referral show "$R" --json
[ "$(grep -o '"to":' "$T/out" | wc -l)" -eq 1 ] || fail "a refused move left a transition"

# The loop, each step with a note.
step() {
  export CARELOG_TEST_NOW="$1"
  expect_rc 0 cl "$PASS" referral move "$R" "$2" --note "$3"
  grep -q "now $2" "$T/out" || fail "move to $2 not confirmed: $(cat "$T/out")"
}
step 2026-11-03T09:00:00Z reported 已电话报告区未保站，对方登记
step 2026-11-04T09:00:00Z acknowledged 收到未保站书面回执
step 2026-11-06T09:00:00Z handling 公安已介入调查
step 2026-11-20T09:00:00Z support 转入帮扶，每周一次会谈
step 2026-12-20T09:00:00Z closed 帮扶目标达成，结案
expect_rc 64 cl "$PASS" referral move "$R" withdrawn --note 结案后不能撤回
grep -q 'final' "$T/err" || fail "a closed referral moved on: $(cat "$T/err")"

expect_rc 0 cl "$PASS" referral show "$R" --json
[ "$(grep -o '"to":' "$T/out" | wc -l)" -eq 6 ] || fail "history does not hold six transitions: $(cat "$T/out")"
grep -q '"state":"closed"' "$T/out" || fail "referral is not closed"
grep -q '"from":"support","to":"closed","at":"2026-12-20T09:00:00Z","actor":"王老师","note":"帮扶目标达成，结案"' "$T/out" ||
  fail "the last transition lacks who/when/why: $(cat "$T/out")"
expect_rc 0 cl "$PASS" referral show "$R"
for n in 已电话报告区未保站 收到未保站书面回执 公安已介入调查 帮扶目标达成; do
  grep -q "$n" "$T/out" || fail "show lacks the note $n"
done
# Reading a referral's notes is logged like reading the record.
expect_rc 0 cl "$PASS" audit list --json
grep -q "\"action\":\"record.view\",\"target\":\"record $R\"" "$T/out" || fail "referral show was not audited"

# Closed referrals leave the open list and stay in --all.
expect_rc 0 cl "$PASS" referral list --json
[ "$(cat "$T/out")" = "[]" ] || fail "a closed referral is listed as open"
expect_rc 0 cl "$PASS" referral list --all --json
grep -q '"state":"closed"' "$T/out" || fail "--all lacks the closed referral"

# A second referral withdrawn from draft; a note with an escape sequence is
# stored but never printed raw.
expect_rc 0 cl "$PASS" record add referral --student 20260001 --field occurred_at=2026-12-21 \
  --field concerns=bullying --field reason=被欺凌 --field urgency=routine --field what=多次被同学推搡 \
  --field guardians_informed=yes --field agency=other --field agency_name=区教育局
R2=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")
ESC=$(printf '\033')
expect_rc 0 cl "$PASS" referral move "$R2" withdrawn --note "家长要求撤回${ESC}[2J"
expect_rc 0 cl "$PASS" referral show "$R2"
grep -q "$ESC" "$T/out" && fail "referral show printed an escape sequence raw"
grep -q '家长要求撤回' "$T/out" || fail "the withdrawal note is missing"

# Every move is in the audit log; the chain holds.
expect_rc 0 cl "$PASS" audit list --json
[ "$(grep -o '"action":"referral.move"' "$T/out" | wc -l)" -eq 6 ] || fail "audit does not hold six moves"
expect_rc 0 cl "$PASS" audit verify
grep -q '^audit log intact: [0-9]* entries$' "$T/out" || fail "audit verify said: $(cat "$T/out")"
echo "case_referral ok"
