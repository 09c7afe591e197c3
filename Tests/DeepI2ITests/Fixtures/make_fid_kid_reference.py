"""Reference FID/KID numbers for FIDKIDParityTests (run once with numpy + scipy; outputs are committed).

FID follows pytorch-fid's `calculate_frechet_distance` (scipy.linalg.sqrtm, eps offset when the
product is singular, real part of the trace). KID follows torch-fidelity's `kid_features_to_metric` /
`mmd2`: polynomial kernel (x.y / d + 1)^3, unbiased MMD^2 per subset; the subsets are drawn here and
written out so the Swift side evaluates the very same ones.

Files: fidkid_<case>_a.f64 / _b.f64 (raw little-endian float64, row-major [n, d]) and
fidkid_reference.json.
"""
import json, os
import numpy as np
from scipy import linalg

HERE = os.path.dirname(os.path.abspath(__file__))


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):  # pytorch-fid, verbatim logic
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def fid(a, b):
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def mmd2(f1, f2):  # torch-fidelity: polynomial kernel degree 3, gamma 1/d, coef0 1; unbiased
    d = f1.shape[1]
    k11 = (f1 @ f1.T / d + 1) ** 3
    k22 = (f2 @ f2.T / d + 1) ** 3
    k12 = (f1 @ f2.T / d + 1) ** 3
    m = f1.shape[0]
    kt_xx = k11.sum() - np.diag(k11).sum()
    kt_yy = k22.sum() - np.diag(k22).sum()
    return float((kt_xx + kt_yy) / (m * (m - 1)) - 2 * k12.sum() / (m * m))


def case(name, rng, n_a, n_b, d, shift):
    mix_a = rng.randn(d, d) / np.sqrt(d)
    mix_b = mix_a + 0.3 * rng.randn(d, d) / np.sqrt(d)
    a = rng.randn(n_a, d) @ mix_a + 0.5
    b = rng.randn(n_b, d) @ mix_b + 0.5 + shift
    a.astype('<f8').tofile(os.path.join(HERE, f'fidkid_{name}_a.f64'))
    b.astype('<f8').tofile(os.path.join(HERE, f'fidkid_{name}_b.f64'))
    subset_size = min(n_a, n_b) // 2
    subsets = []
    for _ in range(5):
        ia = rng.choice(n_a, subset_size, replace=False)
        ib = rng.choice(n_b, subset_size, replace=False)
        subsets.append({'a': ia.tolist(), 'b': ib.tolist(), 'mmd': mmd2(a[ia], b[ib])})
    mmds = np.array([s['mmd'] for s in subsets])
    m = min(n_a, n_b)
    return {'name': name, 'n_a': n_a, 'n_b': n_b, 'd': d, 'fid': fid(a, b),
            'kid_full_prefix': mmd2(a[:m], b[:m]), 'subsets': subsets,
            'kid_mean': float(mmds.mean()), 'kid_std': float(mmds.std())}


rng = np.random.RandomState(20201206)
cases = [case('wellposed', rng, 120, 100, 16, 0.25), case('singular', rng, 24, 20, 32, 0.1)]
with open(os.path.join(HERE, 'fidkid_reference.json'), 'w') as f:
    json.dump({'generator': 'make_fid_kid_reference.py (numpy %s, scipy)' % np.__version__, 'cases': cases}, f, indent=1)
for c in cases:
    print(c['name'], 'fid', c['fid'], 'kid', c['kid_mean'], c['kid_std'])
