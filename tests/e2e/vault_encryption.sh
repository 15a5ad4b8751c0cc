# Nothing readable on disk: the sqlcipher shell cannot read vault.db without
# the key, no SQLite header, and counsellor names used as markers appear in
# no file at all (vault folder, backups, temporary and state folders).
. "$(dirname "$0")/lib.sh"

export TMPDIR="$T/tmp" SQLITE_TMPDIR="$T/tmp"   # any temporary file lands where we grep
mkdir -p "$TMPDIR"
M1=MARKERxq7 M2=MARKERzz9 M3=MARKERyy4

init_vault --user "$M1"

# Hold the vault open in one carelog while another adds a counsellor, so the
# newest pages sit in vault.db-wal when we look.
mkfifo "$T/fifo"
"$CARELOG" --vault "$V" --passphrase-fd 3 counsellor add "$M3" 3<"$T/fifo" >/dev/null 2>&1 &
holder=$!
exec 4>"$T/fifo"
printf '%s\n' "$PASS" >&4
i=0
while [ ! -e "$V/vault.db-wal" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$V/vault.db-wal" ] || fail "the holding carelog never opened the vault"
expect_rc 0 cl "$PASS$NL$PASS2" counsellor add "$M2"
expect_rc 0 cl "$PASS2" counsellor list
expect_rc 0 cl "$PASS" status --json
expect_rc 0 cl "$PASS$NL$PASS-new" passwd
expect_rc 77 cl 'wrong passphrase!' status
expect_rc 0 cl "$PASS-new" backup "$T/backup.clb"
[ -s "$V/vault.db-wal" ] || fail "vault.db-wal is empty while the vault is open"
check_markers() {
  rm -f "$T/out" "$T/err"     # our own captures of the CLI's output name them
  for m in "$M1" "$M2" "$M3"; do
    if grep -r -a -l "$m" "$V" "$T" "$XDG_STATE_HOME" 2>/dev/null; then
      fail "marker $m found on disk $1 (files above)"
    fi
  done
  # Nor as hex (a name stored as a blob and dumped).
  hex=$(printf '%s' "$M1" | od -An -tx1 | tr -d ' \n')
  if grep -r -a -l -i "$hex" "$V" "$T" 2>/dev/null; then fail "marker $M1 found as hex $1"; fi
}
check_markers "while the vault is open"
printf 'x\n' >&4; exec 4>&-
wait $holder   # its new passphrase is refused as too short: it changes nothing

(V="$T/restored"; expect_rc 0 cl "$PASS2" restore "$T/backup.clb") || exit 1
expect_rc 0 cl "$PASS-new" counsellor remove "$M2"
check_markers "after removal and restore"

# No temporary files were made anywhere we can see.
[ -z "$(ls -A "$TMPDIR")" ] || { ls -la "$TMPDIR"; fail "temporary files were written"; }

# No plaintext SQLite header, in the vault or the backup.
for f in "$V/vault.db" "$T/restored/vault.db" "$T/backup.clb"; do
  if strings -a "$f" | grep -q 'SQLite format 3'; then fail "$f holds a plaintext SQLite header"; fi
  [ "$(head -c 15 "$f")" != 'SQLite format 3' ] || fail "$f starts with a SQLite header"
done

# The sqlcipher shell cannot read vault.db without the key, nor with the
# passphrase handed to it as a SQLCipher passphrase.
for f in "$V/vault.db" "$T/restored/vault.db"; do
  cp "$f" "$T/copy.db"
  if sqlcipher "$T/copy.db" 'select * from sqlite_master;' >"$T/sq.out" 2>&1; then
    cat "$T/sq.out"; fail "sqlcipher read $f without a key"
  fi
  if sqlcipher -cmd "PRAGMA key = '$PASS-new';" "$T/copy.db" 'select * from sqlite_master;' >"$T/sq.out" 2>&1; then
    cat "$T/sq.out"; fail "sqlcipher read $f with the passphrase as a key"
  fi
  rm -f "$T/copy.db"
done
# plain sqlite3 neither, if installed
if command -v sqlite3 >/dev/null 2>&1; then
  cp "$V/vault.db" "$T/copy.db"
  if sqlite3 "$T/copy.db" 'select * from sqlite_master;' >/dev/null 2>&1; then fail "sqlite3 read vault.db"; fi
fi
echo "vault_encryption ok"
