"""Quality with locked colors (a script, not a test): MSE with 1, 4 and 8 colors fixed.

Locked colors come either from the image's own K-means result (its most used colors, as a user
who locks what they see) or from a fixed web palette (black, white, red, green, blue, yellow,
cyan, magenta). Compared with plain K-means at the same K; "own" locks should cost almost
nothing, web locks cost what those colors are worth to the image.

    python benchmarks/bench_locked.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

WEB = np.array([(0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0),
                (0, 255, 255), (255, 0, 255)], np.uint8)


def mse(px: np.ndarray, q) -> float:
    return float(np.mean((q.image().astype(np.float64) - px.astype(np.float64)) ** 2))


def main() -> None:
    from skimage import data

    from core.quantize import quantize

    print("| photo | K | plain MSE | locks | own 1 | own 4 | own 8 | web 1 | web 4 | web 8 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ("astronaut", "coffee", "chelsea"):
        px = np.ascontiguousarray(getattr(data, name)()[..., :3])
        for k in (16, 64):
            plain = quantize(px, k, seed=0)
            base = mse(px, plain)
            order = np.argsort(plain.counts)[::-1]
            row = [f"| {name} | {k} | {base:.2f} | ratio to plain |"]
            for source in ("own", "web"):
                for n in (1, 4, 8):
                    fixed = plain.palette[order[:n], :3] if source == "own" else WEB[:n]
                    q = quantize(px, k, seed=0, fixed=fixed)
                    present = {tuple(c) for c in q.palette[:, :3]}
                    assert all(tuple(c) in present for c in fixed), "a locked color is missing"
                    row.append(f" {mse(px, q) / base:.3f} |")
            print("".join(row), flush=True)


if __name__ == "__main__":
    main()
