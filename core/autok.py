"""Choose K for a target quality: the smallest K whose result reaches a PSNR or a mean deltaE.

Quality grows with K almost monotonically, so a bisection over 2..256 needs about eight
quantizations. The search keeps the invariant "lo misses the target, hi reaches it", so the
answer K reaches it and K - 1 does not (for the K values actually evaluated).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import metrics
from .quantize import MAX_K, Quantized, quantize


@dataclass(frozen=True)
class KChoice:
    k: int
    reached: bool
    psnr: float
    delta_e: float
    result: Quantized
    evaluated: dict[int, tuple[float, float]]


def _measure(pixels: np.ndarray, q: Quantized) -> tuple[float, float]:
    figs = metrics.quantized_figures(pixels, q)  # from the color histogram: no per-pixel pass
    return figs.psnr, figs.delta_e


def smallest_k_for(
    pixels: np.ndarray,
    *,
    psnr: float | None = None,
    delta_e: float | None = None,
    seed: int = 0,
    color_space: str = "rgb",
    k_min: int = 2,
    k_max: int = MAX_K,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[int, float, float], None] | None = None,
) -> KChoice:
    """Smallest K in ``k_min..k_max`` with PSNR >= ``psnr`` dB and/or mean deltaE <= ``delta_e``."""
    if psnr is None and delta_e is None:
        raise ValueError("give a target: psnr (dB) or delta_e")
    cache: dict[int, tuple[Quantized, float, float]] = {}

    def ok(k: int) -> bool:
        if k not in cache:
            q = quantize(pixels, k, seed=seed, color_space=color_space, should_stop=should_stop)
            p, d = _measure(pixels, q)
            cache[k] = (q, p, d)
            if on_progress:
                on_progress(k, p, d)
        _, p, d = cache[k]
        return (psnr is None or p >= psnr) and (delta_e is None or d <= delta_e)

    if ok(k_min):
        hi = k_min
    elif not ok(k_max):
        hi = k_max
    else:
        lo, hi = k_min, k_max
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid
    q, p, d = cache[hi]
    reached = (psnr is None or p >= psnr) and (delta_e is None or d <= delta_e)
    return KChoice(hi, reached, p, d, q, {k: (v[1], v[2]) for k, v in sorted(cache.items())})
