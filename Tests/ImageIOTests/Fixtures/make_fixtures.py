#!/usr/bin/env python3
"""Regenerates the ImageIO test fixtures (small PNG/JPEG files plus expected raw pixels).

Run from this folder: python3 make_fixtures.py   (needs numpy and pillow).
Expected pixel files (*.bin) hold the 8-bit interleaved pixels our decoder must produce.
"""
import io, json, struct, zlib
import numpy as np
from PIL import Image, ImageOps

rng = np.random.default_rng(1234)
manifest = {"png": [], "jpeg": [], "resize": []}


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(name, width, height, depth, color, raw_rows, extra=b""):
    """Minimal PNG writer for formats PIL cannot save (16-bit RGB(A)/GA, tRNS on grey/RGB)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    data = b"".join(b"\x00" + row for row in raw_rows)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b"")
    open(name, "wb").write(png)


def add_png(name, layout, expected):
    expected.astype(np.uint8).tofile(name.replace(".png", ".bin"))
    manifest["png"].append({"file": name, "layout": layout, "width": int(expected.shape[1]), "height": int(expected.shape[0])})


W, H = 7, 5
g8 = rng.integers(0, 256, (H, W), dtype=np.uint8)
g16 = rng.integers(0, 65536, (H, W), dtype=np.uint16)
rgb8 = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
rgb16 = rng.integers(0, 65536, (H, W, 3), dtype=np.uint16)
a8 = rng.integers(0, 256, (H, W), dtype=np.uint8)
a16 = rng.integers(0, 65536, (H, W), dtype=np.uint16)

write_png("grey8.png", W, H, 8, 0, [r.tobytes() for r in g8]); add_png("grey8.png", "grey", g8)
write_png("grey16.png", W, H, 16, 0, [r.astype(">u2").tobytes() for r in g16]); add_png("grey16.png", "grey", g16 >> 8)
bits = (g8 >> 7).astype(np.uint8)  # 1-bit grey expands 0/1 -> 0/255
write_png("grey1.png", W, H, 1, 0, [np.packbits(r).tobytes() for r in bits]); add_png("grey1.png", "grey", bits * 255)
ga8 = np.stack([g8, a8], -1)
write_png("greyalpha8.png", W, H, 8, 4, [r.tobytes() for r in ga8]); add_png("greyalpha8.png", "greyAlpha", ga8)
ga16 = np.stack([g16, a16], -1)
write_png("greyalpha16.png", W, H, 16, 4, [r.astype(">u2").tobytes() for r in ga16]); add_png("greyalpha16.png", "greyAlpha", ga16 >> 8)
write_png("rgb8.png", W, H, 8, 2, [r.tobytes() for r in rgb8]); add_png("rgb8.png", "rgb", rgb8)
write_png("rgb16.png", W, H, 16, 2, [r.astype(">u2").tobytes() for r in rgb16]); add_png("rgb16.png", "rgb", rgb16 >> 8)
rgba8 = np.concatenate([rgb8, a8[..., None]], -1)
write_png("rgba8.png", W, H, 8, 6, [r.tobytes() for r in rgba8]); add_png("rgba8.png", "rgba", rgba8)
rgba16 = np.concatenate([rgb16, a16[..., None]], -1)
write_png("rgba16.png", W, H, 16, 6, [r.astype(">u2").tobytes() for r in rgba16]); add_png("rgba16.png", "rgba", rgba16 >> 8)
# Palette (4-bit indices), without and with tRNS.
palette = rng.integers(0, 256, (16, 3), dtype=np.uint8)
alpha = rng.integers(0, 256, 16, dtype=np.uint8)
idx = rng.integers(0, 16, (H, W), dtype=np.uint8)
packed = [np.packbits(np.unpackbits(r[:, None], axis=1)[:, 4:].reshape(-1)).tobytes() for r in idx]
write_png("palette.png", W, H, 4, 3, packed, chunk(b"PLTE", palette.tobytes())); add_png("palette.png", "rgb", palette[idx])
write_png("palette_trns.png", W, H, 4, 3, packed, chunk(b"PLTE", palette.tobytes()) + chunk(b"tRNS", alpha[:10].tobytes()))
full_alpha = np.concatenate([alpha[:10], np.full(6, 255, np.uint8)])
add_png("palette_trns.png", "rgba", np.concatenate([palette[idx], full_alpha[idx][..., None]], -1))
# tRNS colour key on grey and RGB: matching pixels get alpha 0.
g8k = g8.copy(); g8k[0, 0] = 77; g8k[2, 3] = 77
write_png("grey_trns.png", W, H, 8, 0, [r.tobytes() for r in g8k], chunk(b"tRNS", struct.pack(">H", 77)))
add_png("grey_trns.png", "greyAlpha", np.stack([g8k, np.where(g8k == 77, 0, 255).astype(np.uint8)], -1))
rgbk = rgb8.copy(); rgbk[1, 1] = [10, 20, 30]
write_png("rgb_trns.png", W, H, 8, 2, [r.tobytes() for r in rgbk], chunk(b"tRNS", struct.pack(">HHH", 10, 20, 30)))
key = np.all(rgbk == [10, 20, 30], -1)
add_png("rgb_trns.png", "rgba", np.concatenate([rgbk, np.where(key, 0, 255).astype(np.uint8)[..., None]], -1))
# Adam7 interlaced RGB via PIL is not available; use a larger interlaced grey written by PIL? PIL cannot interlace,
# so exercise interlacing through libpng in the Swift tests instead (round trip not needed).

# JPEG: smooth content so that decoder differences stay within a level or two.
yy, xx = np.mgrid[0:24, 0:32]
smooth = np.stack([xx * 7, yy * 9, (xx + yy) * 4], -1).astype(np.uint8)
Image.fromarray(smooth).save("rgb.jpg", quality=95)
Image.fromarray(smooth[..., 0]).save("grey.jpg", quality=95)
Image.fromarray(smooth).convert("CMYK").save("cmyk.jpg", quality=95)
for name, layout in [("rgb.jpg", "rgb"), ("grey.jpg", "grey"), ("cmyk.jpg", "rgb")]:
    im = Image.open(name)
    ref = np.asarray(im.convert("L" if layout == "grey" else "RGB"))
    ref.tofile(name.replace(".jpg", ".bin"))
    manifest["jpeg"].append({"file": name, "layout": layout, "width": int(ref.shape[1]), "height": int(ref.shape[0]), "mode": im.mode})
# EXIF orientation 1..8 on a non-square image with distinct quadrants.
quad = np.zeros((16, 24, 3), np.uint8)
quad[:8, :12] = [255, 0, 0]; quad[:8, 12:] = [0, 255, 0]; quad[8:, :12] = [0, 0, 255]; quad[8:, 12:] = [255, 255, 0]
for o in range(1, 9):
    exif = Image.Exif(); exif[0x0112] = o
    name = f"orient{o}.jpg"
    Image.fromarray(quad).save(name, quality=95, exif=exif.tobytes())
    ref = np.asarray(ImageOps.exif_transpose(Image.open(name)).convert("RGB"))
    ref.tofile(name.replace(".jpg", ".bin"))
    manifest["jpeg"].append({"file": name, "layout": "rgb", "width": int(ref.shape[1]), "height": int(ref.shape[0]), "mode": "RGB"})

# Resize references: PIL resize with reducing_gap=None.
src = rng.integers(0, 256, (23, 37, 3), dtype=np.uint8)
src[5:15, 10:25] = [250, 10, 10]  # a hard edge so the kernels' ringing is exercised
Image.fromarray(src).save("resize_src.png")
filters = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "lanczos": Image.LANCZOS, "box": Image.BOX}
for (w, h, f) in [(16, 16, "bicubic"), (64, 48, "bicubic"), (10, 7, "bilinear"), (37, 11, "bilinear"),
                  (5, 40, "bicubic"), (20, 20, "lanczos"), (13, 9, "box"), (3, 3, "bicubic")]:
    out = np.asarray(Image.fromarray(src).resize((w, h), filters[f], reducing_gap=None))
    name = f"resize_{w}x{h}_{f}.bin"
    out.tofile(name)
    manifest["resize"].append({"file": name, "width": w, "height": h, "filter": f})
# Centre crop (long side) then resize, as the dataset packer does.
side = 23; left = (37 - side) // 2
out = np.asarray(Image.fromarray(src).crop((left, 0, left + side, side)).resize((8, 8), Image.BICUBIC, reducing_gap=None))
out.tofile("crop_resize_8_bicubic.bin")
manifest["cropResize"] = {"file": "crop_resize_8_bicubic.bin", "side": 8}
json.dump(manifest, open("manifest.json", "w"), indent=1)
