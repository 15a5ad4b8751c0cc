# export vault / import vault: a plaintext export needs a yes, is private
# (0600), never overwrites, is audited; it reads back into an empty vault
# with nothing lost, and only into an empty one; bad documents change nothing.
. "$(dirname "$0")/lib.sh"
export CARELOG_TEST_NOW=2026-11-01T08:00:00Z TZ=UTC

# The document without the sections naming the vault itself ("vault" and
# "audit", top-level keys at one space of indentation).
body() { awk '/^ "(vault|audit)": /{skip=1; next} skip && /^ [}\]],?$/{skip=0; next} !skip' "$1"; }

# No terminal at all (setsid), as in a script or cron job.
notty() { if command -v setsid >/dev/null 2>&1; then setsid -w "$@"; else "$@" </dev/null; fi; }

init_vault
expect_rc 0 cl "$PASS" generate --students 8 --seed 3 --months 3
grep -q 'Generated 8 synthetic students' "$T/out" || fail "generate said: $(cat "$T/out")"

# Without --yes and without a terminal: refused, nothing written, nothing logged.
printf '%s\n' "$PASS" >"$T/pass"
expect_rc 64 notty "$CARELOG" --vault "$V" --passphrase-fd 3 export vault --json -o "$T/a.json" 3<"$T/pass"
[ ! -e "$T/a.json" ] || fail "an unconfirmed export wrote the file"
grep -q -- '--yes' "$T/err" || fail "the refusal does not say how to confirm: $(cat "$T/err")"
ls "$T" | grep -q 'a.json' && fail "an unconfirmed export left a file behind"

expect_rc 0 cl "$PASS" --yes export vault --json -o "$T/a.json"
[ "$(stat -c %a "$T/a.json")" = 600 ] || fail "export mode $(stat -c %a "$T/a.json")"
head -c 200 "$T/a.json" | grep -q '"format": "carelog-vault-export"' || fail "no format header"
grep -q '"version": 1' "$T/a.json" || fail "no version"
cp "$T/a.json" "$T/a.copy"
expect_rc 73 cl "$PASS" --yes export vault --json -o "$T/a.json"
cmp -s "$T/a.json" "$T/a.copy" || fail "export overwrote an existing file"
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"export.vault"' "$T/out" || fail "the export is not in the audit log"
[ "$(grep -c '"action":"export.vault"' "$T/out")" = 1 ] || fail "refused exports were logged"

# Into a fresh vault B: everything comes back.
A=$V; V="$T/b"
init_vault
expect_rc 0 cl "$PASS" import vault "$T/a.json"
grep -q 'Imported 8 students' "$T/out" || fail "import said: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --yes export vault --json -o "$T/b.json"
body "$T/a.json" >"$T/a.body"; body "$T/b.json" >"$T/b.body"
[ -s "$T/a.body" ] && [ "$(wc -l <"$T/a.body")" -gt 100 ] || fail "the comparison lost the document"
diff "$T/a.body" "$T/b.body" >"$T/diff" || { head -n 40 "$T/diff"; fail "round trip changed the document"; }
expect_rc 0 cl "$PASS" audit verify

# B is not empty now: refused with 73, nothing changed.
snapshot "$V" "$T/before"
expect_rc 73 cl "$PASS" import vault "$T/a.json"
same_files "$T/before" "$V" "import into a vault that is not empty"

# A damaged document into a fresh vault C: 65, and C stays empty.
V="$T/c"
init_vault
sed 's/"format": "carelog-vault-export"/"format": "something-else"/' "$T/a.json" >"$T/bad1.json"
expect_rc 65 cl "$PASS" import vault "$T/bad1.json"
head -c 1000 "$T/a.json" >"$T/bad2.json"
expect_rc 65 cl "$PASS" import vault "$T/bad2.json"
grep -q 'bad2.json:' "$T/err" || fail "malformed JSON not located: $(cat "$T/err")"
sed '0,/"number": "/s/"number": "/"number": 1, "x": "/' "$T/a.json" >"$T/bad3.json"
expect_rc 65 cl "$PASS" import vault "$T/bad3.json"
expect_rc 0 cl "$PASS" status --json
[ "$(json_count students)" = 0 ] || fail "a refused import left students behind"
expect_rc 0 cl "$PASS" import vault "$T/a.json"

# The referral moves an import tells are the moves made, not each
# referral's creation as well: as many as generate said it made.
V="$T/d"
init_vault
expect_rc 0 cl "$PASS" generate --students 20 --seed 3 --months 6
made=$(sed -n 's/.*[1-9][0-9]* referrals (\([0-9]*\) moves).*/\1/p' "$T/out")
[ -n "$made" ] && [ "$made" -gt 0 ] || fail "generate made no referral moves to count: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --yes export vault --json -o "$T/d.json"
V="$T/e"
init_vault
expect_rc 0 cl "$PASS" import vault "$T/d.json"
grep -q "($made referral moves\| $made referral moves)" "$T/out" || fail "generate made $made moves; import said: $(cat "$T/out")"
exit 0
