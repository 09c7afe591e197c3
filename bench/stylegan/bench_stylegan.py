"""PyTorch side of the StyleGAN pipeline benchmark (run.sh runs it next to `deepi2i bench-stylegan`).

--check: loads the golden weights (../shared/golden/stylegan256, channels / 8) into stylegan_torch's networks
and compares the golden cases (E, A, G, D outputs; the WGAN G/A step's losses and every G and A gradient)
within the golden README's tolerances; exits 1 on a miss.
--mode forward|train: times E -> A -> G (no grad) or the G/A training step (E and D frozen: fake = G(z, A(E(x))),
-mean(D(fake)) + reconstruction of D features, backward) at 256 px, official widths, random weights.
Prints one JSON line: median seconds per iteration and peak RSS."""
import argparse
import json
import os
import sys
import time

import torch

from stylegan_torch import FEA_W, Alignment, Discriminator, StyledGenerator, load_safetensors

# The repository's ../shared (DEEPI2I_GOLDEN overrides, e.g. from a clone elsewhere).
GOLDEN = os.environ.get("DEEPI2I_GOLDEN", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/golden/stylegan256"))


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return -1


def networks(divisor, code_dim):
    return (StyledGenerator(code_dim, 8, divisor), Discriminator(divisor), Discriminator(divisor), Alignment(divisor))


def g_step(G, D, E, A, x, z, noise, step):
    """The G/A step's loss (WGAN-GP's generator side): E and D are frozen."""
    with torch.no_grad():
        feats = E(x, step)[1]
    fake = G(z, noise, step, feats=A(feats))
    logit, fake_f = D(fake, step)
    in_f = D(x, step)[1]
    rec = sum(w * torch.mean((in_f[k] - fake_f[k]) ** 2) for k, w in FEA_W.items() if w != 0)
    return fake, -logit.mean(), rec


def check():
    c = load_safetensors(os.path.join(GOLDEN, "cases.safetensors"))
    grads = load_safetensors(os.path.join(GOLDEN, "grads.safetensors"))
    G, D, E, A = networks(8, 64)
    for name, net in (("G", G), ("D", D), ("E", E), ("A", A)):
        net.load_state_dict(load_safetensors(os.path.join(GOLDEN, f"{name}.safetensors")), strict=True)
    step = 6
    noise = [c[f"noise_{4 << i}"] for i in range(step + 1)]
    x, z1, z2 = c["x_y"], c["z1"], c["z2"]
    worst = {}

    def value(name, got):
        ref = c[name]
        worst[name] = ((got - ref).abs().max() / max(1.0, ref.abs().max())).item()

    with torch.no_grad():
        e = E(x, step)[1]
        a = A(e)
        for k in (64, 32, 16, 8, 4):
            value(f"eval_E_{k}", e[k])
            value(f"eval_A_{k}", a[k])
        value("eval_G", G(z1, noise, step, feats=a))
        value("eval_G_nofusion", G(z1, noise, step))
        mean = G.mean_style(c["z_mean"])
        value("eval_mean_style", mean)
        value("eval_G_trunc07", G(z1, noise, step, mean_style=mean, style_weight=0.7, feats=a))
        value("eval_G_mix", G([z1, z2], noise, step, mixing_range=(0, 3)))
        value("eval_D_logit", D(c["eval_G"], step)[0])
    for p in list(D.parameters()) + list(E.parameters()):
        p.requires_grad_(False)
    fake, adv, rec = g_step(G, D, E, A, x, z2, noise, step)
    value("wgan_g_fake", fake)
    for name, got in (("wgan_g_adv", adv), ("wgan_g_rec", rec)):
        ref = c[name].sum().item()
        worst[name] = abs(got.item() - ref) / max(abs(ref), 1e-12)
    (adv + rec).backward()
    largest = max(g.abs().max().item() for g in grads.values())
    grad_worst = 0.0
    count = 0
    for prefix, net in (("wgan_G.", G), ("wgan_A.", A)):
        for name, p in net.named_parameters():
            ref = grads.get(prefix + name)
            if ref is None:
                continue
            got = p.grad if p.grad is not None else torch.zeros_like(ref)
            grad_worst = max(grad_worst, ((got - ref).abs().max() / max(ref.abs().max().item(), 0.01 * largest)).item())
            count += 1
    tolerances = {"value": 1e-4, "loss": 1e-4, "gradient": 5e-3}
    ok = all(v <= (tolerances["loss"] if k in ("wgan_g_adv", "wgan_g_rec") else tolerances["value"]) for k, v in worst.items())
    ok = ok and grad_worst <= tolerances["gradient"] and count > 100
    for k, v in sorted(worst.items()):
        print(f"  {k:20} {v:.2e}", file=sys.stderr)
    print(f"  {count} G/A gradients     {grad_worst:.2e}", file=sys.stderr)
    print(json.dumps({"impl": "pytorch", "check": "golden stylegan256 (channels / 8)", "passed": ok,
                      "worst_value": max(v for k, v in worst.items() if not k.startswith("wgan_g_a") and k != "wgan_g_rec"),
                      "worst_loss": max(worst["wgan_g_adv"], worst["wgan_g_rec"]), "worst_gradient": grad_worst,
                      "gradients": count}))
    return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--check", action="store_true")
    p.add_argument("--mode", choices=["forward", "train"], default="forward")
    p.add_argument("--divisor", type=int, default=1)
    p.add_argument("--resolution", type=int, default=256)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.check:
        sys.exit(0 if check() else 1)
    torch.manual_seed(0)
    step = {128: 5, 256: 6, 512: 7, 1024: 8}[a.resolution]
    G, D, E, A = networks(a.divisor, 512 // a.divisor)
    n = a.batch
    x = torch.rand(n, 3, a.resolution, a.resolution) * 2 - 1
    z = torch.randn(n, 512 // a.divisor)
    noise = [torch.randn(n, 1, 4 << i, 4 << i) for i in range(step + 1)]
    if a.mode == "forward":
        for net in (G, D, E, A):
            net.eval()

        def run():
            with torch.no_grad():
                G(z, noise, step, feats=A(E(x, step)[1]))
    else:
        for prm in list(D.parameters()) + list(E.parameters()):
            prm.requires_grad_(False)

        def run():
            _, adv, rec = g_step(G, D, E, A, x, z, noise, step)
            (adv + rec).backward()
            for net in (G, A):
                net.zero_grad(set_to_none=True)
    run()
    times = []
    for _ in range(a.iterations):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    times.sort()
    print(json.dumps({"impl": "pytorch", "mode": a.mode, "median_s": times[len(times) // 2], "peak_rss_mb": peak_rss_mb(),
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
