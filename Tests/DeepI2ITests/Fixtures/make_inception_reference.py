"""Reference pool3 features of the FID Inception-v3 forward pass with synthetic weights, for
InceptionTests (torch 1.13; run once, outputs committed). The real FID weights are not available
offline, so the weights are a formula both sides evaluate with the same libtorch ops:
for the k-th state-dict entry (order of inception_fid_keys.txt) with n elements,
  conv weight  = sin(0.37 * arange(n) + k) * sqrt(2 / fan_in)      (reshaped)
  bn weight    = 1 + 0.1 * sin(0.37 * arange(n) + k)
  bn bias      = 0.1 * cos(0.37 * arange(n) + k)
  running_mean = 0.05 * sin(0.37 * arange(n) + k)
  running_var  = 1 + 0.2 * abs(sin(0.37 * arange(n) + k))
The forward follows pytorch-fid's InceptionV3 (resize_input, normalize_input for [-1,1] inputs,
blocks FIDInceptionA / InceptionB / FIDInceptionC / InceptionD / FIDInceptionE_1 / FIDInceptionE_2),
written functionally here. Writes inception_inputs.f32 ([2,3,32,32]) and inception_features.f32 ([2,2048]).
"""
import math, os
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def synthetic_state_dict():
    sd = {}
    lines = open(os.path.join(HERE, 'inception_fid_keys.txt')).read().split('\n')
    for k, line in enumerate(l for l in lines if l):
        name, shape = line.split(' ')
        shape = [int(s) for s in shape.split(',')] if shape else []
        if name.endswith('num_batches_tracked'):
            sd[name] = torch.tensor(0); continue
        n = max(1, math.prod(shape))
        base = torch.arange(n, dtype=torch.float32) * 0.37 + k
        if name.endswith('conv.weight'):
            t = torch.sin(base) * math.sqrt(2.0 / (shape[1] * shape[2] * shape[3]))
        elif name.endswith('bn.weight'):
            t = 1 + 0.1 * torch.sin(base)
        elif name.endswith('bn.bias'):
            t = 0.1 * torch.cos(base)
        elif name.endswith('running_mean'):
            t = 0.05 * torch.sin(base)
        else:
            t = 1 + 0.2 * torch.abs(torch.sin(base))
        sd[name] = t.reshape(shape)
    return sd


def conv(sd, name, x, stride=1, padding=0):
    x = F.conv2d(x, sd[name + '.conv.weight'], None, stride, padding)
    x = F.batch_norm(x, sd[name + '.bn.running_mean'], sd[name + '.bn.running_var'], sd[name + '.bn.weight'],
                     sd[name + '.bn.bias'], False, 0.0, 0.001)
    return F.relu(x)


def avg(x):
    return F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)


def block_a(sd, p, x):
    return torch.cat([conv(sd, p + 'branch1x1', x),
                      conv(sd, p + 'branch5x5_2', conv(sd, p + 'branch5x5_1', x), padding=2),
                      conv(sd, p + 'branch3x3dbl_3', conv(sd, p + 'branch3x3dbl_2', conv(sd, p + 'branch3x3dbl_1', x), padding=1), padding=1),
                      conv(sd, p + 'branch_pool', avg(x))], 1)


def block_b(sd, p, x):
    return torch.cat([conv(sd, p + 'branch3x3', x, stride=2),
                      conv(sd, p + 'branch3x3dbl_3', conv(sd, p + 'branch3x3dbl_2', conv(sd, p + 'branch3x3dbl_1', x), padding=1), stride=2),
                      F.max_pool2d(x, 3, 2)], 1)


def block_c(sd, p, x):
    b7 = conv(sd, p + 'branch7x7_1', x)
    b7 = conv(sd, p + 'branch7x7_2', b7, padding=(0, 3))
    b7 = conv(sd, p + 'branch7x7_3', b7, padding=(3, 0))
    d = conv(sd, p + 'branch7x7dbl_1', x)
    for i, pad in zip(range(2, 6), [(3, 0), (0, 3), (3, 0), (0, 3)]):
        d = conv(sd, p + 'branch7x7dbl_%d' % i, d, padding=pad)
    return torch.cat([conv(sd, p + 'branch1x1', x), b7, d, conv(sd, p + 'branch_pool', avg(x))], 1)


def block_d(sd, p, x):
    b3 = conv(sd, p + 'branch3x3_2', conv(sd, p + 'branch3x3_1', x), stride=2)
    b7 = conv(sd, p + 'branch7x7x3_1', x)
    b7 = conv(sd, p + 'branch7x7x3_2', b7, padding=(0, 3))
    b7 = conv(sd, p + 'branch7x7x3_3', b7, padding=(3, 0))
    b7 = conv(sd, p + 'branch7x7x3_4', b7, stride=2)
    return torch.cat([b3, b7, F.max_pool2d(x, 3, 2)], 1)


def block_e(sd, p, x, max_pool):
    b3 = conv(sd, p + 'branch3x3_1', x)
    b3 = torch.cat([conv(sd, p + 'branch3x3_2a', b3, padding=(0, 1)), conv(sd, p + 'branch3x3_2b', b3, padding=(1, 0))], 1)
    d = conv(sd, p + 'branch3x3dbl_2', conv(sd, p + 'branch3x3dbl_1', x), padding=1)
    d = torch.cat([conv(sd, p + 'branch3x3dbl_3a', d, padding=(0, 1)), conv(sd, p + 'branch3x3dbl_3b', d, padding=(1, 0))], 1)
    pool = F.max_pool2d(x, 3, 1, 1) if max_pool else avg(x)
    return torch.cat([conv(sd, p + 'branch1x1', x), b3, d, conv(sd, p + 'branch_pool', pool)], 1)


def features(sd, images):  # images in [-1, 1]
    x = F.interpolate(images, size=(299, 299), mode='bilinear', align_corners=False)
    x = conv(sd, 'Conv2d_1a_3x3', x, stride=2)
    x = conv(sd, 'Conv2d_2a_3x3', x)
    x = conv(sd, 'Conv2d_2b_3x3', x, padding=1)
    x = F.max_pool2d(x, 3, 2)
    x = conv(sd, 'Conv2d_3b_1x1', x)
    x = conv(sd, 'Conv2d_4a_3x3', x)
    x = F.max_pool2d(x, 3, 2)
    for name in ['Mixed_5b', 'Mixed_5c', 'Mixed_5d']:
        x = block_a(sd, name + '.', x)
    x = block_b(sd, 'Mixed_6a.', x)
    for name in ['Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e']:
        x = block_c(sd, name + '.', x)
    x = block_d(sd, 'Mixed_7a.', x)
    x = block_e(sd, 'Mixed_7b.', x, False)
    x = block_e(sd, 'Mixed_7c.', x, True)
    return F.adaptive_avg_pool2d(x, 1).flatten(1)


if __name__ == '__main__':
    torch.set_num_threads(2)
    sd = synthetic_state_dict()
    g = torch.Generator().manual_seed(99)
    inputs = (torch.rand(2, 3, 32, 32, generator=g) * 2 - 1).contiguous()
    with torch.no_grad():
        out = features(sd, inputs)
    inputs.numpy().astype('<f4').tofile(os.path.join(HERE, 'inception_inputs.f32'))
    out.numpy().astype('<f4').tofile(os.path.join(HERE, 'inception_features.f32'))
    print('features', tuple(out.shape), 'mean', out.mean().item(), 'std', out.std().item(), 'max', out.max().item())
