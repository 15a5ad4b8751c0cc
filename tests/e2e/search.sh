# carelog search end to end: Chinese words found, marked visibly, audited;
# a word edited away is no longer found; operators are only words; the
# index lives only inside vault.db; check, rebuild, backup and restore.
. "$(dirname "$0")/lib.sh"

init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 20250003 --name 赵小明 --class '初二(3)班'
expect_rc 0 cl "$PASS" record add session --student 20250003 --field occurred_at=2026-03-02 \
  --field session_type=individual --field risk_noted=no --field 'data=说在网贷平台借了钱，QQ群里被欺凌 XQ9srch'
ses=$(grep -Eo '#[0-9]+' "$T/out" | head -n1 | tr -d '#')

expect_rc 0 cl "$PASS" search 网贷
grep -q "«网贷»" "$T/out" || fail "the match is not marked: $(cat "$T/out")"
grep -q "赵小明" "$T/out" || fail "the student is not named"
expect_rc 0 cl "$PASS" --json search 'ｑｑ群 欺凌'
grep -q "\"record_id\":$ses" "$T/out" || fail "full-width ｑｑ did not find QQ: $(cat "$T/out")"
expect_rc 0 cl "$PASS" search zxm --kind student
grep -q "20250003" "$T/out" || fail "pinyin initials did not find the student"
# …and while the pinyin is still being typed, here and in the students list.
for typed in zh zhaox zhaoxiaom; do
  expect_rc 0 cl "$PASS" search "$typed" --kind student
  grep -q "20250003" "$T/out" || fail "search $typed did not find 赵小明: $(cat "$T/out")"
done
for typed in zh zhaox zhxm zxm xiaom; do
  expect_rc 0 cl "$PASS" --json student list --search "$typed"
  grep -q '"20250003"' "$T/out" || fail "student list --search $typed did not find 赵小明: $(cat "$T/out")"
done
expect_rc 0 cl "$PASS" --json student list --search zhu
grep -q '"20250003"' "$T/out" && fail "student list --search zhu found 赵小明"
# student: takes the number as typed on a full-width keyboard.
expect_rc 0 cl "$PASS" --json search 网贷 --student '２０２５０００３'
grep -q "\"record_id\":$ses" "$T/out" || fail "a full-width student number did not filter: $(cat "$T/out")"
expect_rc 0 cl "$PASS" search 网贷 --by-student
grep -q "«网贷»" "$T/out" || fail "--by-student: $(cat "$T/out")"
expect_rc 64 cl "$PASS" search 网贷 --by-student --rank
expect_rc 0 cl "$PASS" search 网贷 --student 20250003 --rank
grep -q "«网贷»" "$T/out" || fail "--rank with --student: $(cat "$T/out")"

# What FTS5 would read as syntax is searched for as words: no error.
for q in 'NEAR(a b)' 'body:x' '(a' 'a OR' '网贷 AND' '网贷*' '{body}:网贷' '"网贷' "'; DROP TABLE records; --"; do
  expect_rc 0 cl "$PASS" search "$q"
done
# …which the record does not say together: a column name is not a column.
expect_rc 0 cl "$PASS" search 'body:网贷'
grep -q "No record says that." "$T/out" || fail "body: was read as FTS5's column filter"
# Nothing but punctuation is nothing to search for.
for q in '"' '(' '*' '""'; do
  expect_rc 64 cl "$PASS" search "$q"
done
expect_rc 0 cl "$PASS" search '网贷 -欺凌'
grep -q "No record says that." "$T/out" || fail "an excluded word still matched"
expect_rc 64 cl "$PASS" search 'since:2026-02-30 网贷'
expect_rc 64 cl "$PASS" search ' '

# Each search is in the audit log, with what was asked and how many matched.
expect_rc 0 cl "$PASS" audit list
grep -q '1 match for "网贷"' "$T/out" || fail "the search is not in the audit log: $(tail -n 3 "$T/out")"

# A word edited away is no longer found; the new one is.
expect_rc 0 cl "$PASS" record edit "$ses" --version 1 --field 'data=情绪平稳 XQ9srch'
expect_rc 0 cl "$PASS" --json search 网贷
grep -q '"total":0' "$T/out" || fail "an edited-away word is still found: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json search 平稳
grep -q '"total":1' "$T/out" || fail "the new word is not found"

expect_rc 0 cl "$PASS" search --check
expect_rc 0 cl "$PASS" search --rebuild
grep -q "2 records" "$T/out" || fail "rebuild: $(cat "$T/out")"

# The index, like everything else, is only inside the encrypted vault.db.
if grep -r -a -l -e 'XQ9srch' -e 'xq9srch' -e '平稳' "$V" "$T/state" 2>/dev/null; then
  fail "search text is on disk in plaintext"
fi
[ "$(find "$V" -type f | grep -v -E '/(vault\.db(-wal|-shm)?|keyslots|vault\.pub)$')" = "" ] ||
  fail "a file other than the vault's own: $(find "$V" -type f)"

# The index survives backup and restore.
expect_rc 0 cl "$PASS" backup "$T/b.clb"
(V="$T/r"; expect_rc 0 cl "$PASS" restore "$T/b.clb" && expect_rc 0 cl "$PASS" --json search 平稳 &&
  grep -q '"total":1' "$T/out") || fail "the restored vault does not find the word"
echo "search ok"
