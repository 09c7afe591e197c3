"""Writes a reference folder in the format of shared/golden/README.md with the PyTorch networks of
bench/pipeline/deepi2i_torch.py (which reproduce the golden vectors), for other seeds, batch sizes and
classes. Used by the tests to show that `deepi2i reference-check` works on any folder of that format.
Usage: /usr/bin/python3 make_reference_folder.py OUT [--seed S] [--batch B] [--ch C]"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../../bench/pipeline"))
from deepi2i_torch import Adaptor, Discriminator, Generator  # noqa: E402


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().contiguous().numpy()
        dtype = {np.float32: "F32", np.int64: "I64"}[a.dtype.type]
        b = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--batch", type=int, default=3)
    p.add_argument("--ch", type=int, default=8)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    ch, n = a.ch, a.batch
    G, D, E, A = Generator(ch), Discriminator(ch), Discriminator(ch, head=False), Adaptor(ch)
    for m in (G, D, E, A):
        for p_ in m.parameters():  # non-trivial values everywhere, including gamma and BN gains
            with torch.no_grad():
                p_.add_(0.05 * torch.randn_like(p_))
    x = torch.rand(n, 3, 128, 128) * 2 - 1
    z = torch.randn(n, 120)
    y = torch.randint(0, 1000, (n,))
    y_real = torch.randint(0, 1000, (n,))
    # Move the buffers away from their initial values, as the golden folder does.
    for m in (G, D, E, A):
        m.train()
    with torch.no_grad():
        for _ in range(2):
            G(z, G.shared(y), A(E.features(x)[1]))
            D(x, y_real)
    weights = {"G": G.state_dict(), "D": D.state_dict(), "E": E.state_dict(), "A": A.state_dict()}
    for k, sd in weights.items():
        write_safetensors(f"{a.out}/{k}.safetensors", sd)
    cases = {"x": x, "z": z, "y": y, "y_real": y_real}
    for m in (G, D, E, A):
        m.eval()
    with torch.no_grad():
        ef = E.features(x)[1]
        af = A(ef)
        g = G(z, G.shared(y), af)
        cases["eval_G"] = g
        cases["eval_G_z0"] = G(torch.zeros_like(z), G.shared(y), af)
        logit, df = D(g, y)
        cases["eval_D_logit"] = logit
        for w in (32, 16, 8, 4):
            cases[f"eval_E_{w}"], cases[f"eval_A_{w}"], cases[f"eval_D_{w}"] = ef[w], af[w], df[w]
    for m in (G, D, E, A):
        m.train()
    with torch.no_grad():
        ef = {k: v.detach() for k, v in E.features(x)[1].items()}
    fake = G(z, G.shared(y), A(ef))
    logits, f = D(torch.cat([fake, x]), torch.cat([y, y_real]))
    rec = {4: 0.1, 8: 0.1, 16: 0.1, 32: 0.01}
    adv = -logits[:n].mean()
    mse = sum(k * torch.nn.functional.mse_loss(f[w][:n], f[w][n:]) for w, k in rec.items())
    l1 = sum(k * torch.nn.functional.l1_loss(f[w][:n], f[w][n:]) for w, k in rec.items())
    cases.update({"train_G": fake, "train_D_logit": logits, "loss_G_adv": adv.reshape(1), "loss_rec_mse": mse.reshape(1),
                  "loss_rec_l1": l1.reshape(1), "loss_D_real": torch.relu(1 - logits[n:]).mean().reshape(1),
                  "loss_D_fake": torch.relu(1 + logits[:n]).mean().reshape(1)})
    (adv + mse).backward()
    grads = {f"{k}.{name}": p_.grad for k, m in (("A", A), ("G", G)) for name, p_ in m.named_parameters() if p_.grad is not None}
    write_safetensors(f"{a.out}/cases.safetensors", cases)
    write_safetensors(f"{a.out}/grads.safetensors", grads)
    buffers = {f"{k}.{name}": b for k, m in (("G", G), ("D", D), ("E", E), ("A", A)) for name, b in m.named_buffers()}
    write_safetensors(f"{a.out}/buffers_after_train_forward.safetensors", buffers)
    config = {"G_ch": ch, "D_ch": ch, "resolution": 128, "n_classes": 1000, "dim_z": 120, "shared_dim": 128, "hier": True,
              "G_attn": "64", "D_attn": "64", "SN_eps": 1e-6, "BN_eps": 1e-5, "num_G_SVs": 1, "num_G_SV_itrs": 1,
              "fusion_weight": {"4": 0.1, "8": 0.1, "16": 0.1, "32": 0.1}, "rec_weight": {str(k): v for k, v in rec.items()},
              "batch": n}
    with open(f"{a.out}/config.json", "w") as fh:
        json.dump(config, fh, indent=1)


if __name__ == "__main__":
    main()
