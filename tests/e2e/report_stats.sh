# report stats: every count equals the count taken independently from
# `record list` on a generated vault, for the whole time and for a period;
# groups add up; the charts fit 80 columns; CSV and JSON agree.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
export CARELOG_TEST_NOW=2026-11-20T02:00:00Z
init_vault --user 王老师
expect_rc 0 cl "$PASS" generate --students 25 --seed 7 --months 4

# count KIND [since until] — records of a kind by `record list`.
count() {
  _k=$1; shift
  cl "$PASS" record list --kind "$_k" --json "$@" | grep -o '"id":[0-9]*' | wc -l | tr -d ' '
}
stat_of() { grep -o "\"totals\":{[^}]*}" "$T/out" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }

for period in "" "2026-09-01 2026-10-31"; do
  set -- $period
  if [ $# -eq 2 ]; then args="--from $1 --to $2"; list="--since $1 --until $2"; else args=""; list=""; fi
  # shellcheck disable=SC2086
  expect_rc 0 cl "$PASS" report stats --json $args
  for pair in observation:observations session:sessions assessment:assessments plan:plans review:reviews \
              contact:contacts referral:referrals; do
    kind=${pair%%:*}; key=${pair#*:}
    # shellcheck disable=SC2086
    want=$(count "$kind" $list)
    got=$(stat_of "$key")
    [ "$got" = "$want" ] || fail "$key ${period:-all time}: stats say $got, record list counts $want"
  done
  # shellcheck disable=SC2086
  screenings=$(( $(count phq9 $list) + $(count gad7 $list) ))
  [ "$(stat_of screenings)" = "$screenings" ] || fail "screenings: $(stat_of screenings) vs $screenings"
  # shellcheck disable=SC2086
  students=$(cl "$PASS" record list --json $list | grep -o '"student_id":[0-9]*' | sort -u | wc -l | tr -d ' ')
  [ "$(stat_of students)" = "$students" ] || fail "students: $(stat_of students) vs $students"
done

# By month: the months add up to the totals (a record is in one month).
expect_rc 0 cl "$PASS" report stats --by month --format csv
total=$(grep '^total,' "$T/out" | cut -d, -f3)
sum=$(grep '^"20' "$T/out" | cut -d, -f3 | awk '{ s += $1 } END { print s + 0 }')
[ "$sum" = "$total" ] || fail "observations by month add up to $sum, not $total"
[ "$(head -c 3 "$T/out" | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "the CSV has no BOM"

# Charts at 80 columns, no escape sequences, readable without colour.
COLUMNS=200 NO_COLOR=1 expect_rc 0 cl "$PASS" --lang en report stats --by class
grep -q '█' "$T/out" || fail "no bars: $(cat "$T/out")"
grep -q "$(printf '\033')" "$T/out" && fail "escape sequences in the chart"
grep '█' "$T/out" | while IFS= read -r line; do
  n=$(printf '%s' "$line" | LC_ALL=C.UTF-8 wc -m)
  [ "$n" -le 80 ] || fail "a chart line is $n columns: $line"
done || exit 1
expect_rc 64 cl "$PASS" report stats --by colour
expect_rc 64 cl "$PASS" report stats --format pdf

# -o writes the CSV like every export: asked, 0600, logged.
expect_rc 64 cl "$PASS" report stats --format csv -o s.csv
expect_rc 0 cl "$PASS" --yes report stats --format json -o s.json
[ "$(stat -c %a s.json)" = 600 ] || fail "s.json is not 0600"
grep -q '"kind": "stats"' s.json || fail "s.json is not the statistics"

# PDF with real charts: the text extracts, the bars are drawn (page 1 has a
# fair share of dark pixels), and it is logged like every export.
expect_rc 0 cl "$PASS" --lang zh --yes report stats --by month --format pdf -o s.pdf
[ "$(stat -c %a s.pdf)" = 600 ] || fail "s.pdf is not 0600"
pdftotext s.pdf s.txt
for want in 统计报表 总计 观察记录 转介状态 '机密 / Confidential'; do
  grep -q -- "$want" s.txt || fail "the statistics PDF lacks $want"
done
pdftoppm -gray -r 40 -f 1 -l 1 s.pdf spage
DARK=$(tail -c +16 "$(ls spage*.pgm | head -n 1)" | od -An -v -tu1 | tr -s ' ' '\n' | awk '$1 != "" && $1 < 160 { n++ } END { print n + 0 }')
[ "$DARK" -gt 2000 ] || fail "the charts look empty ($DARK dark pixels)"
expect_rc 64 cl "$PASS" --yes report stats --format pdf
expect_rc 0 cl "$PASS" --lang zh --yes report stats --format md -o s.md
grep -q '█' s.md || fail "the Markdown has no bars"

# The terminal report, byte for byte as expected (the charts are composed
# by the core for the CLI and the reports screen alike): both languages, at
# 80 and 200 columns, without and with groups. STATS_UPDATE=1 writes the
# outputs as the new expected ones.
EXPECTED="$(cd "$(dirname "$0")" && pwd)/report_stats"
for lang in en zh; do
  for cols in 80 200; do
    for by in none class month; do
      name="$lang-$cols-$by"
      if [ "$by" = none ]; then set --; else set -- --by "$by"; fi
      COLUMNS=$cols NO_COLOR=1 expect_rc 0 cl "$PASS" --lang "$lang" report stats --to 2026-11-19 "$@"
      [ "${STATS_UPDATE:-}" = 1 ] && cp "$T/out" "$EXPECTED/$name.txt"
      cmp -s "$EXPECTED/$name.txt" "$T/out" || { diff -u "$EXPECTED/$name.txt" "$T/out"; fail "report stats $name differs"; }
    done
  done
done
echo "report_stats ok"
