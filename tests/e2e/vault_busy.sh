# Busy is not damage: many carelogs adding and reading at once all succeed
# (a busy vault waits), and a read-only vault file or folder says so, not
# "damaged".
. "$(dirname "$0")/lib.sh"
init_vault
expect_rc 0 cl "$PASS" student add --number 1 --name 张一 --class 一班

worker() {
  _w=$1; _i=0
  while [ $_i -lt 6 ]; do
    cl "$PASS" student add --number "$_w$_i" --name "学生$_w$_i" --class 二班 >/dev/null 2>"$T/err.$_w.$_i" ||
      echo "add $_w $_i: $(cat "$T/err.$_w.$_i")" >>"$T/failures"
    cl "$PASS" status --json >/dev/null 2>"$T/err.$_w.$_i.r" ||
      echo "status $_w $_i: $(cat "$T/err.$_w.$_i.r")" >>"$T/failures"
    cl "$PASS" student list --json >/dev/null 2>"$T/err.$_w.$_i.l" ||
      echo "list $_w $_i: $(cat "$T/err.$_w.$_i.l")" >>"$T/failures"
    _i=$((_i + 1))
  done
}
: >"$T/failures"
pids=""
for w in 1 2 3 4 5 6 7 8; do worker $w & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
[ -s "$T/failures" ] && { cat "$T/failures"; fail "concurrent carelogs failed"; }
expect_rc 0 cl "$PASS" status --json
[ "$(json_count students)" = 49 ] || fail "expected 49 students after the concurrent adds, got $(json_count students)"
note "8 concurrent carelogs × 18 commands: no failures"

# A read-only vault. Root ignores file modes, so the checks then run as an
# unprivileged user who owns a copy of the vault.
as_user() {
  if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
  else "$@"; fi
}
R="$T/ro"
mkdir -p "$R"
chmod 0755 "$T"
cp -r "$V" "$R/v"
mkdir -p "$R/state"
[ "$(id -u)" -eq 0 ] && chown -R 65534:65534 "$R"
ro() { printf '%s\n' "$PASS" | as_user env XDG_STATE_HOME="$R/state" HOME="$R" "$CARELOG" --vault "$R/v" --passphrase-fd 3 "$@" 3<&0 </dev/null; }
expect_rc 0 ro status --json
chmod 0444 "$R/v/vault.db"
expect_rc 77 ro student add --number 900 --name 只读 --class 一班
grep -q "read-only" "$T/err" || { cat "$T/err"; fail "a read-only vault.db was not named read-only"; }
grep -q "vault.db" "$T/err" || { cat "$T/err"; fail "the read-only message does not name vault.db"; }
grep -q "damaged" "$T/err" && fail "a read-only vault.db was called damaged"
chmod 0644 "$R/v/vault.db"
rm -f "$R/v/vault.db-wal" "$R/v/vault.db-shm"
chmod 0555 "$R/v"
expect_rc 77 ro status --json
grep -q "read-only" "$T/err" || { cat "$T/err"; fail "a read-only vault folder was not named read-only"; }
grep -q "folder $R/v" "$T/err" || { cat "$T/err"; fail "the read-only message does not name the folder"; }
grep -q "damaged" "$T/err" && fail "a read-only vault folder was called damaged"
chmod 0755 "$R/v"
echo "vault_busy ok"
