#!/usr/bin/env bash
# DeepI2I-StyleGAN pipeline (256 px, official widths, batch 4, CPU): the forward E -> A -> G and the G/A training
# step, Swift (`deepi2i bench-stylegan`) vs PyTorch (stylegan_torch.py, written from the spec) on the same libtorch
# (Debian's), interleaved in one run, each measurement in its own process for peak memory. First the PyTorch
# networks are checked against the golden vectors (../shared/golden/stylegan256, channels / 8); a miss stops the run.
# MODES (default "forward train"), ROUNDS (default 2), ITER (3), DIVISOR (1), THREADS (nproc),
# DEEPI2I_GOLDEN (the golden folder, default ../shared/golden/stylegan256 from the repository root).
set -euo pipefail
cd "$(dirname "$0")/../.."
# BIN=path uses that binary instead of building a release one (e.g. .build/debug/deepi2i: the time is libtorch's).
if [ -z "${BIN:-}" ]; then
  swift build -c release --product deepi2i 2>&1 | grep -E "error|Compiling deepi2i|Build complete" || true
  BIN=.build/release/deepi2i
fi
THREADS=${THREADS:-$(nproc)}
ITER=${ITER:-3}
ROUNDS=${ROUNDS:-2}
DIVISOR=${DIVISOR:-1}
MODES=${MODES:-forward train}
export DEEPI2I_THREADS=$THREADS
export DEEPI2I_GOLDEN=${DEEPI2I_GOLDEN:-$(cd .. && pwd)/shared/golden/stylegan256}
(cd bench/stylegan && /usr/bin/python3 bench_stylegan.py --check --threads "$THREADS")
for mode in $MODES; do
  for round in $(seq 1 "$ROUNDS"); do
    $BIN bench-stylegan --mode "$mode" --iterations "$ITER" --channel-divisor "$DIVISOR"
    (cd bench/stylegan && /usr/bin/python3 bench_stylegan.py --mode "$mode" --iterations "$ITER" --divisor "$DIVISOR" --threads "$THREADS")
  done
done | tee /tmp/deepi2i-bench-stylegan.jsonl
/usr/bin/python3 - <<'PY'
import json, collections
rows = [json.loads(l) for l in open("/tmp/deepi2i-bench-stylegan.jsonl") if l.startswith("{")]
best = collections.defaultdict(lambda: (1e9, 0))
runs = collections.defaultdict(list)
for r in rows:
    k = (r["mode"], r["impl"])
    runs[k].append(r["median_s"])
    best[k] = (min(best[k][0], r["median_s"]), max(best[k][1], r["peak_rss_mb"]))
print("best of rounds (all rounds in brackets); ratio = swift / pytorch")
print(f"{'mode':8} {'impl':8} {'s':>8} {'ratio':>6} {'MB':>7} {'MB ratio':>8}  rounds")
for mode in ("forward", "train"):
    t = best.get((mode, "pytorch"))
    for impl in ("swift", "pytorch"):
        if (mode, impl) not in best or t is None:
            continue
        s = best[(mode, impl)]
        print(f"{mode:8} {impl:8} {s[0]:8.3f} {s[0]/t[0]:6.2f} {s[1]:7.0f} {s[1]/t[1]:8.2f}  [{', '.join(f'{x:.2f}' for x in runs[(mode, impl)])}]")
PY
