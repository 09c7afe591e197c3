#!/usr/bin/env bash
# Reproduction of the paper's ablations at small scale (issue #15; docs/reproduction.md): Animal-MNIST at
# 64x64 (three fusion levels: widths 16, 8, 4; at 32 px there are only two) with a source BigGAN trained
# here on Fashion-MNIST. Every variant gets the same budget, data split, fusion weight and evaluation.
#
#   scripts/reproduce.sh                 every stage, then the report
#   scripts/reproduce.sh adaptor depth   only these stages (prerequisites: data, gan, classifier)
#   scripts/reproduce.sh noadaptor       only this run (any run name below), all its seeds
#   scripts/reproduce.sh report          rewrite docs/reproduction.md from what has finished
#
# Stages and runs (run NAME, trained with each seed in SEEDS; scarcity with SCARCE_SEEDS):
#   adaptor   full, noadaptor, w16, w8, w4          (Figure 3)
#   transfer  t-none, t-E, t-G, t-D, t-GD, t-ED, t-EG (+ full)  (Figure 6 left, Table 3)
#   depth     d2, d3 (+ full = d4)                  (Figure 6 middle)
#   recon     rec-off, rec-l1 (+ full = MSE)        (Figure 18)
#   scarcity  few-transfer, few-scratch             (Table 2; SCARCE_SEEDS)
#   tsne      t-SNE of translations of the full model (Appendix H)
#
# Resumable: a run whose model/ exists is skipped, one with checkpoints resumes with --resume, an
# evaluation with metrics.json is skipped; stop at any time (Ctrl-C writes a checkpoint) and start again.
# What has finished is also published to the study record STORE (default docs/reproduction/study, in git:
# every evaluation's metrics.json, the first seed's last sample sheet, the t-SNE, and the source GAN's and
# the classifier's weights, ~5 MB in all), so that a fresh clone continues the study where the last one
# stopped: a run recorded there is skipped, the GAN and classifier are restored from it. The report is
# written from STORE. A work folder's unfinished checkpoints stay local (they are large).
# Budget and work folder from the environment (the defaults are the study's; keep them fixed across
# sessions, or use a new W and STORE): W, STORE, REPORT, RES, CH, GAN_ITERS, ITERS, P1, BATCH, FEW, SEEDS, SCARCE_SEEDS,
# EVAL_PER_CLASS, FC_ITERS, CLS_ITERS, TSNE_COUNT, THREADS; DEEPI2I=path skips the release build.
# JOBS=N runs N workers side by side after the source GAN and the classifier, each with THREADS/N threads
# (on this 2-core machine 2 workers of 1 thread do 12-19% more steps per second than 1 of 2); they share
# the run list through flock'ed locks in locks/ and log to worker-N.log. The results do not depend on JOBS.
# Run it under `nice -n 19` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ -z "${DEEPI2I:-}" ]; then scripts/setup.sh release; DEEPI2I=$ROOT/.build/release/deepi2i; fi
case "$DEEPI2I" in /*) B=$DEEPI2I ;; *) B=$ROOT/$DEEPI2I ;; esac
W=${W:-runs/reproduce}
RES=${RES:-64}
CH=${CH:-16}
GAN_ITERS=${GAN_ITERS:-2000}
ITERS=${ITERS:-1000}
P1=${P1:-200}
BATCH=${BATCH:-16}
FEW=${FEW:-10}
SEEDS=${SEEDS:-0 1}
SCARCE_SEEDS=${SCARCE_SEEDS:-0 1 2}
EVAL_PER_CLASS=${EVAL_PER_CLASS:-50}
FC_ITERS=${FC_ITERS:-100}
CLS_ITERS=${CLS_ITERS:-300}
TSNE_COUNT=${TSNE_COUNT:-1000}
THREADS=${THREADS:-2}
STORE=${STORE:-docs/reproduction/study}
case "$STORE" in /*) ;; *) STORE=$ROOT/$STORE ;; esac
JOBS=${JOBS:-1}
CKPT=$(( ITERS < 500 ? (ITERS > 1 ? ITERS / 2 : 1) : 250 ))
mkdir -p "$W"
cd "$W"
# The budget is part of the study: a work folder keeps the one it started with.
BUDGET="RES=$RES CH=$CH GAN_ITERS=$GAN_ITERS ITERS=$ITERS P1=$P1 BATCH=$BATCH FEW=$FEW EVAL_PER_CLASS=$EVAL_PER_CLASS FC_ITERS=$FC_ITERS CLS_ITERS=$CLS_ITERS"
for f in budget.txt "$STORE/budget.txt"; do
    if [ -f "$f" ] && [ "$(cat "$f")" != "$BUDGET" ]; then
        echo "$f says the study was started with: $(cat "$f")"; echo "now asked for: $BUDGET"
        echo "use the same settings, or another W= and STORE= folder"; exit 2
    fi
done
mkdir -p "$STORE"
rm -rf failed  # runs that failed last time are tried again
echo "$BUDGET" > budget.txt
echo "$BUDGET" > "$STORE/budget.txt"

# publish SRC... DEST_DIR: copies files into the study record, atomically (a temporary name, then mv), so
# that an interrupted copy never leaves a half-written file there.
publish() {
    local dest=${!#} n=$(( $# - 1 ))
    mkdir -p "$dest"
    for src in "${@:1:$n}"; do
        cp "$src" "$dest/.$(basename "$src").tmp"
        mv "$dest/.$(basename "$src").tmp" "$dest/$(basename "$src")"
    done
}
# last_sheet DIR: the newest sample sheet of a run folder.
last_sheet() { ls "$1"/samples/iter-*.png 2>/dev/null | sort | tail -1; }
# restore NAME MARKER: a finished prerequisite (gan, classifier) from the study record into the work folder.
restore() {
    if [ ! -f "$1/$2" ] && [ -f "$STORE/$1/$2" ]; then
        echo "$1: restored from the study record $STORE/$1"
        rm -rf "$1.restore"; cp -r "$STORE/$1" "$1.restore"; rm -rf "$1"; mv "$1.restore" "$1"
    fi
}

data() {
    [ -d fashion$RES ] || $B prepare --builtin fashion-mnist --out fashion$RES --resolution "$RES" --per-class 1000
    [ -d animal$RES ] || $B prepare --builtin animal-mnist --out animal$RES --resolution "$RES" --per-class 112
}
# has_checkpoint DIR: a run that can continue with --resume.
has_checkpoint() { [ -n "$(ls "$1/checkpoints" 2>/dev/null)" ]; }
gan() {
    data
    restore gan gan.json
    if [ ! -f gan/gan.json ]; then  # gan.json is written at the end of pretraining
        if has_checkpoint gan; then
            $B pretrain-gan --out gan --resume
        else
            local again=(); [ -d gan ] && again=(--overwrite)  # stopped before its first checkpoint
            $B pretrain-gan --data fashion$RES --out gan --channels "$CH" --batch 32 --iterations "$GAN_ITERS" \
                --ema --ema-start $(( GAN_ITERS / 5 )) --sample-every "$CKPT" --checkpoint-every "$CKPT" "${again[@]}"
        fi
    fi
    # Transfer reads gan.json, G_ema and D; the sheet shows what the source draws.
    if [ ! -f "$STORE/gan/gan.json" ]; then
        local sheet; sheet=$(last_sheet gan)
        [ -z "$sheet" ] || publish "$sheet" "$STORE/gan/samples"
        publish gan/G_ema.safetensors gan/D.safetensors gan/run.json "$STORE/gan"
        publish gan/gan.json "$STORE/gan"  # last: it marks the record complete
    fi
}
classifier() {
    data
    restore classifier classifier.json
    [ -f classifier/classifier.json ] || $B train-classifier --data animal$RES --out classifier --iterations "$CLS_ITERS"
    if [ ! -f "$STORE/classifier/classifier.json" ]; then
        publish classifier/weights.safetensors "$STORE/classifier"
        publish classifier/classifier.json "$STORE/classifier"
    fi
}

# locked KEY COMMAND...: COMMAND while holding locks/KEY, or nothing when another worker holds it. flock
# releases the lock when its holder exits, also when it is killed, so an interrupted study never leaves
# a stale lock.
locked() {
    local key=$1; shift
    mkdir -p locks
    (
        exec 9> "locks/$key"
        if ! flock -n 9; then echo "$key: another worker is on it"; exit 0; fi
        "$@"
    )
}
# attempt KEY COMMAND...: `locked KEY COMMAND...`; when it fails, KEY is marked in failed/ and the study
# goes on with the others (an unattended study does not stall on one bad run); the study then exits 1
# naming it, and the next call tries it again.
attempt() {
    local key=$1
    # In the background and waited for: set -e is off inside the left side of `||`.
    locked "$@" &
    if ! wait $!; then
        echo "FAILED: $key (its output is above); going on with the other runs"
        mkdir -p failed; touch "failed/$key"
    fi
}
# train NAME SEED ARGS...: one training run into NAME-sSEED, then its evaluation into eval/NAME-sSEED,
# both published to the study record; nothing to do when the record has it.
train() {
    [ ! -f "$STORE/eval/$1-s$2/metrics.json" ] || return 0
    attempt "$1-s$2" train_and_evaluate "$@"
}
train_and_evaluate() {
    local name=$1 seed=$2; shift 2
    local dir=$name-s$seed
    if [ ! -d "$dir/model" ]; then
        if has_checkpoint "$dir"; then
            $B train --out "$dir" --resume
        else
            local again=(); [ -d "$dir" ] && again=(--overwrite)
            $B train --out "$dir" --data animal$RES --iterations "$ITERS" --batch "$BATCH" --accumulate 1 \
                --sample-every "$CKPT" --checkpoint-every "$CKPT" --sample-rows 8 --seed "$seed" "${again[@]}" "$@"
        fi
    fi
    mkdir -p eval
    [ -f eval/$dir/metrics.json ] || $B evaluate --model "$dir/model" --data animal$RES --classifier classifier \
        --per-class "$EVAL_PER_CLASS" --fc-iterations "$FC_ITERS" --metrics mfid,mkid,rc,fc,mask-iou --seed 0 --out eval/$dir
    # The report shows the first seed's sheet of each variant.
    local first=$SEEDS; case $name in few-*) first=$SCARCE_SEEDS ;; esac
    local sheet; sheet=$(last_sheet "$dir")
    if [ "$seed" = "${first%% *}" ] && [ -n "$sheet" ]; then publish "$sheet" "$STORE/$dir/samples"; fi
    publish "eval/$dir/metrics.json" "$STORE/eval/$dir"
}
# Every variant: transfer from the GAN, fusion weight 1 at every level (docs/training-demo.md: the
# official 0.1 loses the pose with this small source GAN), phase 1 of P1 iterations when G is transferred.
variant() {
    local name=$1; shift
    local seeds=$SEEDS
    case $name in few-*) seeds=$SCARCE_SEEDS ;; esac
    for s in $seeds; do train "$name" "$s" --from gan --fusion-weights 1 --phase1-iterations "$P1" "$@"; done
}
run_named() {
    gan; classifier
    case $1 in
        full) variant full ;;
        noadaptor) variant noadaptor --no-adaptor ;;
        w16) variant w16 --levels 16 ;;
        w8) variant w8 --levels 8 ;;
        w4) variant w4 --levels 4 ;;
        t-none) variant t-none --transfer none ;;
        t-E) variant t-E --transfer E ;;
        t-G) variant t-G --transfer G ;;
        t-D) variant t-D --transfer D ;;
        t-GD) variant t-GD --transfer G,D ;;
        t-ED) variant t-ED --transfer E,D ;;
        t-EG) variant t-EG --transfer E,G ;;
        d2) variant d2 --bottleneck-downsamplings 2 ;;
        d3) variant d3 --bottleneck-downsamplings 3 ;;
        rec-off) variant rec-off --rec-weight 0 ;;
        rec-l1) variant rec-l1 --rec-distance l1 ;;
        few-transfer) variant few-transfer --train-per-class "$FEW" ;;
        few-scratch) variant few-scratch --transfer none --train-per-class "$FEW" ;;
        *) echo "unknown run '$1'"; exit 2 ;;
    esac
}
tsne() {
    run_named full
    local s=${SEEDS%% *}
    [ -f "$STORE/tsne/tsne.json" ] && return
    if [ ! -f tsne/tsne.json ]; then
        # With JOBS > 1 another worker may still be training full-sS: it reaches this stage after that run.
        if [ ! -d "full-s$s/model" ]; then echo "t-SNE waits for full-s$s (another worker trains it)"; return; fi
        attempt tsne $B tsne --model full-s$s/model --data animal$RES --target cat --count "$TSNE_COUNT" --split all --out tsne
    fi
    if [ -f tsne/tsne.json ]; then
        local pngs=(); for f in tsne/tsne.png tsne/tsne-map.png; do [ ! -f "$f" ] || pngs+=("$f"); done
        publish "${pngs[@]}" "$STORE/tsne"
        publish tsne/tsne.json "$STORE/tsne"
    fi
}
stage() {
    case $1 in
        data) data ;;
        gan) gan ;;
        classifier) classifier ;;
        adaptor) for r in full noadaptor w16 w8 w4; do run_named $r; done ;;
        transfer) for r in full t-none t-E t-G t-D t-GD t-ED t-EG; do run_named $r; done ;;
        depth) for r in full d2 d3; do run_named $r; done ;;
        recon) for r in full rec-off rec-l1; do run_named $r; done ;;
        scarcity) for r in few-transfer few-scratch; do run_named $r; done ;;
        tsne) tsne ;;
        report) ;;
        *) run_named "$1" ;;
    esac
}
if [ $# -eq 0 ]; then set -- scarcity adaptor tsne transfer depth recon; fi

# The stages run in background workers, each in its own process group (set -m: a script's background
# jobs would otherwise ignore SIGINT), so that Ctrl-C or SIGTERM to this script stops them cleanly: no
# worker starts another run, a training run writes its checkpoint (deepi2i train handles SIGINT), an
# evaluation in progress is dropped and starts over next time. Then the same command continues.
pids=()
stop() {
    echo "stopping: training runs write their checkpoints; run the same command again to continue"
    for p in "${pids[@]}"; do
        pkill -TERM -g "$p" -x bash || true
        pkill -INT -g "$p" -f 'deepi2i (train|pretrain-gan) ' || true
        pkill -TERM -g "$p" -f 'deepi2i (evaluate|tsne|train-classifier) ' || true
    done
    exit 130
}
trap stop INT TERM
# workers N THREADS STAGE...: N workers, each going through the stages with THREADS threads; one worker
# prints here, several log to worker-K.log.
workers() {
    local n=$1 threads=$2; shift 2
    pids=()
    set -m
    for j in $(seq "$n"); do
        if [ "$n" = 1 ]; then
            ( export DEEPI2I_THREADS=$threads; for s in "$@"; do stage "$s"; done ) &
        else
            ( export DEEPI2I_THREADS=$threads; for s in "$@"; do stage "$s"; done ) > "worker-$j.log" 2>&1 &
        fi
        pids+=($!)
    done
    set +m
    [ "$n" = 1 ] || echo "$n workers ($threads threads each) on: $*; logs: $W/worker-*.log"
    local failed=0
    for j in "${!pids[@]}"; do
        wait "${pids[$j]}" || { echo "worker $((j + 1)) failed$([ "$n" = 1 ] || echo ": see $W/worker-$((j + 1)).log")"; failed=1; }
    done
    pids=()
    [ $failed = 0 ]
}
if [ "$JOBS" -gt 1 ] && [ -n "$(printf '%s\n' "$@" | grep -vxE 'data|gan|classifier|report')" ]; then
    # The prerequisites once, with every thread, then JOBS workers sharing the runs (locks/).
    workers 1 "$THREADS" gan classifier
    workers "$JOBS" $(( THREADS / JOBS > 0 ? THREADS / JOBS : 1 )) "$@"
else
    workers 1 "$THREADS" "$@"
fi
cd "$ROOT"
# REPORT: where the report goes (a test budget writes elsewhere, with REPORT_ARGS=--no-images)
python3 scripts/reproduction_report.py "${STORE#"$ROOT"/}" "${REPORT:-docs/reproduction.md}" --work "$W" ${REPORT_ARGS:-}
if [ -n "$(ls "$W/failed" 2>/dev/null)" ]; then
    echo "failed runs (see their output; the next call tries them again): $(ls "$W/failed" | tr '\n' ' ')"
    exit 1
fi
