"""PyTorch's figure for scripts/gpu-check.sh: the DeepI2I pipeline of bench/pipeline (128 px; G, D, E, A as
in the official code) on any device, in fp32 or under torch.autocast (bf16, fp16), timed like
`deepi2i bench-pipeline` (one warm-up, median of the timed iterations, device synchronised). Prints one
JSON line with images/s."""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pipeline"))
from deepi2i_torch import Adaptor, Discriminator, Generator  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["forward", "train"], default="forward")
    p.add_argument("--channels", type=int, default=96)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--device", default="cuda")
    p.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32")
    a = p.parse_args()
    dev = torch.device(a.device)
    torch.manual_seed(0)
    ch, n = a.channels, a.batch
    G, D, E, A = (m.to(dev) for m in (Generator(ch), Discriminator(ch), Discriminator(ch, head=False), Adaptor(ch)))
    x = torch.rand(n, 3, 128, 128, device=dev) * 2 - 1
    z = torch.randn(n, 120, device=dev)
    y = torch.randint(0, 1000, (n,), device=dev)
    rec = {4: 0.1, 8: 0.1, 16: 0.1, 32: 0.01}
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(a.precision)

    def autocast():
        return torch.autocast(dev.type, dtype=dtype) if dtype else torch.autocast(dev.type, enabled=False)

    def forward():
        with torch.no_grad(), autocast():
            return G(z, G.shared(y), A(E.features(x)[1]))

    def train():
        with autocast():
            with torch.no_grad():
                feats = {k: v.detach() for k, v in E.features(x)[1].items()}
            fake = G(z, G.shared(y), A(feats))
            logits, f = D(torch.cat([fake, x]), torch.cat([y, y]))
            loss = -logits[:n].float().mean()
            for w, k in rec.items():
                loss = loss + k * torch.nn.functional.mse_loss(f[w][:n].float(), f[w][n:].float())
        loss.backward()
        for m in (G, A, D):
            m.zero_grad(set_to_none=True)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    for m in (G, D, E, A):
        m.train(a.mode == "train")
    step = forward if a.mode == "forward" else train
    step()
    sync()
    times = []
    for _ in range(a.iterations):
        t = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t)
    median = statistics.median(times)
    print(json.dumps({"impl": "pytorch", "mode": a.mode, "precision": a.precision, "device": str(dev), "batch": n,
                      "median_s": median, "images_per_s": n / median, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
