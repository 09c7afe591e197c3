"""DeepI2I's StyleGAN networks in PyTorch, written from ../../../shared/spec/official-stylegan.md (rosinality's
StyleGAN v1 as the official DeepI2I_StyleGAN/model.py uses it) for the side-by-side benchmark. Parameter
and buffer names follow the official state dicts, so the golden weights (../shared/golden/stylegan256) load
with strict=True; `divisor` divides every channel count (1 official, 8 for the golden)."""
import math

import torch
import torch.nn.functional as F
from torch import nn

RESOLUTION = [64, 32, 16, 8, 4]
FEA_W = {4: 0.1, 8: 0.1, 16: 0.1, 32: 0.1, 64: 0.0}
G_CHANNELS = [512, 512, 512, 512, 256, 128, 64, 32, 16]  # widths 4 .. 1024
D_CHANNELS = [(16, 32), (32, 64), (64, 128), (128, 256), (256, 512), (512, 512), (512, 512), (512, 512), (512, 512)]


def lrelu(x):
    return F.leaky_relu(x, 0.2)


class _EqConv(nn.Module):
    """Equalized learning rate: weight_orig scaled by sqrt(2 / fan_in) at every forward."""

    def __init__(self, cin, cout, k, padding):
        super().__init__()
        self.weight_orig = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = math.sqrt(2 / (cin * k * k))
        self.padding = padding

    def forward(self, x):
        return F.conv2d(x, self.weight_orig * self.scale, self.bias, padding=self.padding)


class EqualConv2d(nn.Module):
    def __init__(self, cin, cout, k, padding=0):
        super().__init__()
        self.conv = _EqConv(cin, cout, k, padding)

    def forward(self, x):
        return self.conv(x)


class _EqLinear(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.weight_orig = nn.Parameter(torch.randn(cout, cin))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = math.sqrt(2 / cin)

    def forward(self, x):
        return F.linear(x, self.weight_orig * self.scale, self.bias)


class EqualLinear(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.linear = _EqLinear(cin, cout)

    def forward(self, x):
        return self.linear(x)


class Blur(nn.Module):
    """Depthwise [1, 2, 1] x [1, 2, 1] / 16, padding 1 (the kernel is symmetric, so its flip is itself)."""

    def __init__(self, channels):
        super().__init__()
        k = torch.tensor([1.0, 2.0, 1.0])
        k = (k[:, None] * k[None, :]) / 16
        self.register_buffer("weight", k.expand(channels, 1, 3, 3).clone())
        self.register_buffer("weight_flip", torch.flip(self.weight, [2, 3]))

    def forward(self, x):
        return F.conv2d(x, self.weight, padding=1, groups=x.shape[1])


def _four_tap(w):
    w = F.pad(w, [1, 1, 1, 1])
    return (w[:, :, 1:, 1:] + w[:, :, :-1, 1:] + w[:, :, 1:, :-1] + w[:, :, :-1, :-1]) / 4


class FusedUpsample(nn.Module):
    """Transposed conv, stride 2, with the kernel averaged over its four 1-px shifts."""

    def __init__(self, cin, cout, k, padding=0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cin, cout, k, k))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.multiplier = math.sqrt(2 / (cin * k * k))
        self.pad = padding

    def forward(self, x):
        return F.conv_transpose2d(x, _four_tap(self.weight * self.multiplier), self.bias, stride=2, padding=self.pad)


class FusedDownsample(nn.Module):
    def __init__(self, cin, cout, k, padding=0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.multiplier = math.sqrt(2 / (cin * k * k))
        self.pad = padding

    def forward(self, x):
        return F.conv2d(x, _four_tap(self.weight * self.multiplier), self.bias, stride=2, padding=self.pad)


class PixelNorm(nn.Module):
    def forward(self, x):
        return x / torch.sqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)


class NoiseInjection(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight_orig = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.scale = math.sqrt(2 / channels)  # fan_in of a [1, C, 1, 1] weight

    def forward(self, x, noise):
        return x + self.weight_orig * self.scale * noise


class ConstantInput(nn.Module):
    def __init__(self, channels, size=4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, batch):
        return self.input.repeat(batch, 1, 1, 1)


class AdaptiveInstanceNorm(nn.Module):
    def __init__(self, channels, style_dim):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels)
        self.style = EqualLinear(style_dim, channels * 2)
        with torch.no_grad():
            self.style.linear.bias[:channels] = 1
            self.style.linear.bias[channels:] = 0

    def forward(self, x, style):
        gamma, beta = self.style(style).unsqueeze(2).unsqueeze(3).chunk(2, 1)
        return gamma * self.norm(x) + beta


class StyledConvBlock(nn.Module):
    def __init__(self, cin, cout, style_dim, initial=False, fused=False):
        super().__init__()
        if initial:
            self.conv1 = ConstantInput(cin)
        elif fused:
            self.conv1 = nn.Sequential(FusedUpsample(cin, cout, 3, padding=1), Blur(cout))
        else:
            self.conv1 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), EqualConv2d(cin, cout, 3, padding=1),
                                       Blur(cout))
        self.initial = initial
        self.noise1 = NoiseInjection(cout)
        self.adain1 = AdaptiveInstanceNorm(cout, style_dim)
        self.conv2 = EqualConv2d(cout, cout, 3, padding=1)
        self.noise2 = NoiseInjection(cout)
        self.adain2 = AdaptiveInstanceNorm(cout, style_dim)

    def forward(self, x, style, noise):
        out = self.conv1(style.shape[0]) if self.initial else self.conv1(x)
        out = self.adain1(lrelu(self.noise1(out, noise)), style)
        out = self.conv2(out)
        return self.adain2(lrelu(self.noise2(out, noise)), style)


class Generator(nn.Module):
    def __init__(self, style_dim, divisor=1, fused=True):
        super().__init__()
        c = [x // divisor for x in G_CHANNELS]
        self.progression = nn.ModuleList(
            [StyledConvBlock(c[0], c[0], style_dim, initial=True)]
            + [StyledConvBlock(c[i - 1], c[i], style_dim, fused=fused and i >= 5) for i in range(1, 9)])
        self.to_rgb = nn.ModuleList([EqualConv2d(ch, 3, 1) for ch in c])

    def forward(self, styles, noise, step, alpha=-1, mixing_range=(-1, -1), feats=None):
        out = noise[0]
        for i, (conv, to_rgb) in enumerate(zip(self.progression, self.to_rgb)):
            style = styles[1] if mixing_range[0] <= i <= mixing_range[1] and len(styles) > 1 else styles[0]
            if i > 0:
                prev = out
            out = conv(out, style, noise[i])
            width = 4 << i
            if feats is not None and width in RESOLUTION and FEA_W[width] != 0:
                out = out + feats[width] * FEA_W[width]
            if i == step:
                rgb = to_rgb(out)
                if i > 0 and 0 <= alpha < 1:
                    rgb = (1 - alpha) * F.interpolate(self.to_rgb[i - 1](prev), scale_factor=2, mode="nearest") + alpha * rgb
                return rgb
        return out


class StyledGenerator(nn.Module):
    def __init__(self, code_dim=512, n_mlp=8, divisor=1):
        super().__init__()
        self.generator = Generator(code_dim, divisor)
        layers = [PixelNorm()]
        for _ in range(n_mlp):
            layers += [EqualLinear(code_dim, code_dim), nn.LeakyReLU(0.2)]
        self.style = nn.Sequential(*layers)

    def forward(self, z, noise, step, mean_style=None, style_weight=0, mixing_range=(-1, -1), feats=None):
        styles = [self.style(x) for x in (z if isinstance(z, (list, tuple)) else [z])]
        if mean_style is not None:
            styles = [mean_style + style_weight * (s - mean_style) for s in styles]
        return self.generator(styles, noise, step, mixing_range=mixing_range, feats=feats)

    def mean_style(self, z):
        return self.style(z).mean(0, keepdim=True)


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, k1=3, p1=1, k2=None, p2=None, downsample=False, fused=False):
        super().__init__()
        k2, p2 = k2 or k1, p1 if p2 is None else p2
        self.conv1 = nn.Sequential(EqualConv2d(cin, cout, k1, padding=p1), nn.LeakyReLU(0.2))
        if downsample and fused:
            self.conv2 = nn.Sequential(Blur(cout), FusedDownsample(cout, cout, k2, padding=p2), nn.LeakyReLU(0.2))
        elif downsample:
            self.conv2 = nn.Sequential(Blur(cout), EqualConv2d(cout, cout, k2, padding=p2), nn.AvgPool2d(2), nn.LeakyReLU(0.2))
        else:
            self.conv2 = nn.Sequential(EqualConv2d(cout, cout, k2, padding=p2), nn.LeakyReLU(0.2))

    def forward(self, x):
        return self.conv2(self.conv1(x))


class Discriminator(nn.Module):
    """Also the encoder E: forward returns the logit and the features after each block whose width is in RESOLUTION."""

    def __init__(self, divisor=1, fused=True):
        super().__init__()
        d = [(a // divisor, b // divisor) for a, b in D_CHANNELS]
        self.progression = nn.ModuleList(
            [ConvBlock(a, b, downsample=True, fused=fused and i < 4) for i, (a, b) in enumerate(d[:8])]
            + [ConvBlock(d[8][0] + 1, d[8][1], 3, 1, 4, 0)])
        self.from_rgb = nn.ModuleList([nn.Sequential(EqualConv2d(3, a, 1), nn.LeakyReLU(0.2)) for a, _ in d])
        self.linear = EqualLinear(d[8][1], 1)

    def forward(self, x, step, alpha=-1):
        feats = {}
        n = len(self.progression)
        for i in range(step, -1, -1):
            index = n - i - 1
            if i == step:
                out = self.from_rgb[index](x)
            if i == 0:
                std = torch.sqrt(out.var(0, unbiased=False) + 1e-8)
                out = torch.cat([out, std.mean().expand(out.size(0), 1, 4, 4)], 1)
            out = self.progression[index](out)
            if i > 0 and i == step and 0 <= alpha < 1:
                out = (1 - alpha) * self.from_rgb[index + 1](F.avg_pool2d(x, 2)) + alpha * out
            width = 512 >> index
            if i > 0 and width in RESOLUTION:
                feats[width] = out
        return self.linear(out.squeeze(2).squeeze(2)), feats


class Alignment(nn.Module):
    def __init__(self, divisor=1):
        super().__init__()
        self.progression = nn.ModuleList([ConvBlock(c // divisor, c // divisor) for c in (256, 512, 512, 512, 512)])

    def forward(self, feats):
        return {w: block(feats[w]) for w, block in zip(RESOLUTION, self.progression)}


def load_safetensors(path):
    """A safetensors file as {name: tensor} without the safetensors package (header + raw little-endian data)."""
    import json
    import struct
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "F16": torch.float16}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=dtypes[info["dtype"]]).reshape(info["shape"]).clone()
    return out
