# What `student show`, `student list` and `record show` print for people:
# the notes beside a student's details, the status of a merged student,
# labels of the forms in the current language, and clear refusals.
. "$(dirname "$0")/lib.sh"
export LANG=zh_CN.UTF-8
unset LC_ALL LC_MESSAGES
jget() { grep -o "\"$1\":\(\"[^\"]*\"\|[-0-9a-z.]*\)" "$T/out" | head -n 1 | cut -d: -f2- | tr -d '"'; }

init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20260101 --name 王小明 --class 初一1班 \
  --field guardians='[{"name":"王大明","relation":"father","phone":"10012345678"}]' --field circumstances=left_behind
expect_rc 0 cl "$PASS" student add --number 20260102 --name 李四 --class 初一1班
expect_rc 0 cl "$PASS" student add --number 20260103 --name 王晓明 --class 初一1班
expect_rc 0 cl "$PASS" record add assessment --student 20260101 --field occurred_at=2026-03-03 --field risk_level=1 \
  --field misconduct_tier=bad --field reasons=上课顶撞老师 --field safety_plan=no

# Labels, not ids, in the current language.
expect_rc 0 cl "$PASS" student show 20260101
grep -q '王大明 (父亲)' "$T/out" || fail "guardian relation is not the form's label: $(cat "$T/out")"
grep -q '(father)' "$T/out" && fail "guardian relation shown as its id"
grep -q '2026-03-03  1 关注  不良行为' "$T/out" || fail "risk history tier is not the label: $(cat "$T/out")"
grep -q ' bad ' "$T/out" && fail "risk history shows the tier id"
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" student show 20260101
grep -q '王大明 (Father)' "$T/out" && grep -q '1 attention  Misconduct' "$T/out" || fail "English labels: $(cat "$T/out")"
expect_rc 0 cl "$PASS" student list
grep -q '在案跟进' "$T/out" || fail "student list status is not the label: $(cat "$T/out")"
grep -q 'active' "$T/out" && fail "student list shows the status id"
expect_rc 0 cl "$PASS" --json student list
grep -q '"status":"active"' "$T/out" || fail "student list --json keeps the id"

# The reason a case was closed shows with who and when.
reason='家长要求结案，学生已转由班主任日常关注'
expect_rc 0 cl "$PASS" student close 20260102 --reason "$reason"
expect_rc 0 cl "$PASS" student show 20260102
grep -q '^备注' "$T/out" || fail "student show has no notes: $(cat "$T/out")"
grep -q "王老师: 结案 Closed: $reason" "$T/out" || fail "the close reason is not shown: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json student show 20260102
grep -q "\"notes\":\[{\"id\":[0-9]*,\"author\":\"王老师\",\"at\":\"[0-9T:Z-]*\",\"text\":\"结案 Closed: $reason\"}\]" \
  "$T/out" || fail "student show --json has no notes: $(cat "$T/out")"
expect_rc 0 cl "$PASS" student show --help
grep -q 'notes' "$T/out" || fail "student show --help does not mention notes"

# A merged student is "merged", in lists and in its file.
expect_rc 0 cl "$PASS" student merge 20260101 20260103
expect_rc 0 cl "$PASS" --json student list --status merged
[ "$(jget status)" = merged ] || fail "student list --status merged --json: $(cat "$T/out")"
expect_rc 0 cl "$PASS" student list --status merged
grep -q '王晓明 .* 已合并' "$T/out" || fail "student list --status merged: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json student show '#3'
[ "$(jget status)" = merged ] || fail "student show --json of a merged student: $(cat "$T/out")"
expect_rc 0 cl "$PASS" student show '#3'
grep -q '^状态 *已合并' "$T/out" || fail "student show of a merged student: $(cat "$T/out")"

# A stale edit of a student names the student, not its details record.
expect_rc 0 cl "$PASS" student edit 20260101 --version 1 --class 初一2班
expect_rc 75 cl "$PASS" student edit 20260101 --version 1 --name 王小名
grep -q '学生 20260101（王小明）已被 王老师 于' "$T/err" || fail "stale student edit: $(cat "$T/err")"
grep -q 'carelog student show 20260101' "$T/err" || fail "stale student edit: $(cat "$T/err")"
grep -q 'record' "$T/err" && fail "stale student edit speaks of records: $(cat "$T/err")"

# Signing a kind that is never signed.
expect_rc 0 cl "$PASS" --json record add observation --student 20260101 --field 'occurred_at=2026-03-01 10:20' \
  --field categories=emotional --field description=上课时独自哭泣 --field severity=medium --field reporter_role=head_teacher
obs=$(jget id)
LANG=en_US.UTF-8 expect_rc 64 cl "$PASS" record sign "$obs" --version 1
grep -q 'a record of kind observation cannot be signed; only sessions, assessments, referrals and screenings can' "$T/err" ||
  fail "signing an observation: $(cat "$T/err")"

# record show: the flag line of the header and of the body alike.
fields=""
for i in 1 2 3 4 5 6 7 8; do fields="$fields --field q$i=1"; done
expect_rc 0 cl "$PASS" --json record add phq9 --student 20260101 --field occurred_at=2026-03-07 $fields --field q9=1
phq=$(jget id)
expect_rc 0 cl "$PASS" record show "$phq"
[ "$(grep -c '^警示: ' "$T/out")" = 2 ] || fail "record show flag lines differ: $(cat "$T/out")"
grep -q '^[^ ]*： ' "$T/out" && fail "record show mixes full-width colons: $(cat "$T/out")"
exit 0
