"""Dithering strength and the flat-area option, measured as a viewer sees them.

For each photo and K: the palette is found once (``core.quantize``), then the image is
dithered at several strengths. Columns:

- seen dE: mean CIELAB deltaE of the result against the original, both blurred with a
  Gaussian of sigma 1 px (``core.errormap.seen_delta_e``): the error left once the eye
  averages fine noise. Banding keeps it high; good dithering lowers it.
- flat noise: RMS of the added fine detail over the original's uniform pixels (5x5
  neighborhood of one color, ``core.dither.flat_mask(img, 0)``): the luma high-pass
  (luma - luma blurred by 1 px) of the result minus that of the original. Speckle where the
  original has none.
- PSNR and the PNG size (dithering noise costs bytes).

Usage: ``python benchmarks/bench_dither.py [--12mp]`` (``--12mp`` adds the timing table on
astronaut upscaled to 4000 x 3000).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import metrics  # noqa: E402
from core.dither import dither, flat_mask  # noqa: E402
from core.errormap import seen_delta_e  # noqa: E402
from core.quantize import quantize  # noqa: E402
from core.ssim import blur, luma  # noqa: E402
from core.target import png_size  # noqa: E402

SETTINGS = [  # (label, mode, strength, flat_threshold)
    ("none", "none", 0.0, None),
    ("fs 25 %", "fs", 0.25, None),
    ("fs 50 %", "fs", 0.5, None),
    ("fs 75 %", "fs", 0.75, None),
    ("fs 100 % (Pillow)", "fs", 1.0, None),
    ("fs 75 % + flat 0", "fs", 0.75, 0.0),
    ("fs 100 % + flat 0", "fs", 1.0, 0.0),
    ("fs 100 % + flat 2", "fs", 1.0, 2.0),
    ("ordered", "ordered", 1.0, None),
    ("ordered + flat 0", "ordered", 1.0, 0.0),
]


def graphic() -> np.ndarray:
    """A screenshot-like image: flat panels, text-like strokes and a sky gradient."""
    w, h = 512, 384
    y = np.linspace(0, 1, h)[:, None]
    sky = np.stack([90 + 60 * y, 140 + 70 * y, 220 + 20 * y], axis=-1) * np.ones((1, w, 1))
    im = Image.fromarray(sky.astype(np.uint8))
    d = ImageDraw.Draw(im)
    d.rectangle((20, 200, 250, 370), fill=(236, 231, 222))
    d.rectangle((270, 220, 490, 360), fill=(60, 66, 78))
    d.ellipse((300, 40, 420, 160), fill=(250, 200, 60))
    for i in range(8):
        d.line((40, 215 + 18 * i, 230, 215 + 18 * i), fill=(40, 40, 40), width=3)
    return np.asarray(im)


def photos() -> dict[str, np.ndarray]:
    from skimage import data

    return {"astronaut": data.astronaut(), "coffee": data.coffee(), "graphic": graphic()}


def flat_noise(original: np.ndarray, result: np.ndarray, mask: np.ndarray) -> float:
    def high_pass(img: np.ndarray) -> np.ndarray:
        y = luma(img)
        return y - blur(y, 1.0)

    added = high_pass(result) - high_pass(original)
    return float(np.sqrt(np.mean(added[mask] ** 2))) if mask.any() else 0.0


def quality_table(ks: list[int]) -> None:
    print("| photo | K | setting | seen dE | flat noise | PSNR dB | PNG KB |")
    print("|---|---|---|---|---|---|---|")
    for name, img in photos().items():
        mask = flat_mask(img, 0.0)
        for k in ks:
            q = quantize(img, k)
            for label, mode, s, flat in SETTINGS:
                idx = dither(img, q.palette, mode, strength=s, flat_threshold=flat)
                rec = np.take(q.palette, idx, axis=0)
                print(f"| {name} | {k} | {label} | {seen_delta_e(img, rec):.2f} | {flat_noise(img, rec, mask):.2f} "
                      f"| {metrics.psnr(img, rec):.2f} | {png_size(q.palette, idx) / 1024:.1f} |", flush=True)
        print(f"<!-- {name}: {mask.mean() * 100:.0f} % uniform pixels -->")


def timing_table() -> None:
    from skimage import data

    img = np.asarray(Image.fromarray(data.astronaut()).resize((4000, 3000), Image.LANCZOS))
    print("| K | setting | seconds (12 MP) |")
    print("|---|---|---|")
    for k in (16, 256):
        q = quantize(img[::4, ::4].copy(), k)
        for label, mode, s, flat in [("none", "none", 0, None), ("fs 50 %", "fs", 0.5, None),
                                     ("fs 100 % (Pillow)", "fs", 1.0, None), ("fs 100 % + flat 0", "fs", 1.0, 0.0),
                                     ("ordered", "ordered", 1.0, None)]:
            t = time.perf_counter()
            dither(img, q.palette, mode, strength=s, flat_threshold=flat)
            print(f"| {k} | {label} | {time.perf_counter() - t:.2f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--12mp", dest="big", action="store_true", help="also time 12 MP")
    ap.add_argument("-k", type=int, nargs="+", default=[16])
    args = ap.parse_args()
    quality_table(args.k)
    if args.big:
        timing_table()


if __name__ == "__main__":
    main()
