# Every listing at 80 columns on a generated vault: no line wider than the
# terminal, headers whole, labels in one language, the free text whole under
# its row rather than cut.
. "$(dirname "$0")/lib.sh"
export CARELOG_TEST_NOW=2026-11-01T08:00:00Z TZ=UTC LANG=zh_CN.UTF-8 COLUMNS=80
unset LC_ALL LC_MESSAGES
init_vault
expect_rc 0 cl "$PASS" generate --students 40 --seed 1

cells() { LC_ALL=C.UTF-8 wc -L <"$1"; }
check() { # check WHAT: the output of the last command fits and keeps its headers
  [ "$(cells "$T/out")" -le 80 ] || fail "$1 is wider than 80 columns: $(cat "$T/out")"
  awk 'NR > 1 && /^-+( +-+)*$/ {print prev} {prev = $0}' "$T/out" | grep -q '…' && fail "$1 cut a header: $(cat "$T/out")"
  :
}

for args in "student list" "record list --limit 40" "referral list --all" "due --days 30" "audit list --limit 40" \
            "form list" "policy list" "counsellor list" "agenda" "status"; do
  # shellcheck disable=SC2086 # the command's words
  expect_rc 0 cl "$PASS" $args
  check "$args"
done

expect_rc 0 cl "$PASS" student list
grep -q '^ *8  20240008  *胡斌翔  *高三(8)班  *在案跟进  *3 危机  *1$' "$T/out" ||
  fail "student list at 80 columns: $(cat "$T/out")"
grep -q 'none\|active\|self_harm' "$T/out" && fail "student list shows ids, not labels: $(cat "$T/out")"
expect_rc 0 cl "$PASS" record list --limit 40
grep -q ' session \| observation ' "$T/out" && fail "record list shows kind ids in Chinese: $(cat "$T/out")"
grep -q '^    ' "$T/out" || fail "record list: the summaries are not under their rows: $(cat "$T/out")"
expect_rc 0 cl "$PASS" form list
grep -q ' | ' "$T/out" && fail "form list mixes two languages in the title: $(cat "$T/out")"
LANG=en_US.UTF-8 expect_rc 0 cl "$PASS" form list
grep -q 'Risk assessment' "$T/out" && ! grep -q '风险评估' "$T/out" || fail "English form list: $(cat "$T/out")"
# A student's file wraps long values (the flag's label) instead of cutting.
number=$(cl "$PASS" --json student list | grep -o '"number":"[0-9]*"[^}]*"flags":\["' | head -n 1 | cut -d'"' -f4)
[ -n "$number" ] || fail "no flagged student in the generated vault"
expect_rc 0 cl "$PASS" student show "$number"
check "student show"
sed -n '/^警示/,/^[^ ]/p' "$T/out" | grep -q '…' && fail "student show cut the flag: $(cat "$T/out")"
tr -d ' \n' <"$T/out" | grep -q '有不如死掉或伤害自己的念头（第9题），请当天评估自杀风险' ||
  fail "student show lost the flag's label: $(cat "$T/out")"

# The command list: a long name and arguments never run into the summary.
expect_rc 0 "$CARELOG" --help
grep -q '^  student add --number N --name NAME --class C$' "$T/out" || fail "carelog --help: $(cat "$T/out")"
grep -A1 '^  student add --number N --name NAME --class C$' "$T/out" | grep -q '^ \{37\}添加学生$' ||
  fail "the summary of a long command is not in its column: $(cat "$T/out")"
exit 0
