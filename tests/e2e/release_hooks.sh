# Test hooks never reach users: the released program ($CARELOG_RELEASE,
# build/carelog) holds none of them and ignores each variable, while the
# test build ($CARELOG) the other scripts use honours them.
. "$(dirname "$0")/lib.sh"
: "${CARELOG_RELEASE:?set CARELOG_RELEASE to the released carelog (build/carelog)}"
for hook in CARELOG_TEST_FAST_KDF CARELOG_TEST_NOW CARELOG_TEST_CRASH_AT CARELOG_TEST_PAUSE_AT; do
  grep -q "$hook" "$CARELOG" || fail "the test build lacks $hook, so this test proves nothing"
  grep -q "$hook" "$CARELOG_RELEASE" && fail "the released program still reads $hook"
done
rel() { printf '%s\n' "$1" | "$CARELOG_RELEASE" --vault "$V" --passphrase-fd 3 "$@" 3<&0 </dev/null; }
relp() { _l=$1; shift; printf '%s\n' "$_l" | "$CARELOG_RELEASE" --vault "$V" --passphrase-fd 3 "$@" 3<&0 </dev/null; }
# The first slot's Argon2id memory cost (bytes 54–61 of keyslots: magic 8,
# vault id 16, generation 4, count 1, kind 1, slot id 16, opslimit 8).
memlimit() { od -An -tu8 -j54 -N8 "$V/keyslots" | tr -d ' '; }
init_vault
[ "$(memlimit)" -le 16384 ] || fail "the test build ignored CARELOG_TEST_FAST_KDF (memlimit $(memlimit))"

# CARELOG_TEST_FAST_KDF: the released passwd writes a real Argon2id cost.
export CARELOG_TEST_FAST_KDF=1
expect_rc 0 relp "$PASS${NL}release passphrase" passwd
[ "$(memlimit)" -ge $((64 * 1024 * 1024)) ] || fail "released passwd wrote memlimit $(memlimit) under CARELOG_TEST_FAST_KDF=1"
P='release passphrase'

# CARELOG_TEST_NOW: the released program's audit entries carry today's date.
CARELOG_TEST_NOW=2001-02-03T04:05:06Z expect_rc 0 relp "$P" student add --number 7 --name 王七 --class 三班
expect_rc 0 relp "$P" audit list --json --limit 1
grep -q '"at":"2001-02-03' "$T/out" && fail "the released program backdated an audit entry by CARELOG_TEST_NOW"
grep -q "\"at\":\"$(date -u +%Y-%m-%d)" "$T/out" || fail "the audit entry does not carry today's date: $(cat "$T/out")"

# CARELOG_TEST_CRASH_AT: the released passwd runs to the end.
CARELOG_TEST_CRASH_AT=passwd-before-save expect_rc 0 relp "$P${NL}after crash point" passwd
P='after crash point'
expect_rc 0 relp "$P" status --json

# CARELOG_TEST_PAUSE_AT: a minute's pause would outlast the timeout.
CARELOG_TEST_PAUSE_AT=keyslots-loaded:60000 expect_rc 0 timeout 50 sh -c \
  'printf "%s\n%s\n" "$1" "$2" | "$3" --vault "$4" --passphrase-fd 3 counsellor add 钱老师 3<&0 </dev/null' \
  x "$P" "second counsellor" "$CARELOG_RELEASE" "$V"
echo "release_hooks ok"
