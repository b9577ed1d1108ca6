"""How close the preview's size estimate is to the real saved file (a script, not a test).

For each photo (12 MP, upscaled from scikit-image's) and K: the window's estimate made from the
preview (``kmeans_gui.render.estimate_png_bytes``) against the bytes Save writes (the smallest PNG
of the full-resolution result). Prints a Markdown table; the goal is within 25 %.

    python benchmarks/bench_estimate.py
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402


def main() -> None:
    from skimage import data

    from core.encode import encode_indexed
    from core.io import LoadedImage
    from core.pipeline import CompressOptions
    from kmeans_gui.jobs import RenderJob
    from kmeans_gui.render import estimate_png_bytes, make_document, render

    print("| photo | K | dither | estimate | real (smallest PNG) | estimate / real |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        px = np.asarray(Image.fromarray(getattr(data, name)()).resize((4000, 3000), Image.LANCZOS))
        px.flags.writeable = False
        doc = make_document(1, LoadedImage(px, None, "PNG", None, False))
        for k, dither in ((16, "none"), (64, "none"), (256, "none"), (64, "fs")):
            options = CompressOptions(k=k, dither=dither)
            preview = render(RenderJob(1, "preview", doc, options))
            estimate = estimate_png_bytes(preview, doc)
            full = render(RenderJob(2, "full", doc, options))
            buf = io.BytesIO()
            encode_indexed(buf, full.palette, full.indices, "png", effort="smallest")
            real = buf.tell()
            worst = max(worst, abs(estimate / real - 1))
            print(f"| {name} 12 MP | {k} | {dither} | {estimate / 1e3:.0f} KB | {real / 1e3:.0f} KB | "
                  f"{estimate / real:.2f} |", flush=True)
    print(f"\nLargest deviation: {worst * 100:.0f} %")


if __name__ == "__main__":
    main()
