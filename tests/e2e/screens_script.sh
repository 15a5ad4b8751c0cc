# The screens in their scripted mode ($CARELOG is the build with the test
# hooks; the release build, $CARELOG_RELEASE, must not have it): keys
# from a file, the curses screen dumped as text and compared exactly with
# the expected screens in tests/e2e/screens/, the idle clock moved by the
# script (auto-lock without sleeping), CARELOG_TEST_NOW for the dates.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/screens/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z LANG=zh_CN.UTF-8 XDG_CONFIG_HOME="$T/config"
unset LC_ALL LC_MESSAGES LANGUAGE

V="$T/day"
(cd "$T/dumps" && CARELOG_SCREEN_SCRIPT="$HERE/day.keys" "$CARELOG" --vault "$V") || fail "the day script failed"
compare first-run first-run-mismatch recovery-key home-empty student-form student-file-empty kind-menu \
  session-typed session-risk-yes student-file-session record students-search students-filter home-charts \
  draft-typed locked wrong-passphrase home-draft draft-resumed-wide too-small draft-refused draft-saved \
  help-home settings settings-english
# What the screens saved is in the vault, as the command line sees it.
cl "$PASS" --json record list --student 20260101 >"$T/out" 2>&1 || fail "record list failed: $(cat "$T/out")"
grep -q '情绪低落，不愿上学' "$T/out" || fail "the session typed on screen is not in the vault"
grep -q '第二次：情况好转' "$T/out" || fail "the draft resumed after auto-lock was not saved"
cl "$PASS" --json record show 2 >"$T/out" 2>&1 || fail "record show failed"
grep -q '哭了很久。\\n晚上睡不好' "$T/out" || fail "the pasted paragraph lost its newline: $(cat "$T/out")"
# The language switched on the settings screen (to English and back) is
# the vault's own setting, audited, as `config set language` makes it.
expect_rc 0 cl "$PASS" config get language
[ "$(cat "$T/out")" = zh ] || fail "the language set on screen is not the vault's: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json audit list
[ "$(grep -o '"action":"setting.set","target":"language","detail":"[a-z]*"' "$T/out" | cut -d'"' -f12 | tr '\n' ' ')" = \
  "en zh " ] || fail "the language switches were not audited: $(cat "$T/out")"
# Nothing the screens did left a file outside the vault but the settings.
[ -z "$(find "$T/dumps" -type f ! -name '*.txt' ! -name '*.masked' ! -name '*.colors')" ] || fail "the screens wrote a file of their own"

# Stored text that tries to drive the terminal is drawn inert.
V="$T/inert"
init_vault --user 王老师
# A name cannot hold control or bidi characters (refused on input), so the
# escapes and the bidi override travel in a guardian's name and the notes.
expect_rc 0 cl "$PASS" student add --number 20260202 --name 红字abc --class 八年级 \
  --field guardians="[{\"name\":\"$(printf '\\u001b[31m父\\u001b]0;title\\u0007亲\\u202eabc')\",\"relation\":\"father\"}]"
expect_rc 0 cl "$PASS" record add session --student 20260202 --field session_type=individual --field risk_noted=no \
  --field presenting_issue="$(printf 'ok\033[2J\033[Hgone')"
(cd "$T/dumps" && NO_COLOR=1 CARELOG_SCREEN_SCRIPT="$HERE/inert.keys" "$CARELOG" --vault "$V") || fail "the inert script failed"
compare inert-students inert-file inert-record
# NO_COLOR: not one cell in colour.
grep -q '[1-9]' "$T/dumps/inert-students.colors" && fail "NO_COLOR was not honoured"
for n in inert-students inert-file inert-record; do
  LC_ALL=C grep -q "$(printf '\033')" "$T/dumps/$n.txt" && fail "an escape reached the screen in $n"
done

# A referral moved along the loop with its note, then signed (an edit is
# refused after that) and amended, all on screen.
V="$T/loop"
init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20260101 --name 林小雨 --class "七年级(2)班"
expect_rc 0 cl "$PASS" record add referral --student 20260101 --field reason=疑似家庭暴力 --field urgency=urgent \
  --field concerns=physical_abuse --field what=学生自述被父亲打 --field guardians_informed=no \
  --field reason_not_informed=监护人可能是侵害来源 --field agency=protection_station
expect_rc 0 cl "$PASS" record add session --student 20260101 --field session_type=individual --field risk_noted=no \
  --field presenting_issue=情绪低落
(cd "$T/dumps" && CARELOG_SCREEN_SCRIPT="$HERE/loop.keys" "$CARELOG" --vault "$V") || fail "the loop script failed"
compare loop-referrals loop-move-menu loop-move-note loop-moved loop-sign-confirm loop-signed loop-edit-refused \
  loop-amended
# With colour, the bars and the urgent referral's row are coloured.
grep -q '[1-9]' "$T/dumps/loop-referrals.colors" || fail "no colour without NO_COLOR"
expect_rc 0 cl "$PASS" --json record show 2
grep -q '"state":"reported"' "$T/out" || fail "the move on screen did not reach the vault"
grep -q '家长当天下午来电' "$T/out" || fail "the amendment on screen did not reach the vault"

# The program users get has no scripted mode: it never reads keys from a
# file nor writes the screen to one (here, with no terminal, it prints the
# home view as text instead).
if [ -n "${CARELOG_RELEASE:-}" ]; then
  mkdir "$T/release" && cd "$T/release" || fail "no folder for the release check"
  printf '%s\n' "$PASS" | CARELOG_SCREEN_SCRIPT="$HERE/inert.keys" "$CARELOG_RELEASE" --vault "$V" --passphrase-fd 3 \
    3<&0 </dev/null >"$T/out" 2>&1 || fail "the release build failed: $(cat "$T/out")"
  [ -z "$(ls -A "$T/release")" ] || fail "the release build wrote screen dumps"
  cd "$T" || fail "cannot go back to $T"
else
  fail "CARELOG_RELEASE is not set (make e2e sets it)"
fi
echo "screens_script ok"
