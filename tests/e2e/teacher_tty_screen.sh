# The teacher's screen on a real terminal (tmux), in Chinese: the
# passphrase typed with echo off, the student found on the published roster
# by pinyin initials, a Chinese observation typed in the editor, confirmed
# and sent into inbox/; the counsellor's inbox import and accept then find
# it in the student's timeline, authored by the teacher.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is missing (tools/install-deps --test installs it)"
TP='teacher own passphrase'
TI="$T/teacher"
M='午休时独自在楼梯间哭，说“不想活了”'
init_vault
expect_rc 0 cl "$PASS" student add --number S001 --name 张小明 --class 初二1班
expect_rc 0 cl "$PASS" student add --number S002 --name 李小华 --class 初二1班
printf '%s\n' "$TP" | "$CARELOG" --passphrase-fd 3 teacher init --name 李老师 --identity "$TI" 3<&0 >/dev/null
"$CARELOG" teacher join "$V/vault.pub" --identity "$TI" >/dev/null || fail "join"
expect_rc 0 cl "$PASS" teacher add 李老师 "$("$CARELOG" teacher show --json --identity "$TI" | sed 's/.*"public_key":"\([^"]*\)".*/\1/')"
expect_rc 0 cl "$PASS" teacher publish-roster

SOCK="carelog-e2e-$$"
tm() { tmux -L "$SOCK" "$@"; }
trap 'tmux -L "$SOCK" kill-server 2>/dev/null' EXIT
# wait_for TEXT — polls the pane until TEXT shows (at most 10 s).
wait_for() {
  i=0
  while ! tm capture-pane -p -t t 2>/dev/null | grep -q "$1"; do
    i=$((i + 1))
    [ $i -gt 200 ] && { tm capture-pane -p -t t; fail "the terminal never showed: $1"; }
    sleep 0.05
  done
}
type_text() { tm send-keys -t t -l "$1"; }

tm new-session -d -s t -x 100 -y 30 \
  "env CARELOG_TEST_FAST_KDF=1 HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME' LANG=zh_CN.UTF-8 '$CARELOG' --vault '$V' observe --identity '$TI'; echo EXIT=\$?; sleep 30"
wait_for '你的教师密码'
type_text "$TP"
tm capture-pane -p -t t | grep -q "$TP" && fail "the teacher's passphrase was echoed"
tm send-keys -t t Enter
wait_for '哪位学生'
type_text 'lxh'
wait_for '（1 / 2）'
tm send-keys -t t Enter
wait_for '发生时间'
type_text '2026-03-01 12:40' && tm send-keys -t t Tab
type_text '教学楼楼梯间' && tm send-keys -t t Tab
type_text 'emotional,suicide_talk' && tm send-keys -t t Tab
type_text "$M" && tm send-keys -t t Tab
tm send-keys -t t Space Space Space Space Tab
type_text '已陪同到心理室' && tm send-keys -t t C-s
wait_for '发送这条观察记录吗'
tm send-keys -t t Enter
wait_for '已发送：观察记录'
tm capture-pane -p -t t >"$T/screen"
grep -q "$V/inbox/" "$T/screen" || { cat "$T/screen"; fail "the screen did not say where the file went"; }
tm send-keys -t t s
wait_for 'S002 李小华'
tm send-keys -t t q
tm send-keys -t t Escape
wait_for 'EXIT='
tm capture-pane -p -t t >"$T/screen"
grep -q 'EXIT=0' "$T/screen" || { cat "$T/screen"; fail "the teacher's screen did not end well"; }
grep -q "$TP" "$T/screen" && fail "the teacher's passphrase showed"

expect_rc 0 cl "$PASS" inbox import
expect_rc 0 cl "$PASS" inbox accept 1
expect_rc 0 cl "$PASS" record list --student S002 --kind observation --json
grep -q '"author":"李老师"' "$T/out" || fail "the record in the timeline is not the teacher's"
id=$(grep -o '"id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)
expect_rc 0 cl "$PASS" record show "$id" --json
grep -q "$M" "$T/out" || fail "the Chinese description did not arrive as typed"
grep -q '"location":"教学楼楼梯间"' "$T/out" || fail "the location did not arrive"
exit 0
