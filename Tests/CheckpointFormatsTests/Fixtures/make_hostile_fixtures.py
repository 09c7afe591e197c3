"""Regenerates the hostile checkpoint fixtures: `/usr/bin/python3 make_hostile_fixtures.py` (needs torch).

Each file is something a stranger's .pth could be; the Swift readers must refuse each with a clear
error, quickly and without a large allocation (HostileCheckpointTests):
- expand_zip.pth / expand_legacy.pth: torch.save(torch.zeros(1).expand(2**40)), a 1-element storage
  viewed with size [2^40] and stride [0] (4 TiB if materialized).
- shared_zip.pth: a zip whose data.pkl is a tuple of two references to the previous tuple, 64 deep.
- bomb_zip.pth: a real checkpoint of 80 MiB of zeros, re-zipped with deflate (about 80 KB).
- lying_zip.pth: a deflated storage whose central directory declares 100 bytes but inflates to 10 KiB.
- crc_zip.pth: a checkpoint with one byte of its storage flipped (CRC-32 mismatch).
"""
import io
import os
import struct
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def shared_pickle():
    out = bytearray(b"\x80\x02)q\x00")  # PROTO 2, EMPTY_TUPLE, BINPUT 0
    for i in range(64):
        out += bytes([0x68, i, 0x68, i, 0x86, 0x71, i + 1])  # BINGET i, BINGET i, TUPLE2, BINPUT i+1
    out += b"."
    return bytes(out)


def rezip(src, dst, deflate=True):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename),
                          compress_type=zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED)


def patch_central_size(name, entry_suffix, new_size):
    data = bytearray(open(path(name), "rb").read())
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        assert pos >= 0, "entry not found"
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        fname = bytes(data[pos + 46: pos + 46 + name_len]).decode()
        if fname.endswith(entry_suffix):
            struct.pack_into("<I", data, pos + 24, new_size)  # uncompressed size
            break
        pos += 4
    open(path(name), "wb").write(data)


def main():
    big = torch.zeros(1).expand(2**40)
    torch.save(big, path("expand_zip.pth"))
    torch.save(big, path("expand_legacy.pth"), _use_new_zipfile_serialization=False)

    with zipfile.ZipFile(path("shared_zip.pth"), "w") as z:
        z.writestr("archive/data.pkl", shared_pickle())
        z.writestr("archive/version", "3\n")

    buf = io.BytesIO()
    torch.save({"w": torch.zeros(20 * 2**20)}, buf)
    buf.seek(0)
    rezip(buf, path("bomb_zip.pth"))

    buf = io.BytesIO()
    torch.save({"w": torch.zeros(2560)}, buf)
    buf.seek(0)
    rezip(buf, path("lying_zip.pth"))
    patch_central_size("lying_zip.pth", "data/0", 100)

    torch.save({"w": torch.arange(16, dtype=torch.float32)}, path("crc_zip.pth"))
    data = bytearray(open(path("crc_zip.pth"), "rb").read())
    needle = struct.pack("<4f", 4.0, 5.0, 6.0, 7.0)
    at = data.find(needle)
    assert at >= 0
    data[at + 1] ^= 0x01
    open(path("crc_zip.pth"), "wb").write(data)


if __name__ == "__main__":
    main()
