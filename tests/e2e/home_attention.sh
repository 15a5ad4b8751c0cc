# The home view (carelog with no command) and `agenda` show what needs
# attention: a PHQ-9 flag on item 9, an overdue follow-up, a late referral.
. "$(dirname "$0")/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z
init_vault
expect_rc 0 cl "$PASS" student add --number 20260101 --name 林小雨 --class "七年级(2)班"
expect_rc 0 cl "$PASS" agenda
grep -q "Nothing needs attention" "$T/out" || fail "an empty vault should need no attention"

# PHQ-9 with item 9 answered "several days" raises the self-harm flag.
fields=""
for i in 1 2 3 4 5 6 7 8; do fields="$fields --field q$i=1"; done
expect_rc 0 cl "$PASS" record add phq9 --student 20260101 --field occurred_at=2026-11-20 $fields --field q9=1
# A session that set a follow-up date which has passed.
expect_rc 0 cl "$PASS" record add session --student 20260101 --field occurred_at=2026-11-02 \
  --field duration_minutes=40 --field session_type=individual --field presenting_issue=情绪低落 \
  --field risk_noted=no --field follow_up=2026-11-09
# A referral still in draft two weeks later.
CARELOG_TEST_NOW=2026-11-09T09:00:00Z expect_rc 0 cl "$PASS" record add referral --student 20260101 \
  --field reason=疑似家庭暴力 --field urgency=urgent --field concerns=physical_abuse --field what=学生自述被父亲打 \
  --field guardians_informed=no --field reason_not_informed=监护人可能是侵害来源 --field agency=protection_station

expect_rc 0 cl "$PASS" agenda --json
grep -q '"flags":1' "$T/out" || fail "agenda: the PHQ-9 flag is missing"
grep -q '"late_referrals":1' "$T/out" || fail "agenda: the late referral is missing"
grep -q '"overdue":[1-9]' "$T/out" || fail "agenda: the overdue follow-up is missing"

# carelog with no command: status, then the same attention list.
printf '%s\n' "$PASS" | "$CARELOG" --vault "$V" --passphrase-fd 3 3<&0 </dev/null >"$T/out" 2>"$T/err" || fail "home view failed"
grep -q "Screening flags" "$T/out" || fail "home: no screening flag section"
grep -q "林小雨" "$T/out" || fail "home: the student is not named"
grep -q "draft older than a day" "$T/out" || fail "home: the late referral is not shown"
grep -q "follow-up set by session" "$T/out" || fail "home: the overdue follow-up is not shown"

# A crisis-level assessment, with the last session three weeks ago: the
# student is named under "no recent session" in the agenda and on the home
# screen; a session today takes the row away.
expect_rc 0 cl "$PASS" record add assessment --student 20260101 --field occurred_at=2026-11-21 --field risk_level=3 \
  --field misconduct_tier=none --field reasons=自述有轻生念头 --field safety_plan=yes --field follow_up=2026-11-28
expect_rc 0 cl "$PASS" agenda --json
grep -q '"crisis":1' "$T/out" || fail "agenda: the crisis-level student without a session is missing: $(cat "$T/out")"
grep -q '"last_session":"2026-11-02"' "$T/out" || fail "agenda: the last session is not 2026-11-02: $(cat "$T/out")"
expect_rc 0 cl "$PASS" agenda
grep -q "Crisis level, no recent session (1)" "$T/out" || fail "agenda: no crisis section: $(cat "$T/out")"
grep -q "crisis level, no session in the last 7 days" "$T/out" || fail "agenda: the crisis row says not why: $(cat "$T/out")"
printf 'keys %s\nkey Enter\ndump home.txt\nkey q\n' "$PASS" >"$T/home.keys"
(cd "$T" && CARELOG_SCREEN_SCRIPT="$T/home.keys" "$CARELOG" --vault "$V") || fail "the home screen script failed"
grep -q "Crisis.*林小雨 (20260101, 七年级(2)班): crisis level, no session in 7 days" "$T/home.txt" ||
  fail "home screen: no crisis row: $(cat "$T/home.txt")"
expect_rc 0 cl "$PASS" record add session --student 20260101 --field occurred_at=2026-11-23 \
  --field duration_minutes=30 --field session_type=crisis --field presenting_issue=危机干预 --field risk_noted=no
expect_rc 0 cl "$PASS" agenda --json
grep -q '"crisis":0' "$T/out" || fail "agenda: the session today did not take the crisis row away: $(cat "$T/out")"
(cd "$T" && CARELOG_SCREEN_SCRIPT="$T/home.keys" "$CARELOG" --vault "$V") || fail "the home screen script failed"
grep -q "no session in 7 days" "$T/home.txt" && fail "home screen: the crisis row stayed after a session"
echo "home_attention ok"
