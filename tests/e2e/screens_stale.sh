# A stale edit on screen: two sessions edit the same record; the second
# save is refused naming who changed it, when, and the way out (^R loads
# the saved version, keeping what was typed as a draft), and nothing typed
# is lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/screens/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z XDG_CONFIG_HOME="$T/config"
init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20260101 --name 林小雨 --class "七年级(2)班"
expect_rc 0 cl "$PASS" record add session --student 20260101 --field session_type=individual --field risk_noted=no \
  --field presenting_issue=情绪低落
screens stale-a.keys
# Meanwhile, from another terminal, the same record is edited.
expect_rc 0 cl "$PASS" record edit 2 --version 1 --field data="Mother called: things changed."
screens stale-b.keys
compare stale-typed stale-refused stale-reloaded stale-home stale-draft
expect_rc 0 cl "$PASS" --json record show 2
grep -q '"version":3' "$T/out" || fail "the save after loading the saved version did not make version 3: $(cat "$T/out")"
grep -q 'Mother called: things changed. Merged by hand.' "$T/out" || fail "the other session's text was lost: $(cat "$T/out")"
# What was typed first survives as a draft: home lists it and it opens
# with that text (stale-draft).
grep -q "First counsellor's addition." "$T/dumps/stale-draft.txt" || fail "the text typed before the conflict is not kept"
echo "screens_stale ok"
