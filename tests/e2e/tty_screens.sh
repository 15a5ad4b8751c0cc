# The screens on a real terminal (tmux): the first-run walk-through, home,
# a student with a Chinese name, a session with Chinese notes typed through
# the editor, a resize in the middle of editing, blank-and-lock, unlock, and
# the terminal given back on quit. Waits on screen content, never on time.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is missing (tools/install-deps --test installs it)"
# Each run gets a tmux server of its own (a fresh socket), so no run meets a
# server that is still shutting down.
RUN=0
SOCK="carelog-screens-$$-0"
tm() { tmux -u -L "$SOCK" "$@"; }
trap 'for n in $(seq 0 "$RUN"); do tmux -L "carelog-screens-$$-$n" kill-server 2>/dev/null; done' EXIT
screen() { tm capture-pane -p -t t; }
wait_for() {
  i=0
  while ! screen 2>/dev/null | grep -q "$1"; do
    i=$((i + 1))
    [ $i -gt 300 ] && { screen; fail "the terminal never showed: $1"; }
    sleep 0.05
  done
}
tm new-session -d -s t -x 80 -y 24 \
  "env CARELOG_TEST_FAST_KDF=1 LANG=C.UTF-8 LANGUAGE=en XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$T/config' HOME='$HOME' TERM=screen-256color '$CARELOG' --vault '$V'; echo EXIT=\$?; sleep 60"

wait_for 'no vault here yet'
tm send-keys -t t -l '测试中学'; tm send-keys -t t Enter
tm send-keys -t t -l '王老师'; tm send-keys -t t Enter
wait_for 'Choose a passphrase'
tm send-keys -t t -l "$PASS"; tm send-keys -t t Enter
wait_for 'Type it again'
tm send-keys -t t -l "$PASS"; tm send-keys -t t Enter
wait_for 'shown this once'
screen | grep -q "$PASS" && fail "the passphrase was echoed"
screen | grep -Eq '[0-9A-Z]{4}(-[0-9A-Z]{4}){7}' || fail "no recovery key on screen"
tm send-keys -t t y
wait_for 'Needs attention now'
wait_for 'Students by risk'

tm send-keys -t t s
wait_for 'Students (0)'
tm send-keys -t t n
wait_for 'new student'
tm send-keys -t t -l '20260101'; tm send-keys -t t Tab
tm send-keys -t t -l '赵小明'; tm send-keys -t t Tab Tab Tab; tm send-keys -t t -l '八年级(1)班'
for k in 1 2 3 4 5; do tm send-keys -t t Tab; done
tm send-keys -t t Space C-s
wait_for 'No records yet'
screen | grep -q '赵小明  20260101  八年级(1)班' || { screen; fail "the student's header is wrong"; }

tm send-keys -t t n
wait_for 'New record of which kind'
tm send-keys -t t 8
wait_for 'Counselling session · 赵小明'
tm send-keys -t t Tab Tab; tm send-keys -t t -l '40'; tm send-keys -t t Tab Space Tab
tm send-keys -t t -l '情绪低落，不愿上学'; tm send-keys -t t Tab
tm send-keys -t t -l '他说最近睡不好，和同桌吵架了。'
wait_for '睡不好'
# A resize in the middle of editing redraws at the new size, text kept.
tm resize-window -t t -x 100 -y 30
i=0
until [ "$(screen | head -n 1 | LC_ALL=C.UTF-8 wc -L)" -ge 95 ]; do
  i=$((i + 1)); [ $i -gt 300 ] && { screen; fail "the screens did not redraw at 100 columns"; }; sleep 0.05
done
screen | grep -q '他说最近睡不好，和同桌吵架了。' || { screen; fail "the text was lost in the resize"; }
tm send-keys -t t Tab Tab Tab Space Space C-s
wait_for 'Saved #2'
screen | grep -q '#2 .*情绪低落，不愿上学' || { screen; fail "the session is not at the top of the timeline"; }

# Blank and lock at once: nothing of the student remains on screen.
tm send-keys -t t C-x
wait_for 'The vault is locked'
screen | grep -q '赵小明' && fail "the student stayed on screen after locking"
tm send-keys -t t -l 'not the passphrase'; tm send-keys -t t Enter
wait_for 'does not open this vault'
tm send-keys -t t -l "$PASS"; tm send-keys -t t Enter
wait_for 'Needs attention now'
tm send-keys -t t q
wait_for 'EXIT=0'
screen | grep -q 'Needs attention' && fail "the screens were left on the terminal after quitting"
# What was typed is in the vault, as the command line sees it.
expect_rc 0 cl "$PASS" record list --student 20260101
grep -q '情绪低落，不愿上学' "$T/out" || fail "the session typed on screen is not in the vault: $(cat "$T/out")"

# A terminal closed in the middle of a record: the text survives as a draft
# in the vault, and the next start offers it on the home screen.
start() {
  RUN=$((RUN + 1))
  SOCK="carelog-screens-$$-$RUN"
  tm new-session -d -s t -x 80 -y 24 \
    "env CARELOG_TEST_FAST_KDF=1 LANG=C.UTF-8 LANGUAGE=en XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$T/config' HOME='$HOME' TERM=screen-256color '$CARELOG' --vault '$V'; echo EXIT=\$?; sleep 60"
  wait_for 'The vault is locked'
  tm send-keys -t t -l "$PASS"; tm send-keys -t t Enter
  wait_for 'Needs attention now'
}
start
tm send-keys -t t s
wait_for 'Students (1)'
tm send-keys -t t Enter
wait_for 'Edit details'
tm send-keys -t t n
wait_for 'New record of which kind'
tm send-keys -t t 8
wait_for 'Counselling session · 赵小明'
tm send-keys -t t Tab Tab Tab Tab
tm send-keys -t t -l '终端被关掉之前写的话'
wait_for '终端被关掉之前写的话'
pid=$(tm list-panes -t t -F '#{pane_pid}')
tm kill-server
i=0
while kill -0 "$pid" 2>/dev/null || pgrep -P "$pid" >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 200 ] && fail "carelog did not end after its terminal closed"; sleep 0.05
done
start
screen | grep -q 'Draft .*赵小明' || { screen; fail "the draft of the closed terminal is not offered"; }
tm send-keys -t t Enter
wait_for '终端被关掉之前写的话'
echo "tty_screens ok"
