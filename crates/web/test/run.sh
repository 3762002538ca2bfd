#!/bin/sh
# Headless Chromium test of the offline page. Checks that the committed
# page is what build.sh builds, writes the sample's published folder (and one
# with conflicts withheld) with the real `ssj commit` + `ssj draw`, and
# drives the page in those folders from file:// (test.mjs).
#   [SSJ=path/to/ssj] crates/web/test/run.sh [SHOTS_DIR]
# Needs: /usr/bin/chromium (Debian package `chromium`), node >= 18, npm.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
shots=${1:-$here/shots}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$shots"
"$root/crates/web/check-asset.sh"
cd "$root"
# SSJ: an ssj binary already built (CI passes the one its tests built)
if [ -z "${SSJ:-}" ]; then
  cargo build --quiet --locked -p shuangsuiji-cli
  SSJ=$root/target/debug/ssj
fi
seed='38 17 05 92 64 11 70 26 53 48 91 30 07 65 24'
python3 tests/bundle/make_bundle.py "$SSJ" data/youyu-forestry "$seed" "$work/good"
python3 tests/bundle/make_bundle.py "$SSJ" data/youyu-forestry "$seed" "$work/withheld" --withhold conflicts
cd "$here"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
node test.mjs "$work/good/verify.html" "$work/good" "$work/withheld" "$shots"
