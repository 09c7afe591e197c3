#!/usr/bin/env bash
# Full DeepI2I pipeline (128px, ch 96, batch 4, CPU): forward and forward+backward, Swift vs PyTorch on the
# same libtorch (Debian's), interleaved in one run, each measurement in its own process for peak memory.
# The Swift forward runs twice per round: with the inference speed-ups and without only the Winograd
# convolutions (DEEPI2I_CONV_WINOGRAD=0, "swift-nowinograd": the previous path); with ALL_VARIANTS=1 also
# without the prepacked convolution weights either (DEEPI2I_CONV_WINOGRAD=0 DEEPI2I_CONV_PREPACK=0,
# "swift-noprepack") and without any speed-up (DEEPI2I_INFERENCE_BASELINE=1, "swift-baseline"). Also prints the forward's convolution-FLOP limit:
# conv FLOPs / measured peak matmul throughput, the peak both from separate runs and measured inside each
# timed run between its iterations (the honest one on a shared machine).
# MODES (default "forward train"), ROUNDS (default 2), ITER (3), ALL_VARIANTS (0).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product deepi2i 2>&1 | grep -E "error|Compiling deepi2i|Build complete" || true
BIN=.build/release/deepi2i
THREADS=${THREADS:-$(nproc)}
ITER=${ITER:-3}
ROUNDS=${ROUNDS:-2}
MODES=${MODES:-forward train}
export DEEPI2I_THREADS=$THREADS
for mode in $MODES; do
  for round in $(seq 1 "$ROUNDS"); do
    $BIN bench-pipeline --mode $mode --iterations $ITER
    if [ $mode = forward ]; then
      DEEPI2I_CONV_WINOGRAD=0 $BIN bench-pipeline --mode $mode --iterations $ITER | sed 's/"impl": "swift"/"impl": "swift-nowinograd"/'
      if [ "${ALL_VARIANTS:-0}" = 1 ]; then
        DEEPI2I_CONV_WINOGRAD=0 DEEPI2I_CONV_PREPACK=0 $BIN bench-pipeline --mode $mode --iterations $ITER | sed 's/"impl": "swift"/"impl": "swift-noprepack"/'
        DEEPI2I_INFERENCE_BASELINE=1 $BIN bench-pipeline --mode $mode --iterations $ITER | sed 's/"impl": "swift"/"impl": "swift-baseline"/'
      fi
      (cd bench/pipeline && /usr/bin/python3 bench_pipeline.py --flop-limit --threads $THREADS)
    fi
    (cd bench/pipeline && /usr/bin/python3 bench_pipeline.py --mode $mode --iterations $ITER --threads $THREADS)
  done
done | tee /tmp/deepi2i-bench-pipeline.jsonl
/usr/bin/python3 - <<'PY'
import json, collections, statistics
rows = [json.loads(l) for l in open("/tmp/deepi2i-bench-pipeline.jsonl") if l.startswith("{")]
best = collections.defaultdict(lambda: (1e9, 0))
runs = collections.defaultdict(list)
ratios = collections.defaultdict(list)
limit = None
for r in rows:
    if r["impl"] == "flop-limit":
        limit = r if limit is None or r["peak_gflops"] > limit["peak_gflops"] else limit
for r in rows:
    if r["impl"] == "flop-limit":
        continue
    k = (r["mode"], r["impl"])
    runs[k].append(r["median_s"])
    best[k] = (min(best[k][0], r["median_s"]), max(best[k][1], r["peak_rss_mb"]))
    if limit and r["mode"] == "forward" and r.get("peak_gflops"):
        # time / (conv FLOPs / the peak matmul rate measured in the same process, between its iterations)
        ratios[k].append(r["median_s"] * r["peak_gflops"] / limit["conv_gflop"])
impls = ("swift", "swift-nowinograd", "swift-noprepack", "swift-baseline", "pytorch")
print("best of rounds (all rounds in brackets)")
print(f"{'mode':8} {'impl':16} {'s':>8} {'vs torch':>9} {'MB':>7}  rounds")
for mode in ("forward", "train"):
    t = best.get((mode, "pytorch"))
    for impl in impls:
        if (mode, impl) not in best or t is None:
            continue
        s = best[(mode, impl)]
        print(f"{mode:8} {impl:16} {s[0]:8.3f} {s[0]/t[0]:9.2f} {s[1]:7.0f}  [{', '.join(f'{x:.2f}' for x in runs[(mode, impl)])}]")
order = collections.defaultdict(list)
for r in rows:
    if r["impl"] != "flop-limit":
        order[(r["mode"], r["impl"])].append(r["median_s"])
for mode in ("forward", "train"):
    t = order.get((mode, "pytorch"))
    if not t:
        continue
    for impl in impls[:-1]:
        if order.get((mode, impl)):
            print(f"{mode:8} {impl:16} vs pytorch per round (interleaved): "
                  + ", ".join(f"{a / b:.2f}" for a, b in zip(order[(mode, impl)], t)))
if limit:
    print(f"conv FLOPs of the forward: {limit['conv_gflop']:.1f} GFLOP")
    print(f"separate-process limit (best peak of the flop-limit runs): {limit['peak_gflops']:.1f} GFLOP/s "
          f"= {limit['limit_s']:.3f} s")
    for impl in impls:
        if ("forward", impl) in best:
            print(f"  {impl:15} {best[('forward', impl)][0] / limit['limit_s']:.2f}x that limit")
    print("in-process limit (peak matmul measured between each run's own iterations): time / limit per round")
    for impl in impls:
        if ratios[("forward", impl)]:
            rs = ratios[("forward", impl)]
            print(f"  {impl:15} best {min(rs):.2f}x, median {statistics.median(rs):.2f}x  [{', '.join(f'{x:.2f}' for x in rs)}]")
PY
