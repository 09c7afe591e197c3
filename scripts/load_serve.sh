#!/usr/bin/env bash
# Load benchmark: starts `deepi2i serve` on a free loopback port with a small model, drives it with
# CLIENTS concurrent clients for SECONDS (valid and hostile uploads mixed; scripts/load_serve.py), prints
# requests/s, p50/p99, answers by status and the server's RSS over the run, then stops the server.
# Usage: scripts/load_serve.sh [CLIENTS] [SECONDS] [MODEL_DIR]   (defaults: 4, 20, a fresh 32px ch16 model)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(swift build --show-bin-path 2>/dev/null)/deepi2i
[ -x "$BIN" ] || { swift build --product deepi2i >&2; BIN=$(swift build --show-bin-path)/deepi2i; }
CLIENTS=${1:-4}; SECONDS_=${2:-20}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
MODEL=${3:-}
if [ -z "$MODEL" ]; then
    MODEL=$WORK/model
    "$BIN" init-model --resolution 32 --channels 16 --classes bear,bird,cat,dog --out "$MODEL" >/dev/null
fi
"$BIN" serve --model "$MODEL" --host 127.0.0.1 --port 0 > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    URL=$(grep -o 'http://[0-9.]*:[0-9]*/' "$WORK/server.log" || true)
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "$URL" ] || { echo "server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }
PORT=$(echo "$URL" | sed -E 's#.*:([0-9]+)/#\1#')
curl -s -o "$WORK/sample.png" "${URL}api/sample.png"
python3 scripts/load_serve.py "$PORT" "$SERVER_PID" "$WORK/sample.png" "$CLIENTS" "$SECONDS_"
