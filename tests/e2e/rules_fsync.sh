# The atomic writer makes a change survive a crash: the new keyslots file is
# synced, renamed over the old one, and then the folder itself is synced, so
# the rename is on disk (traced with strace).
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || fail "strace is needed (tools/install-deps --test)"
init_vault
printf '%s\n%s\n' "$PASS" 'traced new passphrase' >"$T/lines"
strace -f -o "$T/trace" -e trace=openat,open,rename,renameat,renameat2,fsync,fdatasync,close \
  "$CARELOG" --vault "$V" --passphrase-fd 3 passwd 3<"$T/lines" >/dev/null 2>&1 || fail "passwd under strace failed"
# After the rename onto keyslots: the folder opened as a directory, then
# that descriptor synced; and the temporary file synced before the rename.
awk -v dir="\"$V\"" -v ks="\"$V/keyslots\")" '
  /rename/ && index($0, ks) { renamed = 1; synced_tmp = tmp_synced; next }
  /O_CREAT/ && /keyslots\.tmp-/ { split($0, a, "= "); tmpfd = a[2]; next }
  tmpfd != "" && $0 ~ "fsync\\(" tmpfd "\\)" && !renamed { tmp_synced = 1 }
  renamed && /O_DIRECTORY/ && index($0, dir) { split($0, a, "= "); dirfd = a[2]; next }
  renamed && dirfd != "" && $0 ~ "fsync\\(" dirfd "\\) += 0" { ok = 1; exit }
  END { if (!synced_tmp) { print "the temporary keyslots file was not synced before the rename"; exit 1 }
        if (!ok) { print "the folder was not synced after the rename"; exit 1 } }
' "$T/trace" || { grep -n 'keyslots\|fsync\|O_DIRECTORY' "$T/trace" | tail -20; fail "the atomic write is not crash safe"; }
opens 'traced new passphrase' || fail "the traced passwd did not take"
echo "rules_fsync ok"
