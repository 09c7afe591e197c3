#!/usr/bin/env bash
# DeepI2I-StyleGAN demonstration at small scale (docs/stylegan-demo.md): an unconditional StyleGAN trained
# here on Fashion-MNIST (32x32, channels / 16) as the source, then cat -> dog on Animal-MNIST (every image of
# the two classes: ~900 training and 100 test images each) by transfer and from scratch with the same budget,
# data, options and seed, side by side with one thread each; then FID/KID and mask-IoU of both final models
# against the 100 real test dogs, with the 100 test cats as inputs, and the sample sheets.
# Needs a deepi2i with `evaluate --input` (commit c847ff6 on). Resumable: a finished step is skipped, an interrupted run continues with --resume (Ctrl-C writes a checkpoint).
# W= work folder; SOURCE_ITERS, ITERS, FREEZE, DIV set the budget (the values below are what the doc reports).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${B:-$ROOT/.build/release/deepi2i}
[ -x "$B" ] || { scripts/setup.sh release; B=$ROOT/.build/release/deepi2i; }
PY=${PY:-/usr/bin/python3}   # a Python with torch, for the source's G/g_running sheet only
W=${W:-runs/stylegan-demo}
SOURCE_ITERS=${SOURCE_ITERS:-750}
ITERS=${ITERS:-1000}
FREEZE=${FREEZE:-100}
DIV=${DIV:-16}
NICE="nice -n 19"
mkdir -p "$W"
cd "$W"
[ -d fashion32 ] || $NICE $B prepare --builtin fashion-mnist --out fashion32 --resolution 32 --per-class 1000
[ -d animal32 ] || $NICE $B prepare --builtin animal-mnist --out animal32 --resolution 32 --per-class 1000

# 1. The source StyleGAN (rosinality's defaults but batch 16; g_running decay 0.999), two threads.
if [ ! -d source/model ]; then
    if [ -d source/checkpoints ]; then DEEPI2I_THREADS=2 $NICE $B pretrain-stylegan --out source --resume --iterations "$SOURCE_ITERS"
    else DEEPI2I_THREADS=2 $NICE $B pretrain-stylegan --data fashion32 --out source --channel-divisor "$DIV" --batch 16 \
        --iterations "$SOURCE_ITERS" --sample-every 250 --checkpoint-every 250 --keep 20; fi
fi
# The transfer source: the source model with the trained G instead of g_running (after a few hundred
# iterations g_running at decay 0.999 is still mostly the random initial G; see the doc and source-g.png).
last=$(ls -d source/checkpoints/iter-* | sort | tail -1)
if [ ! -d source-g ]; then
    rm -rf source-g.tmp && cp -r source/model source-g.tmp && cp "$last/G_train.safetensors" source-g.tmp/G.safetensors
    mv source-g.tmp source-g
fi
[ -f source-g.png ] || $NICE $PY "$ROOT/scripts/stylegan_samples.py" --grid 6 source/model/config.json source-g.png \
    source/model/G.safetensors "$last/G_train.safetensors"

# 2. cat -> dog, transfer and scratch, side by side with one thread each.
# run NAME ARGS...: train into NAME; skipped when NAME/model exists, resumed when it has checkpoints.
run() {
    local name=$1; shift
    if [ -d "$name/model" ]; then echo "$name: done"; return; fi
    if [ -d "$name/checkpoints" ]; then DEEPI2I_THREADS=1 $NICE $B train --out "$name" --resume --iterations "$ITERS"; return; fi
    DEEPI2I_THREADS=1 $NICE $B train --out "$name" "$@"
}
# Training seeds: the runs of seed 0 are transfer/ and scratch/, those of seed S transfer-seedS/ and scratch-seedS/.
SEEDS=${SEEDS:-0 1 2}
runs=()
for seed in $SEEDS; do
    suffix=$([ "$seed" = 0 ] && echo "" || echo "-seed$seed")
    common=(--data animal32 --input-class cat --target-class dog --iterations "$ITERS" --batch 16 --seed "$seed"
            --sample-every 100 --checkpoint-every 100 --keep 20 --sample-rows 8)
    run "transfer$suffix" --from source-g "${common[@]}" --phase1-iterations "$FREEZE" > "transfer$suffix.log" 2>&1 &
    p1=$!
    run "scratch$suffix" --scratch --family stylegan --channel-divisor "$DIV" "${common[@]}" > "scratch$suffix.log" 2>&1 &
    p2=$!
    wait $p1; wait $p2
    runs+=("transfer$suffix" "scratch$suffix")
done

# 3. FID/KID (EfficientNet-Lite0 features) and mask-IoU of the final models: 100 translations of the 100
# test cats (one z each) against the 100 real test dogs, evaluation seed 0.
# source-g (transfer's starting point: the source's G with a fresh A) is the baseline. Evaluation seed 1
# (other z for each cat) goes to eval-NAME-e1, for the evaluation's own noise.
for name in source-g "${runs[@]}"; do
    model=$([ "$name" = source-g ] && echo source-g || echo "$name/model")
    for es in 0 1; do
        out=eval-$name$([ "$es" = 0 ] && echo "" || echo "-e$es")
        [ -f "$out/metrics.json" ] || DEEPI2I_THREADS=1 $NICE $B evaluate --model "$model" --data animal32 \
            --target dog --input cat --metrics mfid,mkid,mask-iou --per-class 100 --seed "$es" --out "$out" --overwrite
    done
done
grep -H -E "^\| (mFID|mKID|mask-IoU) " eval-*/report.md
# Real-vs-real anchors at the same sample size (100 train vs 100 test dogs; test cats vs test dogs).
$NICE $PY "$ROOT/scripts/real_fid_anchor.py" animal32 cat dog
