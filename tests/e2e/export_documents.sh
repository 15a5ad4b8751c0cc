# export referral / export student: the PDF holds the Chinese text, embeds
# its fonts as subsets, renders, breaks a long note across pages, says
# "机密 / Confidential" and the page on every page; Markdown and JSON carry
# the same content; every export asks, is 0600, never overwrites, is
# audited before and after, and writes no other file.
. "$(dirname "$0")/lib.sh"

export TZ=Asia/Shanghai
export CARELOG_TEST_NOW=2026-11-05T02:00:00Z
init_vault --user 王老师
FP=$(cl "$PASS" status --json | grep -o '"fingerprint":"[^"]*"' | cut -d'"' -f4)
[ -n "$FP" ] || fail "status printed no fingerprint"

expect_rc 0 cl "$PASS" student add --number 20260001 --name 张小明 --class 初二3班 --field status=active \
  --field circumstances=left_behind \
  --field 'guardians=[{"name":"张建国","relation":"father","phone":"13800000000"}]'
expect_rc 0 cl "$PASS" record add observation --student 20260001 --field 'occurred_at=2026-10-20 09:30' \
  --field categories=emotional --field description=课间独自在走廊哭泣 --field severity=medium
expect_rc 0 cl "$PASS" record add session --student 20260001 --field occurred_at=2026-10-22 \
  --field session_type=individual --field risk_noted=no --field presenting_issue=情绪低落睡眠差
# A very long account: it must wrap and continue on later pages.
LONG=$(i=0; while [ $i -lt 160 ]; do printf '第%d段：学生在课间对班主任说想结束生命，并描述了具体的计划。' $i; i=$((i + 1)); done)
expect_rc 0 cl "$PASS" record add referral --student 20260001 --field occurred_at=2026-11-01 \
  --field concerns=self_harm --field reason=学生透露有自伤计划 --field urgency=urgent \
  --field "what=$LONG末尾标记" --field guardians_informed=yes --field agency=protection_station \
  --field who_disclosed=学生本人
R=$(sed -n 's/^Added referral #\([0-9]*\) .*/\1/p' "$T/out")
[ -n "$R" ] || fail "no referral id"
expect_rc 0 cl "$PASS" referral move "$R" reported --note 已电话报告区未保站对方登记

# Refusals: no confirmation without a terminal, bad format, missing -o, not
# a referral, unknown record; none writes a file.
expect_rc 64 cl "$PASS" export referral "$R" --format pdf -o r.pdf
grep -q -- '--yes' "$T/err" || fail "the refusal does not name --yes: $(cat "$T/err")"
expect_rc 64 cl "$PASS" --yes export referral "$R" --format docx -o r.pdf
expect_rc 64 cl "$PASS" --yes export referral "$R" --format pdf
expect_rc 65 cl "$PASS" --yes export referral 1 --format pdf -o r.pdf
expect_rc 66 cl "$PASS" --yes export referral 999 --format pdf -o r.pdf
expect_rc 65 cl "$PASS" --yes export student 20260001 --from 2026-13-01 --format md -o s.md
[ ! -e r.pdf ] && [ ! -e s.md ] || fail "a refused export left a file"

# The PDF, in Chinese, and nothing written but the file and the vault.
expect_rc 0 strace -f -o "$T/trace" -e trace=open,openat,creat,rename,renameat,renameat2,link,linkat \
  sh -c "printf '%s\n' '$PASS' | '$CARELOG' --vault '$V' --passphrase-fd 3 --lang zh --yes \
    export referral $R --format pdf -o '$T/r.pdf' 3<&0 </dev/null"
grep -E 'O_WRONLY|O_RDWR|O_CREAT|rename|link' "$T/trace" | grep -v ' = -1 ' |
  grep -o '"[^"]*"' | tr -d '"' | sort -u >"$T/written"
while read -r f; do
  case "$f" in
    "$V"/*|"$T/r.pdf"|"$XDG_STATE_HOME"/carelog/*|/dev/tty|/dev/null) ;;
    # fontconfig's cache of font file metadata (no vault text), written
    # only when the system cache is stale.
    "$HOME"/.cache/fontconfig/*) ;;
    *) fail "the export wrote $f" ;;
  esac
done <"$T/written"
[ "$(stat -c %a r.pdf)" = 600 ] || fail "r.pdf has mode $(stat -c %a r.pdf)"

pdftotext r.pdf r.txt || fail "pdftotext cannot read the PDF"
for want in 强制报告与转介 测试中学 "$FP" 张小明 20260001 初二3班 张建国 父亲 留守儿童 学生透露有自伤计划 \
            已电话报告区未保站对方登记 课间独自在走廊哭泣 情绪低落睡眠差 报告人 王老师 学生本人 末尾标记 已报告; do
  grep -q -- "$want" r.txt || fail "the PDF's text lacks $want"
done
PAGES=$(pdfinfo r.pdf | sed -n 's/^Pages: *//p')
[ "$PAGES" -ge 3 ] || fail "the long account fits on $PAGES pages"
[ "$(grep -c '机密 / Confidential' r.txt)" -eq "$PAGES" ] || fail "not every page says 机密 / Confidential"
i=1
while [ $i -le "$PAGES" ]; do
  grep -q "第 *$i *页 */ *共 *$PAGES *页" r.txt || fail "page $i has no page number"
  i=$((i + 1))
done
# The account breaks at a line boundary and goes on: its later parts are on page 2.
pdftotext -f 2 -l 2 r.pdf p2.txt
grep -q '第[0-9]*段' p2.txt || fail "page 2 does not continue the account"
# The reporter is marked confidential.
grep -q '^报告人 *（机密）' r.txt || fail "the reporter is not marked confidential"

pdffonts r.pdf >fonts.txt
[ "$(tail -n +3 fonts.txt | wc -l)" -ge 1 ] || fail "the PDF has no fonts"
tail -n +3 fonts.txt | awk '{ if ($(NF-4) != "yes" || $(NF-3) != "yes") bad = 1 } END { exit bad }' ||
  { cat fonts.txt; fail "a font is not embedded as a subset"; }
grep -q 'WenQuanYi\|Noto' fonts.txt || fail "no CJK font: $(cat fonts.txt)"

# Page 1 renders: a grey image with a fair share of dark pixels.
pdftoppm -gray -r 40 -f 1 -l 1 r.pdf page || fail "pdftoppm cannot render page 1"
PGM=$(ls page*.pgm | head -n 1)
DARK=$(tail -c +16 "$PGM" | od -An -v -tu1 | tr -s ' ' '\n' | awk '$1 != "" && $1 < 128 { n++ } END { print n + 0 }')
[ "$DARK" -gt 500 ] || fail "page 1 looks blank ($DARK dark pixels)"

# No overwrite: the same name is refused and the file is left as it was.
sum=$(sha256sum r.pdf)
expect_rc 73 cl "$PASS" --yes export referral "$R" --format pdf -o r.pdf
[ "$(sha256sum r.pdf)" = "$sum" ] || fail "a refused export changed r.pdf"

# Audited: the intent and the completion with the file's hash.
expect_rc 0 cl "$PASS" audit list --json
HASH=$(b2sum -l 256 r.pdf | cut -d' ' -f1)
SIZE=$(size_of r.pdf)
grep -q '"action":"export.referral","target":"'"$T"'/r.pdf","detail":"referral '"$R"' as pdf, '"$SIZE"' bytes, blake2b:'"$HASH"'"' "$T/out" ||
  fail "the intent does not name the file's hash: $(grep -o '"action":"export.referral"[^}]*' "$T/out")"
grep -q '"action":"export.referral.done","target":"'"$T"'/r.pdf"' "$T/out" || fail "no completion in the audit log"
grep -q '"action":"export.referral.failed","target":"r.pdf"' "$T/out" && fail "a refused overwrite was logged as an attempt"
expect_rc 0 cl "$PASS" audit verify

# Markdown and JSON carry the same content.
expect_rc 0 cl "$PASS" --lang zh --yes export referral "$R" --format md -o r.md
expect_rc 0 cl "$PASS" --lang zh --yes export referral "$R" --format json -o r.json
[ "$(stat -c %a r.md)" = 600 ] && [ "$(stat -c %a r.json)" = 600 ] || fail "md/json not 0600"
for want in 强制报告与转介 测试中学 "$FP" 张小明 张建国 学生透露有自伤计划 已电话报告区未保站对方登记 课间独自在走廊哭泣 \
            情绪低落睡眠差 王老师 学生本人 末尾标记 '机密 / Confidential'; do
  grep -q -- "$want" r.md || fail "the Markdown lacks $want"
  grep -q -- "$want" r.json || fail "the JSON lacks $want"
done
grep -q '报告人\*\* （机密）: 王老师' r.md || fail "the Markdown does not mark the reporter confidential: $(grep 报告人 r.md)"
grep -q '"format": "carelog-summary",' r.json && grep -q '"kind": "referral"' r.json || fail "the JSON does not say what it is"
grep -q '"reporter_confidential": true' r.json || fail "the JSON does not mark the reporter confidential"

# The student report: a period, and picked records.
expect_rc 0 cl "$PASS" --lang en --yes export student 20260001 --from 2026-10-21 --to 2026-10-31 --format md -o s.md
grep -q 'Student case report' s.md || fail "the English report has no English title"
grep -q '情绪低落睡眠差' s.md || fail "the report lacks the session in the period"
grep -q '课间独自在走廊哭泣' s.md && fail "the report holds an observation outside the period"
expect_rc 0 cl "$PASS" --yes export student 20260001 --records 2 --format json -o s.json
grep -q '课间独自在走廊哭泣' s.json || fail "the picked record is missing"
grep -q '情绪低落睡眠差' s.json && fail "a record not picked is in the report"
expect_rc 65 cl "$PASS" --yes export student 20260001 --records 1 --format md -o s2.md
[ ! -e s2.md ] || fail "a refused pick left a file"
expect_rc 0 cl "$PASS" --yes export student 20260001 --format pdf -o s.pdf
pdftotext s.pdf - | grep -q 张小明 || fail "the student PDF lacks the name"
