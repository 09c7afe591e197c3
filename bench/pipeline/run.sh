#!/usr/bin/env bash
# Full DeepI2I pipeline (128px, ch 96, batch 4, CPU): forward and forward+backward, Swift vs PyTorch on the
# same libtorch (Debian's), interleaved in one run, each measurement in its own process for peak memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product deepi2i 2>&1 | grep -E "error|Compiling deepi2i|Build complete" || true
BIN=.build/release/deepi2i
THREADS=${THREADS:-$(nproc)}
ITER=${ITER:-3}
export DEEPI2I_THREADS=$THREADS
for mode in forward train; do
  for round in 1 2; do
    $BIN bench-pipeline --mode $mode --iterations $ITER
    (cd bench/pipeline && /usr/bin/python3 bench_pipeline.py --mode $mode --iterations $ITER --threads $THREADS)
  done
done | tee /tmp/deepi2i-bench-pipeline.jsonl
/usr/bin/python3 - <<'PY'
import json, collections
rows = [json.loads(l) for l in open("/tmp/deepi2i-bench-pipeline.jsonl") if l.startswith("{")]
best = collections.defaultdict(lambda: (1e9, 0))
for r in rows:
    k = (r["mode"], r["impl"])
    best[k] = (min(best[k][0], r["median_s"]), max(best[k][1], r["peak_rss_mb"]))
print(f"{'mode':8} {'swift s':>9} {'torch s':>9} {'ratio':>6} {'swift MB':>9} {'torch MB':>9}")
for mode in ("forward", "train"):
    s, t = best[(mode, "swift")], best[(mode, "pytorch")]
    print(f"{mode:8} {s[0]:9.3f} {t[0]:9.3f} {s[0]/t[0]:6.2f} {s[1]:9.0f} {t[1]:9.0f}")
PY
