"""Speed and quality of the core against scikit-learn, libimagequant and Pillow.

Every measurement runs in a fresh process (first call, honest peak memory). Photos come from
scikit-image's bundled data; the 12-megapixel image is astronaut upscaled with Lanczos.

    python benchmarks/bench_core.py            # the full table (several minutes)
    python benchmarks/bench_core.py --quick    # two photos, K in {16, 256}
    python benchmarks/bench_core.py --busy     # the same with the other core kept busy

Speed targets live here, never in tests: the machines are shared and noisy, so compare
ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHOTOS = ["astronaut", "coffee", "chelsea", "rocket", "motorcycle_left", "astronaut_12mp"]
KS = [8, 16, 64, 256]
METHODS = ["ours", "ours_preview", "sklearn", "imagequant", "pil_median", "pil_octree"]
#: scikit-learn on 12 MP at large K takes minutes per run; measured only where the targets need it.
SKLEARN_12MP_KS = {8, 16}


def load_photo(name: str, cache: Path) -> Path:
    """The photo as a cached .npy (so workers do not pay for decoding)."""
    path = cache / f"{name}.npy"
    if path.exists():
        return path
    from PIL import Image
    from skimage import data

    if name == "motorcycle_left":
        img = np.asarray(Image.open(Path(data.__file__).parent / "motorcycle_left.png").convert("RGB"))
    elif name == "astronaut_12mp":
        img = np.asarray(Image.fromarray(data.astronaut()).resize((4000, 3000), Image.LANCZOS))
    elif name == "astronaut_24mp":
        img = np.asarray(Image.fromarray(data.astronaut()).resize((6000, 4000), Image.LANCZOS))
    else:
        img = getattr(data, name)()
    np.save(path, np.ascontiguousarray(img[..., :3]))
    return path


def preview_copy(img: np.ndarray, max_pixels: int = 1_000_000) -> np.ndarray:
    """What the GUI's live path works on: the image downscaled to at most ~1 MP."""
    h, w = img.shape[:2]
    if h * w <= max_pixels:
        return img
    from PIL import Image

    s = (max_pixels / (h * w)) ** 0.5
    return np.asarray(Image.fromarray(img).resize((max(1, int(w * s)), max(1, int(h * s))), Image.BILINEAR))


def run_method(method: str, img: np.ndarray, k: int) -> np.ndarray:
    """Quantize ``img`` to ``k`` colors with ``method``; returns the reconstruction."""
    if method == "ours":
        from core.quantize import quantize

        return quantize(img, k).image()
    if method == "ours_preview":
        from core.quantize import quantize

        return quantize(img, k, preview=True).image()
    if method == "sklearn":
        from sklearn.cluster import KMeans

        X = img.reshape(-1, 3).astype(np.float64)
        km = KMeans(n_clusters=k, random_state=0).fit(X)
        return np.clip(np.rint(km.cluster_centers_), 0, 255).astype(np.uint8)[km.labels_].reshape(img.shape)
    from PIL import Image

    pil = Image.fromarray(img)
    if method == "imagequant":
        import imagequant

        out = imagequant.quantize_pil_image(pil, dithering_level=0.0, max_colors=k)
        return np.asarray(out.convert("RGB"))
    if method == "pil_median":
        return np.asarray(pil.quantize(k, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).convert("RGB"))
    if method == "pil_octree":
        return np.asarray(pil.quantize(k, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).convert("RGB"))
    raise ValueError(method)


def worker(method: str, npy: str, k: int) -> dict:
    """One measurement in this (fresh) process; prints a JSON line."""
    import core  # noqa: F401 - applies the core's process settings, as the app does
    from core import metrics

    if method == "ours_file":  # decode a JPEG with core.io, then quantize: the app's real path
        from PIL import Image

        from core.io import load_image
        from core.quantize import quantize

        jpg = Path(npy).with_suffix(".jpg")
        if not jpg.exists():
            Image.fromarray(np.load(npy)).save(jpg, quality=92)
        t0 = time.perf_counter()
        loaded = load_image(jpg)
        q = quantize(loaded.pixels, k)
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        recon = q.image()
        img = loaded.pixels
        return {"method": method, "k": k, "seconds": seconds, "warm": None, "mse": metrics.mse(img, recon),
                "psnr": metrics.psnr(img, recon), "delta_e": metrics.mean_delta_e(img, recon), "peak_mb": peak,
                "pixels": int(img.shape[0] * img.shape[1])}
    img = np.load(npy)
    if method == "ours_preview":
        img = preview_copy(img)
    t0 = time.perf_counter()
    recon = run_method(method, img, k)
    first = time.perf_counter() - t0
    warm = None
    if method.startswith("ours"):
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            run_method(method, img, k)
            runs.append(time.perf_counter() - t0)
        warm = float(np.median(runs))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        "method": method, "k": k, "seconds": first, "warm": warm, "mse": metrics.mse(img, recon),
        "psnr": metrics.psnr(img, recon), "delta_e": metrics.mean_delta_e(img, recon), "peak_mb": peak,
        "pixels": int(img.shape[0] * img.shape[1]),
    }


def measure(method: str, npy: Path, k: int, timeout: float = 900) -> dict | None:
    cmd = [sys.executable, __file__, "--worker", method, str(npy), str(k)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"method": method, "k": k, "error": "timeout"}
    if res.returncode != 0:
        return {"method": method, "k": k, "error": (res.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def _burn(stop) -> None:  # pragma: no cover - runs in a child process
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def fmt_row(photo: str, r: dict) -> str:
    if "error" in r:
        return f"| {photo} | {r['k']} | {r['method']} | {r['error']} | | | | | |"
    warm = f"{r['warm']:.3f}" if r.get("warm") is not None else ""
    return (f"| {photo} | {r['k']} | {r['method']} | {r['seconds']:.3f} | {warm} | {r['mse']:.2f} | "
            f"{r['psnr']:.2f} | {r['delta_e']:.2f} | {r['peak_mb']:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs=3, metavar=("METHOD", "NPY", "K"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--busy", action="store_true", help="keep the other core busy while measuring")
    ap.add_argument("--photos", nargs="*")
    ap.add_argument("--ks", nargs="*", type=int)
    ap.add_argument("--methods", nargs="*")
    ap.add_argument("--memory-24mp", action="store_true",
                    help="also measure ours on a 24 MP photo (from memory, and decoded from a JPEG file)")
    args = ap.parse_args()
    if args.worker:
        method, npy, k = args.worker
        print(json.dumps(worker(method, npy, int(k))))
        return
    photos = args.photos or (["astronaut", "astronaut_12mp"] if args.quick else PHOTOS)
    ks = args.ks or ([16, 256] if args.quick else KS)
    methods = args.methods or METHODS
    cache = Path(tempfile.gettempdir()) / "kmeans-gui-bench"
    cache.mkdir(exist_ok=True)
    stop = burner = None
    if args.busy:
        stop = mp.Event()
        burner = mp.Process(target=_burn, args=(stop,), daemon=True)
        burner.start()
    print(f"# bench_core: {os.cpu_count()} cores, other core {'busy' if args.busy else 'idle'}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print("| photo | K | method | seconds (first call) | warm s | MSE | PSNR dB | mean deltaE | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    summary = []
    try:
        for photo in photos:
            npy = load_photo(photo, cache)
            for k in ks:
                row = {}
                for method in methods:
                    if method == "sklearn" and photo.endswith("12mp") and k not in SKLEARN_12MP_KS:
                        continue
                    r = measure(method, npy, k)
                    row[method] = r
                    print(fmt_row(photo, r), flush=True)
                summary.append((photo, k, row))
        if args.memory_24mp:
            for method in ("ours", "ours_file"):
                r = measure(method, load_photo("astronaut_24mp", cache), 16)
                print(fmt_row("astronaut_24mp", r), flush=True)
    finally:
        if burner is not None:
            stop.set()
            burner.join(timeout=5)
    print()
    print("| photo | K | ours / sklearn MSE | sklearn / ours time | imagequant / ours time | preview / full MSE |")
    print("|---|---|---|---|---|---|")
    for photo, k, row in summary:
        ours, sk, iq, pv = (row.get(m) for m in ("ours", "sklearn", "imagequant", "ours_preview"))

        def ok(r):
            return r is not None and "error" not in r

        mse_ratio = f"{ours['mse'] / sk['mse']:.3f}" if ok(ours) and ok(sk) else "-"
        speed_sk = f"{sk['seconds'] / ours['seconds']:.1f}x" if ok(ours) and ok(sk) else "-"
        speed_iq = f"{iq['seconds'] / ours['seconds']:.2f}x" if ok(ours) and ok(iq) else "-"
        prev = "-"
        if ok(ours) and ok(pv) and pv["pixels"] == ours["pixels"]:
            prev = f"{pv['mse'] / ours['mse']:.3f}"
        print(f"| {photo} | {k} | {mse_ratio} | {speed_sk} | {speed_iq} | {prev} |")


if __name__ == "__main__":
    main()
