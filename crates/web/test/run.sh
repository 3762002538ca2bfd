#!/bin/sh
# Headless Chromium test of the offline page. Builds verify.html, writes
# the sample bundle (and one with conflicts withheld) with the real page in
# it, and drives the page from file:// (test.mjs).
#   crates/web/test/run.sh [SHOTS_DIR]
# Needs: /usr/bin/chromium (Debian package `chromium`), node >= 18, npm.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
shots=${1:-$here/shots}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$shots"
"$root/crates/web/build.sh" "$work/verify.html"
cd "$root"
cargo run --quiet --locked -p shuangsuiji-web --example sample_bundle -- "$work/good" --verify-html "$work/verify.html" > /dev/null
cargo run --quiet --locked -p shuangsuiji-web --example sample_bundle -- "$work/withheld" --withhold conflicts --verify-html "$work/verify.html" > /dev/null
cd "$here"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
node test.mjs "$work/good/verify.html" "$work/good" "$work/withheld" "$shots"
