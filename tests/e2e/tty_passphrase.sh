# Passphrases typed on a real terminal (tmux) are never echoed, a new one is
# asked for twice, and a mismatch changes nothing.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is missing (tools/install-deps --test installs it)"
init_vault
# Each run gets a tmux server of its own (a fresh socket), so no run can
# meet a server that is still shutting down.
RUN=0
SOCK="carelog-e2e-$$-0"
tm() { tmux -L "$SOCK" "$@"; }
cleanup() { for n in $(seq 0 "$RUN"); do tmux -L "carelog-e2e-$$-$n" kill-server 2>/dev/null; done; }
trap cleanup EXIT

# wait_for TEXT — polls the pane until TEXT shows (at most 10 s).
wait_for() {
  i=0
  while ! tm capture-pane -p -t t 2>/dev/null | grep -q "$1"; do
    i=$((i + 1))
    [ $i -gt 200 ] && { tm capture-pane -p -t t; fail "the terminal never showed: $1"; }
    sleep 0.05
  done
}

run_in_tmux() {
  RUN=$((RUN + 1))
  SOCK="carelog-e2e-$$-$RUN"
  tm new-session -d -s t -x 100 -y 30 \
    "env CARELOG_TEST_FAST_KDF=1 XDG_STATE_HOME='$XDG_STATE_HOME' HOME='$HOME' '$CARELOG' --vault '$V' $*; echo EXIT=\$?; sleep 30"
}

run_in_tmux status
wait_for 'Passphrase'
tm send-keys -t t "$PASS" Enter
wait_for 'EXIT=0'
tm capture-pane -p -t t >"$T/screen"
grep -q 'Fingerprint' "$T/screen" || fail "status did not open with the typed passphrase"
grep -q "$PASS" "$T/screen" && fail "the passphrase was echoed on the terminal"

# A new passphrase is asked twice; two different answers change nothing.
snapshot "$V" "$T/before"
run_in_tmux passwd
wait_for 'Passphrase'
tm send-keys -t t "$PASS" Enter
wait_for 'New passphrase'
tm send-keys -t t "brand new passphrase" Enter
wait_for 'Repeat'
tm send-keys -t t "a different passphrase" Enter
wait_for 'EXIT=64'
tm capture-pane -p -t t >"$T/screen"
grep -q 'differ' "$T/screen" || fail "a mismatch was not explained"
grep -q 'brand new passphrase' "$T/screen" && fail "the new passphrase was echoed"
same_files "$T/before" "$V" "a refused passphrase change"
opens "$PASS" || fail "the old passphrase stopped working after a refused change"
echo "tty_passphrase ok"
