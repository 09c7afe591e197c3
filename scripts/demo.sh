#!/usr/bin/env bash
# The main job on a built-in default: sets up the machine (idempotent), builds, and shows deepi2i at work.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BIN=.build/debug/deepi2i
echo "== our networks against the official DeepI2I code's reference vectors"
$BIN reference-check ../shared/golden/tiny128 --quiet
echo "== a built-in real dataset, packed for training"
$BIN prepare --builtin animal-mnist --resolution 32 --per-class 100 --out data/animal-mnist-32 --overwrite
