# report county / report merge: a school's totals carry no name and no
# count below the threshold, a suppressed cell cannot be worked out from a
# total, the file is signed; the county refuses a changed file, a school it
# does not trust and a duplicate, and adds up the rest without undoing the
# suppression.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
export CARELOG_TEST_NOW=2026-11-20T02:00:00Z

# School A: six students in 七年级 and two in 八年级, each with one observation.
V="$T/a"; init_vault --user 王老师
i=1
while [ $i -le 8 ]; do
  if [ $i -le 6 ]; then cls="七年级(1)班"; else cls="八年级(2)班"; fi
  expect_rc 0 cl "$PASS" student add --number "A$i" --name "甲生$i" --class "$cls" --field status=active
  expect_rc 0 cl "$PASS" record add observation --student "A$i" --field 'occurred_at=2026-10-0'"$i"' 09:00' \
    --field categories=emotional --field description=情绪低落 --field severity=low
  i=$((i + 1))
done
expect_rc 64 cl "$PASS" --yes report county --period 2026秋 --threshold 2 -o a.json
expect_rc 64 cl "$PASS" --yes report county -o a.json
expect_rc 64 cl "$PASS" report county --period 2026秋 -o a.json   # not confirmed
expect_rc 0 cl "$PASS" --yes report county --period 2026秋 --from 2026-09-01 --to 2027-01-31 -o a.json
[ "$(stat -c %a a.json)" = 600 ] || fail "a.json is not 0600"
grep -q '"format": "carelog-county-totals"' a.json || fail "not a county file"
grep -q '甲生\|"A[0-9]"\|七年级(1)班' a.json && fail "the county file holds a name, number or class: $(cat a.json)"
# No count from 1 to 4 anywhere.
grep -E '"(students|observations|sessions|assessments|screenings|plans|reviews|contacts|referrals|count)": [1-4],?$' a.json &&
  fail "a small count was not suppressed"
grep -q '"students": 8' a.json || fail "the total of 8 students is not shown"
# 八年级 (2 students) is "<5"; then 七年级 must be hidden too, or 8 − 6 gives it away.
tr -d ' \n' <a.json | grep -q '"grade":"八年级","students":"<5"' || fail "the small grade is not suppressed: $(cat a.json)"
tr -d ' \n' <a.json | grep -q '"grade":"七年级","students":"\*"' || fail "the subtraction case is open: $(cat a.json)"
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"report.county"' "$T/out" || fail "the county file is not logged"
cp "$T/a/vault.pub" a.pub

# School B: one student in 九年级 with many records.
V="$T/b"; init_vault --user 李老师
expect_rc 0 cl "$PASS" generate --students 12 --seed 3 --months 3
expect_rc 0 cl "$PASS" --yes report county --period 2026秋 --from 2026-09-01 --to 2027-01-31 -o b.json
cp "$T/b/vault.pub" b.pub
# School C is not trusted by the county.
V="$T/c"; init_vault --user 赵老师
expect_rc 0 cl "$PASS" generate --students 6 --seed 4 --months 2
expect_rc 0 cl "$PASS" --yes report county --period 2026秋 -o c.json

# The county: no vault needed.
expect_rc 0 "$CARELOG" report merge a.json b.json --trust a.pub --trust b.pub
grep -q '测试中学' "$T/out" || fail "merge lists no school: $(cat "$T/out")"
total=$(grep '^Total\|^合计' "$T/out")
[ -n "$total" ] || fail "merge shows no total: $(cat "$T/out")"
expect_rc 0 "$CARELOG" report merge a.json b.json --trust a.pub --trust b.pub --format csv -o county.csv
[ "$(stat -c %a county.csv)" = 600 ] || fail "county.csv is not 0600"
# students: 8 + B's exact count, both shown, so the total is exact.
bs=$(tr -d ' \n' <b.json | grep -o '"totals":{"students":[0-9]*' | cut -d: -f3)
[ -n "$bs" ] || fail "school B's student total is not a number"
grep -q "^Total,,$((8 + bs))," county.csv || grep -q "^合计,,$((8 + bs))," county.csv || fail "students total is not $((8 + bs)): $(cat county.csv)"
# A's referrals are 0 and B's are shown or "<5": a suppressed part makes the total a bound, never exact.
if tr -d ' \n' <b.json | grep -q '"referrals":"<5"'; then
  tail -n 1 county.csv | grep -q '≥' || fail "a total over a suppressed cell is exact: $(tail -n 1 county.csv)"
fi

# Refusals: untrusted, changed, duplicate, malformed.
expect_rc 77 "$CARELOG" --lang en report merge a.json c.json --trust a.pub --trust b.pub
grep -q 'not a trusted school' "$T/err" || fail "untrusted: $(cat "$T/err")"
sed 's/"students": 8/"students": 9/' a.json >a2.json
expect_rc 65 "$CARELOG" --lang en report merge a2.json --trust a.pub
grep -q 'does not verify' "$T/err" || fail "changed file: $(cat "$T/err")"
expect_rc 65 "$CARELOG" --lang en report merge a.json b.json a.json --trust a.pub --trust b.pub
grep -q 'two files of' "$T/err" || fail "duplicate: $(cat "$T/err")"
printf '{"format":"carelog-county-totals"' >bad.json
expect_rc 65 "$CARELOG" report merge bad.json --trust a.pub
expect_rc 65 "$CARELOG" report merge a.json --trust a.json
[ ! -e out.csv ] || fail "a refused merge wrote a file"
