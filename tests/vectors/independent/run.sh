#!/usr/bin/env bash
# Run the independent Python verifier (written from SPEC.md alone) on every
# test vector; exits non-zero on the first byte difference.
set -euo pipefail
cd "$(dirname "$0")"
python3 ../../../tools/ssj_verify.py --selftest
for v in small edge-next edge-repair sources edge-reading item-forms units groups group-cells; do
  python3 ../../../tools/ssj_verify.py "../$v" "@../$v/seed.txt" --expected "../$v/expected.json" -o "${TMPDIR:-/tmp}/ssj-independent-$v.json"
done
python3 ../../../tools/ssj_verify.py ../../../data/youyu-forestry '2026-Q4 424242' --expected ../youyu-forestry.result.json -o "${TMPDIR:-/tmp}/ssj-independent-youyu.json"
echo "independent verifier: 9 passed, 0 failed"
