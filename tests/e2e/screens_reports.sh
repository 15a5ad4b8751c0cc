# The reports screen draws the statistics as the bar charts and tables of
# `carelog report stats` (both composed by the core): compared screen by
# screen at 80×24 under NO_COLOR, every line on screen equal to the
# command line's at 80 columns, then at 120 columns after a resize.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/screens/lib.sh"
export CARELOG_TEST_NOW=2026-11-20T02:00:00Z TZ=UTC LANG=en_US.UTF-8 XDG_CONFIG_HOME="$T/config" NO_COLOR=1
init_vault --user 王老师
expect_rc 0 cl "$PASS" generate --students 25 --seed 7 --months 4
screens reports.keys
compare reports-options reports-stats reports-stats-more reports-stats-wide
grep -q '[1-9]' "$T/dumps/reports-stats.colors" && fail "the charts use colour under NO_COLOR"
grep -q '█' "$T/dumps/reports-stats.txt" || fail "no bars on the reports screen"

note "the screen shows the command line's lines"
# body LINES FILE — the rows between the top bar and the message line.
body() { sed -n "2,$(( $1 + 1 ))p" "$2" | sed 's/ *$//'; }
COLUMNS=80 expect_rc 0 cl "$PASS" report stats --to 2026-11-19 --by class
sed 's/ *$//' "$T/out" >"$T/cli80"
body 21 "$T/dumps/reports-stats.txt" >"$T/screen80"
head -n 21 "$T/cli80" | diff -u - "$T/screen80" || fail "the screen's first page is not the command line's"
# PgDn moved one screenful on: its first line is the CLI's 22nd.
first=$(body 1 "$T/dumps/reports-stats-more.txt")
[ -n "$first" ] && grep -qxF -- "$first" "$T/cli80" || fail "the next page does not continue the report: $first"
COLUMNS=120 expect_rc 0 cl "$PASS" report stats --to 2026-11-19 --by class
sed 's/ *$//' "$T/out" | grep -- '----' >"$T/rule120"
grep -qxF -- "$(cat "$T/rule120")" "$T/dumps/reports-stats-wide.txt" || fail "the wide screen's table is not laid out for 120 columns"
echo "screens_reports ok"
