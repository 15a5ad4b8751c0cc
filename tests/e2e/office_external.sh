# office without carelog: the school adds an office by its age recipient
# and minisign key (made with Debian's age-keygen and minisign), sends a
# bundle, and the office checks and opens it with exactly the commands the
# README gives, then finds the manifest's hashes true; a changed bundle
# fails minisign's check.
. "$(dirname "$0")/lib.sh"
README="$(cd "$(dirname "$0")/../.." && pwd)/README.md"

export LANG=en_US.UTF-8 TZ=UTC CARELOG_TEST_NOW=2026-11-01T08:00:00Z
init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 1 --name 李华 --class 初一1班 --field status=active
expect_rc 0 cl "$PASS" record add referral --student 1 --field occurred_at=2026-11-01 \
  --field concerns=physical_abuse --field reason=身上多处淤青EXT --field urgency=urgent \
  --field what=自述被家长殴打 --field guardians_informed=no --field "reason_not_informed=疑似施暴者为监护人" \
  --field agency=protection_station
R=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")

mkdir "$T/office" && cd "$T/office" || exit 1
age-keygen -o office-key.txt 2>/dev/null || fail "age-keygen"
minisign -G -W -p office-minisign.pub -s office-minisign.key >/dev/null || fail "minisign -G"
AGE=$(age-keygen -y office-key.txt)
MKEY=$(sed -n 2p office-minisign.pub)

expect_rc 0 cl "$PASS" office add 外区未保站 --age "$AGE" --minisign "$MKEY"
expect_rc 0 cl "$PASS" office list --json
grep -q '"source":"keys"' "$T/out" || fail "office list: $(cat "$T/out")"
grep -q "\"age_recipient\":\"$AGE\"" "$T/out" || fail "office list lacks the age recipient"
# A minisign.pub file works as well as the key; a bad recipient is refused.
expect_rc 73 cl "$PASS" office add 外区未保站2 --age "$AGE" --minisign office-minisign.pub
expect_rc 65 cl "$PASS" office add 坏 --age age1qqqq --minisign "$MKEY"

expect_rc 0 cl "$PASS" pubkey --json
SCHOOL_KEY=$(sed -n 's/.*"minisign_public_key":"\([^"]*\)".*/\1/p' "$T/out")
[ -n "$SCHOOL_KEY" ] || fail "pubkey printed no minisign key"
grep -q '"age_recipient":"age1' "$T/out" || fail "pubkey printed no age recipient"

expect_rc 0 cl "$PASS" --yes export referral "$R" --bundle --to 外区未保站 -o referral.bundle

# The README's commands, exactly, with the school's key filled in.
sed -n '/<!-- office-commands/,/<!-- \/office-commands/p' "$README" |
  grep '^    ' | sed "s/^    //; s|SCHOOL_MINISIGN_KEY|$SCHOOL_KEY|" >commands.sh
[ "$(wc -l <commands.sh)" -eq 3 ] || fail "README's office commands not found: $(cat commands.sh)"
sh -e commands.sh >commands.out 2>&1 || { cat commands.out; fail "the README's commands failed"; }
grep -q "export=" commands.out || fail "minisign did not show the trusted comment"
[ -f manifest.json ] && [ -f referral.json ] && [ -f referral.md ] && [ -f referral.pdf ] ||
  fail "the archive lacks its files: $(ls)"
pdftotext referral.pdf - | grep -q '身上多处淤青EXT' || fail "the PDF summary lacks the referral's text"
grep -q 'EXT' referral.json || fail "referral.json lacks the referral"
grep -q "\"audit_head\"" manifest.json || fail "the manifest lacks the audit head"
# Every file's hash in the manifest is the file's.
for f in referral.pdf referral.md referral.json; do
  grep -q "$(sha256sum "$f" | cut -d' ' -f1)" manifest.json || fail "the manifest lacks $f's SHA-256"
done

# One byte changed: minisign refuses.
cp referral.bundle changed.bundle && cp referral.bundle.minisig changed.bundle.minisig
flip changed.bundle 100
minisign -Vm changed.bundle -P "$SCHOOL_KEY" >/dev/null 2>&1 && fail "minisign accepted a changed bundle"
echo "office external: ok"
