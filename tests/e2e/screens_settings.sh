# Each settings action on screen, through the same core functions as the
# command line: counsellor slots (add; remove with the key rotated; never
# the last), my passphrase, the recovery key shown once, teachers (enrol
# from a key file, revoke) and offices (add from office.pub, remove) —
# compared screen by screen, then checked with the command line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/screens/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z XDG_CONFIG_HOME="$T/config"
OFFICE="$T/office"
V=$OFFICE
expect_rc 0 cl "$PASS" office init --name 城区未保站 --user 李站长
cp "$OFFICE/office.pub" "$T/dumps/office.pub"
V="$T/v"
init_vault --user 王老师
OLD_RK=$RK
TI="$T/teacher"
printf '%s\n' 'teacher own passphrase' | "$CARELOG" --passphrase-fd 3 teacher init --name 李老师 --identity "$TI" \
  3<&0 </dev/null >/dev/null 2>&1 || fail "teacher init failed"
"$CARELOG" teacher show --json --identity "$TI" >"$T/out" 2>&1 || fail "teacher show failed"
sed 's/.*"public_key":"\([^"]*\)".*/\1/' "$T/out" >"$T/dumps/teacher.pub"
expect_rc 0 cl "$PASS" student add --number S001 --name 赵小明 --class 初二1班
expect_rc 0 cl "$PASS" student add --number S002 --name 'Anna Smith' --class 初二1班
# A crisis-level student, so that home names them in its attention rows.
expect_rc 0 cl "$PASS" record add assessment --student S001 --field occurred_at=2026-11-10 \
  --field risk_level=3 --field misconduct_tier=none --field reasons=自杀意念 --field safety_plan=yes \
  --field follow_up=2026-11-20
screens settings.keys
compare settings-people settings-added settings-remove-menu settings-remove-confirm settings-removed \
  settings-last-refused settings-short-refused settings-passphrase settings-recovery settings-teacher-enrolled \
  settings-teacher-revoked settings-office-added settings-office-confirm settings-office-removed \
  settings-policies settings-policy-changed settings-policy-refused settings-policy-circumstances \
  settings-policy-added settings-policy-remove-confirm settings-policy-removed settings-autolock-refused settings-autolock settings-privacy-default \
  settings-privacy-home settings-privacy-students settings-privacy-off settings-privacy-unlocked settings-privacy-default-off
for n in settings-privacy-home settings-privacy-students settings-privacy-unlocked; do
  grep -q '赵小明\|Anna' "$T/dumps/$n.txt" && fail "$n shows a whole name in privacy mode"
  grep -q '赵XM' "$T/dumps/$n.txt" || fail "$n does not shorten the names"
done
grep -q 'Smith A\.' "$T/dumps/settings-privacy-students.txt" || fail "a Latin name is not shortened"
grep -q '赵小明' "$T/dumps/settings-privacy-off.txt" || fail "^P did not show the names whole"

note "the vault agrees with what the screens said"
opens "$PASS" && fail "the old passphrase still opens the vault"
opens "$PASS2" || fail "the passphrase changed on screen does not open the vault"
expect_rc 77 cl "$OLD_RK$NL$PASS" --recovery status
expect_rc 0 cl "$PASS2" --json audit list
for action in counsellor.add counsellor.remove counsellor.passphrase vault.recovery-key teacher.add teacher.revoke \
  office.add office.remove policy.set policy.remove setting.set; do
  grep -q "\"action\":\"$action\"" "$T/out" || fail "$action was not audited"
done
expect_rc 0 cl "$PASS2" --json counsellor list
grep -q '赵老师' "$T/out" && fail "the removed counsellor is still listed"
expect_rc 0 cl "$PASS2" --json teacher list
grep -q '"revoked_at":"20' "$T/out" || fail "the teacher revoked on screen is not revoked: $(cat "$T/out")"
expect_rc 0 cl "$PASS2" --json office list
[ "$(cat "$T/out")" = "[]" ] || fail "the office removed on screen is still there: $(cat "$T/out")"
# The policies as the screens left them: crisis every 5 days, no policy
# for single-parent families; privacy mode set back off.
expect_rc 0 cl "$PASS2" --json policy list
grep -q '"basis":"risk","value":"3","days":5' "$T/out" || fail "the crisis policy changed on screen is not 5 days: $(cat "$T/out")"
grep -q 'single_parent' "$T/out" && fail "the policy removed on screen is still there: $(cat "$T/out")"
expect_rc 0 cl "$PASS2" config get autolock_minutes
[ "$(cat "$T/out")" = 10 ] || fail "autolock_minutes is $(cat "$T/out") after setting 10 on screen"
grep -q 'locks in 10:00' "$T/dumps/settings-privacy-unlocked.txt" || fail "the unlock did not take the vault's auto-lock time"
expect_rc 0 cl "$PASS2" config get privacy_mode
[ "$(cat "$T/out")" = off ] || fail "privacy_mode is $(cat "$T/out") after switching it back off on screen"
expect_rc 64 cl "$PASS2" config set privacy_mode sometimes
# The recovery key shown on screen is the one that now opens the vault.
NEW_RK=$(grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){7}' "$T/dumps/settings-recovery.txt" | head -n 1)
[ -n "$NEW_RK" ] && [ "$NEW_RK" != "$OLD_RK" ] || fail "no new recovery key on screen"
expect_rc 0 cl "$NEW_RK${NL}third passphrase here" --recovery status
echo "screens_settings ok"
