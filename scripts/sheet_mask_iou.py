#!/usr/bin/env python3
"""Crude pose check on a DeepI2I-StyleGAN sample sheet (docs/stylegan-demo.md): foreground IoU (grey > 0.5)
between each row's input (column 0) and its translations (columns 1..), against the same IoU with the
inputs of the other rows (chance). Usage: sheet_mask_iou.py SHEET.png [TILE=64] [GAP=2]"""
import sys
import numpy as np
from PIL import Image

sheet = np.asarray(Image.open(sys.argv[1]).convert("L"), dtype=np.float32) / 255
tile = int(sys.argv[2]) if len(sys.argv) > 2 else 64
gap = int(sys.argv[3]) if len(sys.argv) > 3 else 2
rows = (sheet.shape[0] - gap) // (tile + gap)
cols = (sheet.shape[1] - gap) // (tile + gap)
def cell(r, c):
    y, x = gap + r * (tile + gap), gap + c * (tile + gap)
    return sheet[y:y + tile, x:x + tile] > 0.5
def iou(a, b):
    u = np.logical_or(a, b).sum()
    return np.logical_and(a, b).sum() / u if u else 1.0
own = [iou(cell(r, 0), cell(r, c)) for r in range(rows) for c in range(1, cols)]
other = [iou(cell(q, 0), cell(r, c)) for r in range(rows) for q in range(rows) if q != r for c in range(1, cols)]
print(f"{sys.argv[1]}: mask IoU with own input {np.mean(own):.3f}, with other inputs {np.mean(other):.3f} "
      f"({rows} rows x {cols - 1} translations)")
