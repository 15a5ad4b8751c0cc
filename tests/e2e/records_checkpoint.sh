# Saves and the WAL's checkpoints: a record add killed right after its
# commit, before anything copied the WAL into vault.db, is there at the
# next unlock; a carelog writing enough to run its checkpoint thread
# (generate) beside others adding records makes none of them fail, none
# is told the vault is damaged, and when the last one closes the WAL is
# checkpointed and removed.
. "$(dirname "$0")/lib.sh"
init_vault
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张三 --class 一班

# 1. Killed between the commit and any checkpoint.
CARELOG_TEST_CRASH_AT=record-add-committed cl "$PASS" --json record add session --student 20260001 \
  --field occurred_at=2026-03-02 --field session_type=individual --field risk_noted=否 --field data='崩溃前保存的记录' >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 137 ] || { cat "$T/err"; fail "record add with the crash point exited $rc, not at the crash point"; }
[ -s "$V/vault.db-wal" ] || fail "the killed add left no WAL: its commit was not the last thing it did"
expect_rc 0 cl "$PASS" --json record list --student 20260001
grep -q '崩溃前保存的记录' "$T/out" || fail "the record committed before the crash is gone: $(cat "$T/out")"
expect_rc 0 cl "$PASS" verify

# 2. One carelog writing a lot (a roster of 2,000 students in one
# transaction: its WAL passes the checkpoint length, so its thread
# checkpoints) while others add records.
awk 'BEGIN { print "学号,姓名,性别,班级"; for (i = 1; i <= 2000; i++) printf "2027%04d,学生%d,女,二班\n", i, i }' \
  >"$T/roster.csv"
cl "$PASS" import roster "$T/roster.csv" >"$T/gen.out" 2>"$T/gen.err" &
gen=$!
: >"$T/failures"
adder() {
  _i=0
  while [ $_i -lt 8 ]; do
    cl "$PASS" record add session --student 20260001 --field occurred_at=2026-03-03 \
      --field session_type=individual --field risk_noted=否 --field data="并发记录 $1-$_i" >/dev/null 2>"$T/err.$1.$_i" ||
      echo "add $1 $_i: $(cat "$T/err.$1.$_i")" >>"$T/failures"
    _i=$((_i + 1))
  done
}
adder a & a=$!
adder b & b=$!
wait $a; wait $b
wait $gen || { cat "$T/gen.err"; fail "the roster import beside the adds failed"; }
[ -s "$T/failures" ] && { cat "$T/failures"; fail "adds beside a checkpointing carelog failed"; }
grep -qi 'damaged' "$T"/err.* "$T/gen.err" && fail "a busy vault was reported as damaged"
expect_rc 0 cl "$PASS" --json record list --student 20260001
[ "$(grep -o '并发记录' "$T/out" | wc -l)" -eq 16 ] || fail "not every concurrent add is in the list"
expect_rc 0 cl "$PASS" verify
[ -e "$V/vault.db-wal" ] && fail "the last carelog to close left its WAL behind ($(size_of "$V/vault.db-wal") bytes)"
echo "records_checkpoint ok"
