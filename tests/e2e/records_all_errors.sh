# A form with several problems reports every one at once (a line each,
# naming the field and its label), as a list under --json, and saves
# nothing; fixing them all in one retry is enough.
. "$(dirname "$0")/lib.sh"
export LANGUAGE=en   # the English source messages

init_vault
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张三 --class 初二3班

# Three problems in one student: all named, none saved.
expect_rc 65 cl "$PASS" student add --number 20260002 --class 初一 --field birth_date=2012-13-45 --field gender=xx
grep -q '3 problems in the student form; nothing was saved' "$T/err" || fail "no count of problems: $(cat "$T/err")"
for want in '^  field name (姓名): required' "^  field birth_date (出生日期): '2012-13-45' is not a real date" \
            "^  field gender (性别): unknown choice 'xx'"; do
  grep -q "$want" "$T/err" || fail "stderr lacks \"$want\": $(cat "$T/err")"
done
expect_rc 66 cl "$PASS" student show 20260002

# The same as JSON for programs: one object with the problems as a list.
expect_rc 65 cl "$PASS" --json student add --number 20260002 --class 初一 --field birth_date=2012-13-45 --field gender=xx
[ "$(grep -o '"field":"[a-z_]*"' "$T/out" | tr '\n' ' ')" = '"field":"name" "field":"gender" "field":"birth_date" ' ] ||
  fail "JSON problems: $(cat "$T/out")"
grep -q '"status":65' "$T/out" && grep -q '"label_zh":"出生日期"' "$T/out" || fail "JSON problem shape: $(cat "$T/out")"

# A record with four problems, then one retry with all of them fixed.
expect_rc 65 cl "$PASS" record add observation --student 20260001 --field occurred_at=2026-13-01 --field severity=huge
for want in occurred_at categories description severity; do
  grep -q "^  field $want " "$T/err" || fail "record: $want not reported: $(cat "$T/err")"
done
expect_rc 0 cl "$PASS" record list --json
[ "$(cat "$T/out")" = '[]' ] || fail "a refused record was saved: $(cat "$T/out")"
expect_rc 0 cl "$PASS" record add observation --student 20260001 --field occurred_at=2026-03-01T10:00 \
  --field severity=low --field categories=emotional --field description=上课哭泣

# An edit too: both problems at once, the record unchanged.
expect_rc 65 cl "$PASS" record edit 2 --version 1 --field severity=huge --field categories=nonsense
grep -q 'severity' "$T/err" && grep -q 'categories' "$T/err" || fail "edit: not every problem: $(cat "$T/err")"

# A roster row with two problems gets both.
printf '学号,姓名,性别,出生日期\n20260003,李四,x,2012-02-30\n' >"$T/r.csv"
expect_rc 65 cl "$PASS" import roster "$T/r.csv"
grep -q 'line 2: .*gender' "$T/err" && grep -q 'line 2: .*birth_date' "$T/err" || fail "roster: $(cat "$T/err")"
exit 0
