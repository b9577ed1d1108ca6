"""PNG size and encode time: our fast and smallest encodings against ``pngquant K --nofs``.

Photos from scikit-image (and the 12 MP astronaut upscaled with Lanczos, as in bench_core.py).
pngquant quantizes by itself, so its file holds its own palette: the comparison is the one a
user makes (same photo, same K, whole tool). Needs ``pngquant`` on PATH (apt-get install
pngquant). A short run (about a minute):

    python benchmarks/bench_png.py            # 0.27 MP photos at K 16, 64, 256 + 12 MP K 16
    python benchmarks/bench_png.py --no-12mp  # skip the 12 MP end-to-end rows
"""

from __future__ import annotations

import argparse
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
    if name == "astronaut_12mp":
        return np.asarray(Image.fromarray(data.astronaut()).resize((4000, 3000), Image.LANCZOS))
    return np.ascontiguousarray(getattr(data, name)()[..., :3])


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
recon = np.take(q.palette, idx, axis=0)
metrics.psnr(img.pixels, recon); metrics.mean_delta_e(img.pixels, recon)
t["PSNR + mean deltaE"] = time.perf_counter() - s
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-12mp", action="store_true")
    args = ap.parse_args()
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
    src = tmp / "astronaut_12mp.png"
    Image.fromarray(photo("astronaut_12mp")).save(src, compress_level=1)
    print("\n| 12 MP PNG, K=16, end to end (fresh process) | wall | file |")
    print("|---|---|---|")
    for effort in ("smallest", "fast"):
        out = tmp / f"ours-{effort}.png"
        _, dt = timed(lambda out=out, effort=effort: subprocess.run(
            [sys.executable, "-m", "kmeans_gui.cli", str(src), "-k", "16", "-o", str(out), "--force", "-q",
             "--effort", effort], check=True, cwd=ROOT))
        print(f"| kmeans-compress --effort {effort} | {dt:.2f} s | {out.stat().st_size / 1024:.1f} KB |", flush=True)
    size, dt = pngquant(src, 16, tmp / "pq12.png")
    print(f"| pngquant 16 --nofs | {dt:.2f} s | {size / 1024:.1f} KB |")
    stages = subprocess.run([sys.executable, "-c", _STAGES, str(src)], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    print("\n| stage (12 MP, K=16, one fresh process) | seconds |\n|---|---|\n" + stages.strip())
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
