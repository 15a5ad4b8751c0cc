# Backup while the vault is in use, restore into a new folder, and refusals.
. "$(dirname "$0")/lib.sh"

init_vault --user 王老师
expect_rc 0 cl "$PASS$NL$PASS2" counsellor add 李老师
expect_rc 0 cl "$PASS2${NL}李老师 new passphrase" passwd

# Back up while another carelog holds the vault open with writes in its WAL.
mkfifo "$T/fifo"
"$CARELOG" --vault "$V" --passphrase-fd 3 counsellor add 张老师 3<"$T/fifo" >/dev/null 2>&1 &
holder=$!
exec 4>"$T/fifo"
printf '%s\n' "$PASS" >&4
i=0
while [ ! -e "$V/vault.db-wal" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$V/vault.db-wal" ] || fail "the holding carelog never opened the vault"
expect_rc 0 cl "$PASS" backup "$T/one.clb"
[ "$(stat -c %a "$T/one.clb")" = 600 ] || fail "backup mode $(stat -c %a "$T/one.clb")"
ls "$T" | grep -q '^one.clb.' && fail "backup left a partial file behind: $(ls "$T")"
expect_rc 0 cl "$PASS" status --json
mv "$T/out" "$T/status.orig"
printf 'zhang passphrase\n' >&4; exec 4>&-
wait $holder || fail "the holding counsellor add failed"
# The backup refuses to overwrite.
cp "$T/one.clb" "$T/one.copy"
expect_rc 73 cl "$PASS" backup "$T/one.clb"
cmp -s "$T/one.clb" "$T/one.copy" || fail "a refused backup changed the existing file"

# Restore into a new folder (made 0700): the same counts, both passphrases.
(V="$T/r"; expect_rc 0 cl "$PASS" restore "$T/one.clb") || exit 1
[ "$(stat -c %a "$T/r")" = 700 ] || fail "restored folder mode"
[ "$(stat -c %a "$T/r/vault.db")" = 600 ] && [ "$(stat -c %a "$T/r/keyslots")" = 600 ] || fail "restored file modes"
(V="$T/r"; expect_rc 0 cl "$PASS" status --json) || exit 1
mv "$T/out" "$T/status.rest"
for t in counsellors students records forms; do
  T_out=$(grep -o "\"$t\":[0-9][0-9]*" "$T/status.orig" | head -n 1)
  R_out=$(grep -o "\"$t\":[0-9][0-9]*" "$T/status.rest" | head -n 1)
  [ "$T_out" = "$R_out" ] || fail "restored $t count differs: $T_out vs $R_out"
done
sed 's/.*"counsellors":\[\([^]]*\)\].*/\1/' "$T/status.orig" >"$T/c.orig"
sed 's/.*"counsellors":\[\([^]]*\)\].*/\1/' "$T/status.rest" >"$T/c.rest"
cmp -s "$T/c.orig" "$T/c.rest" || fail "restored counsellors differ: $(cat "$T/c.orig") vs $(cat "$T/c.rest")"
grep -q '"name":"张老师"' "$T/status.rest" && fail "the backup holds a counsellor added after it began"
(V="$T/r"; opens '李老师 new passphrase') || fail "李老师's passphrase does not open the restore"
# …and with the recovery key (into yet another folder).
(V="$T/r2"; expect_rc 0 cl "$RK" --recovery restore "$T/one.clb") || exit 1
(V="$T/r2"; opens "$PASS") || fail "the recovery-restored vault does not open"

# Restore into a folder that holds a vault: 73, nothing changed.
snapshot "$T/r" "$T/before"
(V="$T/r"; expect_rc 73 cl "$PASS" restore "$T/one.clb") || exit 1
same_files "$T/before" "$T/r" "restore over a vault"
snapshot "$V" "$T/before"
expect_rc 73 cl "$PASS" restore "$T/one.clb"
same_files "$T/before" "$V" "restore over the live vault"

# Damaged, cut short, foreign, or under a wrong passphrase: no folder left.
size=$(size_of "$T/one.clb")
cp "$T/one.clb" "$T/bad.clb"; flip "$T/bad.clb" $((size / 2))
(V="$T/x1"; expect_rc 65 cl "$PASS" restore "$T/bad.clb") || exit 1
[ ! -e "$T/x1" ] || fail "a damaged backup left a folder behind"
head -c $((size - 100)) "$T/one.clb" >"$T/short.clb"
(V="$T/x2"; expect_rc 65 cl "$PASS" restore "$T/short.clb") || exit 1
[ ! -e "$T/x2" ] || fail "a truncated backup left a folder behind"
(V="$T/x3"; expect_rc 65 cl "$PASS" restore "$T/v/vault.pub") || exit 1
[ ! -e "$T/x3" ] || fail "a non-backup left a folder behind"
(V="$T/x4"; expect_rc 77 cl 'not the passphrase' restore "$T/one.clb") || exit 1
[ ! -e "$T/x4" ] || fail "a wrong passphrase on restore left a folder behind"
(V="$T/x5"; expect_rc 66 cl "$PASS" restore "$T/no-such.clb") || exit 1
[ ! -e "$T/x5" ] || fail "a missing backup left a folder behind"
# The backup file itself is unchanged by all of this.
cmp -s "$T/one.clb" "$T/one.copy" || fail "restoring changed the backup file"

# Held half way through its copy, between two steps of it (the test hook
# waits for a file, no clock; it is reached only while pages remain to be
# copied, so the vault is made larger than one step), a backup lets a
# counsellor's write from another process finish at once, and the file
# holds the vault as it was when the copy began.
expect_rc 0 cl "$PASS" generate --students 60 --seed 3 --months 3
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张一 --class 一班
mkdir "$T/hold"
CARELOG_TEST_PAUSE_AT="backup-step:wait:$T/hold" cl "$PASS" backup "$T/held.clb" >"$T/held.out" 2>"$T/held.err" &
backer=$!
i=0
while [ ! -e "$T/hold/backup-step.reached" ]; do
  kill -0 "$backer" 2>/dev/null || { cat "$T/held.err"; fail "the backup ended before its copy"; }
  i=$((i + 1)); [ "$i" -lt 3000 ] || fail "the backup never reached its copy"
  sleep 0.02
done
# Half way, the copy is in the backup's own temporary file and nowhere else
# (no copy of the database, journal or WAL beside it).
[ "$(ls "$T" | grep -c '^held.clb.tmp-......$')" = 1 ] || fail "no temporary backup file while copying: $(ls "$T")"
ls "$T" | grep '^held.clb' | grep -qv '^held.clb.tmp-......$' && fail "the copy made another file: $(ls "$T")"
expect_rc 0 cl "$PASS" student add --number 20260002 --name 张二 --class 一班
kill -0 "$backer" 2>/dev/null || fail "the backup was not held while the student was added"
touch "$T/hold/backup-step.go"
wait "$backer" || { cat "$T/held.err"; fail "the held backup failed"; }
(V="$T/r3"; expect_rc 0 cl "$PASS" restore "$T/held.clb") || exit 1
(V="$T/r3"; expect_rc 0 cl "$PASS" student list --json) || exit 1
grep -q 20260001 "$T/out" || fail "the held backup lacks the student added before it"
grep -q 20260002 "$T/out" && fail "the held backup holds a student added during its copy"
expect_rc 0 cl "$PASS" student list --json
grep -q 20260002 "$T/out" || fail "the student added during the backup is not in the vault"
echo "vault_backup ok"
