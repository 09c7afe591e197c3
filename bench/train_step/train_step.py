"""One DeepI2I training step (phase 2: D step, then G/A step; E frozen) in PyTorch, with BigGAN-PyTorch's
layers written from ../../../shared/spec/official-model.md, at the same shapes as `deepi2i bench-train-step`.
Prints JSON: it/s and peak resident memory (VmHWM)."""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class SN(nn.Module):
    """BigGAN-style spectral norm: one power iteration per forward, u0/sv0 buffers."""
    def __init__(self, weight_shape_out):
        super().__init__()
        self.register_buffer('u0', torch.randn(1, weight_shape_out))
        self.register_buffer('sv0', torch.ones(1))

    def sn(self, W):
        Wm = W.view(W.size(0), -1)
        with torch.no_grad():
            v = F.normalize(self.u0 @ Wm, dim=1, eps=1e-6)
            u = F.normalize(v @ Wm.t(), dim=1, eps=1e-6)
            if self.training:
                self.u0.copy_(u)
        sigma = (v @ Wm.t() @ u.t()).squeeze()
        if self.training:
            self.sv0.copy_(sigma.detach())
        return W / sigma


class SNConv(SN):
    def __init__(self, i, o, k=3, bias=True):
        super().__init__(o)
        self.weight = nn.Parameter(torch.empty(o, i, k, k)); nn.init.orthogonal_(self.weight)
        self.bias = nn.Parameter(torch.zeros(o)) if bias else None
        self.pad = k // 2

    def forward(self, x):
        return F.conv2d(x, self.sn(self.weight), self.bias, padding=self.pad)


class SNLinear(SN):
    def __init__(self, i, o, bias=True):
        super().__init__(o)
        self.weight = nn.Parameter(torch.empty(o, i)); nn.init.orthogonal_(self.weight)
        self.bias = nn.Parameter(torch.zeros(o)) if bias else None

    def forward(self, x):
        return F.linear(x, self.sn(self.weight), self.bias)


class CCBN(nn.Module):
    def __init__(self, c, cond):
        super().__init__()
        self.gain, self.bias = SNLinear(cond, c, False), SNLinear(cond, c, False)
        self.register_buffer('stored_mean', torch.zeros(c)); self.register_buffer('stored_var', torch.ones(c))

    def forward(self, x, y):
        g = (1 + self.gain(y)).view(y.size(0), -1, 1, 1); b = self.bias(y).view(y.size(0), -1, 1, 1)
        return F.batch_norm(x, self.stored_mean, self.stored_var, None, None, self.training, 0.1, 1e-5) * g + b


class GBlock(nn.Module):
    def __init__(self, i, o, cond):
        super().__init__()
        self.bn1, self.bn2 = CCBN(i, cond), CCBN(o, cond)
        self.conv1, self.conv2, self.conv_sc = SNConv(i, o), SNConv(o, o), SNConv(i, o, 1)

    def forward(self, x, y):
        h = F.interpolate(F.relu(self.bn1(x, y)), scale_factor=2)
        h = self.conv2(F.relu(self.bn2(self.conv1(h), y)))
        return h + self.conv_sc(F.interpolate(x, scale_factor=2))


class DBlock(nn.Module):
    def __init__(self, i, o, preact=True, down=True):
        super().__init__()
        self.conv1, self.conv2 = SNConv(i, o), SNConv(o, o)
        self.learnable_sc = i != o or down
        self.conv_sc = SNConv(i, o, 1) if self.learnable_sc else None
        self.preact, self.down = preact, down

    def forward(self, x):
        h = F.relu(x) if self.preact else x
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down: h = F.avg_pool2d(h, 2)
        sc = x
        if self.learnable_sc:
            if self.preact:
                sc = self.conv_sc(x); sc = F.avg_pool2d(sc, 2) if self.down else sc
            else:
                sc = self.conv_sc(F.avg_pool2d(x, 2) if self.down else x)
        return h + sc


class G(nn.Module):
    """32x32: 3 blocks of 4ch, hierarchical z (4 chunks of 20), fusion at widths 4 and 8 (weight 0.1)."""
    def __init__(self, ch, classes):
        super().__init__()
        c = 4 * ch
        self.shared = nn.Embedding(classes, 128)
        self.linear = SNLinear(20, c * 16)
        self.blocks = nn.ModuleList([GBlock(c, c, 148) for _ in range(3)])
        self.bn = nn.BatchNorm2d(c); self.out = SNConv(c, 3)
        self.c = c

    def forward(self, z, e, fused):
        zs = torch.split(z, 20, 1)
        h = self.linear(zs[0]).view(z.size(0), self.c, 4, 4) + 0.1 * fused[4]
        for i, b in enumerate(self.blocks):
            h = b(h, torch.cat([e, zs[i + 1]], 1))
            if h.size(-1) == 8: h = h + 0.1 * fused[8]
        return torch.tanh(self.out(F.relu(self.bn(h))))


class Trunk(nn.Module):
    def __init__(self, ch):
        super().__init__()
        c = 4 * ch
        self.blocks = nn.ModuleList([DBlock(3, c, False), DBlock(c, c), DBlock(c, c), DBlock(c, c, True, False)])

    def forward(self, x):
        feats = {}
        h = x
        for b in self.blocks:
            h = b(h); w = h.size(-1)
            if w in (8, 4): feats[w] = h
        h = F.relu(h); feats[4] = h
        return h, feats


class D(nn.Module):
    def __init__(self, ch, classes):
        super().__init__()
        self.trunk = Trunk(ch); self.linear = SNLinear(4 * ch, 1); self.embed = nn.Embedding(classes, 4 * ch)

    def forward(self, x, y):
        h, feats = self.trunk(x)
        h = h.sum([2, 3])
        return self.linear(h) + (self.embed(y) * h).sum(1, keepdim=True), feats


class A(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.blocks = nn.ModuleDict({'8': DBlock(4 * ch, 4 * ch, True, False), '4': DBlock(4 * ch, 4 * ch, True, False)})

    def forward(self, f):
        return {8: self.blocks['8'](f[8]), 4: self.blocks['4'](f[4])}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--channels', type=int, default=32); p.add_argument('--batch', type=int, default=16)
    p.add_argument('--classes', type=int, default=10); p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--iterations', type=int, default=20); p.add_argument('--threads', type=int, default=0)
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    g, d, e, ad = G(a.channels, a.classes), D(a.channels, a.classes), Trunk(a.channels), A(a.channels)
    for m in (g, d, e, ad): m.train()
    for q in e.parameters(): q.requires_grad_(False)
    opt = lambda m, lr: torch.optim.Adam(m.parameters(), lr=lr, betas=(0, 0.999), eps=1e-6)
    og, od, oa = opt(g, 1e-4), opt(d, 4e-4), opt(ad, 4e-4)
    x = torch.rand(a.batch, 3, 32, 32) * 2 - 1
    y = torch.arange(a.batch) % a.classes
    w = {8: 0.01 if 8 >= 32 else 0.1, 4: 0.1}

    def step():
        yt = torch.randint(0, a.classes, (a.batch,)); zd = torch.randn(a.batch, 80); zg = torch.randn(a.batch, 80)
        for q in d.parameters(): q.requires_grad_(True)
        od.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = g(zd, g.shared(yt), ad(e(x)[1]))
        # One D pass over [fakes; reals], as BigGAN's G_D and deepi2i's step do.
        logits = d(torch.cat([fake, x]), torch.cat([yt, y]))[0]
        n = a.batch
        loss = F.relu(1 - logits[n:]).mean() + F.relu(1 + logits[:n]).mean()
        loss.backward(); od.step()
        for q in d.parameters(): q.requires_grad_(False)
        og.zero_grad(set_to_none=True); oa.zero_grad(set_to_none=True)
        fake = g(zg, g.shared(yt), ad(e(x)[1]))
        logits, f = d(torch.cat([fake, x]), torch.cat([yt, y]))
        loss = -logits[:n].mean() + sum(w[k] * F.mse_loss(f[k][:n], f[k][n:]) for k in (8, 4))
        loss.backward(); og.step(); oa.step()

    for _ in range(a.warmup): step()
    t = time.time()
    for _ in range(a.iterations): step()
    rate = a.iterations / (time.time() - t)
    hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))
    print(json.dumps({'impl': 'pytorch', 'it_per_s': rate, 'vmhwm_kb': hwm, 'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main()
