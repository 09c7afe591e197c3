"""DeepI2I's networks in PyTorch, written from the official (BigGAN-PyTorch based) code's structure, for
side-by-side benchmarks with the Swift implementation on the same libtorch. Checked against the
reference vectors in shared/golden by `check_golden` below."""
import functools
import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SN:
    """BigGAN-PyTorch spectral norm: one power iteration per forward, buffers u0 and sv0."""

    def sn_init(self, num_outputs, eps):
        self.sn_eps = eps
        self.register_buffer("u0", torch.randn(1, num_outputs))
        self.register_buffer("sv0", torch.ones(1))

    def W_(self):
        W = self.weight.view(self.weight.size(0), -1)
        with torch.no_grad():
            v = F.normalize(torch.matmul(self.u0, W), eps=self.sn_eps)
            u = F.normalize(torch.matmul(v, W.t()), eps=self.sn_eps)
            if self.training:
                self.u0[:] = u
        sv = torch.squeeze(torch.matmul(torch.matmul(v, W.t()), u.t()))
        if self.training:
            with torch.no_grad():
                self.sv0[:] = sv
        return self.weight / sv


class SNConv2d(nn.Conv2d, SN):
    def __init__(self, cin, cout, kernel_size=3, padding=1, bias=True, eps=1e-6):
        nn.Conv2d.__init__(self, cin, cout, kernel_size, padding=padding, bias=bias)
        self.sn_init(cout, eps)

    def forward(self, x):
        return F.conv2d(x, self.W_(), self.bias, self.stride, self.padding)


class SNLinear(nn.Linear, SN):
    def __init__(self, cin, cout, bias=True, eps=1e-6):
        nn.Linear.__init__(self, cin, cout, bias)
        self.sn_init(cout, eps)

    def forward(self, x):
        return F.linear(x, self.W_(), self.bias)


class SNEmbedding(nn.Embedding, SN):
    def __init__(self, n, d, eps=1e-6):
        nn.Embedding.__init__(self, n, d)
        self.sn_init(n, eps)

    def forward(self, x):
        return F.embedding(x, self.W_())


class ccbn(nn.Module):
    def __init__(self, c, cond, eps=1e-5, sn_eps=1e-6):
        super().__init__()
        self.gain = SNLinear(cond, c, bias=False, eps=sn_eps)
        self.bias = SNLinear(cond, c, bias=False, eps=sn_eps)
        self.eps = eps
        self.register_buffer("stored_mean", torch.zeros(c))
        self.register_buffer("stored_var", torch.ones(c))

    def forward(self, x, y):
        gain = (1 + self.gain(y)).view(y.size(0), -1, 1, 1)
        bias = self.bias(y).view(y.size(0), -1, 1, 1)
        out = F.batch_norm(x, self.stored_mean, self.stored_var, None, None, self.training, 0.1, self.eps)
        return out * gain + bias


class bn(nn.Module):
    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps
        self.register_buffer("stored_mean", torch.zeros(c))
        self.register_buffer("stored_var", torch.ones(c))

    def forward(self, x):
        return F.batch_norm(x, self.stored_mean, self.stored_var, self.gain, self.bias, self.training, 0.1, self.eps)


class Attention(nn.Module):
    def __init__(self, ch, eps=1e-6):
        super().__init__()
        self.ch = ch
        self.theta = SNConv2d(ch, ch // 8, 1, 0, bias=False, eps=eps)
        self.phi = SNConv2d(ch, ch // 8, 1, 0, bias=False, eps=eps)
        self.g = SNConv2d(ch, ch // 2, 1, 0, bias=False, eps=eps)
        self.o = SNConv2d(ch // 2, ch, 1, 0, bias=False, eps=eps)
        self.gamma = nn.Parameter(torch.tensor(0.0))

    def forward(self, x):
        n, c, h, w = x.shape
        theta = self.theta(x).view(-1, c // 8, h * w)
        phi = F.max_pool2d(self.phi(x), [2, 2]).view(-1, c // 8, h * w // 4)
        g = F.max_pool2d(self.g(x), [2, 2]).view(-1, c // 2, h * w // 4)
        beta = F.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)
        o = self.o(torch.bmm(g, beta.transpose(1, 2)).view(-1, c // 2, h, w))
        return self.gamma * o + x


class GBlock(nn.Module):
    def __init__(self, cin, cout, cond, eps, sn_eps):
        super().__init__()
        self.conv1 = SNConv2d(cin, cout, eps=sn_eps)
        self.conv2 = SNConv2d(cout, cout, eps=sn_eps)
        self.conv_sc = SNConv2d(cin, cout, 1, 0, eps=sn_eps)
        self.bn1 = ccbn(cin, cond, eps, sn_eps)
        self.bn2 = ccbn(cout, cond, eps, sn_eps)

    def forward(self, x, y):
        h = F.relu(self.bn1(x, y))
        h = F.interpolate(h, scale_factor=2)
        x = F.interpolate(x, scale_factor=2)
        h = self.conv2(F.relu(self.bn2(self.conv1(h), y)))
        return h + self.conv_sc(x)


class DBlock(nn.Module):
    def __init__(self, cin, cout, preactivation, downsample, sn_eps):
        super().__init__()
        self.conv1 = SNConv2d(cin, cout, eps=sn_eps)
        self.conv2 = SNConv2d(cout, cout, eps=sn_eps)
        self.learnable_sc = cin != cout or downsample
        if self.learnable_sc:
            self.conv_sc = SNConv2d(cin, cout, 1, 0, eps=sn_eps)
        self.preactivation, self.downsample = preactivation, downsample

    def shortcut(self, x):
        if self.preactivation:
            if self.learnable_sc:
                x = self.conv_sc(x)
            if self.downsample:
                x = F.avg_pool2d(x, 2)
        else:
            if self.downsample:
                x = F.avg_pool2d(x, 2)
            if self.learnable_sc:
                x = self.conv_sc(x)
        return x

    def forward(self, x):
        h = F.relu(x) if self.preactivation else x
        h = self.conv2(F.relu(self.conv1(h)))
        if self.downsample:
            h = F.avg_pool2d(h, 2)
        return h + self.shortcut(x)


G_IN, G_OUT = [16, 16, 8, 4, 2], [16, 8, 4, 2, 1]
D_IN, D_OUT = [0, 1, 2, 4, 8, 16], [1, 2, 4, 8, 16, 16]
D_DOWN, D_RES = [True] * 5 + [False], [64, 32, 16, 8, 4, 4]
LEVELS = [32, 16, 8, 4]


class Generator(nn.Module):
    def __init__(self, ch, n_classes=1000, dim_z=120, shared_dim=128, eps=1e-5, sn_eps=1e-6, fusion=0.1):
        super().__init__()
        self.z_chunk = dim_z // 6
        cond = shared_dim + self.z_chunk
        self.shared = nn.Embedding(n_classes, shared_dim)
        self.linear = SNLinear(self.z_chunk, 16 * ch * 16, eps=sn_eps)
        blocks = []
        for i, (a, b) in enumerate(zip(G_IN, G_OUT)):
            block = [GBlock(a * ch, b * ch, cond, eps, sn_eps)]
            if i == 3:
                block.append(Attention(b * ch, sn_eps))
            blocks.append(nn.ModuleList(block))
        self.blocks = nn.ModuleList(blocks)
        self.output_layer = nn.Sequential(bn(ch, eps), nn.ReLU(), SNConv2d(ch, 3, eps=sn_eps))
        self.fusion = fusion

    def forward(self, z, y, feats=None):
        zs = torch.split(z, self.z_chunk, 1)
        ys = [torch.cat([y, item], 1) for item in zs[1:]]
        h = self.linear(zs[0]).view(z.size(0), -1, 4, 4)
        if feats is not None:
            h = h + self.fusion * feats[4]
        width = 4
        for index, blocklist in enumerate(self.blocks):
            for block in blocklist:
                h = block(h, ys[index]) if isinstance(block, GBlock) else block(h)
            width *= 2
            if feats is not None and width in feats:
                h = h + self.fusion * feats[width]
        return torch.tanh(self.output_layer(h))


class Discriminator(nn.Module):
    def __init__(self, ch, n_classes=1000, sn_eps=1e-6, head=True):
        super().__init__()
        blocks = []
        for i in range(6):
            cin = 3 if D_IN[i] == 0 else D_IN[i] * ch
            block = [DBlock(cin, D_OUT[i] * ch, i > 0, D_DOWN[i], sn_eps)]
            if i == 0:
                block.append(Attention(D_OUT[i] * ch, sn_eps))
            blocks.append(nn.ModuleList(block))
        self.blocks = nn.ModuleList(blocks)
        self.head = head
        if head:
            self.linear = SNLinear(16 * ch, 1, eps=sn_eps)
            self.embed = SNEmbedding(n_classes, 16 * ch, eps=sn_eps)

    def features(self, x):
        h, feats = x, {}
        for i, blocklist in enumerate(self.blocks):
            for block in blocklist:
                h = block(h)
            if D_RES[i] in LEVELS:
                feats[D_RES[i]] = h
        h = F.relu(h)
        feats[4] = h
        return h, feats

    def forward(self, x, y):
        h, feats = self.features(x)
        h = torch.sum(h, [2, 3])
        return self.linear(h) + torch.sum(self.embed(y) * h, 1, keepdim=True), feats


class Adaptor(nn.Module):
    def __init__(self, ch, sn_eps=1e-6):
        super().__init__()
        pairs = [(2, 4), (4, 8), (8, 16), (16, 16)]
        self.blocks = nn.ModuleList([nn.ModuleList([DBlock(a * ch, b * ch, True, False, sn_eps)]) for a, b in pairs])

    def forward(self, feats):
        return {w: self.blocks[i][0](feats[w]) for i, w in enumerate(LEVELS)}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    dtypes = {"F32": np.float32, "I64": np.int64}
    out = {}
    for k, v in header.items():
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[8 + n + a:8 + n + b], dtype=dtypes[v["dtype"]]).reshape(v["shape"]).copy())
    return out


def check_golden(folder):
    """Runs the golden inference case; returns the max abs error of the translation."""
    G, D, E, A = Generator(8), Discriminator(8), Discriminator(8, head=False), Adaptor(8)
    G.load_state_dict(read_safetensors(f"{folder}/G.safetensors"))
    D.load_state_dict(read_safetensors(f"{folder}/D.safetensors"))
    E.load_state_dict(read_safetensors(f"{folder}/E.safetensors"), strict=False)
    A.load_state_dict(read_safetensors(f"{folder}/A.safetensors"), strict=False)
    cases = read_safetensors(f"{folder}/cases.safetensors")
    for m in (G, D, E, A):
        m.eval()
    with torch.no_grad():
        out = G(cases["z"], G.shared(cases["y"]), A(E.features(cases["x"])[1]))
    return (out - cases["eval_G"]).abs().max().item()


if __name__ == "__main__":
    import sys
    print("max abs error vs eval_G:", check_golden(sys.argv[1] if len(sys.argv) > 1 else "../shared/golden/tiny128"))
