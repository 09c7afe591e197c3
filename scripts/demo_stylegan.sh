#!/usr/bin/env bash
# DeepI2I-StyleGAN demonstration at small scale (docs/stylegan-demo.md): an unconditional StyleGAN trained
# here on Fashion-MNIST (32x32, channels / 16) as the source, then cat -> dog on Animal-MNIST by transfer and
# from scratch with the same budget, side by side with one thread each. W= sets the work folder;
# SOURCE_ITERS, ITERS and FREEZE the budget (the committed demo stopped each run by time, see the doc).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-$PWD/.build/release/deepi2i}
[ -x "$B" ] || { scripts/setup.sh release; B=$PWD/.build/release/deepi2i; }
W=${W:-runs/stylegan-demo}
SOURCE_ITERS=${SOURCE_ITERS:-2000}
ITERS=${ITERS:-2000}
FREEZE=${FREEZE:-50}
DIV=${DIV:-16}
mkdir -p "$W"
cd "$W"
[ -d fashion32 ] || $B prepare --builtin fashion-mnist --out fashion32 --resolution 32 --per-class 300
[ -d animal32 ] || $B prepare --builtin animal-mnist --out animal32 --resolution 32 --per-class 112
if [ ! -d source/model ]; then
    if [ -d source/checkpoints ]; then $B pretrain-stylegan --out source --resume
    else $B pretrain-stylegan --data fashion32 --out source --channel-divisor "$DIV" --batch 16 \
        --iterations "$SOURCE_ITERS" --sample-every 50 --checkpoint-every 50; fi
fi
# run NAME ARGS...: train into NAME; skipped when NAME/model exists, resumed when it has checkpoints.
run() {
    local name=$1; shift
    if [ -d "$name/model" ]; then echo "$name: done"; return; fi
    if [ -d "$name/checkpoints" ]; then DEEPI2I_THREADS=1 $B train --out "$name" --resume; return; fi
    DEEPI2I_THREADS=1 $B train --out "$name" "$@"
}
common=(--data animal32 --input-class cat --target-class dog --iterations "$ITERS" --batch 16
        --sample-every 25 --checkpoint-every 25 --sample-rows 8)
run transfer --from source "${common[@]}" --phase1-iterations "$FREEZE" &
run scratch --scratch --family stylegan --channel-divisor "$DIV" "${common[@]}" &
wait
