#!/usr/bin/env python3
"""Reading rules where SPEC.md is silent or terse: for each edge case, a copy of
data/youyu-forestry is edited, and the input digest `ssj commit` writes is compared with
the one tools/ssj_verify.py computes (or both must refuse the input).

    edge_digests.py path/to/ssj          exit 0 if every case agrees
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ssj_verify as V  # noqa: E402

N = "右玉县金穗绿洲林木经营有限公司"   # an entity name in entities.csv
R = lambda old, new: (lambda b: b.replace(old.encode(), new.encode(), 1))  # noqa: E731
A = lambda s: (lambda b: b + s.encode())  # noqa: E731

CASES = [  # name, file, edit, digest compared
    ("CRLF inside a quoted cell", "entities.csv", R(N, '"右玉县\r\n金穗绿洲林木经营有限公司"'), "entities"),
    ("lone CR inside a quoted cell", "entities.csv", R(N, '"右玉县\r金穗绿洲林木经营有限公司"'), "entities"),
    ("text after a closing quote", "entities.csv", R(N, '"右玉县"金穗绿洲林木经营有限公司'), "entities"),
    ("quotes inside a quoted cell", "entities.csv", R(N, '"右玉县"金穗"绿洲"'), "entities"),
    ("space after a closing quote", "entities.csv", R(N, '"右玉县金穗" '), "entities"),
    ("tripled quote", "entities.csv", R(N, '"右玉县"""金穗'), "entities"),
    ("bare quote in an unquoted cell", "entities.csv", R(N, '右玉县"金穗绿洲林木经营有限公司'), "entities"),
    ("space before an opening quote", "entities.csv", R(N, ' "右玉县金穗绿洲林木经营有限公司"'), "entities"),
    ("quote never closed", "conflicts.csv", A('"1406,9\n'), "conflicts"),
    ("row with too few cells", "conflicts.csv", R("93140623MA0NB1R885,近亲属", "93140623MA0NB1R885"), "conflicts"),
    ("row with too many cells", "conflicts.csv", R("近亲属", "近亲属,x"), "conflicts"),
    ("header repeated", "conflicts.csv", A("cert_no,uscc,reason\n"), "conflicts"),
    ("U+200B runs inside a cell", "entities.csv", R(N, "右玉县\u200b\u200b金穗 绿洲"), "entities"),
    ("U+0085 and U+180E inside a cell", "entities.csv", R(N, "右玉县\u0085金穗\u180e绿洲"), "entities"),
    ("U+3000 around and inside a cell", "entities.csv", R(N, "\u3000右玉县\u3000\u3000金穗绿洲 "), "entities"),
    ("ratio +5%", "items.csv", R(",5%,", ",+5%,"), "items"),
    ("ratio .5", "items.csv", R(",5%,", ",.5,"), "items"),
    ("ratio 5.%", "items.csv", R(",5%,", ",5.%,"), "items"),
    ("ratio '5 %'", "items.csv", R(",5%,", ",5 %,"), "items"),
    ("ratio with NBSP and U+3000", "items.csv", R(",5%,", ", 5\u00a0%\u3000,"), "items"),
    ("plan title: leading U+200B (not trimmed)", "plan.toml", R('title = "右玉', 'title = "\u200b右玉'), "plan"),
    ("plan title: leading NBSP, U+3000", "plan.toml", R('title = "右玉', 'title = "\u00a0\u3000右玉'), "plan"),
    ("plan title: inner U+3000 run (kept)", "plan.toml", R('title = "右玉', 'title = "右\u3000\u3000玉'), "plan"),
    ("task region: inner U+3000 run (collapsed)", "plan.toml", R('"威远镇"', '" 威远\u3000\u3000镇"'), "plan"),
]


def ssj_digest(ssj, d, kind):
    r = subprocess.run([ssj, "commit", "-q", "--plan", d + "/plan.toml", "--out", d + "/out",
                        "--journal", d + "/j.jsonl"], capture_output=True, text=True)
    if r.returncode != 0:
        return "refused: " + (r.stderr.strip().split("\n") or [""])[0]
    with open(d + "/out/commitment.json", encoding="utf-8") as f:
        return json.load(f)["digests"][kind]


def py_digest(d, kind):
    try:
        return V.digests(*V.load_inputs(d))[kind]
    except V.BadInput as e:
        return "refused: " + str(e)


def main(argv):
    ssj = argv[1]
    tmp = tempfile.mkdtemp(prefix="ssj-edge-")
    bad = 0
    try:
        for i, (name, fname, edit, kind) in enumerate(CASES):
            d = os.path.join(tmp, str(i))
            shutil.copytree(os.path.join(ROOT, "data", "youyu-forestry"), d)
            p = os.path.join(d, fname)
            with open(p, "rb") as f:
                b = f.read()
            nb = edit(b)
            assert nb != b, name
            with open(p, "wb") as f:
                f.write(nb)
            a, b2 = ssj_digest(ssj, d, kind), py_digest(d, kind)
            same = a == b2 or (a.startswith("refused") and b2.startswith("refused"))
            bad += not same
            print(("ok  " if same else "DIFF") + f" {name}: " + (a[:16] if not a.startswith("refused") else "both refuse"))
            if not same:
                print(f"     ssj:    {a[:200]}\n     python: {b2[:200]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"edge digests: {len(CASES) - bad} agree, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
