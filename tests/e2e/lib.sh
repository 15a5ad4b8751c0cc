# Shared helpers for the vault end-to-end scripts; each script starts with
#   . "$(dirname "$0")/lib.sh"
# The runner (tests/run-e2e) gives $CARELOG (the binary) and $T (a fresh
# temporary folder, also the working directory). Sourcing this file only
# defines things, so the runner running it on its own passes trivially.
set -u
: "${CARELOG:?set CARELOG to the carelog binary}"
: "${T:=$(pwd)}"

# Minimal Argon2id cost; failure counters, data and home inside $T so that
# delays never accumulate across runs and nothing escapes the test folder.
export CARELOG_TEST_FAST_KDF=1
# The interface speaks English in these scripts (they read its messages)
# unless a script chooses LANG=zh_CN.UTF-8; i18n_*.sh check the Chinese.
unset LANGUAGE LC_ALL LC_MESSAGES
export LANG=en_US.UTF-8
export XDG_STATE_HOME="$T/state" XDG_DATA_HOME="$T/data" HOME="$T/home"
unset CARELOG_TEST_CRASH_AT
mkdir -p "$HOME"

V="$T/v"                 # the vault used by cl(); scripts may point it elsewhere
PASS='correct horse battery'
PASS2='second staple passphrase'
NL='
'                  # joins passphrase lines: cl "$PASS$NL$PASS2" passwd

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }

# cl PASSLINES ARG… — runs carelog on $V with PASSLINES (one passphrase per
# line) on descriptor 3. Output goes where the caller sends it.
cl() {
  _lines=$1; shift
  printf '%s\n' "$_lines" | "$CARELOG" --vault "$V" --passphrase-fd 3 "$@" 3<&0 </dev/null
}

# expect_rc WANT COMMAND… — runs COMMAND with stdout in $T/out and stderr in
# $T/err; fails the script (showing both) unless it exits WANT.
expect_rc() {
  _want=$1; shift
  "$@" >"$T/out" 2>"$T/err"
  _rc=$?
  if [ "$_rc" -ne "$_want" ]; then
    echo "stdout:"; sed 's/^/  /' "$T/out"; echo "stderr:"; sed 's/^/  /' "$T/err"
    fail "exit $_rc, wanted $_want: $*"
  fi
}

# snapshot DIR FILE — names and sha256 of every file under DIR (so a new
# -wal, -shm or temporary file counts as a change too), but for the sealed
# record of failed unlocks, which a wrong passphrase is meant to add to.
snapshot() { (cd "$1" && find . -type f ! -name failed-unlocks | LC_ALL=C sort | xargs -r sha256sum) >"$2"; }

# same_files BEFORE DIR WHAT — DIR still matches the snapshot BEFORE.
same_files() {
  snapshot "$2" "$T/.snap-now"
  cmp -s "$1" "$T/.snap-now" || { diff "$1" "$T/.snap-now"; fail "$3: files under $2 changed"; }
}

# init_vault [ARG…] — a new vault at $V owned by counsellor 王老师 (or the
# --user given); the recovery key it printed is left in $RK.
init_vault() {
  expect_rc 0 cl "$PASS" init --school 测试中学 "$@"
  RK=$(grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){7}' "$T/out" | head -n 1)
  [ -n "$RK" ] || fail "init printed no recovery key"
}

# opens PASS — true when PASS unlocks $V (status succeeds).
opens() { cl "$1" status --json >/dev/null 2>&1; }

# json_count TABLE — the row count of TABLE in the last `status --json` in $T/out.
json_count() { grep -o "\"$1\":-\{0,1\}[0-9][0-9]*" "$T/out" | head -n 1 | cut -d: -f2; }

# flip FILE OFFSET — inverts every bit of one byte in place.
flip() {
  _b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((255 - _b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

size_of() { wc -c <"$1" | tr -d ' '; }
