# A student moves to another school: `export student ID --bundle --to
# SCHOOL` at the first, `import transfer FILE` at the second. Everything
# arrives as it was written (the second school's `export vault` of the
# student equals the first's but for ids), signatures still verify, both
# sides audit it, the sender marks the student transferred; a replayed,
# altered, truncated, misaddressed or untrusted transfer is refused and
# changes nothing. Nothing but the transfer's two files is written.
. "$(dirname "$0")/lib.sh"

export TZ=UTC CARELOG_TEST_NOW=2026-11-20T02:00:00Z
jget() { grep -o "\"$1\":\(\"[^\"]*\"\|[-0-9a-z.]*\)" "$T/out" | head -n 1 | cut -d: -f2- | tr -d '"'; }
A="$T/a"; B="$T/b"; C="$T/c"
V="$A"; init_vault --user 王老师 --school 第一中学
V="$C"; init_vault --user 钱老师 --school 第三中学
V="$B"; init_vault --user 李老师 --school 第二中学
# B already has a student of its own: the new one takes new ids.
expect_rc 0 cl "$PASS" student add --number 9001 --name 本校生 --class 初一1班 --field status=active
expect_rc 0 cl "$PASS" record add observation --student 9001 --field 'occurred_at=2026-10-01 08:00' \
  --field categories=absence --field description=缺勤 --field severity=low
expect_rc 0 cl "$PASS" school add 第一中学 "$A/vault.pub"
expect_rc 0 cl "$PASS" school add 第三中学 "$C/vault.pub"
V="$A"
expect_rc 0 cl "$PASS" school add 第二中学 "$B/vault.pub"
expect_rc 0 cl "$PASS" school list --json
grep -q '第二中学' "$T/out" || fail "school list: $(cat "$T/out")"
V="$C"; expect_rc 0 cl "$PASS" school add 第一中学 "$A/vault.pub"

V="$A"
add() { expect_rc 0 cl "$PASS" --json record add "$@"; jget id; }
expect_rc 0 cl "$PASS" student add --number 20260001 --name 张小明 --class 初二3班 --field gender=male \
  --field status=active --field circumstances=left_behind \
  --field 'guardians=[{"name":"张奶奶","relation":"grandparent","phone":"13800000000"}]'
obs=$(add observation --student 20260001 --field 'occurred_at=2026-09-01 10:20' --field categories=emotional,social \
  --field description='上课时独自哭泣' --field severity=medium --field reporter_role=head_teacher)
ses=$(add session --student 20260001 --field occurred_at=2026-09-02 --field session_type=individual \
  --field duration_minutes=45 --field risk_noted=否 --field data='说最近睡不好' --field follow_up=2026-09-20)
expect_rc 0 cl "$PASS" record edit "$ses" --version 1 --field plan='下周继续'
expect_rc 0 cl "$PASS" record sign "$ses" --version 2
expect_rc 0 cl "$PASS" record amend "$ses" --text '补充：家长当晚来电'
ass=$(add assessment --student 20260001 --field occurred_at=2026-09-03 --field risk_level=2 \
  --field misconduct_tier=none --field reasons='情绪持续低落' --field safety_plan=yes --field follow_up=2026-12-10)
pln=$(add plan --student 20260001 --field occurred_at=2026-09-04 --field goals='每周辅导一次' \
  --field review_date=2026-10-01 --field status=active)
rev=$(add review --student 20260001 --parent "$pln" --field occurred_at=2026-10-01 --field progress='睡眠好转' \
  --field goal_status=partly)
con=$(add contact --student 20260001 --field occurred_at=2026-09-05 --field who=张奶奶 --field channel=phone \
  --field summary='告知在校情况' --field follow_up=2026-10-05)
expect_rc 0 cl "$PASS" followup close "$con" --reason 奶奶已来校面谈
ref=$(add referral --student 20260001 --field occurred_at=2026-09-06 --field concerns=neglect --field reason='长期无人照顾' \
  --field urgency=urgent --field what='经过' --field guardians_informed=no --field reason_not_informed='监护人外出务工联系不上' \
  --field agency=civil_affairs)
expect_rc 0 cl "$PASS" referral move "$ref" reported --note 已电话报告
expect_rc 0 cl "$PASS" --yes export vault --json -o "$T/a-before.json"

# Refusals at the sender change nothing.
expect_rc 66 cl "$PASS" --yes export student 20260001 --bundle --to 没有的学校 -o "$T/x.transfer"
expect_rc 64 cl "$PASS" --yes export student 20260001 --bundle -o "$T/x.transfer"
[ ! -e "$T/x.transfer" ] || fail "a refused transfer left a file"
expect_rc 64 cl "$PASS" export student 20260001 --bundle --to 第二中学 -o "$T/x.transfer"   # not confirmed

expect_rc 0 strace -f -o "$T/trace" -e trace=open,openat,creat,rename,link \
  sh -c "printf '%s\n' '$PASS' | '$CARELOG' --vault '$A' --passphrase-fd 3 --yes --json \
    export student 20260001 --bundle --to 第二中学 -o '$T/s.transfer' 3<&0 </dev/null"
grep -q '"records":8' "$T/out" || fail "not every record went: $(cat "$T/out")"
[ "$(stat -c %a "$T/s.transfer")" = 600 ] && [ "$(stat -c %a "$T/s.transfer.minisig")" = 600 ] || fail "modes"
grep -E 'O_WRONLY|O_RDWR|O_CREAT' "$T/trace" | grep -v ' = -1 ' | grep -o '"[^"]*"' | tr -d '"' | sort -u |
  while read -r f; do
    case "$f" in
      "$A"/*|"$T"/s.transfer*|/proc/self/fd/*|"$XDG_STATE_HOME"/carelog/*|/dev/tty|/dev/null) ;;
      *) fail "the transfer wrote $f" ;;
    esac
  done
grep -q '张小明' "$T/s.transfer" && fail "the transfer holds plaintext"
grep -q 'carelog-transfer v1 transfer=' "$T/s.transfer.minisig" || fail "no trusted comment"
# The sender's side: the student is transferred and the export audited.
expect_rc 0 cl "$PASS" --json student show 20260001
grep -q '"status":"transferred"' "$T/out" || fail "the sender did not mark the student transferred"
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"transfer.export"' "$T/out" || fail "the transfer is not audited at the sender"
expect_rc 64 cl "$PASS" --yes export student 20260001 --bundle --to 第二中学 -o "$T/again.transfer"

# The receiving side: refusals first, each changing nothing.
V="$B"
snapshot "$B" "$T/b-before"
cp "$T/s.transfer" "$T/t.transfer"; cp "$T/s.transfer.minisig" "$T/t.transfer.minisig"
flip "$T/t.transfer" 200
expect_rc 77 cl "$PASS" import transfer "$T/t.transfer"
grep -q 'altered or truncated' "$T/err" || fail "altered: $(cat "$T/err")"
head -c 1000 "$T/s.transfer" >"$T/t.transfer"
expect_rc 77 cl "$PASS" import transfer "$T/t.transfer"
# Signed by a school B does not know (a vault that is not added).
V="$T/d"; init_vault --user 孙老师 --school 第四中学
expect_rc 0 cl "$PASS" school add 第二中学 "$B/vault.pub"
expect_rc 0 cl "$PASS" student add --number 4001 --name 外校生 --class 初一1班 --field status=active
expect_rc 0 cl "$PASS" --yes export student 4001 --bundle --to 第二中学 -o "$T/d.transfer"
V="$B"
expect_rc 77 cl "$PASS" import transfer "$T/d.transfer"
grep -q 'no school this vault knows' "$T/err" || fail "untrusted: $(cat "$T/err")"
# Addressed to another school: C's copy goes to A… and B tries it.
V="$C"
expect_rc 0 cl "$PASS" student add --number 3001 --name 丙校生 --class 初一1班 --field status=active
expect_rc 0 cl "$PASS" --yes export student 3001 --bundle --to 第一中学 -o "$T/c.transfer"
V="$B"
expect_rc 77 cl "$PASS" import transfer "$T/c.transfer"
grep -q 'addressed to' "$T/err" || fail "misaddressed: $(cat "$T/err")"
same_files "$T/b-before" "$B" "refused transfers"

# The real one.
expect_rc 0 strace -f -o "$T/trace2" -e trace=open,openat,creat,rename,link \
  sh -c "printf '%s\n' '$PASS' | '$CARELOG' --vault '$B' --passphrase-fd 3 --json \
    import transfer '$T/s.transfer' 3<&0 </dev/null"
grep -q '"records":8' "$T/out" || fail "import: $(cat "$T/out")"
grep -E 'O_WRONLY|O_RDWR|O_CREAT' "$T/trace2" | grep -v ' = -1 ' | grep -o '"[^"]*"' | tr -d '"' | sort -u |
  while read -r f; do
    case "$f" in
      "$B"/*|/proc/self/fd/*|"$XDG_STATE_HOME"/carelog/*|/dev/tty|/dev/null) ;;
      *) fail "taking the transfer in wrote $f" ;;
    esac
  done
new=$(jget student_id)
[ "$new" != 1 ] || fail "the student kept the sender's id in a vault that had a student 1"
expect_rc 73 cl "$PASS" import transfer "$T/s.transfer"
grep -q 'a replay' "$T/err" || fail "replay: $(cat "$T/err")"
expect_rc 0 cl "$PASS" audit list --json
grep -q '"action":"transfer.import"' "$T/out" || fail "the transfer is not audited at the receiver"
expect_rc 0 cl "$PASS" audit verify
expect_rc 0 cl "$PASS" verify
expect_rc 0 cl "$PASS" verify-derived
# The signed session still verifies, against the first school's key.
sig_id=$(cl "$PASS" --json record list --student 20260001 --kind session | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)
expect_rc 0 cl "$PASS" --json record show "$sig_id"
grep -q '"signature_valid":true' "$T/out" || fail "the transferred signature does not verify: $(cat "$T/out")"
grep -q '"received_from":{"school":"第一中学"' "$T/out" || fail "the record is not marked as received: $(cat "$T/out")"
expect_rc 0 cl "$PASS" record show "$sig_id"
grep -q "Received from 第一中学 .* with a transfer on .*; record #$ses there" "$T/out" ||
  fail "record show does not say where the record came from: $(cat "$T/out")"
# B's own records are not marked.
expect_rc 0 cl "$PASS" --json record show 2
grep -q '"received_from":null' "$T/out" || fail "a record of B's own is marked as received: $(cat "$T/out")"
expect_rc 0 cl "$PASS" --yes export vault --json -o "$T/b-after.json"
python3 - "$T/a-before.json" "$T/b-after.json" <<'PY' || fail "the receiving vault's copy differs from the sender's"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
def student(doc, number):
    s = [x for x in doc["students"] if x["number"] == number][0]
    forms = {f["id"]: f["digest"] for f in doc["forms"]}
    recs = [r for r in doc["records"] if r["student_id"] == s["id"]]
    ids = {r["id"]: i for i, r in enumerate(recs)}
    def clean(r):
        r = dict(r)
        r["form_id"] = forms[r["form_id"]]
        r["parent_id"] = ids.get(r["parent_id"])
        for k in ("id", "student_id"):
            r.pop(k)
        r["versions"] = [dict(v, form_id=forms[v["form_id"]]) for v in r["versions"]]
        r["amendments"] = [{k: v for k, v in m.items() if k != "id"} for m in r["amendments"]]
        r["transitions"] = [{k: v for k, v in m.items() if k != "id"} for m in r["transitions"]]
        return r
    fu = [dict(f, record_id=ids[f["record_id"]], met_by=ids.get(f["met_by"]))
          for f in doc["other_tables"]["followups"] if f["student_id"] == s["id"]]
    for f in fu:
        f.pop("student_id")
    st = {k: v for k, v in s.items() if k not in ("id", "record_id")}
    return st, [clean(r) for r in recs], sorted(fu, key=lambda f: f["record_id"])
sa, sb = student(a, "20260001"), student(b, "20260001")
for part, x, y in zip(("student", "records", "followups"), sa, sb):
    if x != y:
        print(part, "differs:\n", json.dumps(x, ensure_ascii=False)[:2000], "\n", json.dumps(y, ensure_ascii=False)[:2000])
        sys.exit(1)
if len(sa[1]) != 8:
    sys.exit("expected 8 records, got %d" % len(sa[1]))
PY
