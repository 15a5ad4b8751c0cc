# tools/install-deps adds bookworm-backports by reusing the mirror already in
# the machine's apt sources, in either format, and the repository names no
# Debian host of its own.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
deps="$top/tools/install-deps"

# deb822: the stanza for bookworm is found even after another one.
mkdir -p "$T/apt1/sources.list.d"
cat >"$T/apt1/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: http://security.mirror.invalid/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://main.mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
SRC
CARELOG_APT_ETC="$T/apt1" sh "$deps" --show-backports-source >"$T/out" 2>"$T/err" || fail "deb822 sources: $(cat "$T/err")"
grep -qx 'URIs: http://main.mirror.invalid/debian' "$T/out" || fail "deb822: wrong mirror: $(cat "$T/out")"
grep -qx 'Suites: bookworm-backports' "$T/out" || fail "deb822: not the backports suite"

# One-line format, with options in brackets.
mkdir -p "$T/apt2/sources.list.d"
printf 'deb [signed-by=/k.gpg] http://one.mirror.invalid/debian bookworm main\n' >"$T/apt2/sources.list"
CARELOG_APT_ETC="$T/apt2" sh "$deps" --show-backports-source >"$T/out" 2>"$T/err" || fail "one-line sources: $(cat "$T/err")"
grep -qx 'URIs: http://one.mirror.invalid/debian' "$T/out" || fail "one-line: wrong mirror: $(cat "$T/out")"

# No bookworm mirror at all: a clear message, nothing written.
mkdir -p "$T/apt3/sources.list.d"
CARELOG_APT_ETC="$T/apt3" sh "$deps" --show-backports-source >"$T/out" 2>"$T/err" && fail "no mirror: should fail"
grep -q 'no Debian bookworm mirror' "$T/err" || fail "no mirror: unclear message: $(cat "$T/err")"
[ -z "$(ls "$T/apt3/sources.list.d")" ] || fail "no mirror: something was written"

# The repository itself names no Debian mirror host.
if grep -rIl --exclude-dir='build*' --exclude-dir=.git -E 'deb\.debian\.org|ftp\.[a-z.]*debian\.org|mirrors\.[a-z0-9.]*/debian' \
     "$top/tools" "$top/Makefile" "$top/.ci" "$top/src" "$top/README.md" 2>/dev/null; then
  fail "a Debian host name is written into the repository"
fi
echo "setup_mirror ok"
