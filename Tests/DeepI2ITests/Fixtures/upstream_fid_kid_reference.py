"""Recomputes fidkid_reference.json's FID and KID values with the upstream code from PyPI:
pytorch-fid's `calculate_frechet_distance` and torch-fidelity's `kernel_mmd` (poly kernel, unbiased),
on the feature arrays make_fid_kid_reference.py wrote. Needs torch, scipy, numpy and
`pip install --no-deps pytorch-fid torch-fidelity` (scripts/setup.sh). Both packages import
torchvision/tqdm at module level for their feature extractors, which are not used here: they are
stubbed so that only the metric functions (run unchanged) are needed.
Usage: /usr/bin/python3 upstream_fid_kid_reference.py   (rewrites fidkid_reference.json in place)
"""
import json
import os
import sys
import types


class _Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name[:1].isupper():
            return type(name, (object,), {"__init__": lambda self, *a, **k: None})
        return _Stub(self.__name__ + "." + name)


for _name in ["torchvision", "torchvision.models", "torchvision.models.inception", "torchvision.transforms",
              "torchvision.datasets", "torchvision.models.utils", "torchvision.transforms.functional",
              "torchvision.io", "torchvision.utils", "tqdm"]:
    if _name.split(".")[0] in sys.modules and not isinstance(sys.modules[_name.split(".")[0]], _Stub):
        continue
    try:
        __import__(_name)
    except ImportError:
        _m = _Stub(_name)
        _m.__path__ = []
        sys.modules[_name] = _m
        if "." in _name:
            setattr(sys.modules[_name.rsplit(".", 1)[0]], _name.rsplit(".", 1)[1], _m)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from pytorch_fid.fid_score import calculate_frechet_distance  # noqa: E402
from torch_fidelity.metric_kid import kernel_mmd  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def kid(a, b):
    # gamma None is torch-fidelity's default 1/d.
    return float(kernel_mmd(a, b, kid_kernel="poly", kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None,
                            kid_kernel_poly_coef0=1, verbose=False))


def main():
    path = os.path.join(HERE, "fidkid_reference.json")
    root = json.load(open(path))
    for c in root["cases"]:
        a = np.fromfile(os.path.join(HERE, f"fidkid_{c['name']}_a.f64"), dtype="<f8").reshape(c["n_a"], c["d"])
        b = np.fromfile(os.path.join(HERE, f"fidkid_{c['name']}_b.f64"), dtype="<f8").reshape(c["n_b"], c["d"])
        fid = float(calculate_frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)))
        print(c["name"], "fid", fid, "previous", c["fid"], "relative change", abs(fid - c["fid"]) / abs(c["fid"]))
        c["fid"] = fid
        for s in c["subsets"]:
            value = kid(a[s["a"]], b[s["b"]])
            print("  subset mmd", value, "previous", s["mmd"])
            s["mmd"] = value
        m = min(c["n_a"], c["n_b"])
        c["kid_full_prefix"] = kid(a[:m], b[:m])
        mmds = np.array([s["mmd"] for s in c["subsets"]])
        c["kid_mean"], c["kid_std"] = float(mmds.mean()), float(mmds.std())
    root["generator"] = "upstream_fid_kid_reference.py (pytorch-fid calculate_frechet_distance, torch-fidelity kernel_mmd)"
    json.dump(root, open(path, "w"), indent=1)


if __name__ == "__main__":
    main()
