#!/usr/bin/env bash
# Latency of web requests: starts `deepi2i serve` on a free loopback port, times N sequential
# POST /api/translate requests with curl and prints min/median/max, then stops the server.
# Usage: scripts/bench_serve.sh [MODEL_DIR] [N] [CLASSES] [SAMPLES]  (default: a fresh 32px ch16 model, 20, all, 1)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/debug/deepi2i}  # BIN=.build/release/deepi2i for timings
[ -x "$BIN" ] || swift build --product deepi2i >&2
N=${2:-20}; CLASSES=${3:-all}; SAMPLES=${4:-1}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
MODEL=${1:-}
if [ -z "$MODEL" ]; then
    MODEL=$WORK/model
    "$BIN" init-model --resolution 32 --channels 16 --classes bear,bird,cat,dog --out "$MODEL" >/dev/null
fi
"$BIN" serve --model "$MODEL" --port 0 > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    URL=$(grep -o 'http://[0-9.]*:[0-9]*/' "$WORK/server.log" || true)
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "$URL" ] || { echo "server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }
curl -s -o "$WORK/sample.png" "${URL}api/sample.png"
# Warm-up request (first-call allocations), not counted.
curl -s -o /dev/null --data-binary @"$WORK/sample.png" "${URL}api/translate?classes=$CLASSES&samples=$SAMPLES"
for i in $(seq 1 "$N"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --data-binary @"$WORK/sample.png" \
        "${URL}api/translate?classes=$CLASSES&samples=$SAMPLES&seed=$i"
done > "$WORK/times"
if grep -qv '^200 ' "$WORK/times"; then echo "some requests failed:" >&2; grep -v '^200 ' "$WORK/times" >&2; exit 1; fi
awk '{print $2}' "$WORK/times" | sort -n | awk -v n="$N" -v model="$MODEL" -v c="$CLASSES" -v s="$SAMPLES" \
    '{t[NR]=$1} END {printf "POST /api/translate (%s, classes=%s, samples=%s): %d requests, min %.1f ms, median %.1f ms, max %.1f ms\n", model, c, s, n, t[1]*1000, t[int((n+1)/2)]*1000, t[n]*1000}'
