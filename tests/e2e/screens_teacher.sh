# The teacher's screen in its scripted mode ($CARELOG is the test build):
# keys from tests/e2e/screens/teacher*.keys, the screen dumped and compared
# exactly with the expected screens. Unlock with echo off, the roster
# picked by pinyin initials, the Chinese observation typed in the record
# editor over the roster's form, confirm and send, what was sent; then the
# counsellor's inbox import and accept find it in the student's timeline.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)/screens
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z LANG=zh_CN.UTF-8 XDG_CONFIG_HOME="$T/config" TZ=Asia/Shanghai
unset LC_ALL LC_MESSAGES LANGUAGE
TP='teacher own passphrase'
TI="$T/teacher"

# compare NAME… — as screens_script.sh does; the vault's fingerprint, the
# observation's random id and its hash, and the folder $T are masked.
compare() {
  for n in "$@"; do
    sed -E -e 's/[0-9A-Z]{4}(-[0-9A-Z]{4}){3}/XXXX-XXXX-XXXX-XXXX/g' -e 's/[0-9a-f]{24,32}/HEX/g' -e "s|$T|\$T|g" \
      "$T/dumps/$n.txt" >"$T/dumps/$n.masked"
    [ "${SCREENS_UPDATE:-}" = 1 ] && cp "$T/dumps/$n.masked" "$HERE/$n.txt"
    diff -u "$HERE/$n.txt" "$T/dumps/$n.masked" || fail "screen $n differs"
  done
}

init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20260101 --name 赵小明 --class 初二1班
expect_rc 0 cl "$PASS" student add --number 20260102 --name 钱小红 --class 初二2班
expect_rc 0 cl "$PASS" student add --number 20260103 --name 赵大海 --class 初二2班
printf '%s\n' "$TP" | "$CARELOG" --passphrase-fd 3 teacher init --name 李老师 --identity "$TI" 3<&0 >/dev/null
"$CARELOG" teacher join "$V/vault.pub" --identity "$TI" >/dev/null || fail "join"
expect_rc 0 cl "$PASS" teacher add 李老师 "$("$CARELOG" teacher show --json --identity "$TI" | sed 's/.*"public_key":"\([^"]*\)".*/\1/')"
expect_rc 0 cl "$PASS" teacher publish-roster

mkdir -p "$T/dumps"
(cd "$T/dumps" && CARELOG_SCREEN_SCRIPT="$HERE/teacher.keys" "$CARELOG" --vault "$V" observe --identity "$TI") ||
  fail "the teacher's script failed"
compare teacher-unlock teacher-unlock-wrong teacher-pick teacher-pick-zxm teacher-form-missing teacher-form \
  teacher-confirm teacher-sent-one teacher-sent
grep -q 'teacher own' "$T"/dumps/*.txt && fail "the passphrase showed on screen"
[ "$(ls "$V/inbox" | wc -l)" = 1 ] || fail "the screen did not drop one file into inbox/"
[ -z "$(find "$T/dumps" -type f ! -name '*.txt' ! -name '*.masked')" ] || fail "the teacher's screen wrote a file of its own"

expect_rc 0 cl "$PASS" inbox import
expect_rc 0 cl "$PASS" inbox accept 1
expect_rc 0 cl "$PASS" record list --student 20260101 --kind observation --json
grep -q '"author":"李老师"' "$T/out" || fail "the observation is not the teacher's in the timeline"
id=$(grep -o '"id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)
expect_rc 0 cl "$PASS" record show "$id" --json
grep -q '课间趴在桌上哭，左臂有新的划痕' "$T/out" || fail "the description did not arrive as typed"
grep -q '"severity":"urgent"' "$T/out" || fail "the severity chosen on screen did not arrive: $(cat "$T/out")"

# Idle just before sending: the screen leaves, nothing is sent or kept. The
# same keys with the idle time off do send, so the script would send.
idle_run() {
  (cd "$T/dumps" && CARELOG_SCREEN_SCRIPT="$HERE/teacher-idle.keys" "$CARELOG" --vault "$V" observe --identity "$TI") ||
    fail "the idle script failed"
}
mkdir -p "$XDG_CONFIG_HOME/carelog"
before=$(ls "$V/inbox" | wc -l)
idle_run
[ "$(ls "$V/inbox" | wc -l)" = "$before" ] || fail "an observation left idle was sent"
grep -rqa '半句话' "$TI" "$T/dumps" "$XDG_CONFIG_HOME" 2>/dev/null && fail "the typing was kept on disk"
printf 'lang=zh\nautolock=0\n' >"$XDG_CONFIG_HOME/carelog/screens.conf"
idle_run
[ "$(ls "$V/inbox" | wc -l)" = $((before + 1)) ] || fail "the idle script does not send even without the idle time"
rm "$XDG_CONFIG_HOME/carelog/screens.conf"
expect_rc 0 cl "$PASS" inbox import

# No roster: the number is typed.
rm "$V/teacher.roster"
(cd "$T/dumps" && CARELOG_SCREEN_SCRIPT="$HERE/teacher-noroster.keys" "$CARELOG" --vault "$V" observe --identity "$TI") ||
  fail "the teacher's script without a roster failed"
compare teacher-noroster-number
expect_rc 0 cl "$PASS" inbox import
expect_rc 0 cl "$PASS" inbox list --json
grep -q '20260103' "$T/out" || fail "the observation typed without a roster did not arrive"
exit 0
