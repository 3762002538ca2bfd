#!/usr/bin/env bash
# Bundle-mode tests of tools/ssj_verify.py: builds bundles from data/youyu-forestry with
# `ssj commit` + `ssj draw` (tests/bundle/make_bundle.py) in a temporary folder, then checks
# exit codes and messages. Usage: tests/bundle/run.sh [path/to/ssj]  (default target/release/ssj)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ssj=${1:-$root/target/release/ssj}
verify="$root/tools/ssj_verify.py"
seed='38 17 05 92 64 11 70 26 53 48 91 30 07 65 24'
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssj-bundle-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

build() { python3 "$here/make_bundle.py" "$ssj" "$root/data/youyu-forestry" "$seed" "$@" >/dev/null; }
# expect CODE NAME [grep-pattern...] -- ARGS : run the verifier, check exit code, no traceback, patterns
expect() {
  local code=$1 name=$2; shift 2
  local pats=()
  while [ "$1" != "--" ]; do pats+=("$1"); shift; done; shift
  local out rc ok=1
  out=$(python3 "$verify" "$@" 2>&1); rc=$?
  [ "$rc" = "$code" ] || { echo "FAIL $name: exit $rc, expected $code"; ok=0; }
  if grep -q Traceback <<<"$out"; then echo "FAIL $name: traceback"; ok=0; fi
  for p in "${pats[@]}"; do
    grep -qE -- "$p" <<<"$out" || { echo "FAIL $name: output lacks /$p/"; ok=0; }
  done
  if [ $ok = 1 ]; then pass=$((pass+1)); echo "ok   $name (exit $rc)"; else fail=$((fail+1)); echo "$out" | tail -15; fi
}
# edit FILE OLD NEW: replace the first occurrence (bytes) of OLD by NEW
edit() { python3 - "$1" "$2" "$3" <<'PY'
import sys
p, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
b = open(p, "rb").read()
assert old in b, (p, old)
open(p, "wb").write(b.replace(old, new, 1))
PY
}

build "$tmp/good" || { echo "FAIL: could not build the bundle"; exit 1; }
expect 0 "good bundle" '^Verdict: verified' 'reproduced exactly' -- "$tmp/good"
expect 0 "good bundle --lang zh" '核验通过' -- "$tmp/good" --lang zh
expect 0 "good bundle --json" '"verdict": "verified"' -- "$tmp/good" --json
head=$(tail -1 "$tmp/good/journal.jsonl" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["hash"])')
expect 0 "--head right" 'journal head' -- "$tmp/good" --head "$head"
expect 1 "--head wrong" 'DIFFERS\] journal.jsonl: journal head' -- "$tmp/good" --head "$(printf '0%.0s' {1..64})"

# a registry of construction projects (项目编号, SPEC.md §1.8): the same checks
python3 "$here/make_bundle.py" "$ssj" "$root/data/youyu-housing" "$seed" "$tmp/housing" >/dev/null \
  || { echo "FAIL: could not build the housing bundle"; exit 1; }
expect 0 "projects registry bundle" '^Verdict: verified' 'reproduced exactly' -- "$tmp/housing"
rm -rf "$tmp/hx"; cp -r "$tmp/housing" "$tmp/hx"; edit "$tmp/hx/entities.csv" 'JS-2026-0001,' 'JS-2026-0011,'
expect 1 "projects registry: a changed project code" 'DIFFERS\] entities.csv' -- "$tmp/hx"

# one changed byte per file kind -> exit 1, the file named
one() {  # one NAME FILE OLD NEW
  rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; edit "$tmp/x/$2" "$3" "$4"
  expect 1 "changed byte: $1" "DIFFERS\] $2" -- "$tmp/x"
}
one "items.csv (a ratio)"        items.csv     ',5%,' ',6%,'
one "entities.csv (a name)"      entities.csv  '林木经营有限公司' '林木经营有限公寺'
one "conflicts.csv"              conflicts.csv '14062301001' '14062301002'
one "plan.toml"                  plan.toml     'cooldown_days = 365' 'cooldown_days = 366'
one "result.json (a rank)"       result.json   '"rank":1,' '"rank":2,'
one "result.csv"                 result.csv    '1' '2'
one "notice.html"                notice.html   '<' '['
one "commitment.json"            commitment.json '"cooldown_days":365' '"cooldown_days":366'
one "journal.jsonl (a time)"     journal.jsonl '"time":"20' '"time":"19'
# result.json changed consistently with SHA256SUMS: the re-run still names the field
rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; edit "$tmp/x/result.json" '"rank":1,' '"rank":2,'
(cd "$tmp/x" && sed -i '/  result.json$/d' SHA256SUMS && sha256sum result.json >> SHA256SUMS && LC_ALL=C sort -k2 -o SHA256SUMS SHA256SUMS)
expect 1 "result.json re-signed: first differing visit/field" 'draw re-run — first difference: visit [0-9]+ \(uscc [0-9A-Z]+\): field selections\[0\]/rank' -- "$tmp/x"
# a file not listed
rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; echo hi > "$tmp/x/extra.txt"
expect 0 "unlisted file reported" 'not checked\] extra.txt: file list' -- "$tmp/x"

# bad input -> exit 2, one line, no traceback
bad() {  # bad NAME FILE PYTHON-EXPR(b)->bytes PATTERN
  rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"
  python3 -c "import sys; p=sys.argv[1]; b=open(p,'rb').read(); open(p,'wb').write($3)" "$tmp/x/$2"
  expect 2 "bad input: $1" "$4" -- "$tmp/x"
}
bad "truncated result.json"   result.json  'b[:len(b)//2]'            'result.json: line 1, (column [0-9]+: malformed JSON|byte offset [0-9]+: invalid utf-8)'
bad "garbage result.json"     result.json  'b"\x00garbage"'            'result.json: .*(malformed JSON|invalid utf-8)'
bad "result.json not object"  result.json  'b"[1,2]\n"'               'result.json: not a JSON object'
bad "truncated commitment"    commitment.json 'b[:100]'               'commitment.json: line 1'
bad "invalid UTF-8 in CSV"    entities.csv 'b[:500]+b"\xff\xfe"+b[502:]' 'entities.csv: line [0-9]+, byte offset 500: invalid utf-8'
bad "unterminated quote CSV"  officers.csv 'b+b"\"x,y\n"'             'officers.csv: line [0-9]+: a quote .* opened on this line is never closed'
bad "too many cells CSV"      conflicts.csv 'b.replace(b"93140623MA0NB1R885",b"93140623MA0NB1R885,x",1)' 'conflicts.csv: line 2: row has 3 cells but the header has 2'
bad "missing column CSV"      items.csv    'b.replace("抽查比例".encode(),b"xx",1)' 'items.csv: line 1: required column\(s\) missing: ratio'
bad "bad ratio CSV"           items.csv    'b.replace(b",5%,",b",5x,",1)' 'items.csv: line 2: items record: bad ratio'
bad "garbage plan.toml"       plan.toml    'b"[plan\n"+b'             'plan.toml: malformed TOML'
bad "team_size out of range"  plan.toml    'b.replace(b"team_size = 2",b"team_size = 99999999999",1)' 'team_size = 99999999999: expected an integer'
bad "garbage journal"         journal.jsonl 'b[:-40]+b"\n{\n"'       'journal.jsonl: line [0-9]+, column [0-9]+: malformed JSON'
bad "malformed SHA256SUMS"    SHA256SUMS   'b"nonsense\n"+b'          'SHA256SUMS: file list — line 1: expected'
bad "withhold unknown input"  plan.toml    'b+b"\n[disclosure]\nwithhold = [\"entities\"]\n"' 'only "conflicts" and "history"'
rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; rm "$tmp/x/officers.csv"
expect 2 "deleted officers.csv" 'DIFFERS\] officers.csv: file content \(SHA-256\) — listed in SHA256SUMS but missing' 'officers.csv: file not found' -- "$tmp/x"
expect 2 "no such folder" 'not a folder' -- "$tmp/nonexistent"

# withheld inputs: partial verification, exit 0, never "reproduced exactly"
build "$tmp/wc" --withhold conflicts
expect 0 "conflicts withheld" 'partially verified' 'not checked\] result.json: officer teams' 'not checked\] conflicts.csv: input digest — withheld' -- "$tmp/wc"
out=$(python3 "$verify" "$tmp/wc" 2>&1); if grep -q 'reproduced exactly' <<<"$out"; then echo "FAIL conflicts withheld says reproduced exactly"; fail=$((fail+1)); else pass=$((pass+1)); echo "ok   conflicts withheld: no exact-reproduction claim"; fi
build "$tmp/wh" --withhold history
expect 0 "history withheld" 'partially verified' 'ok\] result.json: tickets' 'not checked\] result.json: eligibility, allocation, selection and teams' -- "$tmp/wh"
rm -rf "$tmp/x"; cp -r "$tmp/wh" "$tmp/x"
python3 - "$tmp/x/result.json" <<'PY'
import sys, re
p = sys.argv[1]; b = open(p, "rb").read()
i = b.index(b'"ticket":"') + len(b'"ticket":"')
c = b"1" if b[i:i+1] != b"1" else b"2"
open(p, "wb").write(b[:i] + c + b[i+1:])
PY
expect 1 "history withheld, a ticket changed" 'DIFFERS\] result.json: tickets — first difference: visit 1' -- "$tmp/x"

# journal: a `bundle` field (ssj does not write it yet) and a gap of other plans' entries, re-hashed
rehash() {  # rehash DIR PYTHON-STATEMENTS-ON-entries(list of dicts)
  python3 - "$1" "$2" "$root/tools" <<'PY'
import hashlib, json, sys
d, code, tools = sys.argv[1:4]
sys.path.insert(0, tools); import ssj_verify as V
es = [json.loads(l) for l in open(d + "/journal.jsonl", "rb")]
sums = hashlib.sha256(open(d + "/SHA256SUMS", "rb").read()).hexdigest()
keep_prev = False
exec(code)
prev = None
with open(d + "/journal.jsonl", "wb") as f:
    for e in es:
        e.pop("hash", None)
        if prev is not None and e["seq"] == prev["seq"] + 1 and not keep_prev:
            e["prev"] = prev["hash"]
        e["hash"] = hashlib.sha256(V.put("shuangsuiji/v1/journal-entry") + V.cjson(e).encode()).hexdigest()
        f.write((V.cjson(e) + "\n").encode())
        prev = e
PY
}
rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; rehash "$tmp/x" 'es[-1]["bundle"] = sums'
expect 0 "journal with bundle = SHA-256 of SHA256SUMS" 'ok\] journal.jsonl: journal binding of SHA256SUMS' -- "$tmp/x"
rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; rehash "$tmp/x" 'es[-1]["bundle"] = "0" * 64'
expect 1 "journal with a wrong bundle" 'DIFFERS\] journal.jsonl: journal binding of SHA256SUMS' -- "$tmp/x"
rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; rehash "$tmp/x" 'es[-1]["seq"] = 5; es[-1]["prev"] = "ab" * 32'
expect 0 "journal gap (other plans' entries)" 'seq 2–4 not included \(other plans\)' -- "$tmp/x"
rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; rehash "$tmp/x" 'es[-1]["prev"] = "ab" * 32; keep_prev = True'
expect 1 "journal: prev does not link" 'prev does not link to line 1' -- "$tmp/x"
rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; rehash "$tmp/x" 'es.pop()'
expect 1 "journal: the draw entry removed" 'no `draw` entry with outcome ok' -- "$tmp/x"
rm -rf "$tmp/x"; cp -r "$tmp/good" "$tmp/x"; edit "$tmp/x/plan.toml" 'items = "items.csv"' 'items = "../items.csv"'
expect 2 "input named outside the folder" 'a bundle names its inputs as files of the folder' -- "$tmp/x"

# pre-draw bundle (ssj commit only)
build "$tmp/pre" --stage commit
expect 0 "pre-draw bundle" 'not checked\] result.json: draw re-run — no result.json' 'records the SHA-256 of commitment.json' -- "$tmp/pre"

# vector mode: GBK / GB18030, UTF-16 BOM, invalid GBK bytes
conv() {  # conv DIR ENCODING(python codec) [plan-encoding]
  rm -rf "$1"; cp -r "$root/data/youyu-forestry" "$1"
  python3 - "$1" "$2" "${3:-}" <<'PY'
import sys, os
d, enc, penc = sys.argv[1:4]
for n in os.listdir(d):
    if n.endswith(".csv"):
        p = os.path.join(d, n); t = open(p, encoding="utf-8-sig").read()
        open(p, "wb").write(t.encode(enc))
if penc:
    p = os.path.join(d, "plan.toml"); t = open(p, encoding="utf-8").read()
    open(p, "w", encoding="utf-8").write(t.replace('encoding = "auto"', f'encoding = "{penc}"'))
PY
}
vec() { expect "$1" "$2" "${@:4}" -- "$3" '2026-Q4 424242' --expected "$root/tests/vectors/youyu-forestry.result.json"; }
conv "$tmp/gbk" gbk;          vec 0 "vector mode, GBK input (auto)" "$tmp/gbk" 'byte-identical.*True'
conv "$tmp/gbk2" gbk gbk;     vec 0 "vector mode, GBK input (encoding = gbk)" "$tmp/gbk2" 'byte-identical.*True'
conv "$tmp/g18" gb18030;      vec 0 "vector mode, GB18030 input" "$tmp/g18" 'byte-identical.*True'
conv "$tmp/u16" utf-16;       vec 0 "vector mode, UTF-16 with BOM" "$tmp/u16" 'byte-identical.*True'
conv "$tmp/badgbk" gbk gbk
python3 -c "import sys; p=sys.argv[1]; b=open(p,'rb').read(); open(p,'wb').write(b[:300]+b'\x81\x20'+b[302:])" "$tmp/badgbk/entities.csv"
vec 2 "vector mode, invalid GBK bytes" "$tmp/badgbk" 'entities.csv: line [0-9]+, byte offset [0-9]+: invalid gb18030'

# reading rules where SPEC.md is silent: ssj and Python must agree on the digests
if python3 "$here/edge_digests.py" "$ssj" > "$tmp/edge.log" 2>&1; then
  pass=$((pass+1)); echo "ok   edge digests ($(tail -1 "$tmp/edge.log"))"
else
  fail=$((fail+1)); echo "FAIL edge digests"; grep -v '^ok' "$tmp/edge.log"
fi
# the optional rule certified_through_period_end (SPEC §8.6): a certificate
# ending mid-period, the rule on; the verifier re-runs the draw with it
mkdir -p "$tmp/rulesrc"; cp "$root"/data/youyu-forestry/*.csv "$root"/data/youyu-forestry/plan.toml "$tmp/rulesrc/"
edit "$tmp/rulesrc/officers.csv" '2028-12-31' '2026-11-15'
edit "$tmp/rulesrc/plan.toml" 'stratify = "region"' 'certified_through_period_end = true
stratify = "region"'
python3 "$here/make_bundle.py" "$ssj" "$tmp/rulesrc" "$seed" "$tmp/rule" >/dev/null || echo "FAIL: could not build the rule bundle"
out=$(python3 "$verify" "$tmp/rule" 2>&1)
grep -q '^\[ok\] result.json: draw re-run — reproduced exactly' <<<"$out" \
  && grep -q '^\[ok\] commitment.json: commitment' <<<"$out" \
  && { pass=$((pass+1)); echo "ok   rule certified_through_period_end: draw re-run reproduced exactly"; } \
  || { fail=$((fail+1)); echo "FAIL rule certified_through_period_end"; echo "$out" | tail -15; }
grep -q '"certified_through_period_end":true' "$tmp/rule/result.json" && ! grep -q '14062301001' "$tmp/rule/result.json" \
  && { pass=$((pass+1)); echo "ok   rule: recorded in result.json, the officer is never assigned"; } \
  || { fail=$((fail+1)); echo "FAIL rule: not in result.json or the officer was assigned"; }
# the rule dropped from the plan: another plan digest, caught
rm -rf "$tmp/x"; cp -r "$tmp/rule" "$tmp/x"; edit "$tmp/x/plan.toml" 'certified_through_period_end = true' ''
expect 1 "rule removed from plan.toml" 'DIFFERS\] plan.toml' -- "$tmp/x"

echo "bundle tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
