# The interface speaks one language at a time: Chinese or English by the
# locale, --lang for one command; JSON is the same in both.
. "$(dirname "$0")/lib.sh"
init_vault
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张三 --class '初二(3)班'

LANG=zh_CN.UTF-8 expect_rc 0 "$CARELOG" --help
grep -q '^用法：carelog \[全局选项\] 命令 \[选项\]$' "$T/out" || fail "Chinese help: $(cat "$T/out")"
grep -q 'usage\|global options' "$T/out" && fail "Chinese help has English in it: $(cat "$T/out")"
LANG=en_US.UTF-8 expect_rc 0 "$CARELOG" --help
grep -q '^usage: carelog \[global options\] COMMAND \[options\]$' "$T/out" || fail "English help: $(cat "$T/out")"
grep -q '用法' "$T/out" && fail "English help has Chinese in it"

# A machine with no language set speaks Chinese (schools in China first);
# --lang overrides the locale both ways.
expect_rc 0 env -u LANG "$CARELOG" --help
grep -q '^用法' "$T/out" || fail "no locale: $(head -3 "$T/out")"
LANG=zh_CN.UTF-8 expect_rc 0 "$CARELOG" --lang en --help
grep -q '^usage' "$T/out" || fail "--lang en under a Chinese locale"
LANG=en_US.UTF-8 expect_rc 0 "$CARELOG" --lang zh --help
grep -q '^用法' "$T/out" || fail "--lang zh under an English locale"
expect_rc 64 "$CARELOG" --lang fr --help
grep -q 'zh, en or auto' "$T/err" || fail "bad --lang: $(cat "$T/err")"

# Errors, headings and labels in one language at a time.
LANG=zh_CN.UTF-8 expect_rc 66 cl "$PASS" student show 20269999
grep -q '没有学生 #20269999' "$T/err" || fail "Chinese error: $(cat "$T/err")"
LANG=en_US.UTF-8 expect_rc 66 cl "$PASS" student show 20269999
grep -q 'there is no student #20269999' "$T/err" || fail "English error: $(cat "$T/err")"
LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" student list
head -n 1 "$T/out" | grep -q '学号 *姓名 *班级' || fail "Chinese headings: $(cat "$T/out")"
grep -q 'Number\|Name' "$T/out" && fail "Chinese table has English headings: $(cat "$T/out")"
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" student list
head -n 1 "$T/out" | grep -q 'Number *Name *Class' || fail "English headings: $(cat "$T/out")"
grep -q '学号' "$T/out" && fail "English table has Chinese headings: $(cat "$T/out")"

# Plurals.
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" due --days 1
grep -q 'within 1 day\.' "$T/out" || fail "singular: $(cat "$T/out")"
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" due --days 3
grep -q 'within 3 days\.' "$T/out" || fail "plural: $(cat "$T/out")"
LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" due --days 3
grep -q '3 天内没有待跟进事项' "$T/out" || fail "Chinese count: $(cat "$T/out")"

# JSON keeps its keys and machine values whatever the language.
LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" --json student list
cp "$T/out" "$T/zh.json"
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" --json student list
cmp -s "$T/out" "$T/zh.json" || fail "JSON differs by language: $(cat "$T/out") vs $(cat "$T/zh.json")"
grep -q '"status":"active"' "$T/out" || fail "JSON machine value: $(cat "$T/out")"

# The vault's setting chooses for everyone who opens it; --lang still wins.
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" config set language zh
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" student list
head -n 1 "$T/out" | grep -q '学号 *姓名' || fail "the vault's language setting: $(cat "$T/out")"
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" --lang en student list
head -n 1 "$T/out" | grep -q 'Number *Name' || fail "--lang over the vault setting: $(cat "$T/out")"
LANG=en_US.UTF-8 expect_rc 64 cl "$PASS" --lang en config set language klingon
grep -q 'zh|en|auto' "$T/err" || fail "bad language value: $(cat "$T/err")"
expect_rc 0 cl "$PASS" --json config get language
grep -q '"value":"zh"' "$T/out" || fail "a refused value changed the setting: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --json audit list
grep -q '"action":"setting.set","target":"language"' "$T/out" || fail "setting change not audited"
expect_rc 0 cl "$PASS" config set language auto
exit 0
