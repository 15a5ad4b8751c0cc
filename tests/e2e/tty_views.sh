# The inbox and search views on a real terminal (tmux), in English and in
# Chinese: a teacher's observation taken in, shown and accepted onto the
# student, then found by a Chinese word and opened. Waits on screen
# content, never on time.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is missing (tools/install-deps --test installs it)"
SOCK="carelog-views-$$"
tm() { tmux -u -L "$SOCK" "$@"; }
trap 'tmux -L "$SOCK" kill-server 2>/dev/null' EXIT
screen() { tm capture-pane -p -t "$S"; }
wait_for() {
  i=0
  while ! screen 2>/dev/null | grep -q "$1"; do
    i=$((i + 1))
    [ $i -gt 300 ] && { screen; fail "the terminal never showed: $1"; }
    sleep 0.05
  done
}
# open NAME LANG LANGUAGE — the screens on $V in a new tmux session NAME.
open() {
  S=$1
  tm new-session -d -s "$S" -x 80 -y 24 \
    "env CARELOG_TEST_FAST_KDF=1 LANG=$2 LANGUAGE=$3 XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$T/config' HOME='$HOME' TERM=screen-256color '$CARELOG' --vault '$V'; echo EXIT=\$?; sleep 60"
  wait_for 'Passphrase\|密码'
  tm send-keys -t "$S" -l "$PASS"; tm send-keys -t "$S" Enter
}

TI="$T/teacher"
t() {
  _lines=$1; shift
  printf '%s\n' "$_lines" | "$CARELOG" --passphrase-fd 3 "$@" --identity "$TI" 3<&0 </dev/null
}
init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number S001 --name 张小明 --class 初二1班
expect_rc 0 t "teacher own passphrase" teacher init --name 李老师
expect_rc 0 t "" teacher show --json
KEY=$(sed 's/.*"public_key":"\([^"]*\)".*/\1/' "$T/out")
expect_rc 0 t "" teacher join "$V/vault.pub"
expect_rc 0 cl "$PASS" teacher add 李老师 "$KEY"
mkdir -p "$V/inbox"
expect_rc 0 t "teacher own passphrase" --vault "$V" observe --student S001 --field occurred_at=2026-11-20T10:00 \
  --field categories=self_harm_signs --field severity=urgent --field "description=手臂上有划痕TQ9" \
  --field "immediate_action=已陪同到心理室"

open en C.UTF-8 en
wait_for 'Needs attention now'
tm send-keys -t en i
wait_for "observations to triage (0)"
tm send-keys -t en i
wait_for '1 new observation taken in'
screen | grep -q '手臂上有划痕TQ9' || { screen; fail "the observation is not listed"; }
tm send-keys -t en Enter
wait_for 'Observation from 李老师'
tm send-keys -t en a
wait_for 'Accept it as an observation of 张小明'
tm send-keys -t en y
wait_for 'Accepted as record #2'
tm send-keys -t en q
wait_for 'Needs attention now'
tm send-keys -t en /
wait_for 'Search:'
tm send-keys -t en -l '划痕'; tm send-keys -t en Enter
wait_for 'Search: 划痕 — 1 match'
tm send-keys -t en Enter
wait_for 'Behaviour observation #2'
tm send-keys -t en q q q
wait_for 'EXIT=0'

open zh zh_CN.UTF-8 zh_CN
wait_for '需要关注'
tm send-keys -t zh /
wait_for '搜索：'
tm send-keys -t zh -l 'TQ9'; tm send-keys -t zh Enter
wait_for '搜索：TQ9 — 共 1 条'
screen | grep -q '张小明' || { screen; fail "the Chinese search does not show the student"; }
tm send-keys -t zh q q
wait_for 'EXIT=0'
echo "tty_views ok"
