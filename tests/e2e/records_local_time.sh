# Times are stored in UTC and shown in the user's local time (TZ) wherever
# people read them; --json keeps UTC. A referral move can be dated earlier
# (--at, local time), never in the future nor before the previous move.
. "$(dirname "$0")/lib.sh"
export LANGUAGE=en   # the English source messages

export CARELOG_TEST_NOW=2026-12-01T09:25:06Z    # 17:25 in Beijing
init_vault
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张三 --class 初二3班
expect_rc 0 cl "$PASS" --json record add session --student 20260001 --field occurred_at=2026-12-01 \
  --field session_type=individual --field risk_noted=no --field data='谈话'
expect_rc 0 cl "$PASS" record sign 2 --version 1

for zone in Asia/Shanghai UTC; do
  case $zone in Asia/Shanghai) want='2026-12-01 17:25' ;; *) want='2026-12-01 09:25' ;; esac
  export TZ=$zone
  note "TZ=$zone"
  expect_rc 0 cl "$PASS" record show 2
  grep -q "$want" "$T/out" || fail "record show ($zone): no $want: $(cat "$T/out")"
  grep -q 'T09:25:06Z' "$T/out" && fail "record show ($zone) prints UTC"
  expect_rc 0 cl "$PASS" audit list
  grep -q "$want" "$T/out" || fail "audit list ($zone): no $want: $(cat "$T/out")"
  grep -q 'T09:25' "$T/out" && fail "audit list ($zone) prints UTC"
  expect_rc 0 cl "$PASS" counsellor list
  grep -q "$want" "$T/out" || fail "counsellor list ($zone): no $want: $(cat "$T/out")"
  # --json is UTC whatever the zone.
  expect_rc 0 cl "$PASS" --json record show 2
  grep -q '"signed_at":"2026-12-01T09:25:06Z"' "$T/out" || fail "--json ($zone) is not UTC: $(cat "$T/out")"
done

# A report phoned in yesterday afternoon, Beijing time.
export TZ=Asia/Shanghai
expect_rc 0 cl "$PASS" record add referral --student 20260001 --field occurred_at=2026-11-29 \
  --field concerns=self_harm --field reason=学生透露有自伤计划 --field urgency=urgent \
  --field what=课间对班主任说想结束生命 --field guardians_informed=yes --field agency=protection_station
R=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")
# The draft was written "now"; a move cannot be dated before it.
expect_rc 65 cl "$PASS" referral move "$R" reported --note 电话报告 --at '2026-11-30 15:20'
grep -q 'before referral' "$T/err" || fail "a move before the previous one: $(cat "$T/err")"
(export CARELOG_TEST_NOW=2026-11-29T01:00:00Z
 expect_rc 0 cl "$PASS" record add referral --student 20260001 \
  --field occurred_at=2026-11-29 --field concerns=self_harm --field reason=r --field urgency=urgent \
  --field what=w --field guardians_informed=yes --field agency=protection_station) || exit 1
R=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")
expect_rc 65 cl "$PASS" referral move "$R" reported --note 电话报告 --at '2026-12-02 08:00'
grep -q 'in the future' "$T/err" || fail "a future move: $(cat "$T/err")"
expect_rc 65 cl "$PASS" referral move "$R" reported --note 电话报告 --at '2026-11-31 08:00'
grep -q 'not a real date' "$T/err" || fail "an impossible date: $(cat "$T/err")"
expect_rc 0 cl "$PASS" referral move "$R" reported --note 电话报告 --at '2026-11-30 15:20'
expect_rc 0 cl "$PASS" --json referral show "$R"
grep -q '"to":"reported","at":"2026-11-30T07:20:00Z"' "$T/out" || fail "--at not stored as UTC: $(cat "$T/out")"
expect_rc 0 cl "$PASS" referral show "$R"
grep -q '2026-11-30 15:20' "$T/out" || fail "referral show not local: $(cat "$T/out")"
(export TZ=UTC; expect_rc 0 cl "$PASS" referral show "$R") || exit 1
grep -q '2026-11-30 07:20' "$T/out" || fail "referral show under UTC: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json audit list
grep -q 'draft -> reported, dated 2026-11-30T07:20:00Z' "$T/out" || fail "the audit does not name the date given"
exit 0
