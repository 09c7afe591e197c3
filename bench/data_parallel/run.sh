#!/usr/bin/env bash
# Data-parallel overhead on loopback Gloo: the step time of 2 processes x 1 thread against 1 process x 1 thread
# at the same per-process batch, for deepi2i (`train`, phase 2, from scratch, with --nproc-per-node 2) and for
# PyTorch DDP running the same networks (bench/train_step's) on Debian's torch 1.13, interleaved ROUNDS times.
# Usage: bench/data_parallel/run.sh [ROUNDS]   (env: BATCH per process, CHANNELS, ITERATIONS, B = the binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
BATCH=${BATCH:-8}
CHANNELS=${CHANNELS:-16}
ITERATIONS=${ITERATIONS:-15}
WARMUP=3
B=${B:-.build/release/deepi2i}
[ -x "$B" ] || swift build -c release --product deepi2i >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# 3 classes x 24 random 32x32 images.
/usr/bin/python3 - "$work/src" <<'PY'
import os, sys, numpy as np
from PIL import Image
rng = np.random.default_rng(0)
for c in "abc":
    os.makedirs(f"{sys.argv[1]}/{c}")
    for i in range(24):
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(f"{sys.argv[1]}/{c}/{i}.png")
PY
$B prepare "$work/src" --resolution 32 --out "$work/data" >/dev/null
out="$work/results.jsonl"
swift_run() {  # $1 processes
    local dir="$work/run-$1-$RANDOM"
    local args=(train --data "$work/data" --scratch --channels "$CHANNELS" --iterations "$ITERATIONS" --phase1-iterations 0
                --batch $((BATCH * $1)) --accumulate 1 --d-reals inputs --checkpoint-every 100000 --sample-every 100000 --out "$dir")
    if [ "$1" -gt 1 ]; then args+=(--nproc-per-node "$1"); fi
    OMP_NUM_THREADS=1 DEEPI2I_THREADS=1 "$B" "${args[@]}" >/dev/null 2>&1
    /usr/bin/python3 - "$dir/log.jsonl" "$1" "$WARMUP" >> "$out" <<'PY'
import json, sys, statistics
t = [json.loads(l)["time"] for l in open(sys.argv[1])]
w = int(sys.argv[3])
steps = [b - a for a, b in zip(t[w - 1:], t[w:])]
print(json.dumps({"impl": "deepi2i", "world": int(sys.argv[2]), "seconds_per_step": statistics.median(steps)}))
PY
    rm -rf "$dir"
}
for r in $(seq "$ROUNDS"); do
    swift_run 1
    swift_run 2
    /usr/bin/python3 bench/data_parallel/ddp_step.py --world 1 --batch "$BATCH" --channels "$CHANNELS" --iterations $((ITERATIONS - WARMUP)) --warmup $WARMUP >> "$out"
    /usr/bin/python3 bench/data_parallel/ddp_step.py --world 2 --batch "$BATCH" --channels "$CHANNELS" --iterations $((ITERATIONS - WARMUP)) --warmup $WARMUP --port $((29600 + RANDOM % 300)) >> "$out"
done
/usr/bin/python3 - "$out" "$BATCH" "$CHANNELS" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(f"per-process batch {sys.argv[2]}, channels {sys.argv[3]}, 1 thread per process, Gloo on loopback; median over rounds")
print(f"{'impl':12} {'1 proc s/step':>14} {'2 procs s/step':>15} {'overhead':>9} {'2-proc images/s vs 1':>21}")
for impl in ("deepi2i", "pytorch-ddp"):
    one = statistics.median(r["seconds_per_step"] for r in rows if r["impl"] == impl and r["world"] == 1)
    two = statistics.median(r["seconds_per_step"] for r in rows if r["impl"] == impl and r["world"] == 2)
    print(f"{impl:12} {one:14.4f} {two:15.4f} {two / one - 1:+9.1%} {2 * one / two:21.2f}x")
PY
