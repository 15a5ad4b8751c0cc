# A genuine receipt whose note is as long as the office may write (2000
# characters) is taken in at school: the referral moves, the office's whole
# note is kept with the receipt, and the history's note (office name,
# note, receipt id) stays within the limit of a move's note.
. "$(dirname "$0")/lib.sh"

export LANG=en_US.UTF-8 TZ=UTC CARELOG_TEST_NOW=2026-11-01T08:00:00Z
SCHOOL="$T/school" OFFICE="$T/office"
V=$SCHOOL; init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 1 --name 张小明 --class 初二3班 --field status=active
expect_rc 0 cl "$PASS" record add referral --student 1 --field occurred_at=2026-11-01 \
  --field concerns=neglect --field reason=长期无人照看 --field urgency=routine \
  --field what=连续三天未吃午饭 --field guardians_informed=yes --field agency=protection_station
R=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")
V=$OFFICE; expect_rc 0 cl "$PASS" office init --name 城区未保站
V=$SCHOOL; expect_rc 0 cl "$PASS" office add 城区未保站 "$OFFICE/office.pub"
V=$OFFICE; expect_rc 0 cl "$PASS" office trust 第一中学 "$SCHOOL/vault.pub"
V=$SCHOOL; expect_rc 0 cl "$PASS" --yes export referral "$R" --bundle --to 城区未保站 -o "$T/b1"
V=$OFFICE; expect_rc 0 cl "$PASS" office open "$T/b1"

note "a 2000-character note, in 4-byte characters"
LONG=$(i=0; while [ $i -lt 1999 ]; do printf '𠀀'; i=$((i + 1)); done; printf 'Z')
expect_rc 0 cl "$PASS" office receipt 1 --status acknowledged --note "$LONG" -o "$T/r1"

V=$SCHOOL
expect_rc 0 cl "$PASS" import receipt "$T/r1"
expect_rc 0 cl "$PASS" referral show "$R" --json
grep -q '"state":"acknowledged"' "$T/out" || fail "the receipt did not move the referral: $(cat "$T/out")"
grep -q '𠀀… (receipt [0-9a-f]*)' "$T/out" || fail "the history's note is not the office's, cut: $(cat "$T/out")"
echo "office_receipt_long_note ok"
