#!/bin/sh
# Rebuild verify.html and fail if it differs from the committed asset
# crates/disclose/assets/verify.html (which the bundle writer embeds).
# The wasm bytes depend on the rustc version: the asset names the one that
# built it (<meta name="generator">); rebuild with that one or commit a new
# asset built with yours.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
asset=$root/crates/disclose/assets/verify.html
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/build.sh" "$tmp/verify.html"
if cmp -s "$tmp/verify.html" "$asset"; then
    echo "verify.html: the committed asset is what build.sh builds ($(sha256sum < "$asset" | cut -c1-16)…)"
    exit 0
fi
echo "verify.html: crates/disclose/assets/verify.html differs from what crates/web/build.sh builds now" >&2
echo "  asset built with: $(grep -o 'built by crates/web/build.sh with [^"]*' "$asset" | sed 's/.* with //')" >&2
echo "  this toolchain:   $(rustc -V)" >&2
echo "  run crates/web/build.sh and commit the asset" >&2
exit 1
