# Rules that hold everywhere, checked on the running program:
# - core dumps are off in the live process (limits and dumpable flag);
# - a command writes no file outside the vault (no temporary files, SQLCipher
#   temp_store in memory), traced with strace;
# - passphrases are never taken from the environment;
# - what any part of the process frees is wiped: the program's own free and
#   realloc (src/core/memory.c) are the ones every library and the C
#   library itself call, in the test build and the released one (the
#   dynamic linker's own account of its bindings).
. "$(dirname "$0")/lib.sh"
init_vault

# A live carelog waiting for its passphrase: inspect it through /proc.
mkfifo "$T/pw"
exec 4<>"$T/pw"
"$CARELOG" --vault "$V" --passphrase-fd 4 status >/dev/null 2>&1 &
pid=$!
# Wait until carelog has started up (its hard limit drops to 0); give up
# after 5 s and let the check below say what it saw.
i=0
while [ "$(awk '/Max core file size/ {print $5, $6}' "/proc/$pid/limits" 2>/dev/null)" != "0 0" ] && [ $i -lt 500 ]; do
  i=$((i + 1))
  sleep 0.01
done
core=$(awk '/Max core file size/ {print $5, $6}' "/proc/$pid/limits")
# (PR_SET_DUMPABLE itself is checked by tests/unit/test_secret.c.)
printf '%s\n' "$PASS" >&4
wait $pid || fail "status with the passphrase from a fifo failed"
exec 4>&-
[ "$core" = "0 0" ] || fail "core dumps are not off in the live process: Max core file size $core"

# Everything a command opens for writing lies in the vault (or the failure
# counter folder); nothing in /tmp, $HOME or the working folder.
if command -v strace >/dev/null 2>&1; then
  printf '%s\n' "$PASS" | strace -f -qq -e trace=openat,open,creat,rename,renameat,renameat2,link,mkdir,unlink \
    -o "$T/trace" "$CARELOG" --vault "$V" --passphrase-fd 3 student add --number 1 --name 追踪测试 --class 一班 \
    3<&0 </dev/null >/dev/null 2>&1 || fail "student add under strace failed"
  grep -E 'O_WRONLY|O_RDWR|O_CREAT|rename|link\(|mkdir|unlink' "$T/trace" | grep -v ' = -1 ' |
    grep -oE '"[^"]+"' | tr -d '"' | sort -u > "$T/written"
  while read -r path; do
    case "$path" in
      "$V"/*|"$XDG_STATE_HOME"/*|/dev/tty|/dev/null|/dev/urandom) ;;
      *) fail "carelog wrote outside the vault: $path" ;;
    esac
  done < "$T/written"
  grep -q "$V/vault.db" "$T/written" || fail "the trace saw no write to vault.db: is strace working?"
else
  fail "strace is missing (tools/install-deps --test installs it)"
fi

# An environment variable never stands in for the passphrase. setsid takes
# away the controlling terminal, so nothing can be typed either.
CARELOG_PASSPHRASE="$PASS" PASSPHRASE="$PASS" setsid -w "$CARELOG" --vault "$V" status </dev/null >"$T/out" 2>"$T/err" && \
  fail "status opened the vault without a passphrase"
grep -q "no terminal to ask for the passphrase" "$T/err" || fail "no clear message without a passphrase: $(cat "$T/err")"
# Every library's free and realloc, the C library's own calls included,
# bind to the program's wiping ones: none to glibc's.
for program in "$CARELOG" ${CARELOG_RELEASE:+"$CARELOG_RELEASE"}; do
  rm -f "$T"/bindings.*
  LD_DEBUG=bindings LD_DEBUG_OUTPUT="$T/bindings" "$program" --version >/dev/null 2>&1 ||
    fail "$program --version failed"
  cat "$T"/bindings.* | grep -E "symbol \`(free|realloc)'" > "$T/frees" || true
  grep -q "libc.so.6 .* to $program \[0\]: normal symbol \`free'" "$T/frees" ||
    fail "the C library's free is not $program's own: $(head -n 3 "$T/frees")"
  grep -q "libc.so.6 .* to $program \[0\]: normal symbol \`realloc'" "$T/frees" ||
    fail "the C library's realloc is not $program's own"
  grep -v " to $program \[0\]: " "$T/frees" > "$T/elsewhere" &&
    fail "free or realloc bound past the program: $(head -n 3 "$T/elsewhere")"
done

echo "rules_process ok"
