#!/usr/bin/env python3
"""Reference singular values for the engine tests, from LAPACK (numpy.linalg.svd, float64).

Run with Debian's Python, which has python3-numpy and python3-pil:
    /usr/bin/python3 scripts/make-engine-fixtures.py
It writes test/fixtures/engine-reference.json, which is committed: the tests read it and need
no Python. Each case names a sample, a channel and a crop, and carries the SHA-256 of the
channel's 8-bit samples, so a test that decodes the sample differently fails loudly instead of
comparing against the wrong matrix.
"""
import hashlib
import json
import pathlib

import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "assets" / "samples"
OUT = ROOT / "test" / "fixtures" / "engine-reference.json"

# name, file, channel, crop (top, left, height, width) or None, number of sigmas to keep
CASES = [
    ("astronaut-green", "astronaut_512x512_rgb.png", 1, None, None),
    ("paintbrushes-green", "paintbrushes_1365x1074.jpg", 1, None, None),
    ("mountain-crop-red", "mountain_sunset_4272x2848_12mp.jpg", 0, (1000, 1500, 1000, 1000), None),
    ("mountain-green", "mountain_sunset_4272x2848_12mp.jpg", 1, None, 400),
]


def main() -> None:
    cases = []
    for name, file, channel, crop, keep in CASES:
        pixels = np.asarray(Image.open(SAMPLES / file).convert("RGB"))
        plane = pixels[:, :, channel]
        if crop is not None:
            top, left, height, width = crop
            plane = plane[top : top + height, left : left + width]
        plane = np.ascontiguousarray(plane, dtype=np.uint8)
        a = plane.astype(np.float64)
        sigma = np.linalg.svd(a, compute_uv=False)
        if keep is not None:
            sigma = sigma[:keep]
        cases.append(
            {
                "name": name,
                "file": file,
                "channel": channel,
                "crop": None if crop is None else dict(zip(("top", "left", "height", "width"), crop)),
                "rows": int(a.shape[0]),
                "cols": int(a.shape[1]),
                "sha256": hashlib.sha256(plane.tobytes()).hexdigest(),
                "frobeniusNormSquared": float(np.sum(a * a)),
                "sigma": [float(x) for x in sigma],
            }
        )
        print(f"{name}: {a.shape[0]}x{a.shape[1]}, sigma_1 = {sigma[0]:.3f}, {len(sigma)} values")
    OUT.write_text(json.dumps({"generator": "numpy.linalg.svd (LAPACK), float64", "numpy": np.__version__, "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    main()
