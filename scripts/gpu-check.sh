#!/usr/bin/env bash
# The CUDA checks of issue #12, run on a GPU machine with the binary from scripts/build-cuda.sh (the
# --bundle launcher, or .build-cuda/*/deepi2i where the build tree is):
#   1. reference-check on CUDA: tiny128 (BigGAN DeepI2I) and stylegan256 (../shared/golden)
#   2. 20 training steps on 1 GPU: pretrain-gan (fp32, bf16) on a small synthetic dataset, then train
#      (transfer from that GAN) for 20 iterations
#   3. the same 20 train steps on all GPUs through the data-parallel launcher (train --nproc-per-node N)
#   4. the pipeline benchmark (128 px, ch 96) in fp32 and bf16, forward and train: images/s, and PyTorch's
#      figure for the same networks on the same GPU when python torch with CUDA is there
# Every check runs even when one before it failed; the summary lists each, and the exit status is 1 when
# any failed. Outputs go to --out (default: a temporary folder, removed at the end unless --keep).
#
# Usage: scripts/gpu-check.sh [--bin PATH] [--device cuda|cuda:N|cpu] [--golden DIR] [--steps N]
#                             [--bench-batch N] [--bench-iterations N] [--bench-channels N] [--python PY]
#                             [--out DIR] [--keep] [--skip-reference] [--skip-bench]
#   --device cpu runs everything on the CPU: a check of this script itself where there is no GPU (use small
#   bench settings: --bench-channels 16 --bench-iterations 1).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=
DEVICE=cuda
GOLDEN=../shared/golden
STEPS=20
BENCH_BATCH=4
BENCH_ITER=10
BENCH_CH=96
PY=${PYTHON:-python3}
OUT=
KEEP=0
SKIP_REF=0
SKIP_BENCH=0
while [ $# -gt 0 ]; do
  case $1 in
    --bin) BIN=$2; shift ;;
    --device) DEVICE=$2; shift ;;
    --golden) GOLDEN=$2; shift ;;
    --steps) STEPS=$2; shift ;;
    --bench-batch) BENCH_BATCH=$2; shift ;;
    --bench-iterations) BENCH_ITER=$2; shift ;;
    --bench-channels) BENCH_CH=$2; shift ;;
    --python) PY=$2; shift ;;
    --out) OUT=$2; shift ;;
    --keep) KEEP=1 ;;
    --skip-reference) SKIP_REF=1 ;;
    --skip-bench) SKIP_BENCH=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$BIN" ]; then
  for b in out/gpu-bundle/deepi2i .build-cuda/release/deepi2i .build-cuda/debug/deepi2i; do
    [ -x "$b" ] && { BIN=$b; break; }
  done
fi
[ -n "$BIN" ] && [ -x "$BIN" ] || { echo "gpu-check: no deepi2i binary (build one with scripts/build-cuda.sh, or pass --bin)" >&2; exit 2; }
if [ -z "$OUT" ]; then
  OUT=$(mktemp -d /tmp/deepi2i-gpu-check.XXXXXX)
  [ $KEEP = 1 ] || trap 'rm -rf "$OUT"' EXIT
fi
mkdir -p "$OUT"
SUMMARY=()
FAILED=0
record() {  # record NAME STATUS DETAIL
  SUMMARY+=("$(printf '%-34s %-5s %s' "$1" "$2" "$3")")
  [ "$2" = FAIL ] && FAILED=1
  echo "== $1: $2 $3"
}

echo "== deepi2i: $BIN on $DEVICE; outputs in $OUT"
"$BIN" info --channels 8 --resolution 32 --classes 3 | head -2
GPUS=0
if [[ $DEVICE == cuda* ]]; then
  GPUS=$("$BIN" info --channels 8 --resolution 32 --classes 3 | sed -n 's/.*CUDA devices: \([0-9]*\).*/\1/p')
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader
  [ "${GPUS:-0}" -gt 0 ] || { echo "gpu-check: libtorch sees no CUDA device (driver? CUDA_VISIBLE_DEVICES?)" >&2; exit 1; }
fi

# 1. Reference checks on the device.
if [ $SKIP_REF = 0 ]; then
  for ref in tiny128 stylegan256; do
    if [ ! -d "$GOLDEN/$ref" ]; then record "reference-check $ref" SKIP "no $GOLDEN/$ref"; continue; fi
    if "$BIN" reference-check "$GOLDEN/$ref" --quiet --device "$DEVICE" > "$OUT/ref-$ref.txt" 2>&1; then
      record "reference-check $ref" PASS "$(tail -1 "$OUT/ref-$ref.txt")"
    else
      tail -5 "$OUT/ref-$ref.txt"
      record "reference-check $ref" FAIL "$(tail -1 "$OUT/ref-$ref.txt")"
    fi
  done
fi

# 2. A small synthetic dataset (3 classes of stripes, 32 px PNGs; no download), then training steps.
"$PY" - "$OUT/images" <<'PY'
import os, struct, sys, zlib, random
root = sys.argv[1]
rng = random.Random(7)
def png(path, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
for c, name in enumerate(["horizontal", "vertical", "diagonal"]):
    os.makedirs(f"{root}/{name}", exist_ok=True)
    for i in range(40):
        rows = []
        for y in range(32):
            row = []
            for x in range(32):
                on = ((x // 4) if c == 0 else (y // 4) if c == 1 else ((x + y) // 4)) % 2 == 0
                v = (200 if on else 40) + rng.randrange(30)
                row += [v, v, v]
            rows.append(row)
        png(f"{root}/{name}/{i:03d}.png", rows)
PY
if "$BIN" prepare "$OUT/images" --resolution 32 --out "$OUT/data" > "$OUT/prepare.txt" 2>&1; then
  for p in fp32 bf16; do
    if "$BIN" pretrain-gan --data "$OUT/data" --channels 16 --iterations "$STEPS" --batch 8 --checkpoint-every "$STEPS" \
         --sample-every "$STEPS" --device "$DEVICE" --precision "$p" --out "$OUT/gan-$p" > "$OUT/gan-$p.txt" 2>&1; then
      record "pretrain-gan $STEPS steps, 1 device, $p" PASS "$(tail -1 "$OUT/gan-$p.txt" | cut -c1-80); losses: $(tail -1 "$OUT/gan-$p/log.jsonl" | cut -c1-120)"
    else
      tail -5 "$OUT/gan-$p.txt"
      record "pretrain-gan $STEPS steps, 1 device, $p" FAIL "$(tail -1 "$OUT/gan-$p.txt")"
    fi
  done
  TRAIN=(train --data "$OUT/data" --from "$OUT/gan-fp32" --iterations "$STEPS" --phase1-iterations $((STEPS / 2))
         --batch 8 --accumulate 2 --checkpoint-every "$STEPS" --sample-every "$STEPS" --sample-rows 2 --device "$DEVICE")
  if "$BIN" "${TRAIN[@]}" --out "$OUT/train-1" > "$OUT/train-1.txt" 2>&1; then
    record "train $STEPS steps, 1 device" PASS "$(tail -1 "$OUT/train-1/log.jsonl" | cut -c1-120)"
  else
    tail -5 "$OUT/train-1.txt"
    record "train $STEPS steps, 1 device" FAIL "$(tail -1 "$OUT/train-1.txt")"
  fi
  # 3. All GPUs through the data-parallel launcher.
  if ! "$BIN" train --help 2>&1 | grep -q -- '--nproc-per-node'; then
    record "train $STEPS steps, all GPUs" SKIP "NOT CHECKED: this deepi2i has no 'train --nproc-per-node' (data parallel not built in)"
  elif [[ $DEVICE != cuda* ]] || [ "$GPUS" -lt 2 ]; then
    record "train $STEPS steps, all GPUs" SKIP "$DEVICE has ${GPUS} GPU(s); needs 2 or more"
  elif "$BIN" "${TRAIN[@]}" --nproc-per-node "$GPUS" --out "$OUT/train-all" > "$OUT/train-all.txt" 2>&1; then
    record "train $STEPS steps, $GPUS GPUs" PASS "$(tail -1 "$OUT/train-all/log.jsonl" | cut -c1-120)"
  else
    tail -5 "$OUT/train-all.txt"
    record "train $STEPS steps, $GPUS GPUs" FAIL "$(tail -1 "$OUT/train-all.txt")"
  fi
else
  cat "$OUT/prepare.txt"
  record "prepare synthetic dataset" FAIL "$(tail -1 "$OUT/prepare.txt")"
fi

# 4. Pipeline benchmark: ours and PyTorch's, interleaved, fp32 and bf16.
if [ $SKIP_BENCH = 0 ]; then
  TORCH_OK=0
  if "$PY" -c "import torch, sys; sys.exit(0 if '$DEVICE' == 'cpu' or torch.cuda.is_available() else 1)" 2>/dev/null; then
    TORCH_OK=1
  fi
  for mode in forward train; do
    for p in fp32 bf16; do
      name="bench-pipeline $mode $p (128px ch$BENCH_CH b$BENCH_BATCH)"
      if line=$("$BIN" bench-pipeline --mode $mode --precision $p --channels "$BENCH_CH" --resolution 128 \
                  --batch "$BENCH_BATCH" --iterations "$BENCH_ITER" --device "$DEVICE" 2> "$OUT/bench.err" | grep '^{'); then
        ours=$("$PY" -c "import json,sys; r=json.loads(sys.argv[1]); print(f\"{r['batch'] / r['median_s']:.1f}\")" "$line")
        theirs="python torch with $DEVICE not available"
        if [ $TORCH_OK = 1 ] && t=$("$PY" bench/precision/torch_pipeline.py --mode $mode --precision $p --channels "$BENCH_CH" \
                  --batch "$BENCH_BATCH" --iterations "$BENCH_ITER" --device "$DEVICE" 2>> "$OUT/bench.err" | grep '^{'); then
          theirs=$("$PY" -c "import json,sys; r=json.loads(sys.argv[1]); print(f\"{r['images_per_s']:.1f} images/s (torch {r['torch']})\")" "$t")
        fi
        record "$name" PASS "deepi2i $ours images/s; PyTorch $theirs"
      else
        tail -3 "$OUT/bench.err"
        record "$name" FAIL "$(tail -1 "$OUT/bench.err")"
      fi
    done
  done
fi

echo
echo "== summary ($BIN, $DEVICE)"
printf '%s\n' "${SUMMARY[@]}"
exit $FAILED
