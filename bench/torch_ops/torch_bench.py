#!/usr/bin/python3
"""The Python half of bench/torch_ops/run.sh: the same figures as torch-bench (Swift), printed
as "key value" lines in microseconds. Uses Debian's torch 1.13 (the libtorch the Swift code links)."""
import os
import statistics
import time

import torch
import torch.nn as nn

threads = int(os.environ.get("DEEPI2I_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count())
torch.set_num_threads(threads)
op_iterations = int(os.environ.get("BENCH_OP_ITERS", 100_000))
conv_iterations = int(os.environ.get("BENCH_CONV_ITERS", 10))
adam_iterations = int(os.environ.get("BENCH_ADAM_ITERS", 20))


def per_op(iterations, body):
    for _ in range(max(1, iterations // 10)):
        body()
    start = time.perf_counter_ns()
    for _ in range(iterations):
        body()
    return (time.perf_counter_ns() - start) / 1e3 / iterations


def median_time(iterations, body, warmup=2):
    for _ in range(warmup):
        body()
    times = []
    for _ in range(iterations):
        start = time.perf_counter_ns()
        body()
        times.append((time.perf_counter_ns() - start) / 1e3)
    return statistics.median(times)


def report(key, value):
    print(key, "%.3f" % value, flush=True)


report("threads", torch.get_num_threads())
g = torch.Generator().manual_seed(0)

# (a) Per-op overhead.
a, b = torch.tensor([1.0]), torch.tensor([2.0])
report("add_1_us", per_op(op_iterations, lambda: a + b))
r = torch.randn(16, generator=g)
report("relu_16_us", per_op(op_iterations, lambda: r.relu()))

# (b) Forward + backward of a conv block, training mode.
block = nn.Sequential(
    nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
    nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
).train()
x = torch.randn(8, 64, 64, 64, generator=g)


def conv_step():
    block.zero_grad(set_to_none=True)
    block(x).mean().backward()


report("conv_block_fwd_bwd_us", median_time(conv_iterations, conv_step))

# (c) Adam step over 1M parameters held in 1000 tensors.
params = [torch.randn(1000, generator=g).requires_grad_() for _ in range(1000)]
for p in params:
    p.grad = torch.randn(1000, generator=g)
adam = torch.optim.Adam(params, lr=1e-3)
report("adam_1M_step_us", median_time(adam_iterations, adam.step))
