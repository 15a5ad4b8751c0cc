# office export: the office prints the summary the school sent, byte for
# byte (referral.pdf and referral.md travel in the bundle beside
# referral.json); asked, 0600, never over a file, logged in the office vault.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
export CARELOG_TEST_NOW=2026-11-01T08:00:00Z
SCHOOL="$T/school" OFFICE="$T/office"
V=$SCHOOL
init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张小明 --class 初二3班 --field status=active
expect_rc 0 cl "$PASS" record add referral --student 20260001 --field occurred_at=2026-11-01 \
  --field concerns=self_harm --field reason=学生透露有自伤计划ZXQ --field urgency=urgent \
  --field what=课间对班主任说想结束生命 --field guardians_informed=yes --field agency=protection_station
R=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")
V=$OFFICE
expect_rc 0 cl "$PASS" office init --name 城区未保站 --user 李站长
expect_rc 0 cl "$PASS" office trust 第一中学 "$SCHOOL/vault.pub"
V=$SCHOOL
expect_rc 0 cl "$PASS" office add 城区未保站 "$OFFICE/office.pub"
expect_rc 0 cl "$PASS" --yes export referral "$R" --bundle --to 城区未保站 -o "$T/r.bundle"

V=$OFFICE
expect_rc 0 cl "$PASS" office open "$T/r.bundle"
expect_rc 0 cl "$PASS" office show 1 --json
grep -q '"name":"referral.pdf"' "$T/out" && grep -q '"name":"referral.md"' "$T/out" ||
  fail "the bundle does not carry the printable summary: $(cat "$T/out")"
expect_rc 64 cl "$PASS" office export 1 --format pdf -o o.pdf    # not confirmed
expect_rc 64 cl "$PASS" --yes office export 1 --format docx -o o.pdf
expect_rc 66 cl "$PASS" --yes office export 9 --format pdf -o o.pdf
expect_rc 0 cl "$PASS" --yes office export 1 --format pdf -o o.pdf
expect_rc 0 cl "$PASS" --yes office export 1 --format md -o o.md
[ "$(stat -c %a o.pdf)" = 600 ] || fail "o.pdf is not 0600"
pdftotext o.pdf o.txt
for want in 张小明 学生透露有自伤计划ZXQ '机密 / Confidential' 测试中学; do
  grep -q -- "$want" o.txt || fail "the office's PDF lacks $want"
done
grep -q '学生透露有自伤计划ZXQ' o.md || fail "the office's Markdown lacks the reason"
expect_rc 73 cl "$PASS" --yes office export 1 --format pdf -o o.pdf
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"office.export.done"' "$T/out" || fail "the office export is not logged"
# A school vault has no received referrals to export.
V=$SCHOOL
expect_rc 64 cl "$PASS" --yes office export 1 --format pdf -o s.pdf
