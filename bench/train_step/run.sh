#!/usr/bin/env bash
# Training-step throughput: deepi2i (Swift over libtorch) vs the same step in PyTorch 1.13 (same libtorch),
# interleaved ROUNDS times so both see the same machine load. Usage: bench/train_step/run.sh [ROUNDS]
# NOCACHE=1 adds deepi2i with its CPU memory reuse off (DEEPI2I_CPU_CACHE=0: plain glibc malloc, as PyTorch
# uses) to every round; PYTORCH=0 leaves PyTorch out (its script is 32 px only).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
ARGS=${ARGS:---channels 16 --batch 16 --iterations 10 --warmup 2}
THREADS=${THREADS:-$(nproc)}
B=.build/release/deepi2i
[ -x "$B" ] || swift build -c release --product deepi2i >&2
out=$(mktemp)
for r in $(seq "$ROUNDS"); do
    DEEPI2I_THREADS=$THREADS $B bench-train-step $ARGS >> "$out"
    if [ "${NOCACHE:-0}" = 1 ]; then
        DEEPI2I_CPU_CACHE=0 DEEPI2I_THREADS=$THREADS $B bench-train-step $ARGS | sed 's/"impl": "swift"/"impl": "swift-nocache"/' >> "$out"
    fi
    if [ "${PYTORCH:-1}" = 1 ]; then /usr/bin/python3 bench/train_step/train_step.py $ARGS --threads $THREADS >> "$out"; fi
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
print(f"{'impl':13} {'it/s (median)':>14} {'runs':>5} {'peak RSS MiB':>13} threads")
res = {}
for impl in ('swift', 'swift-nocache', 'pytorch'):
    r = [x for x in rows if x['impl'] == impl]
    if not r: continue
    res[impl] = statistics.median(x['it_per_s'] for x in r)
    print(f"{impl:13} {res[impl]:14.3f} {len(r):5d} {max(x['vmhwm_kb'] for x in r) / 1024:13.1f} {r[0]['threads']}")
if 'pytorch' in res: print(f"swift / pytorch speed: {res['swift'] / res['pytorch']:.3f}")
if 'swift-nocache' in res: print(f"CPU memory reuse speed-up: {res['swift'] / res['swift-nocache']:.3f}")
PY
