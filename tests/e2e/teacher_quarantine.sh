# Files that must never be merged are quarantined with the right reason:
# one byte changed anywhere, truncated, not an observation, for another
# vault, from a teacher not enrolled, from a revoked teacher. A swapped
# vault.pub is refused on the teacher's side before anything is sealed.
. "$(dirname "$0")/lib.sh"

TP='teacher own passphrase'

# teacher DIR NAME VAULT — a teacher identity in DIR joined to VAULT.
teacher() {
  printf '%s\n' "$TP" | "$CARELOG" --passphrase-fd 3 teacher init --name "$2" --identity "$1" 3<&0 >/dev/null || fail "init $2"
  "$CARELOG" teacher join "$3/vault.pub" --identity "$1" >/dev/null || fail "join $2"
}
key_of() { "$CARELOG" teacher show --json --identity "$1" | sed 's/.*"public_key":"\([^"]*\)".*/\1/'; }
# observe DIR OUT — a low-severity observation by the teacher in DIR into OUT.
observe() {
  printf '%s\n' "$TP" | "$CARELOG" --passphrase-fd 3 observe --identity "$1" -o "$2" --student S001 \
    --field occurred_at=2026-03-01T10:00 --field categories=emotional --field severity=low \
    --field description=看见在哭 3<&0 >/dev/null || fail "observe by $1"
}
# reason_of FILE — imports FILE and prints the reason it was quarantined for.
reason_of() {
  expect_rc 0 cl "$PASS" inbox import --json "$1"
  sed -n 's/.*"result":"quarantined".*"reason":"\([^"]*\)".*/\1/p' "$T/out"
}

init_vault
expect_rc 0 cl "$PASS" student add --number S001 --name 张小明 --class 初二1班
teacher "$T/t1" 李老师 "$V"
expect_rc 0 cl "$PASS" teacher add 李老师 "$(key_of "$T/t1")"
observe "$T/t1" "$T/good.clobs"
size=$(size_of "$T/good.clobs")

note "one byte changed anywhere: quarantined"
for off in 0 7 8 23 24 40 $((size / 2)) $((size - 1)); do
  cp "$T/good.clobs" "$T/bad.clobs"
  flip "$T/bad.clobs" "$off"
  r=$(reason_of "$T/bad.clobs")
  case "$off:$r" in
    [0-7]:malformed | 8:wrong-vault | 23:wrong-vault | *:unopenable) ;;
    *) fail "byte $off changed: quarantined for \"$r\"" ;;
  esac
done
note "truncated, empty, not an observation"
head -c $((size - 1)) "$T/good.clobs" >"$T/short.clobs"
[ "$(reason_of "$T/short.clobs")" = unopenable ] || fail "a truncated file was not quarantined as unopenable"
: >"$T/empty.clobs"
[ "$(reason_of "$T/empty.clobs")" = malformed ] || fail "an empty file was not quarantined as malformed"
cp "$V/vault.pub" "$T/notes.clobs"
[ "$(reason_of "$T/notes.clobs")" = malformed ] || fail "a text file was not quarantined as malformed"

note "another school's vault"
V2="$T/v2"
V=$V2 init_vault
teacher "$T/t2" 赵老师 "$V2"
observe "$T/t2" "$T/other.clobs"
[ "$(reason_of "$T/other.clobs")" = wrong-vault ] || fail "a file for another vault was not refused as such"

note "a teacher not enrolled, then a revoked one"
teacher "$T/t3" 钱老师 "$V"
observe "$T/t3" "$T/unknown.clobs"
[ "$(reason_of "$T/unknown.clobs")" = unknown-teacher ] || fail "an unknown teacher's file was not quarantined"
expect_rc 0 cl "$PASS" teacher add 钱老师 "$(key_of "$T/t3")"
expect_rc 0 cl "$PASS" teacher revoke 钱老师
expect_rc 66 cl "$PASS" teacher revoke 钱老师
observe "$T/t3" "$T/revoked.clobs"
[ "$(reason_of "$T/revoked.clobs")" = revoked-teacher ] || fail "a revoked teacher's file was not quarantined"

note "none of them reached the triage queue; the good one still does"
expect_rc 0 cl "$PASS" inbox list --json
[ "$(cat "$T/out")" = "[]" ] || fail "a refused file was queued: $(cat "$T/out")"
expect_rc 0 cl "$PASS" inbox quarantine --json
[ "$(grep -o '"reason":' "$T/out" | wc -l)" -eq 14 ] || fail "the quarantine does not hold every refused file"
expect_rc 0 cl "$PASS" inbox import "$T/good.clobs"
grep -q '1 new observation' "$T/out" || fail "the good file was not taken in"
expect_rc 0 cl "$PASS" audit verify

note "a swapped vault.pub is refused before sealing"
D="$T/drop"
mkdir -p "$D/inbox" && cp "$V2/vault.pub" "$D/vault.pub"
printf '%s\n' "$TP" | "$CARELOG" --vault "$D" --passphrase-fd 3 observe --identity "$T/t1" --student S001 \
  --field occurred_at=2026-03-01T10:00 --field categories=emotional --field severity=low --field description=x \
  3<&0 >"$T/out" 2>"$T/err"
[ $? -eq 77 ] || fail "a swapped vault.pub was not refused: $(cat "$T/err")"
grep -q 'not the vault you joined' "$T/err" || fail "the refusal does not say why: $(cat "$T/err")"
[ -z "$(ls "$D/inbox")" ] || fail "something was sealed for the swapped vault.pub"
expect_rc 77 "$CARELOG" teacher join "$V2/vault.pub" --identity "$T/t1"
echo "teacher_quarantine ok"
