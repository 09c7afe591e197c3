#!/usr/bin/env python3
"""Sample sheets of StyleGAN generators saved by deepi2i (G.safetensors = g_running of a model directory,
G_train.safetensors = the trained G of a pretrain-stylegan checkpoint), side by side with the same z and
noise, through the PyTorch networks of bench/stylegan (checked against the golden). The demo
(docs/stylegan-demo.md) uses it to choose which G of a briefly trained source is the better transfer source:
pretrain-stylegan's own sheets show g_running only.

usage: stylegan_samples.py MODEL_DIR_CONFIG_JSON OUT.png G1.safetensors [G2.safetensors ...] [--grid 8] [--seed 0]
Each generator becomes one grid of grid x grid samples (32 px images are drawn at 2x), left to right;
the PNG is quantized to 128 colours to stay small."""
import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench", "stylegan"))
from stylegan_torch import StyledGenerator, load_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config", help="config.json of a deepi2i StyleGAN model directory (divisor, codeDim, step)")
    ap.add_argument("out")
    ap.add_argument("generators", nargs="+")
    ap.add_argument("--grid", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    cfg = json.load(open(a.config))["stylegan"]
    step, n = cfg["step"], a.grid * a.grid
    gen = torch.Generator().manual_seed(a.seed)
    z = torch.randn(n, cfg["codeDim"], generator=gen)
    noise = [torch.randn(n, 1, 4 << i, 4 << i, generator=gen) for i in range(step + 1)]
    sheets = []
    for path in a.generators:
        g = StyledGenerator(code_dim=cfg["codeDim"], n_mlp=cfg["mappingLayers"], divisor=cfg["channelDivisor"])
        g.load_state_dict(load_safetensors(path), strict=True)
        g.eval()
        with torch.no_grad():
            x = g(z, noise, step).clamp(-1, 1)
        img = ((x + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
        s = img.shape[1]
        grid = np.full((a.grid * (s + 2) + 2, a.grid * (s + 2) + 2, 3), 255, np.uint8)
        for k in range(n):
            r, c = divmod(k, a.grid)
            grid[2 + r * (s + 2):2 + r * (s + 2) + s, 2 + c * (s + 2):2 + c * (s + 2) + s] = img[k]
        sheets.append(grid)
    gap = np.full((sheets[0].shape[0], 8, 3), 255, np.uint8)
    parts = []
    for i, sheet in enumerate(sheets):
        parts += [gap, sheet] if i else [sheet]
    out = np.concatenate(parts, axis=1)
    scale = 2 if cfg["step"] <= 3 else 1
    sheet = Image.fromarray(out).resize((out.shape[1] * scale, out.shape[0] * scale), Image.NEAREST)
    sheet.quantize(colors=128).save(a.out, optimize=True)  # a small PNG for the docs
    print(f"wrote {a.out}: {', '.join(a.generators)}")


if __name__ == "__main__":
    main()
