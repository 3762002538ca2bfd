#!/usr/bin/env bash
# Province-scale benchmark of shuangsuiji (issue 6), measured side by side.
#
# Usage:   benches/scale.sh [N_ENTITIES] [RUNS]        (defaults 10000000 3)
# Env:     DATA=/path/for/data  (default /tmp/ssj-scale; needs ~1.3 GB per
#          10^7 entities per plan folder)   PEERS=0 skips xan and pandas
#          TMPDIR_SPILL=dir  spill folder for ssj (default: next to output)
#
# What it does:
#   1. builds `ssj` and the `csv_count` baseline (crates/cli/examples) in
#      release mode;
#   2. writes two synthetic plans with `ssj synth` (same registry bytes):
#      one item, and 30 items;
#   3. runs every command RUNS times, interleaved (one round runs each
#      command once, so background load hits all alike), recording wall
#      time and peak RSS with /usr/bin/time -v; each output folder is
#      removed after its run (its result.json and SHA256SUMS kept in
#      DIR.kept): folders left behind fill the page cache (a 30-item folder
#      is 5 GB at 10^7), and a machine that must reclaim it spends seconds
#      of system time doing so (a one-item draw: 4 s instead of 1.5 s, and
#      2 s of wall time between runs of the same binary);
#   4. prints a Markdown table of medians and ratios to stdout and to
#      $DATA/results-N.md, and the floor (crates/cli/examples/floor.rs:
#      parse, hashes, sort and the published copy, each measured alone;
#      with the 30-item plan also the 30-item draw's tickets, the writing
#      of its published files and the deflate of its workbook, from a
#      folder drawn once more for it) to $DATA/floor-N.txt.
#
# Commands measured (all on $DATA/p1 or $DATA/p30, entities.csv identical),
# each the real command a planner or the public runs (journal in $DATA):
#   csv_count       crates/cli/examples/csv_count.rs: csv read_byte_record
#                   loop counting records (the baseline of the targets)
#   commit          ssj commit  (validate + all digests + notices; one pass)
#   draw-1          ssj draw --commitment (1 item; one pass: the digests
#                   are the committed ones, checked at the end)
#   draw-1-2pass    ssj draw without --commitment (1 item; two passes)
#   verify-1        ssj verify (1 item; one pass with the result's digests)
#   draw-30         ssj draw --commitment (30 items; one pass)
#   xan             xan sample --seed 42 -g region,credit_class 100
#   pandas          read_csv + groupby([region, credit_class]).sample(frac=0.01)
# ONLY1=1 measures the one-item commands only (for 10^8: no 30-item plan,
# no peers), writing the one-item plan directly.
# DROP_CACHES=1 (root only) empties the page cache before each command and
# reads the inputs back into it, so that every command starts with the same
# free memory whatever ran before (builds fill the cache too: in session 10
# the same binary's 30-item draw took 37–38 s after a drop and 40–44 s
# without, with twice the system time).
set -euo pipefail
N=${1:-10000000}
RUNS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-/tmp/ssj-scale}
PEERS=${PEERS:-1}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$DATA"

(cd "$ROOT" && cargo build --release --locked -q -p shuangsuiji-cli --bin ssj --example csv_count --example floor)
SSJ=$TARGET/release/ssj
COUNT=$TARGET/release/examples/csv_count
FLOOR=$TARGET/release/examples/floor
ONLY1=${ONLY1:-0}
SEED=38170592641128374655019283746
J=$DATA/bench-journal.jsonl

P1=$DATA/p1-$N
P30=$DATA/p30-$N
if [ "$ONLY1" = 1 ]; then
  PEERS=0
  if [ ! -s "$P1/history.csv" ]; then
    "$SSJ" synth --entities "$N" --items 1 --seed bench --out "$P1"
  fi
else
  if [ ! -s "$P30/entities.csv" ]; then
    "$SSJ" synth --entities "$N" --items 30 --seed bench --out "$P30"
  fi
  if [ ! -s "$P1/history.csv" ]; then
    # the one-item plan has its own items/history; the registry is the same
    # bytes (generated from the same seed), so link it: a hard link, since
    # ssj refuses a symbolic link to a file outside the plan's folder
    "$SSJ" synth --entities 0 --items 1 --seed bench --out "$P1"
    "$SSJ" synth --entities "$N" --items 1 --seed bench --out "$P1.tmp"
    mv "$P1.tmp/history.csv" "$P1.tmp/conflicts.csv" "$P1.tmp/plan.toml" "$P1/"
    rm -rf "$P1.tmp"
    ln -f "$P30/entities.csv" "$P1/entities.csv" || cp "$P30/entities.csv" "$P1/entities.csv"
  fi
  "$SSJ" commit -q --force --journal "$J" --plan "$P30/plan.toml" --out "$P30/c0"
fi
REG=$P1/entities.csv
"$SSJ" commit -q --force --journal "$J" --plan "$P1/plan.toml" --out "$P1/c0"

TSV=$DATA/times-$N.tsv
: > "$TSV"
measure() { # name cmd...
  local name=$1; shift
  local log
  if [ "${DROP_CACHES:-0}" = 1 ]; then
    sync
    echo 1 > /proc/sys/vm/drop_caches
    cat "$P1"/*.csv > /dev/null
    if [ "$ONLY1" != 1 ]; then cat "$P30"/*.csv > /dev/null; fi
  fi
  log=$(mktemp)
  if /usr/bin/time -v "$@" > /dev/null 2> "$log"; then
    local wall rss
    wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
    printf '%s\t%s\t%s\n' "$name" "$wall" "$rss" >> "$TSV"
  else
    echo "FAILED: $name" >&2; tail -5 "$log" >&2
  fi
  rm -f "$log"
}
keep() { # DIR: keep its result.json and SHA256SUMS in DIR.kept, remove the rest
  rm -rf "$1.kept"
  mkdir -p "$1.kept"
  for f in result.json SHA256SUMS; do
    if [ -f "$1/$f" ]; then cp "$1/$f" "$1.kept/"; fi
  done
  rm -rf "$1"
}
TMPFLAG=()
if [ -n "${TMPDIR_SPILL:-}" ]; then TMPFLAG=(--tmp "$TMPDIR_SPILL"); fi

for r in $(seq "$RUNS"); do
  echo "round $r/$RUNS" >&2
  measure csv_count "$COUNT" "$REG"
  measure commit "$SSJ" commit -q --force --journal "$J" --plan "$P1/plan.toml" --out "$P1/c" "${TMPFLAG[@]}"
  keep "$P1/c"
  measure draw-1 "$SSJ" draw -q --force --journal "$J" --plan "$P1/plan.toml" --seed "$SEED" \
    --commitment "$P1/c0/commitment.json" --out "$P1/out" "${TMPFLAG[@]}"
  keep "$P1/out"
  measure draw-1-2pass "$SSJ" draw -q --force --journal "$J" --plan "$P1/plan.toml" --seed "$SEED" \
    --out "$P1/out2" "${TMPFLAG[@]}"
  keep "$P1/out2"
  measure verify-1 "$SSJ" verify -q --plan "$P1/plan.toml" --result "$P1/out.kept/result.json" "${TMPFLAG[@]}"
  if [ "$ONLY1" != 1 ]; then
    measure draw-30 "$SSJ" draw -q --force --journal "$J" --plan "$P30/plan.toml" --seed "$SEED" \
      --commitment "$P30/c0/commitment.json" --out "$P30/out" "${TMPFLAG[@]}"
    keep "$P30/out"
  fi
  if [ "$PEERS" = 1 ]; then
    if command -v xan > /dev/null; then
      measure xan xan sample --seed 42 -g region,credit_class 100 "$REG"
    fi
    if python3 -c 'import pandas' 2> /dev/null; then
      measure pandas python3 -c "
import sys, pandas as pd
df = pd.read_csv(sys.argv[1], dtype=str)
s = df.groupby(['region', 'credit_class']).sample(frac=0.01, random_state=42)
print(len(s))" "$REG"
    fi
  fi
done
cmp -s "$P1/out.kept/result.json" "$P1/out2.kept/result.json" || echo "WARNING: one- and two-pass results differ" >&2
"$SSJ" verify -q --plan "$P1/plan.toml" --result "$P1/out.kept/result.json" || echo "WARNING: verify failed" >&2

# the floor: each unavoidable part measured alone (crates/cli/examples/floor.rs);
# with a 30-item plan, also the 30-item draw's, from a folder it publishes
# (drawn once more here, not timed, and removed after)
if [ "$ONLY1" = 1 ]; then
  "$FLOOR" "$REG" "$DATA" > "$DATA/floor-$N.txt" || echo "WARNING: floor failed" >&2
else
  rm -rf "$DATA/floor30"
  "$SSJ" draw -q --force --journal "$J" --plan "$P30/plan.toml" --seed "$SEED" \
    --commitment "$P30/c0/commitment.json" --out "$DATA/floor30" "${TMPFLAG[@]}"
  "$FLOOR" "$REG" "$DATA" "$DATA/floor30" > "$DATA/floor-$N.txt" || echo "WARNING: floor failed" >&2
  rm -rf "$DATA/floor30"
fi

python3 - "$TSV" "$N" "$RUNS" "$(du -hL "$REG" | cut -f1)" << 'EOF' | tee "$DATA/results-$N.md"
import sys, statistics
tsv, n, runs, size = sys.argv[1:5]
def secs(t):
    parts = [float(p) for p in t.split(':')]
    s = 0.0
    for p in parts:
        s = s * 60 + p
    return s
rows = {}
for line in open(tsv):
    name, wall, rss = line.rstrip('\n').split('\t')
    rows.setdefault(name, []).append((secs(wall), int(rss)))
med = {k: (statistics.median(w for w, _ in v), max(r for _, r in v), len(v)) for k, v in rows.items()}
base = med.get('csv_count', (None,))[0]
d1 = med.get('draw-1', (None,))[0]
print(f"{int(n):,} entities ({size} CSV), median of {runs} interleaved runs\n")
print("| command | wall (s, median) | × csv_count | × draw-1 | peak RSS (MiB, max) | runs |")
print("|---|---:|---:|---:|---:|---:|")
for k in ['csv_count', 'commit', 'draw-1', 'draw-1-2pass', 'verify-1', 'draw-30', 'xan', 'pandas']:
    if k not in med:
        continue
    w, r, c = med[k]
    rb = f"{w / base:.2f}" if base else "–"
    rd = f"{w / d1:.2f}" if d1 else "–"
    print(f"| {k} | {w:.2f} | {rb} | {rd} | {r / 1024:.0f} | {c} |")
EOF
