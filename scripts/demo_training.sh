#!/usr/bin/env bash
# Training demonstration on real data (see docs/training-demo.md): a small Fashion-MNIST BigGAN as
# source, then DeepI2I on Animal-MNIST by transfer and from scratch with the same budget.
# Sized for a shared 2-core CPU; raise ITERS/GAN_ITERS/CH on a real machine.
set -euo pipefail
B=${B:-.build/release/deepi2i}
W=${W:-/tmp/deepi2i-demo}
GAN_ITERS=${GAN_ITERS:-88}
ITERS=${ITERS:-200}
CH=${CH:-8}
mkdir -p "$W"
[ -x "$B" ] || swift build -c release --product deepi2i
[ -d "$W/fashion32" ] || $B prepare --builtin fashion-mnist --out "$W/fashion32" --resolution 32 --per-class 500
[ -d "$W/animal32" ] || $B prepare --builtin animal-mnist --out "$W/animal32" --resolution 32 --per-class 112
[ -d "$W/gan" ] || $B pretrain-gan --data "$W/fashion32" --out "$W/gan" --channels "$CH" --batch 16 \
    --iterations "$GAN_ITERS" --ema --sample-every 50 --checkpoint-every 50
# Both DeepI2I runs side by side, one thread each, identical budget.
DEEPI2I_THREADS=1 $B train --data "$W/animal32" --from "$W/gan" --out "$W/transfer" --iterations "$ITERS" \
    --phase1-iterations 50 --batch 8 --accumulate 1 --sample-every 50 --checkpoint-every 100 --sample-rows 8 &
DEEPI2I_THREADS=1 $B train --data "$W/animal32" --scratch --channels "$CH" --out "$W/scratch" --iterations "$ITERS" \
    --batch 8 --accumulate 1 --sample-every 50 --checkpoint-every 100 --sample-rows 8 &
wait
