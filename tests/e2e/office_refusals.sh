# office refusals: a bundle altered by one byte anywhere (in either file),
# truncated, sent to another office, signed by an untrusted school or
# replayed is refused with its reason and changes nothing in the office
# vault; a receipt for an unknown referral, from an unknown office,
# replayed or moving backwards is refused and changes nothing at school.
. "$(dirname "$0")/lib.sh"

export LANG=en_US.UTF-8 TZ=UTC CARELOG_TEST_NOW=2026-11-01T08:00:00Z
SCHOOL="$T/school" OFFICE="$T/office" OTHER="$T/other" STRANGER="$T/stranger"
V=$SCHOOL; init_vault --user 王老师
V=$STRANGER; init_vault --user 赵老师
V=$OFFICE; expect_rc 0 cl "$PASS" office init --name 城区未保站
V=$OTHER; expect_rc 0 cl "$PASS" office init --name 郊区未保站

add_referral() { # VAULT NUMBER → $R
  V=$1
  expect_rc 0 cl "$PASS" student add --number "$2" --name 学生"$2" --class 初二3班 --field status=active
  expect_rc 0 cl "$PASS" record add referral --student "$2" --field occurred_at=2026-11-01 \
    --field concerns=neglect --field reason=长期无人照看 --field urgency=routine \
    --field what=连续三天未吃午饭 --field guardians_informed=yes --field agency=protection_station
  R=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")
}
add_referral "$SCHOOL" 1; R1=$R
add_referral "$SCHOOL" 2; R2=$R
add_referral "$STRANGER" 9; RS=$R

V=$SCHOOL
expect_rc 0 cl "$PASS" office add 城区未保站 "$OFFICE/office.pub"
expect_rc 0 cl "$PASS" office add 郊区未保站 "$OTHER/office.pub"
V=$STRANGER
expect_rc 0 cl "$PASS" office add 城区未保站 "$OFFICE/office.pub"
V=$OFFICE
expect_rc 0 cl "$PASS" office trust 第一中学 "$SCHOOL/vault.pub"
# A school's vault.pub is not an office.pub, and the other way round.
V=$SCHOOL; expect_rc 64 cl "$PASS" office add 错 "$STRANGER/vault.pub"
V=$OFFICE; expect_rc 64 cl "$PASS" office trust 错 "$OTHER/office.pub"
# A missing public file is named once, with the reason (no doubled path).
V=$OFFICE; expect_rc 66 cl "$PASS" office trust 无 "$T/missing.pub"
[ "$(grep -o "missing.pub" "$T/err" | wc -l)" -eq 1 ] || fail "office trust names the missing file twice: $(cat "$T/err")"
grep -q "No such file" "$T/err" || fail "office trust does not say the file is missing: $(cat "$T/err")"
V=$SCHOOL; expect_rc 66 cl "$PASS" office add 无 "$T/missing.pub"
[ "$(grep -o "missing.pub" "$T/err" | wc -l)" -eq 1 ] || fail "office add names the missing file twice: $(cat "$T/err")"
# An edited public file is refused by its fingerprint.
awk '/^x25519: / { c = substr($2, 1, 1); $2 = (c == "A" ? "B" : "A") substr($2, 2) } { print }' \
  "$OFFICE/office.pub" >"$T/edited.pub"
V=$SCHOOL; expect_rc 65 cl "$PASS" office add 假站 "$T/edited.pub"

V=$SCHOOL
# A backup from before the export: restored, it is a vault that never sent
# the bundle the office will answer.
expect_rc 0 cl "$PASS" backup "$T/before-export.clb"
expect_rc 0 cl "$PASS" --yes export referral "$R1" --bundle --to 城区未保站 -o "$T/b1"
expect_rc 0 cl "$PASS" --yes export referral "$R2" --bundle --to 郊区未保站 -o "$T/b-other"
V=$STRANGER
expect_rc 0 cl "$PASS" --yes export referral "$RS" --bundle --to 城区未保站 -o "$T/b-stranger"

V=$OFFICE
snapshot "$OFFICE" "$T/before"
# One byte changed anywhere in the bundle, or in its signature.
size=$(size_of "$T/b1")
for at in 0 1 25 60 100 $((size / 2)) $((size - 17)) $((size - 1)); do
  cp "$T/b1" "$T/x"; cp "$T/b1.minisig" "$T/x.minisig"; flip "$T/x" "$at"
  expect_rc 77 cl "$PASS" office open "$T/x"
  grep -q 'altered or truncated' "$T/err" || fail "byte $at: $(cat "$T/err")"
done
ssize=$(size_of "$T/b1.minisig")
first_line=$(head -n1 "$T/b1.minisig" | wc -c)
for at in $(seq "$first_line" 7 $((ssize - 2))); do
  cp "$T/b1" "$T/x"; cp "$T/b1.minisig" "$T/x.minisig"; flip "$T/x.minisig" "$at"
  cl "$PASS" office open "$T/x" >"$T/out" 2>"$T/err" && fail "signature byte $at changed, still opened"
done
cp "$T/b1" "$T/x"; rm -f "$T/x.minisig"
expect_rc 66 cl "$PASS" office open "$T/x"
grep -q 'minisig' "$T/err" || fail "missing signature not named"
# Truncated.
head -c $((size - 1)) "$T/b1" >"$T/x"; cp "$T/b1.minisig" "$T/x.minisig"
expect_rc 77 cl "$PASS" office open "$T/x"
# For another office; from a school not trusted.
expect_rc 77 cl "$PASS" office open "$T/b-other"
grep -q 'addressed to the office' "$T/err" || fail "wrong office: $(cat "$T/err")"
expect_rc 77 cl "$PASS" office open "$T/b-stranger"
grep -q 'no school this office trusts' "$T/err" || fail "untrusted school: $(cat "$T/err")"
same_files "$T/before" "$OFFICE" "refused bundles"
# The genuine one opens, once; a replay is refused.
expect_rc 0 cl "$PASS" office open "$T/b1"
expect_rc 73 cl "$PASS" office open "$T/b1"
grep -q 'already received' "$T/err" || fail "replay: $(cat "$T/err")"
LANG=zh_CN.UTF-8 expect_rc 73 cl "$PASS" office open "$T/b1"
grep -q '重放' "$T/err" || fail "the refusal is not in Chinese under a Chinese locale: $(cat "$T/err")"
# A school's vault cannot open bundles.
V=$SCHOOL; expect_rc 64 cl "$PASS" office open "$T/b1"

note "receipts"
V=$OFFICE
expect_rc 0 cl "$PASS" office referrals --json
B=$(grep -o '"id":[0-9]*' "$T/out" | head -n1 | cut -d: -f2)
expect_rc 0 cl "$PASS" office receipt "$B" --status handling --note 已派员处置 -o "$T/r-handling"
expect_rc 64 cl "$PASS" office receipt "$B" --status acknowledged --note 倒退 -o "$T/r-back"
expect_rc 64 cl "$PASS" office receipt "$B" --status lost --note x -o "$T/r-bad"
expect_rc 66 cl "$PASS" office receipt 999 --status closed --note x -o "$T/r-none"
# A receipt from the other office for our referral: an office the school
# knows, but the referral was never sent there.
V=$OTHER; expect_rc 0 cl "$PASS" office trust 第一中学 "$SCHOOL/vault.pub"
expect_rc 0 cl "$PASS" office open "$T/b-other"
expect_rc 0 cl "$PASS" office receipt 1 --status acknowledged --note 收到 -o "$T/r-other"

V=$SCHOOL
snapshot "$SCHOOL" "$T/before"
# Altered receipt.
cp "$T/r-handling" "$T/y"; cp "$T/r-handling.minisig" "$T/y.minisig"; flip "$T/y" 30
expect_rc 77 cl "$PASS" import receipt "$T/y"
same_files "$T/before" "$SCHOOL" "refused receipts"
expect_rc 0 cl "$PASS" import receipt "$T/r-handling"
expect_rc 0 cl "$PASS" referral show "$R1" --json
grep -q '"state":"handling"' "$T/out" || fail "receipt did not move to handling"
grep -q '"to":"acknowledged"' "$T/out" || fail "acknowledged was not passed through"
snapshot "$SCHOOL" "$T/before"
expect_rc 73 cl "$PASS" import receipt "$T/r-handling"
grep -q 'already imported' "$T/err" || fail "receipt replay: $(cat "$T/err")"
same_files "$T/before" "$SCHOOL" "replayed receipt"
# The other office's receipt is for R2's bundle, which is known; it moves R2.
expect_rc 0 cl "$PASS" import receipt "$T/r-other"
# From an office this vault does not know (the stranger never added the
# office that signed it).
V=$STRANGER
snapshot "$STRANGER" "$T/before"
expect_rc 77 cl "$PASS" import receipt "$T/r-other"
grep -q 'no office this vault knows' "$T/err" || fail "unknown office: $(cat "$T/err")"
# From a known office but addressed to another vault.
expect_rc 77 cl "$PASS" import receipt "$T/r-handling"
grep -q 'addressed to the vault' "$T/err" || fail "misaddressed receipt: $(cat "$T/err")"
same_files "$T/before" "$STRANGER" "refused receipts"
# For a referral this vault never sent: the school restored from before.
V="$T/restored"
expect_rc 0 cl "$PASS" restore "$T/before-export.clb"
expect_rc 66 cl "$PASS" import receipt "$T/r-handling"
grep -q 'never sent' "$T/err" || fail "unknown referral: $(cat "$T/err")"
# Backwards: the school moved R2 on by hand past what the receipt says.
V=$OTHER
expect_rc 0 cl "$PASS" office receipt 1 --status handling --note 处置 -o "$T/r-other2"
V=$SCHOOL
expect_rc 0 cl "$PASS" referral move "$R2" handling --note 自行处置
expect_rc 0 cl "$PASS" referral move "$R2" support --note 帮扶
snapshot "$SCHOOL" "$T/before"
expect_rc 65 cl "$PASS" import receipt "$T/r-other2"
grep -q 'backwards' "$T/err" || fail "backwards receipt: $(cat "$T/err")"
same_files "$T/before" "$SCHOOL" "backwards receipt"
echo "office refusals: ok"
