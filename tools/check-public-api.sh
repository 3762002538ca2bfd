#!/usr/bin/env bash
# The public-API gate (issue 16): the Rust API of the library crates
# `shuangsuiji` (crates/core, default features) and `shuangsuiji-disclose`
# (crates/disclose) against the committed snapshots
# crates/core/public-api.txt and crates/disclose/public-api.txt, under
# Cargo's semver rules for 0.x (tools/public_api.py says how; TESTING.md).
#
#   tools/check-public-api.sh               check (exit 1: the API changed
#                                           without the version bump it needs)
#   SSJ_BLESS=1 tools/check-public-api.sh   rewrite the snapshots
#
# Needs only the stable toolchain and python3: rustdoc's JSON output is
# unstable, so rustdoc alone (not cargo, not rustc: the dependencies keep
# their build fingerprints) runs with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0 CARGO_PROFILE_DEV_DEBUG=0

wrap=$(mktemp -d)
trap 'rm -rf "$wrap"' EXIT
rustdoc_bin=$(rustup which rustdoc 2>/dev/null || command -v rustdoc)
printf '#!/bin/sh\nRUSTC_BOOTSTRAP=1 exec "%s" "$@"\n' "$rustdoc_bin" >"$wrap/rustdoc"
chmod +x "$wrap/rustdoc"

json() {
  RUSTDOC="$wrap/rustdoc" cargo rustdoc -p "$1" --lib --locked --quiet \
    -- -Z unstable-options --output-format json
}
json shuangsuiji
json shuangsuiji-disclose

doc=${CARGO_TARGET_DIR:-target}/doc
bless=()
[ "${SSJ_BLESS:-}" = 1 ] && bless=(--bless)
status=0
python3 tools/public_api.py check "$doc/shuangsuiji.json" crates/core/public-api.txt "${bless[@]}" || status=$?
python3 tools/public_api.py check "$doc/shuangsuiji_disclose.json" crates/disclose/public-api.txt \
  --extern "$doc/shuangsuiji.json" "${bless[@]}" || status=$?
exit "$status"
