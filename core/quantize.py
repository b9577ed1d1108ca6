"""Image -> color histogram -> weighted K-means -> palette + index map.

This is the engine's entry point for images; :func:`quantize` runs libimagequant's stages:

1. Histogram (:func:`core.visible.split_alpha`, :func:`core.histogram.base_histogram`):
   every visible pixel is packed into one integer; distinct colors and their counts come from
   one linear pass. Fully transparent pixels are set aside and share one transparent entry,
   so their hidden RGB never pulls a cluster.
2. Clustering (:func:`core.cluster.coarse_to_fine`): weighted K-means on the histogram.
   k-means++ and restarts run on a coarse binned level (4-6 bits per channel, bin means
   weighted by pixel counts), then Lloyd continues on finer levels down to the exact distinct
   colors, each level starting from the previous centroids with Hamerly bounds inherited from
   the parent bins. Each level stops when an update gains almost nothing (see :mod:`core.plan`);
   after a level of 7-bit bins (large histograms), the exact colors get one update, or none.
   Fixed colors (:mod:`core.fixed`) are centroids that never move. Grayscale images (every
   color R = G = B) get the exact optimum instead, by dynamic programming (:mod:`core.gray`).
3. Palette (:func:`_finalize_palette`): centroids are rounded to 8-bit colors, colors are
   re-assigned to the rounded palette, empty and duplicate entries are dropped, entries are
   ordered by pixel count.
4. Map back (:func:`core.visible.map_back`): a lookup table indexed by color code gives every
   pixel its palette index.

How hard each stage works is decided in :mod:`core.plan`. Cost grows with the number of
distinct colors, plus one linear pass over the pixels each way (run on the shared pool of
:mod:`core.parallel`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .cluster import Clustering, coarse_to_fine, exact_on_gray_axis
from .colorspace import COLOR_SPACES, from_features, to_features
from .distances import CentroidNeighbors, sq_distance_to_assigned
from .fixed import check_fixed_colors
from .gray import on_gray_axis
from .histogram import base_histogram, build_levels
from .lloyd import Cancelled, bounded_reassign, shrink_lower
from .plan import (  # noqa: F401 - DRAFT_PLAN, FINALISTS and PREVIEW_PLAN are re-exported
    DRAFT_PLAN,
    FINALISTS,
    FULL_PLAN,
    PREVIEW_PLAN,
    PREVIEW_PLAN_SMALL_K,
    Plan,
    coarse_bits,
    default_n_init,
    draft_first,
    plan_for,
    seven_bit_max_points,
)
from .visible import ColorHistogram, color_histogram, map_back, split_alpha

__all__ = ["COLOR_SPACES", "ColorHistogram", "DRAFT_PLAN", "MAX_K", "Plan", "Quantized", "draft_first",
           "from_features", "plan_for", "quantize", "to_features"]

MAX_K = 256

ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class Quantized:
    """A palette image.

    Attributes
    ----------
    palette : (n, 3) or (n, 4) uint8 -- n <= k; 4 channels only if the image has transparency
    indices : (H, W) uint8 -- palette index of every pixel
    counts : (n,) int64 -- pixels per palette entry
    inertia : float -- sum of squared distances in the clustering space (RGB: 3 * N * MSE)
    n_iter : int -- Lloyd updates over all levels
    distinct_colors : int -- distinct visible colors (or occupied bins in preview mode)
    """

    palette: np.ndarray
    indices: np.ndarray
    counts: np.ndarray
    inertia: float
    n_iter: int
    distinct_colors: int
    k: int
    seed: int
    color_space: str
    preview: bool
    converged: bool = True
    seconds: float = 0.0
    inertia_history: tuple[float, ...] = field(default=(), repr=False)
    histogram: ColorHistogram | None = field(default=None, repr=False, compare=False)

    @property
    def has_alpha(self) -> bool:
        return self.palette.shape[1] == 4

    def image(self) -> np.ndarray:
        """The (H, W, 3|4) uint8 reconstruction: each pixel replaced by its palette color."""
        return np.take(self.palette, self.indices, axis=0)  # 2-3x faster than palette[indices]


def _validate(pixels: np.ndarray, k: int, color_space: str) -> None:
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8:
        raise ValueError("pixels must be a uint8 NumPy array")
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.shape[0] * pixels.shape[1] == 0:
        raise ValueError(f"pixels must have shape (H, W, 3) or (H, W, 4), not {pixels.shape}")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise ValueError(f"K must be a whole number from 1 to {MAX_K} (got {k!r})")
    if color_space not in COLOR_SPACES:
        raise ValueError(f"color_space must be one of {COLOR_SPACES}, not {color_space!r}")


def _finalize_palette(
    X: np.ndarray, w: np.ndarray, cl: Clustering, color_space: str, fixed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Round centroids to 8-bit colors, re-assign to them, drop empty/duplicate entries (never
    a fixed color, the first ``len(fixed)`` centroids) and order by pixel count.
    Returns palette, per-point palette index, counts, inertia."""
    palette = from_features(cl.centroids, color_space)
    palette[: len(fixed)] = fixed  # exactly, whatever the round trip through features did
    C_round = to_features(palette.astype(np.float64), color_space)
    delta = np.sqrt(np.sum((C_round - cl.centroids) ** 2, axis=1))
    u = cl.upper + delta[cl.labels]
    lo = cl.lower.copy()
    neighbors = CentroidNeighbors(C_round) if len(C_round) >= 2 else None
    shrink_lower(lo, cl.labels, delta, u, neighbors)
    labels = cl.labels.copy()
    bounded_reassign(X, C_round, labels, u, lo, neighbors)
    # Merge entries that rounded to the same color, then drop the empty ones.
    uniq, first_of = np.unique(palette, axis=0, return_inverse=True)
    first_of = first_of.ravel()
    labels = first_of[labels]
    counts = np.bincount(labels, weights=w, minlength=len(uniq))
    keep = counts > 0
    keep[first_of[: len(fixed)]] = True
    order = np.argsort(-counts, kind="stable")
    order = order[keep[order]]
    remap = np.empty(len(uniq), dtype=np.intp)
    remap[order] = np.arange(len(order))
    labels = remap[labels]
    palette = uniq[order]
    feats = to_features(palette.astype(np.float64), color_space)
    inertia = float(np.sum(w * sq_distance_to_assigned(X, feats, labels)))
    return palette, labels, np.rint(counts[order]).astype(np.int64), inertia


def quantize(
    pixels: np.ndarray,
    k: int,
    *,
    seed: int = 0,
    color_space: str = "rgb",
    init: str = "k-means++",
    n_init: int | None = None,
    max_iter: int = 300,
    tol: float = 1e-4,
    preview: bool = False,
    plan: Plan | None = None,
    fixed: np.ndarray | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_progress: ProgressFn | None = None,
) -> Quantized:
    """Reduce an image to at most ``k`` colors with weighted K-means on its color histogram.

    Parameters
    ----------
    pixels : (H, W, 3) or (H, W, 4) uint8
    k : 1..256 palette entries (the transparent entry, if any, is one of them)
    seed : random seed; the same image, k, seed and options give the same result
    color_space : "rgb" (minimizes RGB error, i.e. MSE) or "oklab" (perceptual)
    init, max_iter, tol : as in :func:`core.kmeans.kmeans`
    n_init : restarts on the coarsest level; by default :func:`core.plan.default_n_init`
    preview : cluster bins instead of exact colors (see :mod:`core.plan`). Trades quality
        (colors in one bin always share an entry: 0-7 % higher MSE on the benchmark photos)
        for speed: no exact histogram, and far fewer points to cluster.
    plan : overrides how hard each stage works (see :class:`core.plan.Plan`); for callers that
        know better, such as the GUI's draft preview
    fixed : (F, 3) or (F, 4) colors (0..255) that appear exactly in the palette and count
        toward ``k`` (see :mod:`core.fixed`); they take part in the assignment and never move
    should_stop : polled between stages and iterations; True raises :class:`Cancelled`
    on_progress : called as ``on_progress(fraction, stage)``
    """
    t0 = time.perf_counter()
    _validate(pixels, k, color_space)
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, not {seed!r}")
    for name, value in (("n_init", 1 if n_init is None else n_init), ("max_iter", max_iter)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, not {value!r}")
    fix = check_fixed_colors(fixed, k)
    n_init = default_n_init(k, preview) if n_init is None else n_init
    progress: ProgressFn = on_progress or (lambda f, s: None)
    stop = should_stop or (lambda: False)

    def checkpoint(fraction: float, stage: str) -> None:
        if stop():
            raise Cancelled()
        progress(fraction, stage)

    height, width = pixels.shape[:2]
    vis = split_alpha(pixels, force_alpha=bool(fix and fix.partial_alpha),
                      transparent_entry=bool(fix and fix.transparent))
    k_visible = k - 1 if vis.transparent_entry else k
    channels = 4 if vis.keep_alpha else 3
    pinned = fix.as_channels(channels) if fix else np.zeros((0, channels), np.uint8)
    if (len(vis.pixels) or len(pinned)) and k_visible < max(1, len(pinned)):
        raise ValueError("K must be at least 2 for an image with transparent pixels" if not len(pinned)
                         else f"K = {k} leaves no room for {len(pinned)} fixed colors and the transparent entry")
    checkpoint(0.05, "histogram")

    palette, per_bin, counts = pinned, np.zeros(0, np.uint8), np.zeros(len(pinned), np.int64)
    inertia, distinct, base, cl = 0.0, 0, None, Clustering.exact(np.zeros((0, channels)))
    if len(vis.pixels):
        plan = plan or plan_for(k_visible, preview)
        base = base_histogram(vis.pixels, plan.base_bits)
        distinct = len(base.codes)
        checkpoint(0.15, "clustering")
        X_base = to_features(base.means, color_space)
        F = to_features(pinned.astype(np.float64), color_space)
        if distinct + len(F) <= k_visible and not preview:
            cl = Clustering.exact(np.concatenate([F, X_base]))
            cl.labels = cl.labels[len(F):]
            cl.upper, cl.lower = cl.upper[len(F):], cl.lower[len(F):]
        elif color_space == "rgb" and not len(F) and on_gray_axis(X_base):
            cl = exact_on_gray_axis(X_base, base.counts.astype(np.float64), k_visible)
        else:
            cap = seven_bit_max_points(distinct, k_visible)
            levels = build_levels(base, X_base, coarse_bits(plan, base.bits, distinct, k_visible),
                                  max_points=None if cap is None else {7: cap})
            cl = coarse_to_fine(levels, min(k_visible, distinct + len(F)), seed=seed, init=init,
                                n_init=n_init, max_iter=max_iter, tol=tol, should_stop=stop,
                                progress=checkpoint, plan=plan, fixed=F)
        checkpoint(0.85, "palette")
        palette, per_point, counts, inertia = _finalize_palette(
            X_base, base.counts.astype(np.float64), cl, color_space, pinned)
        per_bin = per_point.astype(np.uint8)

    indices, palette, counts = map_back(vis, base, per_bin, height * width, palette, counts)
    hist = color_histogram(vis, base, per_bin)
    checkpoint(1.0, "done")
    return Quantized(
        palette=palette, indices=indices.reshape(height, width), counts=counts,
        inertia=inertia, n_iter=cl.n_iter, distinct_colors=distinct, k=k, seed=seed,
        color_space=color_space, preview=preview, converged=cl.converged,
        seconds=time.perf_counter() - t0, inertia_history=tuple(cl.history), histogram=hist,
    )
