#!/usr/bin/env bash
# Builds deepi2i against libtorch 2.x taken from the PyPI torch wheel (C++20 headers), CPU-only, and runs
# the reference check with it. The wheel's libtorch_cpu needs libcudart/libcupti at run time even on CPU,
# which come from the nvidia-cuda-runtime / nvidia-cuda-cupti wheels. Everything goes to .libtorch2/.
# Usage: scripts/build-libtorch2.sh [torch version, default: latest]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=.libtorch2
mkdir -p $DIR
spec=torch${1:+==$1}
if [ ! -d $DIR/torch/lib ]; then
  python3 -m pip download -q --no-deps --only-binary=:all: "$spec" nvidia-cuda-runtime nvidia-cuda-cupti -d $DIR/wheels
  unzip -q -o "$DIR"/wheels/torch-*.whl 'torch/include/*' 'torch/lib/*' -d $DIR
  for w in "$DIR"/wheels/nvidia_cuda_*.whl; do unzip -q -o "$w" -d $DIR/nvidia; done
fi
CUDA_LIBS=$(dirname "$(find $DIR/nvidia -name 'libcudart.so*' | head -1)")
LIBTORCH=$PWD/$DIR/torch LIBTORCH_CUDA=0 swift build --scratch-path .build-libtorch2 --product deepi2i 2>&1 | grep -E "error|Build complete"
export LD_LIBRARY_PATH=$PWD/$CUDA_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
.build-libtorch2/debug/deepi2i info --channels 8 | head -1
.build-libtorch2/debug/deepi2i reference-check ../shared/golden/tiny128 --quiet
