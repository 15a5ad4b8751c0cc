# Options stand anywhere in every command — before, between or after the
# operands — and --help works wherever it stands; a command group given
# alone or with an unknown word names its subcommands.
. "$(dirname "$0")/lib.sh"

# Every command in `carelog --help`, with an operand before --help.
expect_rc 0 "$CARELOG" --help
awk '/^commands:/ {on = 1; next}
     on && /^  [a-z]/ {sub(/^  /, ""); sub(/  .*/, ""); n = split($0, w, " ");
                       name = w[1]; if (n > 1 && w[2] ~ /^[a-z][a-z-]*$/) name = name " " w[2]; print name}' \
  "$T/out" >"$T/commands"
[ "$(wc -l <"$T/commands")" -ge 30 ] || fail "could not read the command list: $(cat "$T/commands")"
while read -r cmd; do
  # shellcheck disable=SC2086 # the command's words
  expect_rc 0 "$CARELOG" --vault "$T/none" $cmd OPERAND --help
  grep -q "^usage: carelog $cmd " "$T/out" || fail "$cmd OPERAND --help printed no usage: $(cat "$T/out")"
done <"$T/commands"

init_vault
printf '学号,姓名,班级\n20260101,王小明,初一1班\n' >"$T/roster.csv"
snapshot "$V" "$T/before"
expect_rc 0 cl "$PASS" import roster "$T/roster.csv" --dry-run
grep -q 'Nothing was written' "$T/out" || fail "import roster FILE --dry-run: $(cat "$T/out")"
expect_rc 0 cl "$PASS" import roster "$T/roster.csv" --encoding utf-8 --dry-run
same_files "$T/before" "$V" "import roster FILE --encoding utf-8 --dry-run"
expect_rc 0 cl "$PASS" import roster "$T/roster.csv" --encoding utf-8
grep -q 'Imported 1 student' "$T/out" || fail "import roster FILE --encoding: $(cat "$T/out")"
expect_rc 0 cl "$PASS" import vault --help
expect_rc 0 cl "$PASS" generate --help
expect_rc 64 cl "$PASS" import roster --dry-run
grep -q 'usage: carelog import roster' "$T/err" || fail "import roster without a file: $(cat "$T/err")"

# Vault commands: operands, then options (global or their own).
expect_rc 0 cl "$PASS" backup "$T/b.bak" --json
grep -q '"backup"' "$T/out" || fail "backup FILE --json: $(cat "$T/out")"
expect_rc 0 "$CARELOG" --passphrase-fd 3 restore "$T/b.bak" --vault "$T/restored" 3<<EOP
$PASS
EOP
[ -d "$T/restored" ] || fail "restore FILE --vault DIR made no vault"
expect_rc 0 cl "$PASS$NL$PASS2" counsellor add 李老师 --json
grep -q '"added":"李老师"' "$T/out" || fail "counsellor add NAME --json"
expect_rc 0 cl "$PASS" student show 20260101 --json
expect_rc 0 cl "$PASS" policy set risk 2 10 --json
# After "--" everything is an operand.
expect_rc 66 cl "$PASS" student show -- --json
grep -q 'no student with number --json' "$T/err" || fail "student show -- --json: $(cat "$T/err")"

# Command groups.
expect_rc 64 "$CARELOG" --vault "$V" student
grep -q 'carelog student: choose one of add, edit, list, show, close, duplicates, merge, not-duplicate, clear-flag' \
  "$T/err" || fail "carelog student: $(cat "$T/err")"
grep -q 'unknown command' "$T/err" && fail "a group is not an unknown command"
expect_rc 64 "$CARELOG" --vault "$V" student bogus
grep -q 'no subcommand "bogus"' "$T/err" && grep -q 'choose one of add, edit' "$T/err" || fail "student bogus: $(cat "$T/err")"
expect_rc 64 "$CARELOG" --vault "$V" policy
grep -q 'choose one of list, set, remove' "$T/err" || fail "carelog policy: $(cat "$T/err")"
expect_rc 0 "$CARELOG" student --help
grep -q '^  student merge KEEP FROM' "$T/out" && ! grep -q '^  record ' "$T/out" || fail "student --help: $(cat "$T/out")"
expect_rc 64 "$CARELOG" bogus
grep -q 'unknown command "bogus"' "$T/err" || fail "carelog bogus: $(cat "$T/err")"

# What can be refused without the vault is refused before a passphrase is
# asked for: no descriptor and no terminal here, so asking would fail
# otherwise, and nothing changes.
snapshot "$V" "$T/before"
refused() { # EXIT MESSAGE ARG…
  _want=$1 _msg=$2; shift 2
  expect_rc "$_want" "$CARELOG" --vault "$V" "$@" </dev/null
  grep -q -- "$_msg" "$T/err" || fail "$*: $(cat "$T/err")"
  if grep -qi 'passphrase' "$T/err"; then fail "$* asked for a passphrase: $(cat "$T/err")"; fi
}
refused 64 'the record id must be a number' record show abc
refused 64 'say which version you are changing' record edit 12 --field summary=x
refused 64 'say whose record it is' record add session
refused 64 'after goes with --limit' agenda --after x
refused 64 'after goes with --limit' due --after x
refused 64 'say why the observation is dismissed' inbox dismiss 3
refused 64 'say why the flag is cleared' student clear-flag 2
refused 64 'audit list takes no operands' audit list extra
refused 66 'nothing' audit verify --anchor "$T/nothing"
refused 64 'DAYS must be a whole number' policy set risk 3 many
refused 64 'both --format and -o are needed' export referral 1 --format pdf
same_files "$T/before" "$V" "refusals before the passphrase"
exit 0
