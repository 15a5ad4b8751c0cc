# Helpers of the screens' scripted-mode tests (tests/e2e/screens_*.sh),
# sourced after tests/e2e/lib.sh. HERE is this folder of expected screens.
HERE=$(cd "$(dirname "$0")" && pwd)/screens
mkdir -p "$T/dumps"

# compare NAME… — each dump in $T/dumps matches tests/e2e/screens/NAME.txt
# (recovery keys and fingerprints, random by design, and the folder $T are
# masked).
# SCREENS_UPDATE=1 writes the dumps as the new expected screens instead.
compare() {
  for n in "$@"; do
    sed -E -e 's/[0-9A-Z]{4}(-[0-9A-Z]{4}){7}/XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX/' \
      -e 's/[0-9A-Z]{4}(-[0-9A-Z]{4}){3}/XXXX-XXXX-XXXX-XXXX/g' -e "s|$T|\$T|g" \
      "$T/dumps/$n.txt" >"$T/dumps/$n.masked"
    [ "${SCREENS_UPDATE:-}" = 1 ] && cp "$T/dumps/$n.masked" "$HERE/$n.txt"
    diff -u "$HERE/$n.txt" "$T/dumps/$n.masked" || fail "screen $n differs"
  done
}

# screens KEYS [ARG…] — runs the screens on $V with the script KEYS (a file
# in this folder), dumps going to $T/dumps.
screens() {
  _keys=$1; shift
  (cd "$T/dumps" && CARELOG_SCREEN_SCRIPT="$HERE/$_keys" "$CARELOG" --vault "$V" "$@") || fail "the script $_keys failed"
}
