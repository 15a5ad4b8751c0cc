# The views a counsellor reaches from home besides the lists: the inbox
# (teachers' observations taken in, shown, accepted onto the student,
# dismissed with a reason), full-text search, and reports written through
# the core — compared screen by screen in the scripted mode, in Chinese,
# and checked against what the command line then finds in the vault.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/screens/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z LANG=zh_CN.UTF-8 XDG_CONFIG_HOME="$T/config"
TP='teacher own passphrase'
TI="$T/teacher"
t() {
  _lines=$1; shift
  printf '%s\n' "$_lines" | "$CARELOG" --passphrase-fd 3 "$@" --identity "$TI" 3<&0 </dev/null
}
init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number S001 --name 张小明 --class 初二1班
expect_rc 0 t "$TP" teacher init --name 李老师
expect_rc 0 t "" teacher show --json
KEY=$(sed 's/.*"public_key":"\([^"]*\)".*/\1/' "$T/out")
expect_rc 0 t "" teacher join "$V/vault.pub"
expect_rc 0 cl "$PASS" teacher add 李老师 "$KEY" --class 初二1班
mkdir -p "$V/inbox"
expect_rc 0 t "$TP" --vault "$V" observe --student S001 --field occurred_at=2026-11-20T10:00 \
  --field categories=emotional,self_harm_signs --field severity=urgent \
  --field "description=手臂上有划痕，上课时一直低头" --field "immediate_action=已陪同到心理室"
expect_rc 0 t "$TP" --vault "$V" observe --student S001 --field occurred_at=2026-11-20T10:05 \
  --field categories=emotional --field severity=low --field "description=同一件事又报了一次"
screens views.keys
compare views-inbox views-inbox-item views-inbox-accept views-inbox-accepted views-inbox-dismiss \
  views-inbox-empty views-search-typed views-search views-search-record views-reports views-reports-confirm \
  views-reports-written views-reports-county

note "what the screens did is in the vault and its audit log"
# The audit log first, before the command line adds listings of its own.
expect_rc 0 cl "$PASS" --json audit list
for action in inbox.accept inbox.dismiss inbox.view search report.ledger report.ledger.done report.county; do
  grep -q "\"action\":\"$action\"" "$T/out" || fail "$action was not audited"
done
grep -q '"target":"inbox list"' "$T/out" || fail "the inbox list on screen was not audited as a listing"
expect_rc 0 cl "$PASS" --json record list --student S001 --kind observation
grep -q '"author":"李老师"' "$T/out" || fail "the accepted observation is not in the student's file: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json inbox list --all
grep -q '"status":"dismissed"' "$T/out" || fail "the dismissal did not reach the vault: $(cat "$T/out")"
F="$T/dumps/ledger.md"
[ -f "$F" ] || fail "the ledger was not written where the screen said"
[ "$(stat -c %a "$F")" = 600 ] || fail "the ledger has mode $(stat -c %a "$F")"
grep -q '张小明' "$F" || fail "the ledger misses the student"
[ -f "$T/dumps/county.json" ] && [ -f "$T/dumps/county.json.minisig" ] ||
  fail "the county totals were not written with their signature"
grep -q '张小明' "$T/dumps/county.json" && fail "a name reached the county file"
echo "screens_views ok"
