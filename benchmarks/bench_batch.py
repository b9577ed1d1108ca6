"""Batch throughput of ``kmeans-compress``: ``-j 1`` against ``-j N`` (all cores).

Two corpora, generated in a temporary folder from scikit-image's photos (never downloaded):
mixed photos (crops and rescales at several sizes, JPEG and PNG) and tiny 16 x 16 PNGs (the
per-file overhead). Each run is a fresh CLI process; peak RSS is the largest sum of the resident
memory of the CLI and all its worker processes, sampled every 20 ms from /proc (Linux).

    python benchmarks/bench_batch.py                      # 500 photos, 10,000 tiny files
    python benchmarks/bench_batch.py --photos 100 --tiny 1000   # a quicker look
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["astronaut", "coffee", "chelsea", "rocket", "motorcycle_left"]
WIDTHS = [160, 320, 512, 800, 1200]


def make_photos(folder: Path, n: int) -> None:
    from PIL import Image
    from skimage import data

    rng = np.random.default_rng(0)
    base = []
    for name in SOURCES:
        if name == "motorcycle_left":
            base.append(Image.open(Path(data.__file__).parent / "motorcycle_left.png").convert("RGB"))
        else:
            base.append(Image.fromarray(np.ascontiguousarray(getattr(data, name)()[..., :3])))
    for i in range(n):
        im = base[i % len(base)]
        w = WIDTHS[(i // len(base)) % len(WIDTHS)]
        x, y = int(rng.integers(0, im.width // 4)), int(rng.integers(0, im.height // 4))
        crop = im.crop((x, y, im.width - x // 2, im.height - y // 2))
        out = crop.resize((w, max(8, int(w * crop.height / crop.width))), Image.LANCZOS)
        if i % 2:
            out.save(folder / f"p{i:04d}.jpg", quality=90)
        else:
            out.save(folder / f"p{i:04d}.png")


def make_tiny(folder: Path, n: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(1)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(folder / f"t{i:05d}.png")


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every descendant (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * page
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run_cli(src: Path, out: Path, jobs: int) -> tuple[float, int, int]:
    """(seconds, peak tree RSS bytes, exit code) of one CLI run over ``src``."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "kmeans_gui.cli", str(src), "--out-dir", str(out), "-j", str(jobs), "-q", "-k", "16"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    code = proc.wait()
    took = time.perf_counter() - t
    stop.set()
    sampler.join()
    return took, peak, code


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=500)
    ap.add_argument("--tiny", type=int, default=10_000)
    args = ap.parse_args()
    n_cores = os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        corpora = []
        if args.photos:
            (tmp / "photos").mkdir()
            make_photos(tmp / "photos", args.photos)
            corpora.append((f"{args.photos} mixed photos (0.02-1 MP, JPEG and PNG)", tmp / "photos", args.photos))
        if args.tiny:
            (tmp / "tiny").mkdir()
            make_tiny(tmp / "tiny", args.tiny)
            corpora.append((f"{args.tiny:,} tiny 16 x 16 PNGs", tmp / "tiny", args.tiny))
        print("| corpus | -j | seconds | files/s | speed-up | peak RSS (process tree) |")
        print("|---|---|---|---|---|---|")
        for label, src, n in corpora:
            base = None
            for jobs in (1, n_cores):
                took, peak, code = run_cli(src, tmp / "out", jobs)
                base = base or took
                flag = "" if code == 0 else f" (exit {code})"
                print(f"| {label} | {jobs} | {took:.1f}{flag} | {n / took:.1f} | {base / took:.2f}x | "
                      f"{peak / 2**20:.0f} MB |", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
