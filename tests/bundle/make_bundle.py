#!/usr/bin/env python3
"""Assemble a public bundle folder (layout: /work/notes/BUNDLE.md, tools/README.md) from
`ssj commit` + `ssj draw`, until `ssj draw --out` writes the bundle itself.

    make_bundle.py SSJ PLAN_DIR SEED OUT [--withhold conflicts|history] [--stage commit|draw]

Test helper only: drop it (and use `ssj draw --out OUT`) once the Rust side writes bundles.
Every layout assumption is in the LAYOUT block below.
"""
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "tools")
sys.path.insert(0, TOOLS)
import ssj_verify as V  # noqa: E402  (header table and decoding only)

# ---------------------------------------------------------------- LAYOUT (one place)
INPUT_FILES = {k: f"{k}.csv" for k in ("items", "officers", "entities", "history", "conflicts")}
OPTIONAL_INPUTS = ("history", "conflicts")
DROPPED_FIELDS = {"conflicts": {"reason"}}      # read columns that are still not published
COPIED_TOOL = "ssj_verify.py"                    # copied verbatim from tools/
NOT_IN_SUMS = {"SHA256SUMS", "journal.jsonl"}
# Files the Rust side will add but this helper cannot make: verify.html (wasm), VERIFY.md.
# ----------------------------------------------------------------


def rewrite_inputs(plan_text: str, present: list[str]) -> str:
    """Replace the [inputs] table by the flat names and encoding = "utf-8"."""
    lines = plan_text.split("\n")
    out, skipping = [], False
    for ln in lines:
        if re.match(r"\s*\[", ln):
            skipping = re.match(r"\s*\[inputs\]\s*(#.*)?$", ln) is not None
            if skipping:
                out.append("[inputs]")
                out += [f'{k} = "{INPUT_FILES[k]}"' for k in present]
                out.append('encoding = "utf-8"')
                continue
        if not skipping:
            out.append(ln)
    return "\n".join(out)


def flatten_csv(src: str, kind: str, encoding: str) -> str:
    text = V.decode_text(src, V.read_bytes(src), encoding)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [r for r in rows if any(V.norm_text(c) for c in r)]
    keep = [i for i, h in enumerate(rows[0])
            if V.HEADERS[kind].get(V.norm_header(h)) and
            V.HEADERS[kind][V.norm_header(h)] not in DROPPED_FIELDS.get(kind, ())]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for r in rows:
        w.writerow([r[i] if i < len(r) else "" for i in keep])
    return buf.getvalue()


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("ssj")
    ap.add_argument("plan_dir")
    ap.add_argument("seed")
    ap.add_argument("out")
    ap.add_argument("--withhold", action="append", default=[])
    ap.add_argument("--stage", choices=("commit", "draw"), default="draw")
    a = ap.parse_args(argv[1:])
    import tomllib
    plan_src = os.path.join(a.plan_dir, "plan.toml")
    toml = tomllib.loads(open(plan_src, encoding="utf-8").read())
    inputs = toml.get("inputs", {})
    enc = inputs.get("encoding", "auto")
    present = [k for k in INPUT_FILES if k not in OPTIONAL_INPUTS or
               os.path.exists(os.path.join(a.plan_dir, inputs.get(k, INPUT_FILES[k])))]
    work = tempfile.mkdtemp(prefix="ssj-bundle-")
    try:
        plan_text = rewrite_inputs(open(plan_src, encoding="utf-8").read(), present)
        with open(os.path.join(work, "plan.toml"), "w", encoding="utf-8", newline="") as f:
            f.write(plan_text)
        for k in present:
            with open(os.path.join(work, INPUT_FILES[k]), "w", encoding="utf-8", newline="") as f:
                f.write(flatten_csv(os.path.join(a.plan_dir, inputs.get(k, INPUT_FILES[k])), k, enc))
        os.makedirs(a.out, exist_ok=True)
        journal = os.path.join(work, "journal.jsonl")
        subprocess.run([a.ssj, "commit", "-q", "--plan", os.path.join(work, "plan.toml"), "--out", a.out,
                        "--journal", journal], check=True)
        if a.stage == "draw":
            subprocess.run([a.ssj, "draw", "-q", "--plan", os.path.join(work, "plan.toml"), "--seed", a.seed,
                            "--commitment", os.path.join(a.out, "commitment.json"), "--out", a.out,
                            "--journal", journal], check=True)
        # the bundle's plan.toml: [disclosure] is not (yet) accepted by ssj, so it is added after the draw
        if a.withhold:
            plan_text = plan_text.rstrip("\n") + "\n\n[disclosure]\nwithhold = [" + \
                ", ".join(f'"{w}"' for w in a.withhold) + "]\n"
        with open(os.path.join(a.out, "plan.toml"), "w", encoding="utf-8", newline="") as f:
            f.write(plan_text)
        for k in present:
            if k not in a.withhold:
                shutil.copyfile(os.path.join(work, INPUT_FILES[k]), os.path.join(a.out, INPUT_FILES[k]))
        shutil.copyfile(os.path.join(TOOLS, COPIED_TOOL), os.path.join(a.out, COPIED_TOOL))
        names = sorted((n for n in os.listdir(a.out) if n not in NOT_IN_SUMS), key=lambda n: n.encode())
        with open(os.path.join(a.out, "SHA256SUMS"), "w", encoding="utf-8", newline="") as f:
            for n in names:
                f.write(hashlib.sha256(open(os.path.join(a.out, n), "rb").read()).hexdigest() + "  " + n + "\n")
        plan_id = V.norm_text(toml["plan"]["id"])
        with open(journal, "rb") as f, open(os.path.join(a.out, "journal.jsonl"), "wb") as g:
            for line in f:
                if json.loads(line).get("plan_id") == plan_id:
                    g.write(line)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
