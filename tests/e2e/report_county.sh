# report county / report merge: a school's totals carry no name and no
# count below the threshold, a suppressed cell cannot be worked out from a
# total, the file is minisign-signed (Debian's minisign verifies it) with
# the school's name bound to its fingerprint; the county refuses a changed
# file, a missing or foreign signature, a school it does not trust, a
# school passing as another and a duplicate, and adds up three schools,
# every breakdown included, without undoing the suppression.
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
[ "$(stat -c %a a.json)" = 600 ] && [ "$(stat -c %a a.json.minisig)" = 600 ] || fail "a.json or its signature is not 0600"
grep -q '"signature"' a.json && fail "the county file still carries a raw signature"
# Debian's minisign checks the file with the school's public key, and sees
# whose totals they are in the trusted comment.
expect_rc 0 cl "$PASS" pubkey --json
A_KEY=$(sed -n 's/.*"minisign_public_key":"\([^"]*\)".*/\1/p' "$T/out")
A_FP=$(sed -n 's/.*"fingerprint":"\([^"]*\)".*/\1/p' "$T/out")
[ -n "$A_KEY" ] && [ -n "$A_FP" ] || fail "pubkey printed no key"
minisign -Vm a.json -P "$A_KEY" >"$T/mout" 2>&1 || fail "minisign refuses the county file: $(cat "$T/mout")"
grep -q "carelog-county v2 school=$A_FP" "$T/mout" || fail "minisign shows no school in the comment: $(cat "$T/mout")"
sed 's/"students": 8/"students": 80/' a.json >a3.json
minisign -Vm a3.json -x a.json.minisig -P "$A_KEY" >/dev/null 2>&1 && fail "minisign accepted a changed county file"
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
grep -q '^Signed with this vault.s key: c.json.minisig' "$T/out" || fail "county says no signature: $(cat "$T/out")"
# With --json, one line of JSON and nothing else.
expect_rc 0 cl "$PASS" --yes --json report county --period 2026春 -o c2.json
[ "$(wc -l <"$T/out")" -eq 1 ] && grep -q '^{"path":"c2.json","format":"json"' "$T/out" ||
  fail "county --json: $(cat "$T/out")"

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
grep -q 'no trusted school' "$T/err" || fail "untrusted: $(cat "$T/err")"
sed 's/"students": 8/"students": 9/' a.json >a2.json; cp a.json.minisig a2.json.minisig
expect_rc 65 "$CARELOG" --lang en report merge a2.json --trust a.pub
grep -q 'does not verify' "$T/err" || fail "changed file: $(cat "$T/err")"
expect_rc 65 "$CARELOG" --lang en report merge a.json b.json a.json --trust a.pub --trust b.pub
grep -q 'two files of' "$T/err" || fail "duplicate: $(cat "$T/err")"
printf '{"format":"carelog-county-totals"' >bad.json; cp a.json.minisig bad.json.minisig
expect_rc 65 "$CARELOG" report merge bad.json --trust a.pub
cp a.json nosig.json
expect_rc 66 "$CARELOG" --lang en report merge nosig.json --trust a.pub
grep -q 'signature nosig.json.minisig is missing' "$T/err" || fail "no signature: $(cat "$T/err")"
# B's file under A's signature, and A's file under B's.
cp b.json swapped.json; cp a.json.minisig swapped.json.minisig
expect_rc 65 "$CARELOG" report merge swapped.json --trust a.pub --trust b.pub
# A vault.pub whose fingerprint line was edited is no trust at all.
sed 's/^fingerprint: .*/fingerprint: AAAA-AAAA-AAAA-AAAA/' a.pub >edited.pub
expect_rc 65 "$CARELOG" report merge a.json --trust edited.pub
expect_rc 65 "$CARELOG" report merge a.json --trust a.json
[ ! -e out.csv ] || fail "a refused merge wrote a file"

# Three schools, every breakdown added up. School D publishes at threshold 3,
# so its count of 3 is exact in its own file and suppressed again by the
# county (threshold 5).
V="$T/d"; init_vault --user 孙老师
for i in 1 2 3; do
  expect_rc 0 cl "$PASS" student add --number "D$i" --name "丁生$i" --class "九年级(1)班" --field status=active
  expect_rc 0 cl "$PASS" record add observation --student "D$i" --field 'occurred_at=2026-10-1'"$i"' 09:00' \
    --field categories=emotional --field description=焦虑 --field severity=low
done
i=4
while [ $i -le 9 ]; do
  expect_rc 0 cl "$PASS" student add --number "D$i" --name "丁生$i" --class "七年级(2)班" --field status=active
  i=$((i + 1))
done
expect_rc 0 cl "$PASS" --yes report county --period 2026秋 --threshold 3 --from 2026-09-01 --to 2027-01-31 -o d.json
tr -d ' \n' <d.json | grep -q '"grade":"九年级","students":3' || fail "D's grade of 3 is not exact at threshold 3: $(cat d.json)"
cp "$T/d/vault.pub" d.pub
expect_rc 0 "$CARELOG" --json report merge a.json b.json d.json --trust a.pub --trust b.pub --trust d.pub
cp "$T/out" merged.json
python3 - merged.json a.json b.json d.json <<'PY' || fail "the merged county table is wrong: $(cat merged.json)"
import json, sys
m = json.load(open(sys.argv[1])); files = [json.load(open(p)) for p in sys.argv[2:]]
cols = [c["id"] for c in m["columns"]]
rows = {}
for r in m["rows"]:
    rows.setdefault(r["section"], []).append(r["cells"])
assert len(rows["school"]) == 3 and len(rows["total"]) == 1, rows.keys()
T = m["threshold"]; assert T == 5, T
def small(v):
    return isinstance(v, int) and 0 < v < T
# No exact count below the county's threshold anywhere in the result.
for sec, rs in rows.items():
    for r in rs:
        for v in r[2:]:
            assert not small(v), (sec, r)
# Every breakdown is there: each grade of every file, each state and band.
grades = {r[0] for r in rows["grade"]}
for f in files:
    for g in f["by_grade"]:
        assert any(x.endswith(" " + g["grade"]) for x in grades), (g["grade"], grades)
# D's 九年级 (3 students, exact in D's file) is not exact in the county's.
nine = [r for r in rows["grade"] if r[0].endswith(" 九年级")][0]
s_col = cols.index("students")
assert not isinstance(nine[s_col], int), nine
# Where a measure's total is exact, no breakdown has exactly one inexact
# cell (it would be the total minus the others).
total = rows["total"][0]
for c, name in enumerate(cols):
    if c < 2 or not isinstance(total[c], int):
        continue
    inexact = [r for r in rows["grade"] if not isinstance(r[c], int)]
    assert len(inexact) != 1, (name, inexact)
# Exact sums are the sums of the files' exact counts.
for c, name in enumerate(cols):
    if c >= 2 and isinstance(total[c], int):
        assert total[c] == sum(f["totals"][name] for f in files), name
    if c >= 2 and isinstance(total[c], str) and total[c] != "":
        assert total[c].startswith("≥"), total[c]
PY

# The county keeps its trusted schools in an office vault (`office trust`):
# then report merge needs no --trust.
V="$T/county"
expect_rc 0 cl "$PASS" office init --name 县教育局 --user 县教研员
expect_rc 64 cl "$PASS" report merge a.json
grep -q 'trusts no school yet' "$T/err" || fail "no trusted school: $(cat "$T/err")"
for s in a b d; do expect_rc 0 cl "$PASS" office trust "school-$s" "$s.pub"; done
expect_rc 0 cl "$PASS" --json report merge a.json b.json d.json
python3 - "$T/out" merged.json <<'PY' || fail "merging with the vault's trusted schools differs from --trust"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
names = [r["cells"][0] for r in a["rows"] if r["section"] == "school"]
assert names == ["school-a", "school-b", "school-d"], names  # the names the county gave
for r in a["rows"] + b["rows"]:
    if r["section"] == "school":
        r["cells"][0] = ""
a.pop("generated_at"); b.pop("generated_at")
sys.exit(a != b)
PY
expect_rc 77 cl "$PASS" report merge a.json c.json
