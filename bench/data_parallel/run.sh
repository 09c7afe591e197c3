#!/usr/bin/env bash
# Data-parallel overhead on loopback Gloo: the step time of 2 processes x 1 thread against 1 process x 1 thread
# at the same per-process batch, for deepi2i (`train`, phase 2, from scratch, with --nproc-per-node 2; gradient
# all-reduce after backward (--no-overlap-allreduce) and overlapped with backward (the default)) and for PyTorch
# DDP running the same networks (bench/train_step's) on Debian's torch 1.13, interleaved ROUNDS times.
# Usage: bench/data_parallel/run.sh [ROUNDS]   (env: BATCH per process, CHANNELS, ITERATIONS, B = the binary,
#        BUCKET_MIB = deepi2i's gradient bucket size, default 1: at these sizes 25 MiB would be one bucket per network)
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
swift_run() {  # $1 processes, $2 mode: overlap | after (the all-reduce after backward)
    local dir="$work/run-$1-$RANDOM" mode=${2:-overlap}
    local args=(train --data "$work/data" --scratch --channels "$CHANNELS" --iterations "$ITERATIONS" --phase1-iterations 0
                --batch $((BATCH * $1)) --accumulate 1 --d-reals inputs --checkpoint-every 100000 --sample-every 100000 --out "$dir")
    if [ "$1" -gt 1 ]; then args+=(--nproc-per-node "$1" --bucket-mib "${BUCKET_MIB:-1}"); fi
    if [ "$mode" = after ]; then args+=(--no-overlap-allreduce); fi
    OMP_NUM_THREADS=1 DEEPI2I_THREADS=1 "$B" "${args[@]}" >/dev/null 2>&1
    /usr/bin/python3 - "$dir/log.jsonl" "$1" "$WARMUP" "$mode" >> "$out" <<'PY'
import json, sys, statistics
t = [json.loads(l)["time"] for l in open(sys.argv[1])]
w = int(sys.argv[3])
steps = [b - a for a, b in zip(t[w - 1:], t[w:])]
impl = "deepi2i" if int(sys.argv[2]) == 1 else f"deepi2i-{sys.argv[4]}"
print(json.dumps({"impl": impl, "world": int(sys.argv[2]), "seconds_per_step": statistics.median(steps)}))
PY
    rm -rf "$dir"
}
for r in $(seq "$ROUNDS"); do
    swift_run 1
    swift_run 2 after
    swift_run 2 overlap
    /usr/bin/python3 bench/data_parallel/ddp_step.py --world 1 --batch "$BATCH" --channels "$CHANNELS" --iterations $((ITERATIONS - WARMUP)) --warmup $WARMUP >> "$out"
    /usr/bin/python3 bench/data_parallel/ddp_step.py --world 2 --batch "$BATCH" --channels "$CHANNELS" --iterations $((ITERATIONS - WARMUP)) --warmup $WARMUP --port $((29600 + RANDOM % 300)) >> "$out"
done
/usr/bin/python3 - "$out" "$BATCH" "$CHANNELS" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(f"per-process batch {sys.argv[2]}, channels {sys.argv[3]}, 1 thread per process, Gloo on loopback; median over rounds")
def med(impl, world):
    v = [r["seconds_per_step"] for r in rows if r["impl"] == impl and r["world"] == world]
    return statistics.median(v) if v else float("nan")
print(f"{'run':48} {'s/step':>8} {'overhead vs 1 proc':>19} {'images/s vs 1 proc':>19}  each round")
for label, impl, world, base in [
        ("deepi2i, 1 process", "deepi2i", 1, "deepi2i"),
        ("deepi2i, 2 processes, all-reduce after backward", "deepi2i-after", 2, "deepi2i"),
        ("deepi2i, 2 processes, overlapped with backward", "deepi2i-overlap", 2, "deepi2i"),
        ("PyTorch, 1 process", "pytorch-ddp", 1, "pytorch-ddp"),
        ("PyTorch DDP (Gloo), 2 processes", "pytorch-ddp", 2, "pytorch-ddp")]:
    t, one = med(impl, world), med(base, 1)
    each = " ".join(f"{r['seconds_per_step']:.3f}" for r in rows if r["impl"] == impl and r["world"] == world)
    print(f"{label:48} {t:8.4f} {t / one - 1:+19.1%} {world * one / t:18.2f}x  {each}")
PY
