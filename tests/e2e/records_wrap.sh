# At 80 columns `record show` wraps long values under their label, as
# `student show` does, and never prints a line wider than the terminal;
# a cleared screening flag stays in the student's file, marked cleared
# with who, when and why.
. "$(dirname "$0")/lib.sh"
export LANG=zh_CN.UTF-8   # as a Chinese counsellor reads it
export CARELOG_TEST_NOW=2026-11-21T02:00:00Z TZ=Asia/Shanghai COLUMNS=80

cells() { LC_ALL=C.UTF-8 wc -L <"$1"; }

init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20260101 --name 欧阳林小雨 --class 七年级2班
long='今天上课时学生突然情绪崩溃，趴在桌上哭泣了将近二十分钟，同学们围过来询问时她说不想活了，班主任立即联系了心理老师并通知了家长，下午家长来校接回。'
expect_rc 0 cl "$PASS" record add observation --student 20260101 --field occurred_at=2026-11-20T10:00 \
  --field severity=high --field categories=emotional --field "description=$long with English words too, to break at spaces"
expect_rc 0 cl "$PASS" record show 2
[ "$(cells "$T/out")" -le 80 ] || fail "record show is wider than 80 columns: $(cat "$T/out")"
# The description's label, then its rest under the value (after "情况描述: ", 10 cells).
grep -q '^情况描述: 今天上课时' "$T/out" || fail "the label lost its value: $(cat "$T/out")"
grep -q '^          [^ ]' "$T/out" || fail "the rest is not under the value: $(cat "$T/out")"
[ "$(grep -c '^          [^ ]' "$T/out")" -ge 2 ] || fail "the long value was not wrapped: $(cat "$T/out")"
# Nothing lost: the text joined back is the text.
sed -n '/^情况描述: /,/^紧急程度/p' "$T/out" | sed '$d' | sed 's/^情况描述: //; s/^ *//' | tr -d '\n' >"$T/joined"
grep -q "不想活了" "$T/joined" && grep -q 'break atspaces\|break at spaces' "$T/joined" || fail "text lost in wrapping: $(cat "$T/joined")"
# Without a terminal width nothing is wrapped.
(unset COLUMNS; expect_rc 0 cl "$PASS" record show 2; [ "$(grep -c '^          [^ ]' "$T/out")" = 0 ]) ||
  fail "record show wrapped with no width"

# A screening flag, cleared: still in the file, with who, when and why.
fields=""
for i in 1 2 3 4 5 6 7 8; do fields="$fields --field q$i=1"; done
# shellcheck disable=SC2086 # the fields' words
expect_rc 0 cl "$PASS" --json record add phq9 --student 20260101 --field occurred_at=2026-11-20 $fields --field q9=1
expect_rc 0 cl "$PASS" --json student show 20260101
flag=$(grep -o '"flags":\[{"id":[0-9]*' "$T/out" | grep -o '[0-9]*$')
[ -n "$flag" ] || fail "no flag raised: $(cat "$T/out")"
expect_rc 0 cl "$PASS" student clear-flag "$flag" --reason '当天评估，无自杀计划，已与家长沟通并约定每周会谈一次，继续观察'
expect_rc 0 cl "$PASS" student show 20260101
grep -q '^已解除警示' "$T/out" || fail "the cleared flag disappeared: $(cat "$T/out")"
sed -n '/^已解除警示/,/^$/p' "$T/out" | sed 's/^ *//; s/^已解除警示 *//' | tr '\n' ' ' >"$T/cleared"
grep -q '王老师 于 2026-11-21 10:00 解除：当天评估，无自杀计划' "$T/cleared" || fail "who, when and why: $(cat "$T/cleared")"
grep -q '^警示' "$T/out" && fail "a cleared flag is shown as open: $(cat "$T/out")"
[ "$(cells "$T/out")" -le 80 ] || fail "student show is wider than 80 columns: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json student show 20260101
grep -q '"flags":\[\]' "$T/out" || fail "--json flags lists a cleared flag"
grep -q '"cleared_flags":\[{"id":'"$flag"',.*"cleared_at":"2026-11-21T02:00:00Z","cleared_by":"王老师","cleared_reason":"当天评估' "$T/out" ||
  fail "--json cleared_flags: $(cat "$T/out")"
exit 0
