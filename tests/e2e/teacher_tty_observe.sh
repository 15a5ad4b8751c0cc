# A teacher writes an observation in Chinese on a real terminal (tmux):
# carelog asks each field of the form in turn, explains and asks again when
# an answer is refused or a required one is left empty, does not echo the
# passphrase, and the counsellor reads exactly what was typed.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is missing (tools/install-deps --test installs it)"
TP='teacher own passphrase'
TI="$T/teacher"
init_vault
expect_rc 0 cl "$PASS" student add --number S001 --name 张小明 --class 初二1班
printf '%s\n' "$TP" | "$CARELOG" --passphrase-fd 3 teacher init --name 李老师 --identity "$TI" 3<&0 >/dev/null
"$CARELOG" teacher join "$V/vault.pub" --identity "$TI" >/dev/null || fail "join"
expect_rc 0 cl "$PASS" teacher add 李老师 "$("$CARELOG" teacher show --json --identity "$TI" | sed 's/.*"public_key":"\([^"]*\)".*/\1/')"

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
# answer PROMPT TEXT — waits for the field's label, then types TEXT.
answer() { wait_for "$1"; tm send-keys -t t -l "$2"; tm send-keys -t t Enter; }

tm new-session -d -s t -x 120 -y 40 \
  "env CARELOG_TEST_FAST_KDF=1 HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME' LANG=zh_CN.UTF-8 '$CARELOG' --lang zh --vault '$V' observe --plain --identity '$TI'; echo EXIT=\$?; sleep 30"
answer '学号' S001
answer '发生时间' '2026-03-01 10:20'
answer '地点' '初二1班教室'
answer '观察到的情况' 'emotional,self_harm_signs'
answer '情况描述' ''
wait_for '此项必填'
tm send-keys -t t -l '课间趴在桌上哭，左臂有新的划痕，说“没人在乎我”' && tm send-keys -t t Enter
answer '紧急程度' 'catastrophic'
wait_for 'severity'
tm send-keys -t t -l 'urgent' && tm send-keys -t t Enter
answer '已采取的措施' '已陪同到心理室'
answer '记录人身份' 'head_teacher'
answer '跟进日期' ''
wait_for '教师密码'
tm send-keys -t t "$TP" Enter
wait_for 'EXIT='
tm capture-pane -p -t t >"$T/screen"
grep -q 'EXIT=0' "$T/screen" || { cat "$T/screen"; fail "observe on the terminal failed"; }
grep -q "$TP" "$T/screen" && fail "the teacher's passphrase was echoed"
grep -q '已封存观察记录' "$T/screen" || fail "no confirmation in Chinese"

expect_rc 0 cl "$PASS" inbox import
expect_rc 0 cl "$PASS" inbox accept 1
expect_rc 0 cl "$PASS" record list --student S001 --kind observation --json
grep -q '"author":"李老师"' "$T/out" || fail "the record is not the teacher's"
id=$(grep -o '"id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)
expect_rc 0 cl "$PASS" record show "$id" --json
grep -q '课间趴在桌上哭，左臂有新的划痕，说“没人在乎我”' "$T/out" || fail "the description did not arrive as typed"
grep -q '"location":"初二1班教室"' "$T/out" || fail "the location did not arrive"
grep -q '"severity":"urgent"' "$T/out" || fail "the re-asked severity did not arrive"
grep -q '"reporter_role":"head_teacher"' "$T/out" || fail "the role did not arrive"
echo "teacher_tty_observe ok"
