# office loop: a school vault and an office vault carry one referral the
# whole way (draft → reported → acknowledged → handling → support →
# closed) through a signed, encrypted bundle and the office's receipts;
# nothing in plaintext is left on disk on either side.
. "$(dirname "$0")/lib.sh"

export LANG=en_US.UTF-8 TZ=UTC
export CARELOG_TEST_NOW=2026-11-01T08:00:00Z
SCHOOL="$T/school" OFFICE="$T/office"
ESC=$(printf '\033')
V=$SCHOOL
init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张小明 --class 初二3班 --field status=active
expect_rc 0 cl "$PASS" record add observation --student 20260001 --field occurred_at=2026-10-30T10:00 \
  --field categories=emotional --field severity=low --field description=课间独自哭泣OBS
expect_rc 0 cl "$PASS" record add referral --student 20260001 --field occurred_at=2026-11-01 \
  --field concerns=self_harm --field reason=学生透露有自伤计划ZXQ7WJK2M --field urgency=urgent \
  --field what=课间对班主任说想结束生命 --field guardians_informed=yes --field agency=protection_station
R=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")
[ -n "$R" ] || fail "no referral id"

note "the office makes its vault and office.pub"
V=$OFFICE
expect_rc 0 cl "$PASS" office init --name 城区未保站 --user 李站长
[ -f "$OFFICE/office.pub" ] || fail "office init wrote no office.pub"
OFP=$(sed -n 's/^fingerprint: //p' "$OFFICE/office.pub")
grep -q "$OFP" "$T/out" || fail "office init does not show its fingerprint"

note "each side adds the other; fingerprints shown to compare"
V=$SCHOOL
expect_rc 0 cl "$PASS" office add 城区未保站 "$OFFICE/office.pub"
grep -q "$OFP" "$T/out" || fail "office add does not print the fingerprint"
expect_rc 73 cl "$PASS" office add 城区未保站 "$OFFICE/office.pub"
expect_rc 0 cl "$PASS" office list --json
grep -q "\"fingerprint\":\"$OFP\"" "$T/out" || fail "office list: $(cat "$T/out")"
V=$OFFICE
expect_rc 0 cl "$PASS" office trust 第一中学 "$SCHOOL/vault.pub"
SFP=$(sed -n 's/^fingerprint: //p' "$SCHOOL/vault.pub")
grep -q "$SFP" "$T/out" || fail "office trust does not print the fingerprint"

note "the school sends the bundle; the referral is reported with the hash"
V=$SCHOOL
mkdir -p "$T/out-files"
expect_rc 0 cl "$PASS" --yes export referral "$R" --bundle --to 城区未保站 -o "$T/out-files/r.bundle"
[ "$(stat -c %a "$T/out-files/r.bundle")" = 600 ] || fail "bundle not 0600"
[ "$(stat -c %a "$T/out-files/r.bundle.minisig")" = 600 ] || fail "signature not 0600"
HASH=$(sha256sum "$T/out-files/r.bundle" | cut -d' ' -f1)
expect_rc 0 cl "$PASS" referral show "$R" --json
grep -q '"state":"reported"' "$T/out" || fail "referral not reported: $(cat "$T/out")"
grep -q "$HASH" "$T/out" || fail "the bundle's hash is not in the history"
expect_rc 73 cl "$PASS" --yes export referral "$R" --bundle --to 城区未保站 -o "$T/out-files/r.bundle"
# Neither the bundle nor its folder holds the referral's words in plaintext.
! grep -rq 'ZXQ7WJK2M' "$T/out-files" || fail "plaintext in the bundle files"

note "the office opens it"
V=$OFFICE
expect_rc 0 cl "$PASS" office open "$T/out-files/r.bundle"
expect_rc 0 cl "$PASS" office referrals --json
grep -q '"student":"张小明"' "$T/out" || fail "office referrals: $(cat "$T/out")"
grep -q '"state":"received"' "$T/out" || fail "office referral not received"
grep -q '"late":null' "$T/out" || fail "a referral received today is late"
B=$(grep -o '"id":[0-9]*' "$T/out" | head -n1 | cut -d: -f2)
# Three days without a receipt and the office's list says it is late.
CARELOG_TEST_NOW=2026-11-04T09:00:00Z expect_rc 0 cl "$PASS" office referrals --json
grep -q '"late":"no receipt sent for 3 days"' "$T/out" || fail "not late after 3 days: $(cat "$T/out")"
CARELOG_TEST_NOW=2026-11-04T09:00:00Z expect_rc 0 cl "$PASS" office referrals
grep -q 'no receipt sent for 3 days' "$T/out" || fail "the table does not show it late"
expect_rc 0 cl "$PASS" office show "$B"
grep -q 'ZXQ7WJK2M' "$T/out" || fail "office show lacks the reason"
expect_rc 0 cl "$PASS" office show "$B" --json
grep -q 'OBS' "$T/out" || fail "the summary lacks the timeline (the observation)"
grep -q '"transitions"' "$T/out" || fail "the summary lacks the state history"

note "receipts walk the loop to closed"
i=0
for s in acknowledged handling support closed; do
  i=$((i + 1))
  export CARELOG_TEST_NOW=2026-11-0$((1 + i))T09:00:00Z
  V=$OFFICE
  # The office's note is outside input at school: an escape sequence in
  # it is shown inert, never sent to the terminal raw.
  expect_rc 0 cl "$PASS" office receipt "$B" --status $s --note "站里$s-备注$ESC[2J" -o "$T/out-files/receipt$i"
  V=$SCHOOL
  expect_rc 0 cl "$PASS" import receipt "$T/out-files/receipt$i"
  grep -q "站里$s-备注" "$T/out" || fail "import receipt does not show the note"
  ! grep -q "$ESC" "$T/out" || fail "the office's note reached the terminal raw"
  expect_rc 0 cl "$PASS" referral show "$R" --json
  grep -q "\"state\":\"$s\"" "$T/out" || fail "referral not $s after its receipt: $(cat "$T/out")"
  grep -q "站里$s-备注" "$T/out" || fail "the office's note is not in the history"
done
V=$OFFICE
expect_rc 0 cl "$PASS" office referrals --json
grep -q '"state":"closed"' "$T/out" || fail "office side not closed"

note "nothing in plaintext left on disk on either side"
! grep -rq 'ZXQ7WJK2M' "$SCHOOL" "$OFFICE" "$T/out-files" || fail "plaintext on disk"
! grep -rq '站里closed-备注' "$SCHOOL" "$OFFICE" "$T/out-files" || fail "a receipt's note in plaintext on disk"

note "both sides audited"
V=$SCHOOL
expect_rc 0 cl "$PASS" audit list --json
for a in office.add bundle.export receipt.import; do grep -q "\"$a\"" "$T/out" || fail "no $a in the school's audit"; done
V=$OFFICE
expect_rc 0 cl "$PASS" audit list --json
for a in office.init school.trust office.open receipt.write; do grep -q "\"$a\"" "$T/out" || fail "no $a in the office's audit"; done
echo "office loop: ok"
