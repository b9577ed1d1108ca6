"""PNG size and encode time: our fast and smallest encodings against ``pngquant K --nofs``.

Photos from scikit-image. pngquant quantizes by itself, so its file holds its own palette: the
comparison is the one a user makes (same photo, same K, whole tool). Needs ``pngquant`` on
PATH (apt-get install pngquant).

The 12 MP rows run both command lines end to end (fresh processes, best of 3, interleaved) on
four 4000 x 3000 PNGs: astronaut and rocket upscaled with Lanczos (smooth, the hardest case
for the time: their index maps take libdeflate the longest), coffee and chelsea upscaled with
Gaussian noise added (sigma 4 and 2, like a camera's), because real 12 MP photos are noisy.
About three minutes:

    python benchmarks/bench_png.py            # 0.27 MP photos at K 16, 64, 256 + 12 MP K 16
    python benchmarks/bench_png.py --no-12mp  # skip the 12 MP end-to-end rows

The core and the command line are byte-compiled (``compileall``) first, as an installed package
or the packaged app is: with ``PYTHONDONTWRITEBYTECODE`` set (as on these machines), every
fresh ``kmeans-compress`` would otherwise recompile its modules (~0.1 s) while pngquant is a
compiled program.
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHOTOS = ["astronaut", "coffee", "chelsea", "rocket", "motorcycle_left"]
KS = [16, 64, 256]


def photo(name: str) -> np.ndarray:
    from PIL import Image
    from skimage import data

    if name == "motorcycle_left":
        return np.asarray(Image.open(Path(data.__file__).parent / "motorcycle_left.png").convert("RGB"))
    if name.endswith("_12mp"):
        base, noise = {"astronaut": ("astronaut", 0.0), "rocket": ("rocket", 0.0), "coffee_noisy": ("coffee", 4.0),
                       "chelsea_noisy": ("chelsea", 2.0)}[name[:-5]]
        big = np.asarray(Image.fromarray(getattr(data, base)()).resize((4000, 3000), Image.LANCZOS))
        if noise:
            grain = np.random.default_rng(1).normal(0.0, noise, big.shape)
            big = np.clip(np.rint(big + grain), 0, 255).astype(np.uint8)
        return big
    return np.ascontiguousarray(getattr(data, name)()[..., :3])


PHOTOS_12MP = ["astronaut_12mp", "rocket_12mp", "coffee_noisy_12mp", "chelsea_noisy_12mp"]


_STAGES = """
import sys, time
import numpy as np
t0 = time.perf_counter()
from core import metrics
from core.load import load_image
from core.pipeline import CompressOptions, quantize_for
from core.save import encode_for_save
t = {"import": time.perf_counter() - t0}
s = time.perf_counter(); img = load_image(sys.argv[1]); t["load"] = time.perf_counter() - s
s = time.perf_counter(); q, idx, _ = quantize_for(img, CompressOptions(k=16)); t["quantize"] = time.perf_counter() - s
s = time.perf_counter()
metrics.quantized_figures(img.pixels, q, idx)
t["PSNR + mean deltaE (from the histogram)"] = time.perf_counter() - s
recon = np.take(q.palette, idx, axis=0)
from core.ssim import ssim
s = time.perf_counter(); ssim(img.pixels, recon, step=2); t["SSIM (the CLI runs it beside the encoding)"] = time.perf_counter() - s
for effort in ("fast", "smallest"):
    s = time.perf_counter(); encode_for_save("x.png", q.palette, idx, fmt="png", effort=effort)
    t[f"encode ({effort})"] = time.perf_counter() - s
for k, v in t.items():
    print(f"| {k} | {v:.2f} |")
"""


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def pngquant(src: Path, k: int, out: Path) -> tuple[int, float]:
    _, dt = timed(lambda: subprocess.run(["pngquant", str(k), "--nofs", "-f", "-o", str(out), str(src)], check=True))
    return out.stat().st_size, dt


def _cli(src: Path, out: Path, effort: str) -> None:
    subprocess.run([sys.executable, "-m", "kmeans_gui.cli", str(src), "-k", "16", "-o", str(out), "--force", "-q",
                    "--effort", effort], check=True, cwd=ROOT)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-12mp", action="store_true")
    args = ap.parse_args()
    for package in ("core", "kmeans_gui"):  # as installed: see the module docstring
        compileall.compile_dir(str(ROOT / package), quiet=1)
    if not shutil.which("pngquant"):
        sys.exit("pngquant not found on PATH")
    from PIL import Image

    from core.png_encode import encode_png
    from core.quantize import quantize

    tmp = Path(tempfile.mkdtemp())
    print("| photo | K | fast | smallest | pngquant --nofs | smallest / pngquant |")
    print("|---|---|---|---|---|---|")
    for name in PHOTOS:
        img = photo(name)
        src = tmp / f"{name}.png"
        Image.fromarray(img).save(src, compress_level=1)
        for k in KS:
            q = quantize(img, k, seed=0)
            fast, tf = timed(lambda q=q: encode_png(q.palette, q.indices, effort="fast"))
            small, ts = timed(lambda q=q: encode_png(q.palette, q.indices, effort="smallest"))
            pq, tp = pngquant(src, k, tmp / "pq.png")
            print(f"| {name} | {k} | {len(fast) / 1024:.1f} KB {tf:.2f} s | {len(small) / 1024:.1f} KB {ts:.2f} s "
                  f"| {pq / 1024:.1f} KB {tp:.2f} s | {len(small) / pq:.3f} |", flush=True)
    if args.no_12mp:
        return
    print("\n| 12 MP PNG, K = 16, end to end | kmeans-compress | file | pngquant 16 --nofs | file "
          "| time ratio | size ratio | --effort fast | file |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in PHOTOS_12MP:
        src = tmp / f"{name}.png"
        Image.fromarray(photo(name)).save(src, compress_level=1)
        ours_t, pq_t = [], []
        for _ in range(3):  # interleaved, so both see the same machine load
            _, dt = timed(lambda src=src: _cli(src, tmp / "ours.png", "smallest"))
            ours_t.append(dt)
            pq_size, dt = pngquant(src, 16, tmp / "pq12.png")
            pq_t.append(dt)
        _, fast_t = timed(lambda src=src: _cli(src, tmp / "fast.png", "fast"))
        ours, fast = (tmp / "ours.png").stat().st_size, (tmp / "fast.png").stat().st_size
        print(f"| {name} | {min(ours_t):.2f} s | {ours / 1024:.1f} KB | {min(pq_t):.2f} s | {pq_size / 1024:.1f} KB "
              f"| {min(ours_t) / min(pq_t):.2f}x | {ours / pq_size:.3f} | {fast_t:.2f} s | {fast / 1024:.1f} KB |",
              flush=True)
    src = tmp / "astronaut_12mp.png"
    stages = subprocess.run([sys.executable, "-c", _STAGES, str(src)], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    print("\n| stage (12 MP, K=16, one fresh process) | seconds |\n|---|---|\n" + stages.strip())
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
