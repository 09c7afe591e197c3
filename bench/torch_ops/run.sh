#!/usr/bin/env bash
# Swift (torch-bench, release) against PyTorch (Debian's /usr/bin/python3, torch 1.13: the same
# libtorch .so files), interleaved Swift, Python, Swift, Python with the same thread count, then a
# table of the best of each side's runs and the ratio Swift/Python (<= 1 means Swift is as fast).
# Environment: THREADS (default: all cores), ROUNDS (default 2), BENCH_OP_ITERS, BENCH_CONV_ITERS,
# BENCH_ADAM_ITERS.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
threads="${THREADS:-$(nproc)}"
rounds="${ROUNDS:-2}"
python=/usr/bin/python3

swift build -c release --product torch-bench >&2
bin="$(swift build -c release --show-bin-path)/torch-bench"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for i in $(seq 1 "$rounds"); do
    echo "round $i/$rounds: swift" >&2
    DEEPI2I_THREADS="$threads" OMP_NUM_THREADS="$threads" "$bin" > "$out/swift.$i"
    echo "round $i/$rounds: python" >&2
    DEEPI2I_THREADS="$threads" OMP_NUM_THREADS="$threads" "$python" bench/torch_ops/torch_bench.py > "$out/python.$i"
done

"$python" - "$out" "$rounds" <<'PY'
import sys
out, rounds = sys.argv[1], int(sys.argv[2])

def load(side):
    runs = []
    for i in range(1, rounds + 1):
        with open(f"{out}/{side}.{i}") as f:
            runs.append({k: float(v) for k, v in (line.split() for line in f if line.strip())})
    return runs

swift, python = load("swift"), load("python")
labels = {
    "add_1_us": "add [1]+[1] (us/op)",
    "relu_16_us": "relu [16] (us/op)",
    "conv_block_fwd_bwd_us": "conv block fwd+bwd, 8x64x64x64 (ms)",
    "adam_1M_step_us": "Adam step, 1000 x 1000 params (ms)",
}
print(f"threads: swift {int(swift[0]['threads'])}, python {int(python[0]['threads'])}; best of {rounds} runs each")
print(f"{'benchmark':40s} {'swift':>10s} {'python':>10s} {'swift/python':>13s}")
for key, label in labels.items():
    s = min(r[key] for r in swift)
    p = min(r[key] for r in python)
    scale = 1e-3 if "(ms)" in label else 1
    print(f"{label:40s} {s * scale:10.3f} {p * scale:10.3f} {s / p:13.2f}")
PY
