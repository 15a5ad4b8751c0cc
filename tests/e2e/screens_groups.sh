# Repeatable groups in the record editor are rows, never JSON text: rows
# added (^N), moved between (PgUp/PgDn), deleted (^G, asked), each
# subfield converted and checked by the core; what is saved is exactly the
# rows left. In English (the Chinese screens are covered by screens_script).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/screens/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z XDG_CONFIG_HOME="$T/config"
init_vault --user 王老师
screens groups.keys
compare groups-header groups-two-rows groups-first-row groups-delete-confirm groups-deleted groups-saved groups-edit
expect_rc 0 cl "$PASS" --json student show 20260303
grep -q '"guardians":\[{"name":"王秀英","phone":"13800000002","relation":"mother"}\]' "$T/out" ||
  fail "the guardians saved are not the row left on screen: $(cat "$T/out")"
echo "screens_groups ok"
