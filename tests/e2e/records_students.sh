# Students through the command line: edit with versions, list filters,
# close, duplicates, merge, flags cleared with a reason, all audited.
. "$(dirname "$0")/lib.sh"

jget() { grep -o "\"$1\":\(\"[^\"]*\"\|[-0-9a-z.]*\)" "$T/out" | head -n 1 | cut -d: -f2- | tr -d '"'; }
count() { grep -o "$1" "$T/out" | wc -l | tr -d ' '; }

init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张三 --class 初二3班 --field birth_date=2012-05-01 \
  --field circumstances=left_behind
expect_rc 0 cl "$PASS" student add --number 20260002 --name 李四 --class 初一1班
expect_rc 0 cl "$PASS" student add --number 20269999 --name 张三 --class 初二3班 --field birth_date=2012-05-01
expect_rc 0 cl "$PASS" student add --number 20260002 --name 李思 --class 初一1班 --allow-duplicate

# Two kinds of possible duplicates.
expect_rc 0 cl "$PASS" --json student duplicates
grep -q '"reason":"same number"' "$T/out" || fail "same number not flagged"
grep -q '"reason":"same name and birth date"' "$T/out" || fail "same name and birth date not flagged"
expect_rc 65 cl "$PASS" student show 20260002
grep -q '#2' "$T/err" && grep -q '#4' "$T/err" || fail "ambiguous number: $(cat "$T/err")"
expect_rc 0 cl "$PASS" student not-duplicate '#2' '#4'
expect_rc 0 cl "$PASS" --json student duplicates
[ "$(count '"reason"')" = 1 ] || fail "not-duplicate did not take"

# Filters.
expect_rc 0 cl "$PASS" --json student list --class 初二3班
[ "$(count '"id":')" = 2 ] || fail "--class"
expect_rc 0 cl "$PASS" --json student list --circumstance 留守儿童
[ "$(count '"id":')" = 1 ] || fail "--circumstance"
expect_rc 0 cl "$PASS" --json student list --search 李
[ "$(count '"id":')" = 2 ] || fail "--search"
expect_rc 0 cl "$PASS" student list
grep -q '张三' "$T/out" && grep -q 'Number' "$T/out" || fail "student list table"

# Edit with versions.
expect_rc 0 cl "$PASS" student edit 20260001 --version 1 --class 初三3班 --field counsellor=李老师
expect_rc 75 cl "$PASS" student edit 20260001 --version 1 --name 张叁
grep -q 'version 2' "$T/err" || fail "student stale edit"
expect_rc 0 cl "$PASS" --json student show 20260001
grep -q '"class":"初三3班"' "$T/out" && grep -q '"name":"张三"' "$T/out" || fail "student edit"

# A screening flag on the student that will be merged away, then merge.
expect_rc 0 cl "$PASS" --json record add phq9 --student 20269999 --field occurred_at=2026-03-07 --field q1=0 \
  --field q2=0 --field q3=0 --field q4=0 --field q5=0 --field q6=0 --field q7=0 --field q8=0 --field q9=2
flag=$(grep -o '"flags":\[{"id":[0-9]*' "$T/out" | grep -o '[0-9]*$')
[ -n "$flag" ] || fail "no flag id"
expect_rc 0 cl "$PASS" record add session --student 20269999 --field occurred_at=2026-03-08 \
  --field session_type=crisis --field risk_noted=yes --field risk_detail='提到不想活'
expect_rc 0 cl "$PASS" student merge 20260001 20269999
expect_rc 0 cl "$PASS" --json record list --student 20260001
[ "$(count '"id":')" = 2 ] || fail "merge lost records"
expect_rc 0 cl "$PASS" --json student show '#3'
grep -q '"merged_into":1' "$T/out" || fail "merged student not marked"
expect_rc 0 cl "$PASS" --json student list --status merged
[ "$(count '"id":')" = 1 ] || fail "--status merged"
expect_rc 0 cl "$PASS" student show 20260001
grep -q 'FLAGS' "$T/out" || fail "flag did not move"
expect_rc 65 cl "$PASS" student merge 20260001 '#3'
# The merged student's own details record cannot be edited by any path.
expect_rc 0 cl "$PASS" --json student show '#3'
merged_rec=$(grep -o '"record_id":[0-9]*' "$T/out" | head -n1 | cut -d: -f2)
merged_ver=$(grep -o '"version":[0-9]*' "$T/out" | head -n1 | cut -d: -f2)
expect_rc 65 cl "$PASS" record edit "$merged_rec" --version "$merged_ver" --field name=改名
grep -q 'merged into' "$T/err" || fail "editing a merged student's record: no reason given"

# Clearing a flag needs a reason.
expect_rc 64 cl "$PASS" student clear-flag "$flag"
expect_rc 0 cl "$PASS" student clear-flag "$flag" --reason '当天评估，无自杀计划'
expect_rc 0 cl "$PASS" --json student list
! grep -q 'self_harm_thoughts' "$T/out" || fail "cleared flag still listed"
expect_rc 65 cl "$PASS" student clear-flag "$flag" --reason again

# Close.
expect_rc 64 cl "$PASS" student close 20260001 --status closed
expect_rc 64 cl "$PASS" student close 20260001 --status gone --reason x
expect_rc 0 cl "$PASS" student close 20260001 --status transferred --reason '转学'
expect_rc 0 cl "$PASS" --json student show 20260001
grep -q '"status":"transferred"' "$T/out" || fail "close"
expect_rc 0 cl "$PASS" --json student list --status active
! grep -q '"number":"20260001"' "$T/out" || fail "closed student listed as active"

# Everything is in the audit log.
expect_rc 0 cl "$PASS" --json audit list 2>/dev/null || expect_rc 0 true
if grep -q '"action"' "$T/out"; then
  for a in student.create student.edit student.merge student.close student.view flag.clear record.create; do
    grep -q "\"action\":\"$a\"" "$T/out" || fail "audit lacks $a"
  done
fi
echo "records_students ok"
