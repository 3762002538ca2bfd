#!/usr/bin/env python3
"""Write a published folder with the real `ssj commit` + `ssj draw` (SPEC.md §12).

    make_bundle.py SSJ PLAN_DIR SEED OUT [--withhold conflicts|history] [--stage commit|draw]

The plan folder is copied to a temporary place (with `[disclosure] withhold = [...]`
appended when asked), so that the journal and the plan's own folder stay untouched.
"""
import os
import shutil
import subprocess
import sys
import tempfile


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
    work = tempfile.mkdtemp(prefix="ssj-bundle-")
    try:
        plan_dir = os.path.join(work, "plan")
        shutil.copytree(a.plan_dir, plan_dir)
        plan = os.path.join(plan_dir, "plan.toml")
        if a.withhold:
            with open(plan, "a", encoding="utf-8", newline="") as f:
                f.write("\n[disclosure]\nwithhold = [" + ", ".join(f'"{w}"' for w in a.withhold) + "]\n")
        journal = os.path.join(work, "journal.jsonl")
        subprocess.run([a.ssj, "commit", "-q", "--plan", plan, "--out", a.out, "--journal", journal],
                       check=True)
        if a.stage == "draw":
            subprocess.run([a.ssj, "draw", "-q", "--plan", plan, "--seed", a.seed,
                            "--commitment", os.path.join(a.out, "commitment.json"), "--out", a.out,
                            "--journal", journal], check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
