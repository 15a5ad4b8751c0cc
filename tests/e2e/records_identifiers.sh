# Names are names: an invisible character that cannot change meaning (the
# zero-width space of 李\u200b明) is removed, so the student is found as 李明
# and shown without a replacement mark; one that can (bidirectional controls,
# joiners, controls) is refused with a message naming it, and nothing is
# saved. Numbers and classes in either width are one.
. "$(dirname "$0")/lib.sh"
export LANGUAGE=en   # the English source messages

init_vault
zwsp=$(printf '李\342\200\213明')
expect_rc 0 cl "$PASS" student add --number 20260001 --name "$zwsp" --class '初二（3）班'
expect_rc 0 cl "$PASS" student list --search 李明
grep -q '20260001' "$T/out" || fail "李\\u200b明 is not found as 李明: $(cat "$T/out")"
grep -q "$(printf '\357\277\275')" "$T/out" && fail "a replacement mark is shown: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json student show 20260001
grep -q '"name":"李明"' "$T/out" && grep -q '"class":"初二(3)班"' "$T/out" || fail "not stored in normal form: $(cat "$T/out")"
expect_rc 0 cl "$PASS" student list --search "$zwsp"
grep -q '20260001' "$T/out" || fail "a search with the zero-width space finds nothing"

# Refused, named, nothing saved; the other problems of the form too.
expect_rc 65 cl "$PASS" student add --number 20260002 --name "$(printf '李\342\200\256明')" --class 初一
grep -q 'field name (姓名): contains a bidirectional control.*U+202E.*after "李"' "$T/err" || fail "bidi: $(cat "$T/err")"
expect_rc 65 cl "$PASS" student add --number "$(printf '2026\t0003')" --name "$(printf 'a\342\200\215b')" --class 初一
grep -q 'number (学号): contains a tab' "$T/err" && grep -q 'name (姓名): contains a zero-width joiner' "$T/err" ||
  fail "every refused identifier at once: $(cat "$T/err")"
expect_rc 0 cl "$PASS" status --json
[ "$(json_count students)" = 1 ] || fail "a refused student was saved"
# An edit takes the same path.
expect_rc 65 cl "$PASS" student edit 20260001 --version 1 --name "$(printf '李\033[31m明')"
grep -q 'control character' "$T/err" || fail "edit: $(cat "$T/err")"

# A roster with the same invisible characters.
printf '学号,姓名,班级\n２０２６０００４,王\342\200\213芳,初二（3）班\n20260005,赵\342\200\256六,初二(3)班\n' >"$T/r.csv"
expect_rc 65 cl "$PASS" import roster "$T/r.csv"
grep -q 'line 3: .*bidirectional' "$T/err" || fail "roster bidi not refused: $(cat "$T/err")"
grep -q 'line 2' "$T/err" && fail "the zero-width space was refused: $(cat "$T/err")"
printf '学号,姓名,班级\n２０２６０００４,王\342\200\213芳,初二（3）班\n' >"$T/r.csv"
expect_rc 0 cl "$PASS" import roster "$T/r.csv"
expect_rc 0 cl "$PASS" --json student list --class '初二(3)班' --search 王芳
grep -q '"number":"20260004","name":"王芳"' "$T/out" || fail "roster not normalised: $(cat "$T/out")"
exit 0
