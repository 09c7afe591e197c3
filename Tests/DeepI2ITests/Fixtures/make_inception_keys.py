"""Expected state-dict keys and shapes of pytorch-fid's FID Inception-v3 (fc dropped), written from the
torchvision Inception3 / pytorch-fid source layout: every BasicConv2d is `conv` (bias-free) + `bn`.
Writes inception_fid_keys.txt: `key shape` per line, in state_dict order. Pure Python, run once."""
import os

def A(cin, pool):  # InceptionA / FIDInceptionA
    return [('branch1x1', cin, 64, 1, 1), ('branch5x5_1', cin, 48, 1, 1), ('branch5x5_2', 48, 64, 5, 5),
            ('branch3x3dbl_1', cin, 64, 1, 1), ('branch3x3dbl_2', 64, 96, 3, 3), ('branch3x3dbl_3', 96, 96, 3, 3),
            ('branch_pool', cin, pool, 1, 1)]

def B(cin):
    return [('branch3x3', cin, 384, 3, 3), ('branch3x3dbl_1', cin, 64, 1, 1), ('branch3x3dbl_2', 64, 96, 3, 3),
            ('branch3x3dbl_3', 96, 96, 3, 3)]

def C(cin, c7):
    return [('branch1x1', cin, 192, 1, 1), ('branch7x7_1', cin, c7, 1, 1), ('branch7x7_2', c7, c7, 1, 7),
            ('branch7x7_3', c7, 192, 7, 1), ('branch7x7dbl_1', cin, c7, 1, 1), ('branch7x7dbl_2', c7, c7, 7, 1),
            ('branch7x7dbl_3', c7, c7, 1, 7), ('branch7x7dbl_4', c7, c7, 7, 1), ('branch7x7dbl_5', c7, 192, 1, 7),
            ('branch_pool', cin, 192, 1, 1)]

def D(cin):
    return [('branch3x3_1', cin, 192, 1, 1), ('branch3x3_2', 192, 320, 3, 3), ('branch7x7x3_1', cin, 192, 1, 1),
            ('branch7x7x3_2', 192, 192, 1, 7), ('branch7x7x3_3', 192, 192, 7, 1), ('branch7x7x3_4', 192, 192, 3, 3)]

def E(cin):
    return [('branch1x1', cin, 320, 1, 1), ('branch3x3_1', cin, 384, 1, 1), ('branch3x3_2a', 384, 384, 1, 3),
            ('branch3x3_2b', 384, 384, 3, 1), ('branch3x3dbl_1', cin, 448, 1, 1), ('branch3x3dbl_2', 448, 384, 3, 3),
            ('branch3x3dbl_3a', 384, 384, 1, 3), ('branch3x3dbl_3b', 384, 384, 3, 1), ('branch_pool', cin, 192, 1, 1)]

convs = [('Conv2d_1a_3x3', 3, 32, 3, 3), ('Conv2d_2a_3x3', 32, 32, 3, 3), ('Conv2d_2b_3x3', 32, 64, 3, 3),
         ('Conv2d_3b_1x1', 64, 80, 1, 1), ('Conv2d_4a_3x3', 80, 192, 3, 3)]
blocks = [('Mixed_5b', A(192, 32)), ('Mixed_5c', A(256, 64)), ('Mixed_5d', A(288, 64)), ('Mixed_6a', B(288)),
          ('Mixed_6b', C(768, 128)), ('Mixed_6c', C(768, 160)), ('Mixed_6d', C(768, 160)), ('Mixed_6e', C(768, 192)),
          ('Mixed_7a', D(768)), ('Mixed_7b', E(1280)), ('Mixed_7c', E(2048))]
for prefix, spec in blocks:
    convs += [(prefix + '.' + n, a, b, h, w) for n, a, b, h, w in spec]
lines = []
for name, cin, cout, kh, kw in convs:
    lines.append('%s.conv.weight %d,%d,%d,%d' % (name, cout, cin, kh, kw))
    for p in ('weight', 'bias', 'running_mean', 'running_var'):
        lines.append('%s.bn.%s %d' % (name, p, cout))
    lines.append('%s.bn.num_batches_tracked ' % name)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'inception_fid_keys.txt'), 'w') as f:
    f.write('\n'.join(lines) + '\n')
print(len(lines), 'keys')
