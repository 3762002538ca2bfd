#!/bin/sh
# Build the offline verifier page: crates/web compiled to wasm32 (profile
# `wasm`: size-tuned, panic=abort), base64-inlined with verify.js and
# verify.css into page/verify.html, written as ONE self-contained file.
#
#   crates/web/build.sh [OUT]     default OUT: crates/disclose/assets/verify.html
#
# Needs only rustup's wasm32-unknown-unknown target, sh, awk and base64.
# Paths are remapped so that the bytes do not depend on where the
# checkout, cargo's registry or the toolchain live.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/crates/disclose/assets/verify.html}
sysroot=$(rustc --print sysroot)
cargo_home=${CARGO_HOME:-$HOME/.cargo}
# a target folder of its own: other RUSTFLAGS would otherwise rebuild the
# whole workspace's native artefacts
target=${SSJ_WASM_TARGET_DIR:-$root/target/wasm-page}
RUSTFLAGS="--remap-path-prefix=$root=/ssj --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$sysroot=/rustc -C debuginfo=0" \
CARGO_TARGET_DIR=$target \
    cargo build --quiet --locked -p shuangsuiji-web --lib \
    --target wasm32-unknown-unknown --profile wasm
wasm=$target/wasm32-unknown-unknown/wasm/shuangsuiji_web.wasm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
base64 -w 76 "$wasm" > "$tmp/wasm.b64"
# the toolchain, in the page: another rustc gives other wasm bytes
toolchain=$(rustc -V)
awk -v toolchain="$toolchain" -v css="$here/page/verify.css" -v js="$here/page/verify.js" -v b64="$tmp/wasm.b64" '
    function include(f,   l) { while ((getline l < f) > 0) print l; close(f) }
    $0 == "/*@include verify.css*/" { include(css); next }
    $0 == "/*@include verify.js*/" { include(js); next }
    $0 == "@wasm-base64@" { include(b64); next }
    /@toolchain@/ { sub(/@toolchain@/, toolchain) }
    { print }
' "$here/page/verify.html" > "$tmp/verify.html"
mkdir -p "$(dirname "$out")"
mv "$tmp/verify.html" "$out"
echo "$out: $(wc -c < "$out") bytes (wasm $(wc -c < "$wasm") bytes)" >&2
