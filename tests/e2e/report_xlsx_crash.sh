# A workbook export killed while libxlsxwriter works leaves its working
# folder on the memory file system; the next workbook export removes it
# (no run holds it any more), but never the folder of a run still going.
. "$(dirname "$0")/lib.sh"

SHM=$(mktemp -d /dev/shm/carelog-e2e-XXXXXX) || fail "no /dev/shm"
trap 'rm -rf "$SHM"' EXIT
[ "$(stat -f -c %T "$SHM")" = tmpfs ] || { echo "-- /dev/shm is not tmpfs; skipped"; exit 0; }
export XDG_RUNTIME_DIR="$SHM" TZ=UTC CARELOG_TEST_NOW=2026-11-20T02:00:00Z
init_vault --user 王老师
expect_rc 0 cl "$PASS" student add --number 1 --name 张小明 --class 初二3班 --field status=active
expect_rc 0 cl "$PASS" record add observation --student 1 --field 'occurred_at=2026-10-20 09:30' \
  --field categories=emotional --field description=哭泣 --field severity=low

CARELOG_TEST_CRASH_AT=xlsx-before-close expect_rc 137 cl "$PASS" --yes report ledger --format xlsx -o l.xlsx
[ ! -e l.xlsx ] || fail "a killed export left l.xlsx"
left=$(ls -d "$SHM"/carelog-xlsx-* 2>/dev/null)
[ -n "$left" ] || fail "the crash hook did not leave a working folder (the test would prove nothing)"

# A folder just made may belong to a run between mkdir and lock: kept.
expect_rc 0 cl "$PASS" --yes report ledger --format xlsx -o l1.xlsx
[ -d "$left" ] || fail "a fresh folder was removed although its run might still be starting"
# A folder another run holds is kept however old.
mkdir "$SHM/carelog-xlsx-held" && touch -d '1 hour ago' "$SHM/carelog-xlsx-held"
touch -d '1 hour ago' "$left"
flock "$SHM/carelog-xlsx-held" sh -c "printf '%s\n' '$PASS' | '$CARELOG' --vault '$V' --passphrase-fd 3 --yes \
  report ledger --format xlsx -o '$T/l2.xlsx' 3<&0 </dev/null" >"$T/out" 2>"$T/err" || fail "export failed: $(cat "$T/err")"
[ ! -e "$left" ] || fail "the killed run's folder $left is still there"
[ -d "$SHM/carelog-xlsx-held" ] || fail "a folder held by a running export was removed"
[ -s l2.xlsx ] || fail "the export after the sweep wrote nothing"
# Only our own kind of folder is touched.
mkdir "$SHM/other-app" && touch -d '1 hour ago' "$SHM/other-app"
expect_rc 0 cl "$PASS" --yes report ledger --format xlsx -o l3.xlsx
[ -d "$SHM/other-app" ] || fail "a folder that is not carelog's was removed"
[ -z "$(ls -d "$SHM"/carelog-xlsx-* 2>/dev/null | grep -v held)" ] || fail "working folders left: $(ls "$SHM")"
