#!/usr/bin/env bash
# Every run of the reproduction study (scripts/reproduce.sh) at a tiny budget, in a temporary folder: each
# variant's flags train and evaluate with the real deepi2i, so a variant that cannot run is
# found in minutes (~8 min on 2 cores) rather than hours into the study. Exits with reproduce.sh's status
# (1 names the runs that failed). DEEPI2I=path skips the release build; KEEP=1 keeps the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/reproduce-smoke.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$dir"' EXIT
echo "smoke study in $dir"
# 64 px as the study (three fusion levels); t-SNE needs more points than its perplexity (30) allows.
env W="$dir/work" STORE="$dir/store" REPORT="$dir/reproduction.md" REPORT_ARGS=--no-images \
    RES=64 CH=4 GAN_ITERS=2 ITERS=4 P1=2 BATCH=4 FEW=2 SEEDS=0 SCARCE_SEEDS=0 EVAL_PER_CLASS=2 FC_ITERS=2 \
    CLS_ITERS=2 TSNE_COUNT=100 THREADS="${THREADS:-2}" JOBS="${JOBS:-1}" scripts/reproduce.sh "$@"
