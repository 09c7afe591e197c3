#!/usr/bin/env bash
# Inference speed-ups on vs off (DEEPI2I_INFERENCE_BASELINE=1) with the same release build, interleaved:
# images/s of `deepi2i translate` (whole path: PNG decode, resize, E, A, G, PNG encode, process start) on the
# shipped model and on a random 128px ch96 model; PROFILE=1 also writes and summarises operator traces
# of one call per case (bench-translate --profile). Rounds: ROUNDS (default 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product deepi2i 2>&1 | grep -E "error|Build complete" || true
BIN=$PWD/.build/release/deepi2i
ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
SHIPPED=models/animal-mnist
"$BIN" init-model --resolution 128 --channels 96 --classes a,b,c,d --out "$WORK/m128" >/dev/null
mkdir -p "$WORK/in-shipped" "$WORK/in-128"
cp "$SHIPPED"/samples/*.png "$WORK/in-shipped/"
cp "$SHIPPED"/samples/bear.png "$SHIPPED"/samples/cat.png "$WORK/in-128/"
# case: label model inputs classes samples
cases=("shipped $SHIPPED $WORK/in-shipped all 4" "128px-ch96 $WORK/m128 $WORK/in-128 all 1")
for round in $(seq 1 "$ROUNDS"); do
  for c in "${cases[@]}"; do
    read -r label model input classes samples <<<"$c"
    for variant in after before; do
      rm -rf "$WORK/out"
      start=$(date +%s.%N)
      if [ $variant = before ]; then export DEEPI2I_INFERENCE_BASELINE=1; else unset DEEPI2I_INFERENCE_BASELINE; fi
      "$BIN" translate --model "$model" --input "$input" --to "$classes" --samples "$samples" --out "$WORK/out" >/dev/null
      end=$(date +%s.%N)
      n=$(ls "$WORK/out" | grep -vc _grid.png || true)
      echo "$round $label $variant $n $(echo "$end - $start" | bc)"
    done
  done
done | tee "$WORK/times"
unset DEEPI2I_INFERENCE_BASELINE
/usr/bin/python3 - "$WORK/times" <<'PY'
import sys, collections
rows = [l.split() for l in open(sys.argv[1])]
t = collections.defaultdict(list)
for r, label, variant, n, s in rows:
    t[(label, variant)].append((int(n), float(s)))
print(f"{'case':12} {'images':>6} {'before img/s':>13} {'after img/s':>12} {'speed-up':>9}   (best of {len(rows)//4} rounds; spread after: min..max s)")
for label in dict.fromkeys(k[0] for k in t):
    b, a = t[(label, "before")], t[(label, "after")]
    n = a[0][0]
    bb, ab = min(s for _, s in b), min(s for _, s in a)
    print(f"{label:12} {n:6d} {n/bb:13.2f} {n/ab:12.2f} {bb/ab:9.2f}   ({min(s for _, s in a):.2f}..{max(s for _, s in a):.2f} s after, {min(s for _, s in b):.2f}..{max(s for _, s in b):.2f} s before)")
PY
if [ "${PROFILE:-0}" = 1 ]; then
  for variant in before after; do
    if [ $variant = before ]; then export DEEPI2I_INFERENCE_BASELINE=1; else unset DEEPI2I_INFERENCE_BASELINE; fi
    "$BIN" bench-translate --no-paper-config --model "$SHIPPED" --batches 40 --profile "$WORK/$variant"
    "$BIN" bench-translate --no-paper-config --model "$WORK/m128" --batches 4 --profile "$WORK/$variant"
  done
  unset DEEPI2I_INFERENCE_BASELINE
  for f in "$WORK"/after-*.json; do
    tag=${f##*/after-}
    echo; echo "operator self time, $tag (before | after):"
    /usr/bin/python3 bench/translate/summarize_trace.py "$WORK/before-$tag" "$f"
  done
fi
