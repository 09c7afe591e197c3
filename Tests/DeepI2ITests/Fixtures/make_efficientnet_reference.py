"""EfficientNet-Lite0 reference features for EfficientNetParityTests (torch 1.13; run once, outputs committed).

The architecture is written out here independently of any library: TF-"SAME" padded convolutions,
ReLU6, no squeeze-excite, BatchNorm eps 1e-3, blocks from efficientnet_lite_builder
(r1_k3_s1_e1_32_16, r2_k3_s2_e6_16_24, r2_k5_s2_e6_24_40, r3_k3_s2_e6_40_80, r3_k5_s1_e6_80_112,
r4_k5_s2_e6_112_192, r1_k3_s1_e6_192_320), head 1x1 conv to 1280, global average pool.
Pre-processing as in deepi2i: [-1,1] images, bilinear resize (align_corners=False, no antialias) to
224, then TF-Lite normalisation (pixel - 127) / 128, i.e. x * 127.5/128 + 0.5/128.

Usage: /usr/bin/python3 make_efficientnet_reference.py PATH/efficientnet-lite0-57934424.pth
Writes efficientnet_inputs.f32 ([3,3,32,32]) and efficientnet_features.f32 ([3,1280]).
"""
import math, os, sys
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCKS = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]


def same_conv(x, w, stride, groups=1):
    ih, iw = x.shape[-2:]
    kh, kw = w.shape[-2:]
    oh, ow = math.ceil(ih / stride), math.ceil(iw / stride)
    ph = max((oh - 1) * stride + kh - ih, 0)
    pw = max((ow - 1) * stride + kw - iw, 0)
    x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
    return F.conv2d(x, w, None, stride, 0, 1, groups)


def bn(x, sd, p):
    return F.batch_norm(x, sd[p + '.running_mean'], sd[p + '.running_var'], sd[p + '.weight'], sd[p + '.bias'],
                        False, 0.0, 1e-3)


def features(sd, images):
    x = F.interpolate(images, size=(224, 224), mode='bilinear', align_corners=False)
    x = x * (127.5 / 128) + 0.5 / 128
    x = F.relu6(bn(same_conv(x, sd['_conv_stem.weight'], 2), sd, '_bn0'))
    i = 0
    for repeats, k, stride, expand, cin, cout in BLOCKS:
        for r in range(repeats):
            p = '_blocks.%d.' % i
            s = stride if r == 0 else 1
            inp = x
            if expand != 1:
                x = F.relu6(bn(same_conv(x, sd[p + '_expand_conv.weight'], 1), sd, p + '_bn0'))
            x = F.relu6(bn(same_conv(x, sd[p + '_depthwise_conv.weight'], s, groups=x.shape[1]), sd, p + '_bn1'))
            x = bn(same_conv(x, sd[p + '_project_conv.weight'], 1), sd, p + '_bn2')
            if s == 1 and inp.shape[1] == x.shape[1]:
                x = x + inp
            i += 1
    x = F.relu6(bn(same_conv(x, sd['_conv_head.weight'], 1), sd, '_bn1'))
    return x.mean(dim=(2, 3))


if __name__ == '__main__':
    sd = torch.load(sys.argv[1], map_location='cpu')
    g = torch.Generator().manual_seed(1234)
    noise = torch.rand(1, 3, 32, 32, generator=g) * 2 - 1
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, 32), torch.linspace(-1, 1, 32), indexing='ij')
    smooth = torch.stack([torch.sin(3 * xx), torch.cos(2 * yy), xx * yy]).unsqueeze(0)
    blob = (((xx ** 2 + yy ** 2) < 0.4).float() * 1.6 - 0.8).expand(3, 32, 32).unsqueeze(0)
    inputs = torch.cat([noise, smooth, blob]).contiguous()
    with torch.no_grad():
        out = features(sd, inputs)
    inputs.numpy().astype('<f4').tofile(os.path.join(HERE, 'efficientnet_inputs.f32'))
    out.numpy().astype('<f4').tofile(os.path.join(HERE, 'efficientnet_features.f32'))
    print('features', tuple(out.shape), 'mean', out.mean().item(), 'first', out[:, :4].tolist())
