"""PyTorch side of the pipeline benchmark: the full DeepI2I networks (128px, ch 96 by default) on the same
libtorch as the Swift build. Prints one JSON line: median seconds per iteration and peak RSS."""
import argparse
import json
import os
import statistics
import time

import torch

from deepi2i_torch import Adaptor, Discriminator, Generator


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return -1


def conv_flops(run, modules):
    """Multiply-adds x 2 of every convolution (and linear layer) that `run` executes."""
    total = [0]

    def hook(m, inputs, out):
        k = m.weight[0].numel()  # in/groups * kh * kw, or in_features
        total[0] += 2 * out.numel() * k

    handles = [m.register_forward_hook(hook) for net in modules for m in net.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    run()
    for h in handles:
        h.remove()
    return total[0]


def peak_matmul_flops(threads, size=2048, repeats=5):
    """Best-of-N float32 matmul throughput (FLOP/s) on this machine, this libtorch, these threads."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best = 1e9
    for _ in range(repeats):
        t = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t)
    return 2 * size ** 3 / best


def flop_limit(forward, modules, threads):
    flops = conv_flops(forward, modules)
    peak = peak_matmul_flops(threads)
    return {"impl": "flop-limit", "mode": "forward", "conv_gflop": flops / 1e9, "peak_gflops": peak / 1e9,
            "limit_s": flops / peak, "threads": torch.get_num_threads()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["forward", "train"], default="forward")
    p.add_argument("--channels", type=int, default=96)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--flop-limit", action="store_true",
                   help="instead of timing: print the forward's convolution FLOPs, the measured peak matmul "
                        "throughput and their quotient, the time limit of a forward at the convolutions' FLOPs")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    ch, n = a.channels, a.batch
    G, D, E, A = Generator(ch), Discriminator(ch), Discriminator(ch, head=False), Adaptor(ch)
    x = torch.rand(n, 3, 128, 128) * 2 - 1
    z = torch.randn(n, 120)
    y = torch.randint(0, 1000, (n,))
    rec = {4: 0.1, 8: 0.1, 16: 0.1, 32: 0.01}

    def forward():
        with torch.no_grad():
            return G(z, G.shared(y), A(E.features(x)[1]))

    def train():
        with torch.no_grad():
            feats = {k: v.detach() for k, v in E.features(x)[1].items()}
        fake = G(z, G.shared(y), A(feats))
        logits, f = D(torch.cat([fake, x]), torch.cat([y, y]))
        loss = -logits[:n].mean()
        for w, k in rec.items():
            loss = loss + k * torch.nn.functional.mse_loss(f[w][:n], f[w][n:])
        loss.backward()
        for m in (G, A, D):
            m.zero_grad(set_to_none=True)

    for m in (G, D, E, A):
        m.train(a.mode == "train")
    if a.flop_limit:
        print(json.dumps(flop_limit(forward, (G, E, A), a.threads)))
        return
    step = forward if a.mode == "forward" else train
    step()  # warm-up
    times, peak = [], 0.0
    for _ in range(a.iterations):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
        # The peak matmul rate between the timed iterations, in this process (the machine is shared).
        peak = max(peak, peak_matmul_flops(a.threads, repeats=3))
    print(json.dumps({"impl": "pytorch", "mode": a.mode, "median_s": statistics.median(times),
                      "peak_rss_mb": peak_rss_mb(), "threads": torch.get_num_threads(),
                      "peak_gflops": peak / 1e9}))


if __name__ == "__main__":
    main()
