#!/usr/bin/python3
"""Writes reference.json: expected outputs of torch 1.13 (Debian's, the same libtorch the Swift
tests link) for the ops the Torch module wraps.

Run once from the repository root:  /usr/bin/python3 Tests/TorchTests/Fixtures/make_reference.py

Every input is rebuilt by the Swift tests from the same formula (`seq` below, mirrored by
`Fixture.seq` in TestSupport.swift), so only outputs are stored:
    {name: {"shape": [...], "values": [flat row-major floats]}}
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def seq(shape, a=0.37, b=0.0, scale=1.0, dtype=torch.float32):
    """scale * sin(i * a + b) for i = 0..<numel, computed in double, then cast."""
    n = 1
    for s in shape:
        n *= s
    values = [scale * math.sin(i * a + b) for i in range(n)]
    return torch.tensor(values, dtype=torch.float64).reshape(shape).to(dtype)


out = {}


def put(name, t):
    t = t.detach()
    if t.dtype == torch.bool:
        t = t.to(torch.int64)
    out[name] = {"shape": list(t.shape), "values": [float(v) for v in t.reshape(-1).tolist()]}


# --- Random numbers with seeded generators -------------------------------------------------
g = torch.Generator().manual_seed(1234)
put("randn_seed1234", torch.randn([7], generator=g))
g = torch.Generator().manual_seed(7)
put("rand_seed7", torch.rand([6], generator=g))
g = torch.Generator().manual_seed(7)
put("randint_seed7", torch.randint(0, 10, [8], generator=g))
g = torch.Generator().manual_seed(99)
put("randn_f64_seed99", torch.randn([5], generator=g, dtype=torch.float64))

# --- Elementwise, linear algebra, reductions --------------------------------------------------
a = seq([3, 4])
b = seq([4], 0.5, 0.3)
put("add_bcast", a + b)
put("sub_bcast", a - b)
put("mul_bcast", a * b)
put("div_bcast", a / (b + 2))
put("affine_scalar", a * 2.5 + 1)
put("rsub_scalar", 1 - a)
put("rdiv_scalar", 1 / (a + 2))
put("pow_scalar", (a.abs() + 0.1).pow(1.7))
c = seq([4, 2], 0.21, 0.4)
put("matmul", a @ c)
ba = seq([2, 3, 4], 0.31)
bb = seq([2, 4, 5], 0.17, 1.0)
put("bmm", torch.bmm(ba, bb))
x = seq([2, 3, 4], 0.37, 0.2, 2.0)
put("sum_all", x.sum())
put("sum_dim1", x.sum(1))
put("sum_dims02_keep", x.sum([0, 2], keepdim=True))
put("mean_all", x.mean())
put("mean_dim2", x.mean(2))
put("var_all", x.var())
put("var_dim1_biased", x.var(1, unbiased=False))
put("max_all", x.max())
put("min_all", x.min())
mv, mi = x.max(2)
put("max_dim2_values", mv)
put("max_dim2_indices", mi)
put("argmax_dim1", x.argmax(1))
put("min_dim0_values", x.min(0).values)
pos = x.abs() + 0.1
put("sqrt", pos.sqrt())
put("exp", x.exp())
put("log", pos.log())
put("abs", x.abs())
put("clamp", x.clamp(-0.3, 0.4))
put("clamp_min", x.clamp(min=0.1))
put("tanh", x.tanh())
put("sigmoid", x.sigmoid())
put("relu", x.relu())
put("leaky_relu", F.leaky_relu(x, 0.2))
put("softmax_dim1", x.softmax(1))
put("log_softmax_dim2", x.log_softmax(2))
put("normalize_dim1", F.normalize(x, p=2.0, dim=1))

# --- nn.functional ------------------------------------------------------------------------------
cx = seq([2, 4, 7, 7], 0.37)
cw = seq([6, 4, 3, 3], 0.23, 0.5, 0.5)
cb = seq([6], 0.7)
put("conv_basic", F.conv2d(cx, cw, cb))
put("conv_s2p1", F.conv2d(cx, cw, cb, stride=2, padding=1))
put("conv_dil2p2", F.conv2d(cx, cw, None, padding=2, dilation=2))
cwg = seq([6, 2, 3, 3], 0.23, 0.5, 0.5)
put("conv_groups2", F.conv2d(cx, cwg, cb, stride=(2, 1), padding=(1, 0), groups=2))

lx = seq([3, 5])
lw = seq([4, 5], 0.29, 0.1)
lb = seq([4], 0.5)
put("linear", F.linear(lx, lw, lb))
put("linear_nobias", F.linear(lx, lw))

ew = seq([6, 3], 0.41)
put("embedding", F.embedding(torch.tensor([[0, 5, 2], [3, 3, 1]]), ew))

bx = seq([4, 3, 2, 2], 0.37) * 2 + 0.5
rm = torch.tensor([0.1, 0.2, 0.3])
rv = torch.tensor([1.0, 1.5, 2.0])
bw = torch.tensor([1.0, 0.5, 2.0])
bbias = torch.tensor([0.0, 0.1, -0.1])
put("bn_train_out", F.batch_norm(bx, rm, rv, bw, bbias, training=True, momentum=0.1, eps=1e-5))
put("bn_train_running_mean", rm)
put("bn_train_running_var", rv)
rm = torch.tensor([0.1, 0.2, 0.3])
rv = torch.tensor([1.0, 1.5, 2.0])
put("bn_eval_out", F.batch_norm(bx, rm, rv, bw, bbias, training=False, momentum=0.1, eps=1e-5))

px = seq([1, 2, 6, 6], 0.37)
put("avg_pool_k3s2p1", F.avg_pool2d(px, 3, 2, 1))
put("avg_pool_k2", F.avg_pool2d(px, 2))
put("max_pool_k3s2p1", F.max_pool2d(px, 3, 2, 1))
put("max_pool_k2", F.max_pool2d(px, 2))
ax = seq([1, 2, 7, 7], 0.37)
put("adaptive_avg_pool_3x3", F.adaptive_avg_pool2d(ax, (3, 3)))
ux = seq([1, 2, 3, 3], 0.37)
put("upsample_nearest_6x5", F.interpolate(ux, size=(6, 5), mode="nearest"))
put("upsample_bilinear_ac_true", F.interpolate(ux, size=(5, 7), mode="bilinear", align_corners=True))
put("upsample_bilinear_ac_false", F.interpolate(ux, size=(5, 7), mode="bilinear", align_corners=False))
padx = seq([1, 2, 3, 4], 0.37)
put("pad_constant", F.pad(padx, [1, 2, 0, 1], mode="constant", value=0.5))
put("pad_reflect", F.pad(padx, [1, 1, 2, 1], mode="reflect"))
put("pad_replicate", F.pad(padx, [2, 1, 1, 2], mode="replicate"))

# --- Losses -------------------------------------------------------------------------------------
la = seq([3, 4], 0.37)
lbt = seq([3, 4], 0.53, 1.0)
put("mse_mean", F.mse_loss(la, lbt))
put("mse_sum", F.mse_loss(la, lbt, reduction="sum"))
put("mse_none", F.mse_loss(la, lbt, reduction="none"))
put("l1_mean", F.l1_loss(la, lbt))
put("l1_sum", F.l1_loss(la, lbt, reduction="sum"))
logits = seq([4, 5], 0.61, 0.0, 2.0)
targets = torch.tensor([1, 0, 4, 2])
put("ce_mean", F.cross_entropy(logits, targets))
put("ce_sum", F.cross_entropy(logits, targets, reduction="sum"))
put("ce_none", F.cross_entropy(logits, targets, reduction="none"))
put("ce_smooth", F.cross_entropy(logits, targets, label_smoothing=0.1))
bt = (seq([4, 5], 0.29, 0.7) + 1) / 2
put("bce_logits_mean", F.binary_cross_entropy_with_logits(logits, bt))
put("bce_logits_none", F.binary_cross_entropy_with_logits(logits, bt, reduction="none"))

# --- Optimizers: a least-squares problem, float64 ----------------------------------------------
ox = seq([5, 3], 0.41, 0.0, 1.0, torch.float64)
oy = seq([5, 4], 0.13, 0.5, 1.0, torch.float64)


def run(make, steps=6):
    w = seq([3, 4], 0.37, 0.0, 1.0, torch.float64).requires_grad_()
    bias = seq([4], 0.5, 0.3, 1.0, torch.float64).requires_grad_()
    opt = make([w, bias])
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(ox @ w + bias, oy)
        loss.backward()
        opt.step()
    return w, bias


optimizers = {
    "adam_default": lambda p: torch.optim.Adam(p, lr=0.01),
    "adam_full": lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1, amsgrad=True),
    "sgd_plain_wd": lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.05),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "sgd_nesterov_wd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "sgd_dampening": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.3),
}
for name, make in optimizers.items():
    w, bias = run(make)
    put(name + "_w", w)
    put(name + "_b", bias)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
with open(path, "w") as f:
    json.dump({"torch_version": torch.__version__, "tensors": out}, f, separators=(",", ":"))
print("wrote", path, os.path.getsize(path), "bytes,", len(out), "tensors")
