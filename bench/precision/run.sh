#!/usr/bin/env bash
# Mixed precision on this machine (docs/precision.md): DeepI2I training-step throughput (phase 2: D step +
# G/A step, `bench-train-step`) in fp32 and bf16, interleaved rounds, each measurement in its own process;
# then how far bf16's weights and losses are from fp32's after the same steps from the same start.
# Env: BIN (default .build/release/deepi2i, built when missing), PRECISIONS ("fp32 bf16"), ROUNDS (3),
# ITER (5 timed steps after 1 warm-up), RES (32), CH (32), BATCH (16), DEVICE (cpu).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/deepi2i}
[ -x "$BIN" ] || swift build -c release --product deepi2i 2>&1 | grep -E "error|Build complete"
PRECISIONS=${PRECISIONS:-fp32 bf16}
ROUNDS=${ROUNDS:-3}
ITER=${ITER:-5}
ARGS=(--resolution "${RES:-32}" --channels "${CH:-32}" --batch "${BATCH:-16}" --classes 10 --device "${DEVICE:-cpu}")
OUT=$(mktemp -d /tmp/deepi2i-bench-precision.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
$BIN bench-train-step "${ARGS[@]}" --warmup 0 --iterations 0 --save "$OUT/init" > /dev/null
for round in $(seq 1 "$ROUNDS"); do
  for p in $PRECISIONS; do
    $BIN bench-train-step "${ARGS[@]}" --warmup 1 --iterations "$ITER" --precision "$p" --save "$OUT/$p" | tee -a "$OUT/rows.jsonl"
  done
done
echo "settings: ${ARGS[*]}, 1 warm-up + $ITER timed steps, $ROUNDS rounds, $BIN"
/usr/bin/python3 - "$OUT" $PRECISIONS <<'PY'
import json, statistics, struct, sys
import numpy as np
out, precisions = sys.argv[1], sys.argv[2:]
rows = [json.loads(l) for l in open(f"{out}/rows.jsonl") if l.startswith("{")]

def read(path):
    """float32 tensors of a safetensors file (8-byte header length, JSON header, data)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=np.float32).reshape(v["shape"])
            for k, v in header.items() if k != "__metadata__" and v["dtype"] == "F32"}

base = {r["precision"]: r for r in rows}
fp32_rate = statistics.median(r["it_per_s"] for r in rows if r["precision"] == "fp32")
print(f"{'precision':9} {'median it/s':>12} {'s/step':>8} {'time/fp32':>9}   rounds")
for p in precisions:
    rates = [r["it_per_s"] for r in rows if r["precision"] == p]
    m = statistics.median(rates)
    print(f"{p:9} {m:12.3f} {1 / m:8.3f} {fp32_rate / m:9.2f}x  [{', '.join(f'{x:.3f}' for x in rates)}]")
print("after the same steps from the same start, against fp32:")
for p in precisions:
    if p == "fp32":
        continue
    for net in ("G", "D", "A"):
        init, ref, got = (read(f"{out}/{d}/{net}.safetensors") for d in ("init", "fp32", p))
        keys = [k for k in ref if not k.endswith(("u0", "sv0", "stored_mean", "stored_var"))]
        upd = np.sqrt(sum(float(((ref[k] - init[k]) ** 2).sum()) for k in keys))
        dev = np.sqrt(sum(float(((got[k] - ref[k]) ** 2).sum()) for k in keys))
        mx = max(float(np.abs(got[k] - ref[k]).max()) for k in keys)
        print(f"  {p} {net}: |w - w_fp32| = {dev:.3e} = {dev / max(upd, 1e-30):.3f} x |fp32's update| ({upd:.3e}); max element {mx:.2e}")
    lp, lf = base[p]["losses"], base["fp32"]["losses"]
    print(f"  {p} last-step losses: " + ", ".join(f"{k} {lp[k]:.4f} (fp32 {lf[k]:.4f})" for k in sorted(lf)))
PY
