# `carelog agenda` at 80×24 (COLUMNS=80): every record id in a column of
# its own, and the flag label and the reasons whole, on a line of their own
# under each row; a wide terminal keeps them in the table.
. "$(dirname "$0")/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z LANG=zh_CN.UTF-8
unset LC_ALL LC_MESSAGES
init_vault
expect_rc 0 cl "$PASS" student add --number 20260101 --name 欧阳林小雨 --class "七年级(2)班" \
  --field circumstances=left_behind
fields=""
for i in 1 2 3 4 5 6 7 8; do fields="$fields --field q$i=1"; done
expect_rc 0 cl "$PASS" --json record add phq9 --student 20260101 --field occurred_at=2026-11-20 $fields --field q9=1
phq=$(grep -o '"id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)
expect_rc 0 cl "$PASS" --json record add session --student 20260101 --field occurred_at=2026-11-02 \
  --field duration_minutes=40 --field session_type=individual --field presenting_issue=情绪低落 \
  --field risk_noted=no --field follow_up=2026-11-09
ses=$(grep -o '"id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)
expect_rc 0 cl "$PASS" policy set circumstance left_behind 7
CARELOG_TEST_NOW=2026-11-09T09:00:00Z expect_rc 0 cl "$PASS" --json record add referral --student 20260101 \
  --field reason=疑似家庭暴力 --field urgency=urgent --field concerns=physical_abuse --field what=学生自述被父亲打 \
  --field guardians_informed=no --field reason_not_informed=监护人可能是侵害来源 --field agency=protection_station
ref=$(grep -o '"id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)

COLUMNS=80 expect_rc 0 cl "$PASS" agenda
cp "$T/out" "$T/narrow"
# No line is wider than the terminal (wc -L counts display cells).
[ "$(LC_ALL=C.UTF-8 wc -L <"$T/narrow")" -le 80 ] || fail "agenda is wider than 80 columns: $(cat "$T/narrow")"
grep -q '…' "$T/narrow" && fail "agenda cut something at 80 columns: $(cat "$T/narrow")"
grep -q "欧阳林小雨 (20260101, 七年级(2)班) .* #$phq " "$T/narrow" || fail "flag row lacks its record: $(cat "$T/narrow")"
grep -q '^    有不如死掉或伤害自己的念头（第9题），请当天评估自杀风险$' "$T/narrow" || fail "flag label not whole: $(cat "$T/narrow")"
grep -q "  #$ses\$" "$T/narrow" || fail "overdue row lacks its record id column: $(cat "$T/narrow")"
grep -q "^    2026-11-02 的辅导 #$ses 约定的跟进\$" "$T/narrow" || fail "overdue reason not whole: $(cat "$T/narrow")"
grep -q '^    留守儿童：至少每 7 天一次；' "$T/narrow" || fail "policy reason: $(cat "$T/narrow")"
grep -q "#$ref  *已报告\|#$ref  *草稿" "$T/narrow" || fail "referral row: $(cat "$T/narrow")"
grep -q '^    草稿超过一天未报告' "$T/narrow" || fail "late referral reason not whole: $(cat "$T/narrow")"

# Wide: one line a row, the reason in its column.
COLUMNS=200 expect_rc 0 cl "$PASS" agenda
grep -q '^    ' "$T/out" && fail "a wide agenda still puts reasons under the rows: $(cat "$T/out")"
grep -q "#$ses  *2026-11-02 的辅导 #$ses 约定的跟进" "$T/out" || fail "wide agenda: $(cat "$T/out")"
exit 0
