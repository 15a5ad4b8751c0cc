# Records through the command line: every kind added (by --field, by --input
# FILE and by --input -) and shown as a table and as JSON; lists; forms.
. "$(dirname "$0")/lib.sh"

# jget KEY — the first scalar value of "KEY" in $T/out (JSON on one line).
jget() { grep -o "\"$1\":\(\"[^\"]*\"\|[-0-9a-z.]*\)" "$T/out" | head -n 1 | cut -d: -f2- | tr -d '"'; }

init_vault --user 王老师

# Forms were copied in at init.
expect_rc 0 cl "$PASS" form list
for k in student observation session assessment plan review contact referral phq9 gad7; do
  grep -q "^$k " "$T/out" || fail "form list lacks $k"
done
expect_rc 0 cl "$PASS" form show phq9
grep -q '^flag self_harm_thoughts when q9 >= 1' "$T/out" || fail "form show does not print the definition"
expect_rc 0 cl "$PASS" --json form show session
grep -q '"kind":"session","version":1' "$T/out" || fail "form show --json"

# A student, with guardians and circumstances.
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张三 --class '初二(3)班' \
  --field gender=男 --field birth_date=2012/5/1 --field circumstances=left_behind,单亲家庭 \
  --field 'guardians=[{"name":"张奶奶","relation":"grandparent","phone":"13800000000"}]'
grep -q 'Added student #1 张三 (20260001)' "$T/out" || fail "student add said: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json student show 20260001
grep -q '"birth_date":"2012-05-01"' "$T/out" || fail "birth date not canonical"
grep -q '"circumstances":\["left_behind","single_parent"\]' "$T/out" || fail "circumstances"
grep -q '"guardians":\[{"name":"张奶奶"' "$T/out" || fail "guardians"
grep -q '"version":1' "$T/out" || fail "student version"

add() { # add KIND ARG… → prints the new id
  expect_rc 0 cl "$PASS" --json record add "$@"
  jget id
}

obs=$(add observation --student 20260001 --field 'occurred_at=2026-03-01 10:20' --field categories=emotional,social \
  --field description='上课时独自哭泣' --field severity=medium --field reporter_role=head_teacher)
ses=$(add session --student '#1' --field occurred_at=2026-03-02 --field session_type=individual \
  --field duration_minutes=45 --field risk_noted=否 --field data='说最近睡不好')
ass=$(add assessment --student 20260001 --field occurred_at=2026-03-03 --field risk_level=2 \
  --field misconduct_tier=none --field reasons='PHQ-9 第9题 1 分' --field safety_plan=yes \
  --field follow_up=2026-03-10)
pln=$(add plan --student 20260001 --field occurred_at=2026-03-04 --field goals='每周辅导一次' \
  --field review_date=2026-04-01 --field status=active)
rev=$(add review --student 20260001 --parent "$pln" --field occurred_at=2026-04-01 --field progress='睡眠好转' \
  --field goal_status=partly)
grep -q "\"parent_id\":$pln" "$T/out" || fail "review not linked to its plan"
con=$(add contact --student 20260001 --field occurred_at=2026-03-05 --field who=张奶奶 --field channel=phone \
  --field summary='告知在校情况')
ref=$(add referral --student 20260001 --field occurred_at=2026-03-06 --field concerns=neglect --field reason='长期无人照顾' \
  --field urgency=urgent --field what='经过' --field guardians_informed=no --field reason_not_informed='监护人外出务工联系不上' \
  --field agency=civil_affairs)
grep -q '"state":"draft"' "$T/out" || fail "referral does not start as a draft"

# JSON input from a file and from standard input.
cat >"$T/phq9.json" <<'JSON'
{"occurred_at":"2026-03-07","q1":1,"q2":2,"q3":1,"q4":1,"q5":0,"q6":1,"q7":0,"q8":0,"q9":1,"notes":"第一次筛查\n第二行"}
JSON
phq=$(add phq9 --student 20260001 --input "$T/phq9.json")
grep -q "\"max\":27,\"score\":7" "$T/out" || fail "phq9 score not stored: $(cat "$T/out")"
grep -q '"flag":"self_harm_thoughts"' "$T/out" || fail "phq9 item 9 raised no flag"
printf '%s\n' "$PASS" >"$T/pw"
printf '{"occurred_at":"2026-03-08","q1":3,"q2":3,"q3":3,"q4":3,"q5":3,"q6":3,"q7":2}' |
  "$CARELOG" --vault "$V" --passphrase-fd 3 --json record add gad7 --student 20260001 --input - 3<"$T/pw" >"$T/out" 2>"$T/err" ||
  { cat "$T/err"; fail "record add --input -"; }
gad=$(jget id)
grep -q '"band":"severe"' "$T/out" || fail "gad7 band"

# Every kind shows as text and as JSON.
for id in $obs $ses $ass $pln $rev $con $ref $phq $gad; do
  expect_rc 0 cl "$PASS" record show "$id"
  grep -q "张三 (20260001)" "$T/out" || fail "record show $id lacks the student"
  expect_rc 0 cl "$PASS" --json record show "$id"
  grep -q "\"id\":$id," "$T/out" || fail "record show --json $id"
done
expect_rc 0 cl "$PASS" record show "$obs"
grep -q '上课时独自哭泣' "$T/out" || fail "observation text not shown"
expect_rc 0 cl "$PASS" record show "$phq"
grep -q '7/27' "$T/out" || fail "score not shown"

# The student's file: risk from the assessment, the flag, the records.
expect_rc 0 cl "$PASS" student show 20260001
grep -q '2 elevated' "$T/out" || fail "risk not shown"
grep -q '^FLAGS ' "$T/out" || fail "flag not shown"
grep -q 'Left-behind child' "$T/out" || fail "circumstances not shown"
grep -q '张奶奶' "$T/out" || fail "guardians not shown"
expect_rc 0 cl "$PASS" --json student list
grep -q '"risk_level":2' "$T/out" && grep -q '"flags":\["self_harm_thoughts"\]' "$T/out" || fail "student list"

# Lists and filters.
expect_rc 0 cl "$PASS" --json record list --student 20260001
[ "$(grep -o '"id":' "$T/out" | wc -l)" -eq 9 ] || fail "record list should hold 9 records"
expect_rc 0 cl "$PASS" --json record list --kind session
[ "$(grep -o '"id":' "$T/out" | wc -l)" -eq 1 ] || fail "record list --kind"
expect_rc 0 cl "$PASS" --json record list --since 2026-03-05 --until 2026-03-06
[ "$(grep -o '"id":' "$T/out" | wc -l)" -eq 2 ] || fail "record list --since/--until"
expect_rc 0 cl "$PASS" record list
grep -q '上课时独自哭泣' "$T/out" || fail "record list table lacks the summary"

# Edit, history, sign, amend.
expect_rc 0 cl "$PASS" record edit "$ses" --version 1 --field plan='下周继续'
grep -q 'now version 2' "$T/out" || fail "edit"
expect_rc 0 cl "$PASS" record sign "$ses" --version 2
expect_rc 0 cl "$PASS" record amend "$ses" --text '补充：家长当晚来电'
expect_rc 0 cl "$PASS" --json record show "$ses" --history
grep -q '"signature_valid":true' "$T/out" || fail "signature not valid"
grep -q '"history":\[{"version":1' "$T/out" || fail "history lacks version 1"
expect_rc 0 cl "$PASS" record show "$ses"
grep -q '补充：家长当晚来电' "$T/out" || fail "amendment not shown"
grep -q '签名有效\|signature valid' "$T/out" || fail "signature not shown"

# A changed form is imported as version 2; old records keep rendering.
expect_rc 0 cl "$PASS" form show contact
sed 's/^title .*/title 家校沟通记录（第二版） | Home-school contact (v2)/' "$T/out" >"$T/contact.form"
expect_rc 0 cl "$PASS" form import "$T/contact.form"
grep -q 'version 2' "$T/out" || fail "form import: $(cat "$T/out")"
expect_rc 0 cl "$PASS" form import "$T/contact.form"
grep -q 'unchanged' "$T/out" || fail "same form imported twice"
expect_rc 0 cl "$PASS" --json record show "$con"
grep -q '"form_version":1' "$T/out" || fail "old record lost its form version"
expect_rc 0 cl "$PASS" form show contact --version 1
grep -q '^title 家校沟通记录 |' "$T/out" || fail "form show --version 1"
echo "records_kinds ok"
