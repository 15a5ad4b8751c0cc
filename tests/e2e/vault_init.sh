# init: folder and file modes, recovery key, never touching an existing vault.
. "$(dirname "$0")/lib.sh"

mode() { stat -c %a "$1"; }

init_vault --user 王老师
[ "$(mode "$V")" = 700 ] || fail "vault folder mode $(mode "$V")"
[ "$(mode "$V/vault.db")" = 600 ] || fail "vault.db mode $(mode "$V/vault.db")"
[ "$(mode "$V/keyslots")" = 600 ] || fail "keyslots mode $(mode "$V/keyslots")"
[ -f "$V/vault.pub" ] || fail "no vault.pub"
grep -q '^school: 测试中学$' "$V/vault.pub" || fail "vault.pub lacks the school"
grep -q '^fingerprint: ' "$V/vault.pub" || fail "vault.pub lacks the fingerprint"
grep -q '^x25519: ' "$V/vault.pub" && grep -q '^ed25519: ' "$V/vault.pub" || fail "vault.pub lacks a public key"
grep -q 'Recovery key' "$T/out" || fail "init did not announce the recovery key"
note "recovery key $RK"

# The fingerprint in vault.pub is the one init printed and status shows.
fp=$(sed -n 's/^fingerprint: //p' "$V/vault.pub")
grep -q "$fp" "$T/out" || fail "init printed another fingerprint than vault.pub's"
expect_rc 0 cl "$PASS" status --json
grep -q "\"fingerprint\":\"$fp\"" "$T/out" || fail "status shows another fingerprint"
grep -q '"user":"王老师"' "$T/out" || fail "status does not name the counsellor"
grep -q '"school":"测试中学"' "$T/out" || fail "status does not name the school"

# A second init, with any passphrase, leaves everything byte-identical.
snapshot "$V" "$T/before"
expect_rc 73 cl "$PASS" init --school 别的学校 --user 李老师
[ -s "$T/err" ] || fail "init on an existing vault said nothing"
same_files "$T/before" "$V" "init on an existing vault"
expect_rc 73 cl 'other passphrase x' init
same_files "$T/before" "$V" "init on an existing vault"
# Only keyslots present (half a vault) counts as a vault too.
mkdir "$T/half" && cp "$V/keyslots" "$T/half/"
(V="$T/half"; expect_rc 73 cl "$PASS" init) || exit 1
cmp -s "$V/keyslots" "$T/half/keyslots" || fail "half vault changed"
[ ! -e "$T/half/vault.db" ] || fail "init completed a half vault"

# A short passphrase is refused and nothing is created.
(V="$T/short"; expect_rc 64 cl 'short' init) || exit 1
[ ! -e "$T/short/vault.db" ] && [ ! -e "$T/short/keyslots" ] || fail "refused init left files behind"

# Default location: $XDG_DATA_HOME/carelog, made 0700 (parents too).
printf '%s\n' "$PASS" | "$CARELOG" --passphrase-fd 3 init --user 赵老师 3<&0 >"$T/out" 2>"$T/err" ||
  { cat "$T/err"; fail "init at the default location"; }
[ "$(mode "$XDG_DATA_HOME/carelog")" = 700 ] || fail "default vault folder mode"
[ -f "$XDG_DATA_HOME/carelog/vault.db" ] || fail "no vault.db at the default location"
# init never takes over a folder: one holding anything, or someone else's,
# is refused and left exactly as it was (mode included); an empty one of
# the user's is used as it is, mode unchanged.
mkdir "$T/full" && echo keep >"$T/full/notes.txt" && chmod 0755 "$T/full"
snapshot "$T/full" "$T/full.before"
(V="$T/full"; expect_rc 73 cl "$PASS" init) || exit 1
grep -q "not empty" "$T/err" || fail "init into a folder with files said: $(cat "$T/err")"
same_files "$T/full.before" "$T/full" "init into a folder with files"
[ "$(mode "$T/full")" = 755 ] || fail "init changed the mode of a folder it did not create"
mkdir "$T/empty" && chmod 0750 "$T/empty"
(V="$T/empty"; expect_rc 0 cl "$PASS" init) || exit 1
[ "$(mode "$T/empty")" = 750 ] || fail "init changed the mode of an existing empty folder to $(mode "$T/empty")"
[ -f "$T/empty/vault.db" ] || fail "init into an empty folder made no vault"
if [ "$(id -u)" -eq 0 ]; then
  mkdir "$T/theirs" && chown 65534:65534 "$T/theirs"
  (V="$T/theirs"; expect_rc 73 cl "$PASS" init) || exit 1
  [ -z "$(ls -A "$T/theirs")" ] || fail "init wrote into another user's folder"
fi
: >"$T/afile"
(V="$T/afile"; expect_rc 73 cl "$PASS" init) || exit 1
[ -f "$T/afile" ] && [ ! -s "$T/afile" ] || fail "init touched a file named as the vault"

# restore likewise: never into a folder holding anything; a failed restore
# into an existing empty folder leaves the folder (and only it).
expect_rc 0 cl "$PASS" backup "$T/b.clb"
(V="$T/full"; expect_rc 73 cl "$PASS" restore "$T/b.clb") || exit 1
same_files "$T/full.before" "$T/full" "restore into a folder with files"
mkdir "$T/empty2" && chmod 0751 "$T/empty2"
(V="$T/empty2"; expect_rc 77 cl 'not the passphrase' restore "$T/b.clb") || exit 1
[ -d "$T/empty2" ] || fail "a failed restore removed a folder it did not create"
[ -z "$(ls -A "$T/empty2")" ] || fail "a failed restore left files: $(ls -A "$T/empty2")"
[ "$(mode "$T/empty2")" = 751 ] || fail "restore changed the mode of an existing folder"
rm -rf "$XDG_STATE_HOME"
(V="$T/empty2"; expect_rc 0 cl "$PASS" restore "$T/b.clb") || exit 1
echo "vault_init ok"
