# Crash safety: a passphrase change or a counsellor removal killed at any
# point leaves a vault that opens with exactly one working passphrase (old or
# new), and a removal either happened in full (key rotated) or not at all.
. "$(dirname "$0")/lib.sh"

init_vault --user 王老师
expect_rc 0 cl "$PASS$NL$PASS2" counsellor add 李老师
expect_rc 0 cl "$PASS" status --json
base_counsellors=$(json_count counsellors)
cp -r "$V" "$T/good"
W="$T/w"
fresh() { rm -rf "$W" "$XDG_STATE_HOME"; cp -r "$T/good" "$W"; V="$W"; }
# which P1 P2 — prints 1 or 2 for the one passphrase that opens $V; fails
# the script if both or neither do.
which() {
  rm -rf "$XDG_STATE_HOME"     # the checks below must not build up delays
  _a=0; _b=0
  opens "$1" && _a=1
  opens "$2" && _b=1
  rm -rf "$XDG_STATE_HOME"
  [ $((_a + _b)) -eq 1 ] || fail "after $3: old opens=$_a new opens=$_b (need exactly one)"
  [ $_a -eq 1 ] && echo 1 || echo 2
}

# ms_of COMMAND… — how long COMMAND took, in milliseconds.
ms_of() { _t0=$(date +%s%N); "$@" >/dev/null 2>&1; _t1=$(date +%s%N); echo $(((_t1 - _t0) / 1000000)); }
# random_delay MS — a random timeout between 1 ms and MS*1.2 ms, as seconds.
random_delay() {
  _r=$(od -An -tu2 -N2 /dev/urandom | tr -d ' ')
  _ms=$((1 + _r % ($1 * 12 / 10 + 2)))
  printf '%d.%03d' $((_ms / 1000)) $((_ms % 1000))
}

# 1. passwd stopped at every named crash point.
for point in atomic-before-rename passwd-before-save atomic-after-rename; do
  fresh
  printf '%s\n%s\n' "$PASS" 'brand new passphrase' >"$T/lines"
  CARELOG_TEST_CRASH_AT=$point "$CARELOG" --vault "$W" --passphrase-fd 3 passwd 3<"$T/lines" >/dev/null 2>&1
  rc=$?
  [ $rc -eq 137 ] || fail "passwd with crash point $point exited $rc, not at the crash point"
  got=$(which "$PASS" 'brand new passphrase' "passwd crashed at $point") || exit 1
  case $point in
    atomic-after-rename) want=2 ;;
    *) want=1 ;;
  esac
  [ "$got" = "$want" ] || fail "passwd crashed at $point: passphrase $got opens, expected $want"
  # The other counsellor is untouched, and the vault works on.
  opens "$PASS2" || fail "李老师 cannot open after passwd crashed at $point"
  [ "$got" = 1 ] && now=$PASS || now='brand new passphrase'
  expect_rc 0 cl "$now${NL}after the crash ok" passwd
  opens 'after the crash ok' || fail "passwd after the crash at $point did not take"
  note "passwd crash at $point: passphrase $got opens"
done

# 2. passwd killed at random moments (a run takes a few ms with the fast KDF,
# so the delays cover start-up, unlocking, sealing, the atomic write and the
# audit entry). Each time exactly one of old and new must open.
fresh
passwd_ms=$(ms_of cl "$PASS${NL}timing passphrase" passwd)
fresh
note "a whole passwd takes about $passwd_ms ms"
cur=$PASS; other='other passphrase 1'
olds=0; news=0; i=0
while [ $i -lt 30 ]; do
  delay=$(random_delay "$passwd_ms")
  printf '%s\n%s\n' "$cur" "$other" >"$T/lines"
  timeout -s KILL "$delay" "$CARELOG" --vault "$W" --passphrase-fd 3 passwd 3<"$T/lines" >/dev/null 2>&1
  got=$(which "$cur" "$other" "passwd killed after $delay s (run $i)") || exit 1
  if [ "$got" = 2 ]; then
    news=$((news + 1)); cur=$other; other="other passphrase $((i + 2))"
  else
    olds=$((olds + 1))
  fi
  i=$((i + 1))
done
note "random kills: $olds left the old passphrase, $news the new one"
opens "$PASS2" || fail "李老师 cannot open after the random kills"
expect_rc 0 cl "$cur" status --json
[ "$(json_count counsellors)" = "$base_counsellors" ] || fail "counsellors changed by the random kills"
find "$W" -name 'keyslots.tmp-*' | grep -q . && note "temporary keyslots files left by killed runs: $(find "$W" -name 'keyslots.tmp-*' | wc -l)"

# 3. counsellor removal stopped at every point of its key rotation. Either it
# happened in full (李老师 refused, the old key fits vault.db no more) or not
# at all (李老师 still opens); 王老师 always opens and sees every row.
removed_fully() {
  # 李老师's passphrase opens nothing
  (V="$W"; expect_rc 77 cl "$PASS2" status) || fail "after $1: the removed counsellor's passphrase did not give 77"
  # the keyslots file from before the removal (李老师's copy of the old key)
  # unlocks a key that no longer opens vault.db
  rm -rf "$T/stale"; cp -r "$W" "$T/stale"; cp "$T/good/keyslots" "$T/stale/keyslots"
  (V="$T/stale"; expect_rc 65 cl "$PASS2" status) || fail "after $1: the old database key still opens vault.db"
  rm -rf "$T/stale" "$XDG_STATE_HOME"
}
check_after_remove() {
  expect_rc 0 cl "$PASS" status --json
  [ "$(json_count counsellors)" = "$base_counsellors" ] || fail "after $1: counsellor rows changed"
  [ "$(json_count audit)" -ge 2 ] || fail "after $1: audit rows lost"
  grep -q '"user":"王老师"' "$T/out" || fail "after $1: 王老师 is not the user"
  if grep -q '"name":"李老师"' "$T/out" && opens "$PASS2"; then
    note "$1: the removal did not happen"
  elif grep -q '"name":"李老师"' "$T/out"; then
    # Killed between saving keyslots and committing: the unlock must have
    # finished the removal, so the name may not be listed any more.
    fail "$1: the slot is gone but the name is still listed"
  else
    note "$1: the removal happened"
    removed_fully "$1"
  fi
}
for point in atomic-before-rename atomic-after-rename rotate-after-seal rotate-after-rekey; do
  fresh
  CARELOG_TEST_CRASH_AT=$point "$CARELOG" --vault "$W" --passphrase-fd 3 counsellor remove 李老师 3<<EOF2 >/dev/null 2>&1
$PASS
EOF2
  rc=$?
  [ $rc -eq 137 ] || fail "counsellor remove with crash point $point exited $rc"
  check_after_remove "removal crashed at $point"
  # A second unlock (which finishes any rotation left over) changes nothing
  # more, and the removal can be completed.
  check_after_remove "removal crashed at $point, second look"
  expect_rc 0 cl "$PASS" counsellor list --json
  if grep -q 李老师 "$T/out"; then expect_rc 0 cl "$PASS" counsellor remove 李老师; fi
  expect_rc 0 cl "$PASS" counsellor list --json
  grep -q 李老师 "$T/out" && fail "after $point: 李老师 still listed after the removal was completed"
  removed_fully "removal at $point, completed"
  expect_rc 0 cl "$PASS$NL$PASS2" counsellor add 赵老师   # the vault works on
  opens "$PASS2" || fail "after $point: a new counsellor cannot open"
done

# 4. counsellor removal killed at random moments: never neither.
fresh
remove_ms=$(ms_of cl "$PASS" counsellor remove 李老师)
note "a whole removal takes about $remove_ms ms"
i=0
while [ $i -lt 20 ]; do
  fresh
  delay=$(random_delay "$remove_ms")
  printf '%s\n' "$PASS" >"$T/lines"
  timeout -s KILL "$delay" "$CARELOG" --vault "$W" --passphrase-fd 3 counsellor remove 李老师 3<"$T/lines" >/dev/null 2>&1
  check_after_remove "removal killed after $delay s"
  i=$((i + 1))
done
echo "vault_crash ok"
