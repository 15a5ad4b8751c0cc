# Under a Chinese locale (and with --lang zh under an English one) every
# command's --help, tables, messages and errors read Chinese: a line with
# an English word outside the allow-list below fails, as does a table
# wider than 80 columns. Identifiers stay as they are: commands and
# options as typed, metavariables (FILE, NAME), file names, fingerprints,
# product and format names.
. "$(dirname "$0")/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z COLUMNS=80
init_vault --user 王老师
expect_rc 0 cl "$PASS" generate --students 25 --months 4
# A quarantined file, a teacher, an office and a search give those lists rows.
mkdir -p "$V/inbox"
printf 'not an observation' >"$V/inbox/junk.obs"
expect_rc 0 cl "$PASS" inbox import
expect_rc 0 cl "$PASS" search 情绪
expect_rc 0 cl "$PASS" --json referral list
ref=$(grep -o '"id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)
expect_rc 0 cl "$PASS" --json record list --kind session --limit 1
ses=$(grep -o '"id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)
[ -n "$ref" ] && [ -n "$ses" ] || fail "generate gave no referral or session"

COMMANDS='init|status|counsellor add|counsellor list|counsellor remove|passwd|recovery-key|verify|backup|restore|agenda
student add|student edit|student list|student show|student close|student duplicates|student merge
student not-duplicate|student clear-flag|record add|record edit|record list|record show|record sign|record amend
form list|form show|form import|referral move|referral list|referral show|due|followup close|verify-derived
policy list|policy set|policy remove|audit list|audit verify|audit anchor|import roster|export vault|import vault
generate|config list|config get|config set|office init|office add|office list|office trust|pubkey|import receipt
office open|office referrals|office show|office receipt|teacher init|teacher show|teacher join|teacher sent|observe
teacher add|teacher list|teacher revoke|teacher publish-roster|inbox import|inbox list|inbox show|inbox accept|inbox dismiss
inbox quarantine|inbox|export referral|export student|office export|report ledger|report difficulty|report stats
report county|report merge|search|school add|school list|import transfer'

mkdir -p "$T/sweep"
n=0
# run RC ARG… — carelog on the vault in Chinese; stdout and stderr kept.
run() {
  _want=$1; shift
  n=$((n + 1))
  LANG=zh_CN.UTF-8 expect_rc "$_want" cl "$PASS" "$@"
  { echo "## carelog $*"; cat "$T/out" "$T/err"; } >"$T/sweep/$n.txt"
  cp "$T/out" "$T/sweep/$n.out"
}

run 0 --help
_ifs=$IFS
IFS='|'
for c in $(echo "$COMMANDS" | tr '\n' '|'); do
  IFS=$_ifs
  # shellcheck disable=SC2086
  LANG=zh_CN.UTF-8 "$CARELOG" $c --help >"$T/sweep/help-$(echo "$c" | tr ' ' _).txt" 2>&1 || fail "$c --help failed"
done
IFS=$_ifs
run 0 status
run 0 counsellor list
run 0 verify
run 0 agenda
run 0 student list
run 0 student show 1
run 0 student duplicates
run 0 record list --limit 40
run 0 record show "$ses"
run 0 record show "$ref" --history
run 0 form list
run 0 referral list --all
run 0 referral show "$ref"
run 0 due --days 30
run 0 policy list
run 0 audit list --limit 60
run 0 audit verify
run 0 config list
run 0 config get language
run 0 teacher list
run 0 inbox list --all
run 0 inbox quarantine
run 0 report stats
run 0 report stats --by risk
run 0 report stats --by month
run 0 search 情绪
run 0 search 没有这个词
run 0 office list
run 0 verify-derived
run 66 student show 20269999
run 66 record add 乱写 --student 1
run 64 audit list --since 昨天
run 65 record add session --student 1 --field occurred_at=2026-02-30
run 64 due --days x
# A teacher's side, and the counsellor taking the observation in.
TP='teacher pass phrase'
teach() {
  n=$((n + 1))
  printf '%s\n%s\n' "$TP" "$TP" | LANG=zh_CN.UTF-8 "$CARELOG" --passphrase-fd 3 "$@" 3<&0 </dev/null >"$T/out" 2>"$T/err" ||
    fail "teacher: $* failed: $(cat "$T/err")"
  { echo "## carelog $*"; cat "$T/out" "$T/err"; } >"$T/sweep/$n.txt"
  cp "$T/out" "$T/sweep/$n.out"
}
teach teacher init --name 孙老师
teach teacher join "$V/vault.pub"
teach teacher show
key=$("$CARELOG" teacher show --json | grep -o '"public_key":"[^"]*"' | cut -d'"' -f4)
number=$(cl "$PASS" --json student list | grep -o '"number":"[^"]*"' | head -n 1 | cut -d'"' -f4)
run 0 teacher add 孙老师 "$key"
teach observe --vault "$V" --student "$number" --field occurred_at='2026-11-23 10:00' --field categories=emotional \
  --field description=哭泣 --field severity=urgent --field immediate_action=陪同
teach teacher sent
teach teacher sent --students
run 0 teacher publish-roster -o "$T/teacher.roster"
run 0 inbox list
run 0 inbox show 1
run 0 inbox accept 1
# A triaged observation reads as a state (已接收), also when triaged again.
run 0 inbox list --all
grep -q '已接收' "$T/out" || fail "inbox list --all does not say 已接收: $(cat "$T/out")"
run 65 inbox accept 1
grep -q '此前已处理（已接收）' "$T/err" || fail "a second accept does not say it was 已接收: $(cat "$T/err")"
run 0 teacher list

# The protection office's side: a bundle sent, opened, answered.
OV="$T/office"
office() {
  _want=$1; shift
  n=$((n + 1))
  printf '%s\n' "$PASS" | LANG=zh_CN.UTF-8 "$CARELOG" --vault "$OV" --passphrase-fd 3 "$@" 3<&0 </dev/null >"$T/out" 2>"$T/err"
  _rc=$?
  [ "$_rc" -eq "$_want" ] || fail "office: $* exited $_rc: $(cat "$T/err")"
  { echo "## carelog $*"; cat "$T/out" "$T/err"; } >"$T/sweep/$n.txt"
  cp "$T/out" "$T/sweep/$n.out"
}
office 0 office init --name 区未保站
run 0 office add 区未保站 "$OV/office.pub"
office 0 office trust 测试中学 "$V/vault.pub"
run 0 --yes export referral "$ref" --bundle --to 区未保站 -o "$T/bundle.age"
office 0 office open "$T/bundle.age"
office 0 office referrals
office 0 office show 1
office 0 office list
office 0 --yes office receipt 1 --status handling --note 已处置 -o "$T/receipt.age"
run 0 import receipt "$T/receipt.age"
run 0 office list

# What changes the vault says so in Chinese too.
run 0 student add --number 20269901 --name 测试生 --class '初一(1)班'
LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" --json record add session --student 20269901 --field session_type=individual \
  --field risk_noted=no --field presenting_issue=测试 --field follow_up=2026-11-30
new=$(grep -o '"id":[0-9]*' "$T/out" | head -n 1 | cut -d: -f2)
run 0 record sign "$new" --version 1
run 0 record amend "$new" --text 补充
run 77 record edit "$new" --version 1 --field presenting_issue=改
run 64 record sign 1 --version 1
run 0 followup close "$new" --reason 已见面
run 0 policy set risk 1 20
run 0 policy remove risk 1
run 0 config set autolock_minutes 10
run 0 student close 20269901 --status closed --reason 毕业
run 0 referral move "$ref" support --note 转入帮扶
run 0 backup "$T/vault.bak"
run 0 --yes export student 1 --format md -o "$T/student.md"
printf 'form session\ntitle 辅导 | Session\nfield x 乱写\n' >"$T/broken.form"
run 65 form import "$T/broken.form"

# Dates people plan by carry their weekday (CARELOG_TEST_NOW is a Monday);
# the audit log's stored English reads Chinese at display time.
expect_rc 0 cl "$PASS" record add session --student "$number" --field session_type=individual --field risk_noted=no \
  --field presenting_issue=下周一见 --field follow_up=2026-11-30
LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" due --days 7
grep -q '^2026-11-30 周一  还有 7 天' "$T/out" || fail "Chinese weekday: $(cat "$T/out")"
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" due --days 7
grep -q '^2026-11-30 Mon  in 7 days' "$T/out" || fail "English weekday: $(cat "$T/out")"
LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" agenda
grep -q '2026-11-2[0-3] 周[一二三四五六日]' "$T/out" || fail "agenda weekday: $(cat "$T/out")"
LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" audit list
grep -q '搜索  *记录  *搜索“情绪”，找到 [0-9]* 条' "$T/out" || grep -q '搜索“情绪”，找到 [0-9]* 条' "$T/out" ||
  fail "the search's audit entry in Chinese: $(grep 情绪 "$T/out")"
grep -q '生成虚构数据' "$T/out" || fail "the action's name in Chinese: $(head -5 "$T/out")"
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" --json audit list
grep -q '"action":"search","target":"records","detail":"[0-9]* matches for \\"情绪\\""' "$T/out" ||
  fail "the stored detail changed: $(grep -o '"action":"search"[^}]*' "$T/out")"

# --lang zh under an English locale says the same.
LANG=zh_CN.UTF-8 expect_rc 0 cl "$PASS" due --days 30
mv "$T/out" "$T/zh-due.txt"
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" --lang zh due --days 30
cmp -s "$T/out" "$T/zh-due.txt" || fail "--lang zh differs from the Chinese locale: $(diff "$T/zh-due.txt" "$T/out")"

# The Chinese man page documents every command, as the English one does, and
# groff reads both without a warning.
MAN=$(dirname "$0")/../../man
IFS='|'
for c in $(echo "$COMMANDS" | tr '\n' '|'); do
  IFS=$_ifs
  m=$(printf '%s' "$c" | sed 's/-/\\-/g')
  grep -qF "$m" "$MAN/zh_CN/carelog.1" || fail "man/zh_CN/carelog.1 does not document $c"
  grep -qF "$m" "$MAN/carelog.1" || fail "man/carelog.1 does not document $c"
done
IFS=$_ifs
if command -v groff >/dev/null; then
  w=$(groff -k -man -Tutf8 -ww "$MAN/zh_CN/carelog.1" 2>&1 >/dev/null)
  [ -z "$w" ] || fail "groff warns on the Chinese man page: $w"
  groff -k -man -Tutf8 "$MAN/zh_CN/carelog.1" 2>/dev/null | grep -q '用法错误' || fail "the Chinese man page does not render"
fi

# english FILE… — lines holding an English word once identifiers are taken
# out: commands after "carelog" and at the start of the command list,
# --options and their lower-case values, UPPER-CASE metavariables, file
# names, hex and base64, and the names below.
ALLOW='carelog|privacy_mode|on\|off|off|keyslots|auto|utf-8|PgUp|PgDn|null|Confidential|Unicode|age|minisign|PDF|pdf|CSV|csv|Excel|xlsx|JSON|json|md|Markdown|UTF-8|GB18030|PHQ-9|GAD-7|PHQ|GAD|UTC|ID|ISO|SHA-256|sha256|blake2b|BLAKE2b|Argon2id|X25519|Ed25519|SQLCipher|sysexits|XDG_DATA_HOME|HH|MM|YYYY|DD|vs|tty|fd|office\.pub|vault\.pub|inbox|Tab|Esc|Enter'
english() {
  perl -CSD -ne '
    BEGIN { use utf8; $allow = shift @ARGV; utf8::decode($allow) }
    use utf8;
    next if /^## /;
    my $l = $_;
    my ($b, $e) = (qr/(?<![A-Za-z0-9_])/, qr/(?![A-Za-z0-9_])/);   # word edges beside Chinese too
    $l =~ s/[A-Za-z0-9+\/]{20,}=*//g;                    # keys in base64 (no word is that long)
    $l =~ s/`[^`]*`//g;                                  # quoted commands
    $l =~ s/carelog( [a-z][a-z-]*)+/carelog/g;           # commands as typed
    $l =~ s/[a-z0-9_-]*[\/.][a-z0-9_.\/-]+//gi;           # paths, file names, dotted names
    $l =~ s/$b($allow)$e//g;
    $l =~ s/"[a-z_]+"//g;                                # quoted values
    1 while $l =~ s/\{[^{}]*\}//g;                       # JSON shapes in --help
    1 while $l =~ s/\[[^\[\]]*\]//g;
    $l =~ s/[\[{][^\]}]*$//; $l =~ s/^[^\[{]*[\]}]//;     # JSON shapes over lines
    $l =~ s/$b[a-z][a-z0-9_-]*((, |、|，| 或 | 和 )[a-z][a-z0-9_-]*)+$e//g;  # lists of ids to type
    $l =~ s/^\s*[a-z][a-z0-9_-]*(、|，| 或 )//;             # such a list going on from the line before
    $l =~ s/$b[a-z][a-z0-9_]*(?= ?[\p{Han}：（])//g;     # an id before its label
    $l =~ s/^\s{1,4}[a-z][a-z-]*( [a-z][a-z-]*)?(?= |$)//;   # the command list
    $l =~ s/^\s*[a-z][a-z0-9_]*(?= {2,})//;              # a column of ids to type
    $l =~ s/--[a-z][a-z-]*([ =][a-z0-9_.|,:=-]+(?![^ ]*[A-Z]))?//g; # options and their values
    $l =~ s/$b[a-z_]+=[^ ]*//g;                          # id=value
    $l =~ s/$b[a-z_]+:(?=[\[{ ]|$)//g;                  # JSON keys
    $l =~ s/$b[a-z]+:(?=[^ ])//g;                        # search filters: kind:K
    $l =~ s/$b[a-z][a-z0-9]*(_[a-z0-9]+)+$e//g;          # ids with underscores
    $l =~ s/$b[a-z]+(-[a-z]+)+$e//g;                     # hyphenated ids
    $l =~ s/$b[a-z]+(\|[a-z]+)+$e//g;                    # alternatives: zh|en|auto
    $l =~ s/$b[0-9A-Za-z+\/]*[0-9][0-9A-Za-z+\/]*$e//g;  # numbers, hex, base64, ids
    $l =~ s/$b[A-Z][A-Z_]+$e//g;                         # metavariables
    print "$ARGV: $_" if $l =~ /[A-Za-z]{2,}/;
  ' "$ALLOW" "$@"
}
# Search snippets show the indexed text, which holds a choice's label in
# both languages (so either finds it): not checked here.
for f in "$T"/sweep/*.txt; do
  if head -n 1 "$f" | grep -q '^## carelog search'; then grep -v '^    ' "$f"; else cat "$f"; fi >"$f.checked"
done
bad=$(english "$T"/sweep/*.checked)
[ -z "$bad" ] || fail "English in the Chinese interface:
$bad"

# The screens, scripted (the test build's headless mode), on the same vault:
# every view and its help under Chinese, and the same with --lang zh under
# an English locale.
KEYS=$(dirname "$0")/screens/sweep.keys
mkdir -p "$T/screens" "$T/screens-lang"
(cd "$T/screens" && LANG=zh_CN.UTF-8 XDG_CONFIG_HOME="$T/config" CARELOG_SCREEN_SCRIPT="$KEYS" "$CARELOG" --vault "$V") ||
  fail "the screens' sweep script failed"
[ "$(ls "$T/screens" | wc -l)" -eq "$(grep -c '^dump ' "$KEYS")" ] ||
  fail "the screens' sweep did not reach every screen: $(ls "$T/screens")"
(cd "$T/screens-lang" && LANG=en_US.UTF-8 XDG_CONFIG_HOME="$T/config" CARELOG_SCREEN_SCRIPT="$KEYS" "$CARELOG" --lang zh --vault "$V") ||
  fail "the screens' sweep script failed with --lang zh"
for f in "$T"/screens/*.txt; do
  cmp -s "$f" "$T/screens-lang/$(basename "$f")" || fail "--lang zh screen $(basename "$f") differs: $(diff "$f" "$T/screens-lang/$(basename "$f")")"
done
# A word cut by the screen's right edge is only part of an id.
for f in "$T"/screens/*.txt; do
  perl -CSD -pe 'my $w = 0; $w += /[\x{1100}-\x{115F}\x{2E80}-\x{A4CF}\x{AC00}-\x{D7A3}\x{F900}-\x{FAFF}\x{FF00}-\x{FF60}]/ ? 2 : 1 for split //, $_ =~ s/\n//r; s/[a-z_]+$//m if $w >= 79' "$f" >"$f.checked"
done
bad=$(english "$T"/screens/*.checked)
[ -z "$bad" ] || fail "English on the Chinese screens:
$bad"

# Tables hold 80 columns with double-width Chinese.
# (A line naming a file of the test's folder is as long as that path, one
# with a SHA-256 as long as the hash.)
wide=$(perl -CSD -ne 'next if /^## / || m{ /} || /[0-9a-f]{64}/; chomp; my $w = 0; for (split //) { $w += /[\x{1100}-\x{115F}\x{2E80}-\x{A4CF}\x{AC00}-\x{D7A3}\x{F900}-\x{FAFF}\x{FE30}-\x{FE4F}\x{FF00}-\x{FF60}\x{FFE0}-\x{FFE6}]/ ? 2 : 1 } print "$ARGV ($w): $_\n" if $w > 80' \
  "$T"/sweep/*.out "$T/sweep/1.txt")
[ -z "$wide" ] || fail "lines wider than 80 columns:
$wide"

# The check itself finds English: a sentence left untranslated fails it.
printf '## carelog x\n学生 mark two students as different people\n' >"$T/probe.txt"
[ -n "$(english "$T/probe.txt")" ] || fail "the English check finds nothing"
printf '## carelog x\n  student list --class C   列出学生 carelog audit list FILE.csv\n' >"$T/probe.txt"
[ -z "$(english "$T/probe.txt")" ] || fail "the English check flags identifiers: $(english "$T/probe.txt")"
exit 0
