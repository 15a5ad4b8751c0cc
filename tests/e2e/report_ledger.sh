# report ledger / report difficulty: the xlsx holds the Chinese text in the
# right cells (read back with xlsx2csv), the CSV round-trips through
# GB18030, the PDF is landscape, holds its text and renders; filters work;
# every report asks, is 0600, never overwrites, is audited, and the xlsx
# leaves no working file behind.
. "$(dirname "$0")/lib.sh"

export TZ=Asia/Shanghai
export CARELOG_TEST_NOW=2026-11-20T02:00:00Z
init_vault --user 王老师

expect_rc 0 cl "$PASS" student add --number 1001 --name 张小明 --class 初二3班 --field gender=male --field status=active \
  --field circumstances=left_behind --field counsellor=王老师 \
  --field 'guardians=[{"name":"张建国","relation":"grandparent","phone":"13800000000"}]'
expect_rc 0 cl "$PASS" student add --number 1002 --name 李小红 --class 初一1班 --field gender=female --field status=active
expect_rc 0 cl "$PASS" student add --number 1003 --name 王平安 --class 初一1班 --field status=active
expect_rc 0 cl "$PASS" record add observation --student 1001 --field 'occurred_at=2026-10-20 09:30' \
  --field categories=emotional,bullying_victim --field description=课间独自在走廊哭泣 --field severity=medium
expect_rc 0 cl "$PASS" record add session --student 1001 --field occurred_at=2026-10-22 \
  --field session_type=individual --field risk_noted=no --field presenting_issue=情绪低落睡眠差
expect_rc 0 cl "$PASS" record add contact --student 1001 --field occurred_at=2026-10-23 --field who=张建国 \
  --field channel=visit --field summary=家访了解留守情况
expect_rc 0 cl "$PASS" record add assessment --student 1001 --field occurred_at=2026-10-24 --field risk_level=2 \
  --field misconduct_tier=none --field reasons=情绪持续低落 --field safety_plan=yes --field follow_up=2026-11-01
expect_rc 0 cl "$PASS" record add referral --student 1001 --field occurred_at=2026-10-25 --field concerns=bullying \
  --field reason=遭受欺凌 --field urgency=routine --field what=多次被同学围堵 --field guardians_informed=yes \
  --field agency=protection_station
expect_rc 0 cl "$PASS" record add observation --student 1002 --field 'occurred_at=2026-09-01 10:00' \
  --field categories=absence --field description=连续三天缺勤 --field severity=low
# 王平安 has no records: not in the ledger.

# Refusals before anything is written.
expect_rc 64 cl "$PASS" report ledger --format xlsx -o l.xlsx
expect_rc 64 cl "$PASS" --yes report ledger --format docx -o l.docx
expect_rc 64 cl "$PASS" --yes report ledger --format csv --encoding latin1 -o l.csv
expect_rc 64 cl "$PASS" --yes report ledger --format csv --risk 7 -o l.csv
expect_rc 65 cl "$PASS" --yes report ledger --format csv --from 2026-02-30 -o l.csv
[ -z "$(ls l.* 2>/dev/null)" ] || fail "a refused report left a file"

# xlsx, in Chinese, with a sheet per class; nothing else written.
expect_rc 0 strace -f -o "$T/trace" -e trace=open,openat,creat,mkdir,rmdir,unlink,rename,link \
  sh -c "printf '%s\n' '$PASS' | '$CARELOG' --vault '$V' --passphrase-fd 3 --lang zh --yes \
    report ledger --format xlsx --sheet-per-class -o '$T/l.xlsx' 3<&0 </dev/null"
[ "$(stat -c %a l.xlsx)" = 600 ] || fail "l.xlsx has mode $(stat -c %a l.xlsx)"
WORK=$(sed -n 's/.*mkdir("\([^"]*carelog-xlsx-[^"]*\)".* = 0$/\1/p' "$T/trace")
[ -n "$WORK" ] || fail "no working folder for the workbook"
case "$WORK" in "${XDG_RUNTIME_DIR:-/nonexistent}"/*|/dev/shm/*) ;; *) fail "working folder $WORK is not in memory" ;; esac
[ "$(stat -f -c %T "$(dirname "$WORK")")" = tmpfs ] || fail "$(dirname "$WORK") is not tmpfs"
[ ! -e "$WORK" ] || fail "the working folder $WORK was left behind"
# every working file is unlinked right after it is made
made=$(grep -c "\"$WORK/[^\"]*\", O_RDWR|O_CREAT|O_EXCL" "$T/trace")
gone=$(grep -c "unlink(\"$WORK/[^\"]*\") = 0" "$T/trace")
[ "$made" -gt 0 ] && [ "$made" -eq "$gone" ] || fail "working files made $made, removed $gone"
grep -E 'O_WRONLY|O_RDWR|O_CREAT' "$T/trace" | grep -v ' = -1 ' | grep -o '"[^"]*"' | tr -d '"' | sort -u |
  while read -r f; do
    case "$f" in
      "$V"/*|"$T/l.xlsx"|"$WORK"/*|/proc/self/fd/*|"$XDG_STATE_HOME"/carelog/*|/dev/tty|/dev/null) ;;
      "$HOME"/.cache/fontconfig/*) ;;
      *) fail "the report wrote $f" ;;
    esac
  done || exit 1

xlsx2csv -s 1 l.xlsx >l1.csv || fail "xlsx2csv cannot read the workbook"
sed -n 1p l1.csv | grep -q '^学生异常行为干预台账' || fail "no title row: $(sed -n 1p l1.csv)"
sed -n 2p l1.csv | grep -q '测试中学' || fail "the second row does not name the school"
sed -n 3p l1.csv | grep -q '^序号,姓名,性别,班级,首次发现时间,发现人/来源,异常表现,风险等级,行为分级,干预措施,家校沟通,转介,目前状态,责任人,跟踪结果/备注$' ||
  fail "headings: $(sed -n 3p l1.csv)"
[ "$(wc -l <l1.csv)" -eq 5 ] || fail "the ledger should have 2 students: $(cat l1.csv)"
grep -q '王平安' l1.csv && fail "a student without records is in the ledger"
# 张小明's row, cell by cell (初一1班 sorts first, so he is No. 2).
row=$(grep ',张小明,' l1.csv)
cell() { printf '%s\n' "$row" | awk -v n="$1" -F, '{ print $n }'; }
[ "$(cell 1)" = 2 ] || fail "No. is $(cell 1)"
[ "$(cell 3)" = 男 ] || fail "gender is $(cell 3)"
[ "$(cell 4)" = 初二3班 ] || fail "class is $(cell 4)"
[ "$(cell 5)" = 2026-10-20 ] || fail "first noticed is $(cell 5)"
printf '%s' "$row" | grep -q '情绪异常（低落、易哭、易怒、焦虑）、疑似被欺凌' || fail "concerns missing: $row"
printf '%s' "$row" | grep -q '2 (较高风险' || fail "risk level missing: $row"
printf '%s' "$row" | grep -q '辅导 1 次' || fail "sessions missing: $row"
printf '%s' "$row" | grep -q '1 次，最近 2026-10-23（家访）' || fail "contacts missing: $row"
printf '%s' "$row" | grep -q '草稿 · 未成年人保护工作站' || fail "referral missing: $row"
printf '%s' "$row" | grep -q '在案跟进' || fail "status missing: $row"
xlsx2csv -a l.xlsx >all.csv
grep -q '^-------- 2 - 初一1班' all.csv || fail "no sheet for 初一1班: $(grep -- '--------' all.csv)"
grep -q '^-------- 3 - 初二3班' all.csv || fail "no sheet for 初二3班"

# CSV: UTF-8 with BOM by default; GB18030 converts back to the same text.
expect_rc 0 cl "$PASS" --lang zh --yes report ledger --format csv -o l.csv
[ "$(head -c 3 l.csv | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "the UTF-8 CSV has no BOM"
expect_rc 0 cl "$PASS" --lang zh --yes report ledger --format csv --encoding gb18030 -o g.csv
iconv -f GB18030 -t UTF-8 g.csv >g-utf8.csv || fail "g.csv is not GB18030"
tail -c +4 l.csv | cmp -s - g-utf8.csv || fail "the GB18030 CSV does not hold the same text"
grep -q '张小明' g.csv && fail "g.csv is UTF-8, not GB18030"
grep -q '张小明' g-utf8.csv || fail "g.csv lacks the name"

# Filters.
expect_rc 0 cl "$PASS" --lang zh --yes report ledger --format csv --class 初一1班 -o c.csv
grep -q 李小红 c.csv && ! grep -q 张小明 c.csv || fail "--class did not filter: $(cat c.csv)"
expect_rc 0 cl "$PASS" --lang zh --yes report ledger --format csv --risk 2 -o r.csv
grep -q 张小明 r.csv && ! grep -q 李小红 r.csv || fail "--risk did not filter"
expect_rc 0 cl "$PASS" --lang zh --yes report ledger --format csv --from 2026-10-01 -o p.csv
grep -q 张小明 p.csv && ! grep -q 李小红 p.csv || fail "--from did not filter"

# PDF: landscape A4, the text, a page that renders.
expect_rc 0 cl "$PASS" --lang zh --yes report ledger --format pdf -o l.pdf
pdfinfo l.pdf | grep -q 'Page size: *841.89 x 595.27' || fail "not A4 landscape: $(pdfinfo l.pdf | grep 'Page size')"
pdftotext l.pdf l.txt
for want in 学生异常行为干预台账 测试中学 张小明 李小红 初二3 '机密 / Confidential'; do
  grep -q -- "$want" l.txt || fail "the ledger PDF lacks $want"
done
pdftoppm -gray -r 40 -f 1 -l 1 l.pdf page
DARK=$(tail -c +16 "$(ls page*.pgm | head -n 1)" | od -An -v -tu1 | tr -s ' ' '\n' | awk '$1 != "" && $1 < 128 { n++ } END { print n + 0 }')
[ "$DARK" -gt 500 ] || fail "the ledger's page 1 looks blank"

# English headings by the interface language; Markdown.
expect_rc 0 cl "$PASS" --lang en --yes report ledger --format md -o l.md
grep -q '^| No\. | Name | Gender | Class | First noticed' l.md || fail "English headings: $(grep '^| No' l.md)"

# No overwrite, audited.
sum=$(sha256sum l.csv)
expect_rc 73 cl "$PASS" --yes report ledger --format csv -o l.csv
[ "$(sha256sum l.csv)" = "$sum" ] || fail "a refused report changed l.csv"
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"report.ledger","target":"'"$T"'/l.xlsx","detail":"2 students as xlsx, [0-9]* bytes, blake2b:' "$T/out" ||
  fail "no intent logged: $(grep -o '"action":"report.ledger[^}]*' "$T/out")"
grep -q '"action":"report.ledger.done","target":"'"$T"'/l.xlsx"' "$T/out" || fail "no completion logged"

# Children in difficulty: the left-behind student with guardian and phone.
expect_rc 0 cl "$PASS" --lang zh --yes report difficulty --format xlsx -o d.xlsx
xlsx2csv d.xlsx >d.csv
grep -q '张小明,初二3班,留守儿童,张建国（祖辈（爷爷奶奶、外公外婆））,13800000000,2026-10-23,家访' d.csv ||
  fail "difficulty row: $(cat d.csv)"
grep -q 李小红 d.csv && fail "a student without a circumstance is listed"
expect_rc 0 cl "$PASS" --lang zh --yes report difficulty --circumstance disability --format csv -o d2.csv
grep -q 张小明 d2.csv && fail "--circumstance did not filter"
true
