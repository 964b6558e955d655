#!/usr/bin/env python3
"""Reference PSNR and SSIM for the metrics tests, from scikit-image.

Run with Debian's Python, which has python3-numpy, python3-pil and python3-skimage:
    /usr/bin/python3 scripts/make-metrics-fixtures.py
It writes test/fixtures/metrics-reference.json, which is committed: the tests read it and need
no Python. The file holds no pixels. Each case names a sample, a crop and the channels to keep
(the reference image), and a list of distortion steps (the candidate). Every step is integer
arithmetic that test/unit/metrics.test.ts repeats exactly:

  noise    {amplitude, seed}  add an integer in [-amplitude, amplitude] to every sample, drawn
                              from the 32-bit LCG state = state * 1664525 + 1013904223 (mod 2^32)
                              as (state >> 8) % (2 * amplitude + 1) - amplitude, one draw per
                              sample in interleaved order; then clamp to 0..peak
  blur     {radius}           box blur over (2r+1)^2 neighbours, edges clamped (replicated),
                              result (sum + n // 2) // n with n = (2r+1)^2
  quantize {shift}            (v >> shift) << shift
  offset   {delta}            clamp(v + delta, 0, peak)
  widen16  {}                 8-bit to 16-bit: v * 257 (only in "referenceSteps")

A step with "channels": [..] touches only those channels (indices into the kept channels).
The 16-bit cases are synthetic: an 8-bit sample widened with widen16 plus noise, so their low
bits carry information. Each case carries the SHA-256 of the decoded, cropped 8-bit samples
(interleaved, after channel selection), so a test whose decoder differs fails loudly.

Reference values: skimage.metrics.peak_signal_noise_ratio(data_range=peak) and
structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=peak), per colour channel and over the colour channels (channel_axis=-1), and the
alpha channel's MSE and PSNR. An infinite PSNR (identical images) is written as null.
"""
import hashlib
import json
import math
import pathlib
import warnings

import numpy as np
import skimage
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "assets" / "samples"
OUT = ROOT / "test" / "fixtures" / "metrics-reference.json"

ASTRONAUT = "astronaut_512x512_rgb.png"
ARCHITECTURE = "architecture_gray_2560x1600.jpg"
TULIPS = "tulips_alpha_500x500_rgba.png"
ARCH_CROP = {"top": 600, "left": 1100, "height": 300, "width": 400}
ASTRO_CROP = {"top": 60, "left": 150, "height": 200, "width": 240}

# (name, reference {file, crop, channels, colorChannels}, referenceSteps, candidate steps)
CASES = [
    ("astronaut-rgb-noise4", (ASTRONAUT, None, 3), [], [{"op": "noise", "amplitude": 4, "seed": 1}]),
    ("astronaut-rgb-noise24", (ASTRONAUT, None, 3), [], [{"op": "noise", "amplitude": 24, "seed": 2}]),
    ("astronaut-rgb-blur", (ASTRONAUT, None, 3), [], [{"op": "blur", "radius": 1}]),
    ("astronaut-rgb-quantize-green", (ASTRONAUT, None, 3), [], [{"op": "quantize", "shift": 4, "channels": [1]}]),
    ("architecture-gray-quantize", (ARCHITECTURE, ARCH_CROP, 1), [], [{"op": "quantize", "shift": 3}]),
    ("architecture-gray-offset", (ARCHITECTURE, ARCH_CROP, 1), [], [{"op": "offset", "delta": 12}]),
    ("architecture-gray-blur-noise", (ARCHITECTURE, ARCH_CROP, 1), [],
     [{"op": "blur", "radius": 2}, {"op": "noise", "amplitude": 6, "seed": 3}]),
    ("architecture-gray-identical", (ARCHITECTURE, ARCH_CROP, 1), [], []),
    ("tulips-rgba-noise", (TULIPS, None, 4), [], [{"op": "noise", "amplitude": 10, "seed": 4}]),
    ("tulips-rgba-blur-colour", (TULIPS, None, 4), [], [{"op": "blur", "radius": 1, "channels": [0, 1, 2]}]),
    ("astronaut-rgb16-blur-noise", (ASTRONAUT, ASTRO_CROP, 3),
     [{"op": "widen16"}, {"op": "noise", "amplitude": 300, "seed": 5}],
     [{"op": "blur", "radius": 1}, {"op": "noise", "amplitude": 700, "seed": 6}]),
    ("architecture-gray16-quantize", (ARCHITECTURE, ARCH_CROP, 1),
     [{"op": "widen16"}, {"op": "noise", "amplitude": 128, "seed": 7}],
     [{"op": "quantize", "shift": 10}]),
]


def lcg_noise(count: int, amplitude: int, seed: int) -> np.ndarray:
    state = seed & 0xFFFFFFFF
    span = 2 * amplitude + 1
    out = np.empty(count, dtype=np.int64)
    for i in range(count):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = (state >> 8) % span - amplitude
    return out


def box_blur(plane: np.ndarray, radius: int) -> np.ndarray:
    padded = np.pad(plane.astype(np.int64), radius, mode="edge")
    h, w = plane.shape
    total = np.zeros((h, w), dtype=np.int64)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            total += padded[dy : dy + h, dx : dx + w]
    n = (2 * radius + 1) ** 2
    return (total + n // 2) // n


def apply_steps(image: np.ndarray, steps: list, peak: int) -> tuple[np.ndarray, int]:
    """image: int64 (height, width, channels). Returns the result and the (possibly new) peak."""
    out = image.copy()
    for step in steps:
        op = step["op"]
        if op == "widen16":
            out, peak = out * 257, 65535
            continue
        channels = step.get("channels", list(range(out.shape[2])))
        if op == "noise":
            noise = lcg_noise(out.size, step["amplitude"], step["seed"]).reshape(out.shape)
            mask = np.zeros(out.shape[2], dtype=bool)
            mask[channels] = True
            out = np.where(mask, np.clip(out + noise, 0, peak), out)
        else:
            for c in channels:
                plane = out[:, :, c]
                if op == "blur":
                    out[:, :, c] = box_blur(plane, step["radius"])
                elif op == "quantize":
                    out[:, :, c] = (plane >> step["shift"]) << step["shift"]
                elif op == "offset":
                    out[:, :, c] = np.clip(plane + step["delta"], 0, peak)
                else:
                    raise ValueError(op)
    return out, peak


def load(file: str, crop, channels: int) -> np.ndarray:
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    pixels = np.asarray(Image.open(SAMPLES / file).convert(mode))
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if crop is not None:
        pixels = pixels[crop["top"] : crop["top"] + crop["height"], crop["left"] : crop["left"] + crop["width"]]
    return np.ascontiguousarray(pixels, dtype=np.uint8)


def finite_or_none(value: float):
    return None if math.isinf(value) else float(value)


def main() -> None:
    cases = []
    for name, (file, crop, channels), reference_steps, steps in CASES:
        decoded = load(file, crop, channels)
        reference, peak = apply_steps(decoded.astype(np.int64), reference_steps, 255)
        candidate, _ = apply_steps(reference, steps, peak)
        dtype = np.uint16 if peak == 65535 else np.uint8
        reference, candidate = reference.astype(dtype), candidate.astype(dtype)
        colour = 1 if channels <= 2 else 3
        ssim_args = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=peak)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # divide by zero: identical images
            psnr = lambda a, b: finite_or_none(peak_signal_noise_ratio(a, b, data_range=peak))
            per_channel = [
                {
                    "mse": float(np.mean((reference[:, :, c].astype(np.float64) - candidate[:, :, c]) ** 2)),
                    "psnr": psnr(reference[:, :, c], candidate[:, :, c]),
                    "ssim": float(structural_similarity(reference[:, :, c], candidate[:, :, c], **ssim_args)),
                }
                for c in range(colour)
            ]
            overall_psnr = psnr(reference[:, :, :colour], candidate[:, :, :colour])
            overall_ssim = float(structural_similarity(reference[:, :, :colour], candidate[:, :, :colour], channel_axis=-1, **ssim_args))
            alpha = None
            if channels > colour:
                a, b = reference[:, :, colour], candidate[:, :, colour]
                alpha = {"mse": float(np.mean((a.astype(np.float64) - b) ** 2)), "psnr": psnr(a, b)}
        assert abs(overall_ssim - np.mean([c["ssim"] for c in per_channel])) < 1e-12
        case = {
            "name": name,
            "reference": {"file": file, "crop": crop, "channels": channels},
            "sha256": hashlib.sha256(decoded.tobytes()).hexdigest(),
            "width": int(decoded.shape[1]),
            "height": int(decoded.shape[0]),
            "bitDepth": 16 if peak == 65535 else 8,
            "referenceSteps": reference_steps,
            "steps": steps,
            "expected": {
                "mse": float(np.mean([c["mse"] for c in per_channel])),
                "psnr": overall_psnr,
                "ssim": overall_ssim,
                "perChannel": per_channel,
                **({"alpha": alpha} if alpha is not None else {}),
            },
        }
        cases.append(case)
        print(f"{name}: {case['width']}x{case['height']}x{channels} {case['bitDepth']}-bit, psnr {overall_psnr}, ssim {overall_ssim:.6f}")
    generator = (
        "skimage.metrics peak_signal_noise_ratio(data_range=peak) and structural_similarity(channel_axis=-1, "
        "gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=peak)"
    )
    document = {"generator": generator, "skimage": skimage.__version__, "numpy": np.__version__, "cases": cases}
    OUT.write_text(json.dumps(document, indent=1) + "\n")


if __name__ == "__main__":
    main()
