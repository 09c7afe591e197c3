"""Regenerates the torch.save fixtures: `/usr/bin/python3 make_fixtures.py` (needs torch).

ckpt_zip.pth and ckpt_legacy.pth hold the same object (zip and legacy serialization);
expected.json lists every tensor the Swift reader must find, in file order, with its dtype,
shape and contiguous values, plus the names of the non-tensor entries it must skip.
"""
import collections
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {
    torch.float64: "f64", torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16",
    torch.int64: "i64", torch.int32: "i32", torch.int16: "i16", torch.int8: "i8",
    torch.uint8: "u8", torch.bool: "bool",
}


def build():
    torch.manual_seed(0)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    linear = torch.nn.Linear(3, 2)
    views = collections.OrderedDict()
    views["base"] = base
    views["transposed"] = base.t()                 # strides (1, 6), shares base's storage
    views["slice"] = base[1:3, 2:5]                # storage offset 8, strides (6, 1)
    views["every_other"] = base[:, ::2]            # strides (6, 2)
    views["expanded"] = torch.arange(3, dtype=torch.int64).expand(2, 3)  # stride 0
    views["row"] = base[2]                         # 1-D view with offset 12
    dtypes = collections.OrderedDict()
    dtypes["f64"] = torch.tensor([1.0, -2.5, 1e-300], dtype=torch.float64)
    dtypes["f16"] = torch.tensor([[0.5, -1.0, 65504.0], [1e-3, 0.0, -0.0]], dtype=torch.float16)
    dtypes["bf16"] = torch.randn(2, 3).to(torch.bfloat16)
    dtypes["bf16_t"] = dtypes["bf16"].t()
    dtypes["i64"] = torch.tensor([-(2**40), 0, 2**40 + 7], dtype=torch.int64)
    dtypes["i32"] = torch.tensor([-5, 7], dtype=torch.int32)
    dtypes["i16"] = torch.tensor([-300, 300], dtype=torch.int16)
    dtypes["i8"] = torch.tensor([-128, 127], dtype=torch.int8)
    dtypes["u8"] = torch.tensor([[0, 255], [7, 8]], dtype=torch.uint8)
    dtypes["bool"] = torch.tensor([True, False, True])
    dtypes["scalar"] = torch.tensor(3.25)
    dtypes["empty"] = torch.zeros(0, 3)
    return {
        "model": linear.state_dict(),              # OrderedDict with _metadata (BUILD)
        "views": views,
        "dtypes": dtypes,
        "param": torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]])),
        "nested": {"inner": {"deep": torch.tensor([9, 8, 7], dtype=torch.int32)}, "note": "skip me"},
        "list": [torch.tensor([1.0]), 5],
        "epoch": 7,
    }


def expected(obj):
    tensors, skipped = [], []

    def walk(value, name):
        if isinstance(value, torch.Tensor):
            t = value.detach().contiguous()
            values = t.to(torch.float64).flatten().tolist() if t.dtype not in (torch.int64,) else t.flatten().tolist()
            tensors.append({"name": name, "dtype": DTYPES[t.dtype], "shape": list(t.shape), "values": values})
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{name}.{k}" if name else str(k))
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, f"{name}.{i}" if name else str(i))
        else:
            skipped.append(name)

    walk(obj, "")
    return {"tensors": tensors, "skipped": skipped}


def main():
    obj = build()
    torch.save(obj, os.path.join(HERE, "ckpt_zip.pth"))
    torch.save(obj, os.path.join(HERE, "ckpt_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(obj["views"]["slice"], os.path.join(HERE, "single_tensor.pth"))
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected(obj), f, indent=1)


if __name__ == "__main__":
    main()
