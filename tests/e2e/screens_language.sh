# --lang holds on the screens: a user's screens.conf and the vault's
# language setting both say Chinese, yet `carelog --lang en` opens the
# unlock screen and home in English; without --lang they are Chinese.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/screens/lib.sh"
export CARELOG_TEST_NOW=2026-11-23T09:00:00Z XDG_CONFIG_HOME="$T/config" LANG=en_US.UTF-8
init_vault --user 王老师
expect_rc 0 cl "$PASS" config set language zh
mkdir -p "$XDG_CONFIG_HOME/carelog"
printf 'lang=zh\nautolock=0\n' >"$XDG_CONFIG_HOME/carelog/screens.conf"

screens language.keys
grep -q '密码' "$T/dumps/language-unlock.txt" || fail "screens.conf's Chinese did not apply to the unlock screen: $(cat "$T/dumps/language-unlock.txt")"
grep -q '当前需要关注' "$T/dumps/language-home.txt" || fail "home is not in the vault's Chinese: $(cat "$T/dumps/language-home.txt")"

rm "$T"/dumps/*
screens language.keys --lang en
grep -q 'Passphrase' "$T/dumps/language-unlock.txt" || fail "--lang en did not hold over screens.conf: $(cat "$T/dumps/language-unlock.txt")"
grep -q 'Needs attention now' "$T/dumps/language-home.txt" || fail "--lang en did not hold over the vault's language on home: $(cat "$T/dumps/language-home.txt")"
grep -q 'lang=zh' "$XDG_CONFIG_HOME/carelog/screens.conf" || fail "a one-off --lang rewrote the user's screens.conf"
echo "screens_language ok"
