# The whole agenda as tables is read from the core a page of 1,000 rows at
# a time (twice: measured, then printed), so memory stays flat however
# many rows need attention. It prints exactly what the agenda printed as
# one document (`--limit` larger than the list gives that document), and
# is audited as one listing of every row.
. "$(dirname "$0")/lib.sh"
init_vault
expect_rc 0 cl "$PASS" generate --students 1500 --seed 2 --months 12
expect_rc 0 cl "$PASS" --json agenda
# Every row of the five sections (the count of teachers' observations is not a row).
rows=$(grep -o '"counts":{[^}]*}' "$T/out" | grep -Eo '"(flags|overdue|late_referrals|crisis|due_today)":[0-9]+' |
  cut -d: -f2 | awk '{ n += $1 } END { print n + 0 }')
[ "$rows" -gt 1000 ] || fail "only $rows rows need attention: the agenda would fit one page of the core"

expect_rc 0 cl "$PASS" agenda
cp "$T/out" "$T/paged"
expect_rc 0 cl "$PASS" audit list --json --limit 1
grep -q "\"detail\":\"filter: (none); rows: $rows\"" "$T/out" || fail "the agenda's audit entry: $(cat "$T/out")"
expect_rc 0 cl "$PASS" agenda --limit 100000
cmp -s "$T/paged" "$T/out" || fail "the agenda read by pages differs from it as one document: $(diff "$T/out" "$T/paged" | head -5)"
[ "$(grep -c '^Student  ' "$T/paged")" -ge 3 ] || fail "fewer than three sections printed"

LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" agenda
cp "$T/out" "$T/paged"
LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" agenda --limit 100000
cmp -s "$T/paged" "$T/out" || fail "in Chinese, the agenda read by pages differs from it as one document"
echo "agenda_pages ok"
