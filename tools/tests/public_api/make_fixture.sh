#!/usr/bin/env bash
# Regenerates fixture.json (the rustdoc JSON of fixture.rs) for
# tools/tests/public_api/test_public_api.py, pruned to what the test reads.
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
RUSTC_BOOTSTRAP=1 rustdoc --edition 2024 --crate-type lib --crate-name fixture --crate-version 0.1.0 \
  -Z unstable-options --output-format json -o "$out" fixture.rs
python3 - "$out/fixture.json" fixture.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ids = set()
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "id" and isinstance(v, int):
                ids.add(str(v))
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(d["index"])
d["paths"] = {k: v for k, v in d["paths"].items() if k in ids}
d["target"] = {"triple": d["target"]["triple"], "target_features": []}
d["external_crates"] = {k: {"name": v["name"], "html_root_url": None, "path": ""} for k, v in d["external_crates"].items()}
for it in d["index"].values():
    it["span"] = None
json.dump(d, open(sys.argv[2], "w"), indent=0, sort_keys=True)
PY
echo "fixture.json: format $(python3 -c 'import json;print(json.load(open("fixture.json"))["format_version"])'), $(wc -c <fixture.json) bytes"
