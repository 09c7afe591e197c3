#!/usr/bin/env bash
# Sets up the machine (idempotent), builds deepi2i and runs `translate` and `morph` on the model shipped in models/animal-mnist with its
# sample inputs, writing into out/demo/. MODEL=dir and OUT=dir override the paths.
# DEMO_RANDOM=1 runs the same pipeline on a fresh untrained model (for when no trained model is present);
# its images are noise-like by design.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-models/animal-mnist}
OUT=${OUT:-out/demo}
BIN=.build/debug/deepi2i

scripts/setup.sh >&2

if [ ! -f "$MODEL/config.json" ]; then
    if [ "${DEMO_RANDOM:-0}" != 1 ]; then
        echo "error: no model at $MODEL (config.json missing). Train or fetch one, or run DEMO_RANDOM=1 $0 for an untrained model." >&2
        exit 1
    fi
    MODEL=$OUT/untrained-model
    "$BIN" init-model --resolution 32 --channels 16 --classes bear,bird,cat,dog --out "$MODEL" --overwrite
    mkdir -p "$MODEL/samples"
    python3 - "$MODEL/samples" <<'PY'
import struct, sys, zlib
def png(path, w, h, f):
    raw = b"".join(b"\x00" + bytes(v for x in range(w) for v in f(x, y)) for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                  + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
png(sys.argv[1] + "/gradient.png", 64, 64, lambda x, y: (x * 4 % 256, y * 4 % 256, 128))
png(sys.argv[1] + "/disc.png", 64, 64, lambda x, y: (40, 40, 40) if (x - 32) ** 2 + (y - 32) ** 2 < 300 else (220, 200, 160))
PY
fi

SAMPLES=$MODEL/samples
FIRST=$(find "$SAMPLES" -maxdepth 1 -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) | sort | head -n 1)
if [ -z "$FIRST" ]; then
    echo "error: no sample images (.png/.jpg) in $SAMPLES" >&2
    exit 1
fi

mkdir -p "$OUT"
"$BIN" translate --model "$MODEL" --input "$SAMPLES" --to all --samples 2 --seed 0 --out "$OUT/translate"
"$BIN" morph --model "$MODEL" --input "$FIRST" --from 0 --to 1 --steps 8 --seed 0 --out "$OUT/morph"

echo
echo "translations and grids: $OUT/translate/ (*_grid.png: rows = samples, first column = input, then one column per class)"
echo "morph: $OUT/morph.png (strip) and $OUT/morph.gif (animation)"
