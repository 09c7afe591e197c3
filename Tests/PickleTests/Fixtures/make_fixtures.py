"""Regenerates the pickle fixtures: `python3 make_fixtures.py` (needs numpy).

Writes numpy arrays and plain Python objects at several protocols; the Swift tests assert the
decoded structure (see PickleFixtureTests.swift for the expected values).
"""
import os
import pickle

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def python_object():
    shared = [1, 2]
    return {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**62, -2**63, 2**63 - 1],
        "big": [2**64, -2**64, 2**100, -(2**70) - 3],
        "floats": (0.0, -1.5, 3.141592653589793, 1e300),
        "text": ("", "ascii", "h\u00e9llo \u2603 \U0001F600", "line\nbreak\\back"),
        "bytes": b"\x00\x01\xfe\xff",
        "flags": (True, False, None),
        "shared1": shared,
        "shared2": shared,
        "nested": {"x": [[], {}], "y": ((1,), (1, 2), (1, 2, 3), (1, 2, 3, 4))},
        "set": {7},
        "frozen": frozenset([8]),
    }


def main():
    arr = np.arange(6, dtype=np.uint8).reshape(2, 3)
    for proto in (2, 4):
        write(f"numpy_u8_p{proto}.pkl", pickle.dumps(arr, protocol=proto))
    write("numpy_f32_p4.pkl", pickle.dumps(np.array([[1.5, -2.0], [0.25, 8.0]], dtype=np.float32), protocol=4))
    obj = python_object()
    for proto in range(0, 6):
        write(f"object_p{proto}.pkl", pickle.dumps(obj, protocol=proto))


if __name__ == "__main__":
    main()
