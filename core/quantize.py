"""Image -> color histogram -> weighted K-means -> palette + index map.

The pipeline follows libimagequant's stages, with fully converged K-means in the middle:

1. Histogram: every visible pixel is packed into one integer; distinct colors and their
   counts come from one linear pass. Fully transparent pixels are set aside and become one
   transparent palette entry, so their hidden RGB never pulls a cluster.
2. Coarse-to-fine K-means on the histogram: k-means++ (and restarts) on a coarse binned
   histogram (4-6 bits per channel, bin means weighted by pixel counts), Lloyd to convergence
   there, then on finer levels down to the exact distinct colors, each level starting from the
   previous centroids with Hamerly bounds inherited from the parent bins. The last level is
   exact, so the result is a converged weighted K-means of the image's real colors.
3. Palette: centroids are rounded to 8-bit colors, colors are re-assigned to the rounded
   palette, empty and duplicate entries are dropped, entries are ordered by pixel count.
4. Map back: a lookup table indexed by color code gives every pixel its palette index.

Cost grows with the number of distinct colors, plus one linear pass over the pixels each way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .colorspace import oklab_to_srgb, srgb_to_oklab
from .distances import sq_distance_to_assigned
from .histogram import BaseHistogram, Level, base_histogram, build_levels
from .kmeans import initial_centroids, tolerance
from .lloyd import Cancelled, bounded_reassign, lloyd, shrink_lower

MAX_K = 256
COLOR_SPACES = ("rgb", "oklab")


@dataclass(frozen=True)
class Plan:
    """How hard each stage works; the full and preview modes differ only here.

    base_bits: bits per channel of the finest level (8 = exact colors).
    coarse_bits: coarser levels visited on the way (4-bit bins first).
    coarse_tol_factor: coarse levels are cheap, so they converge further than the finest.
    final_max_iter: cap on Lloyd updates at the finest level (None = the caller's max_iter).
    init_points_per_cluster: initialization runs on the coarsest level with this many
        points per cluster (k-means++ seeds better with more points, but costs more).
    final_tol_factor: multiplies the tolerance on the finest level.
    """

    base_bits: int
    coarse_bits: tuple[int, ...]
    coarse_tol_factor: float
    final_max_iter: int | None
    init_points_per_cluster: int
    final_tol_factor: float = 1.0


FULL_PLAN = Plan(8, (4, 5, 6), 0.1, None, 8, 10.0)
#: The GUI's live path: bin centers, loosely converged coarse levels, few final iterations.
PREVIEW_PLAN = Plan(7, (4, 5, 6), 10.0, 3, 4)
#: Small K needs less resolution: 6-bit bins keep the preview within a slider drag.
PREVIEW_PLAN_SMALL_K = Plan(6, (4, 5), 1.0, 3, 4)
#: A first, rougher look for large K (6-bit bins): the GUI shows it while PREVIEW_PLAN runs.
DRAFT_PLAN = Plan(6, (4, 5), 30.0, 1, 2)
#: Restarts refined one level further before the best is kept (K <= 64).
FINALISTS = 6


def plan_for(k: int, preview: bool) -> Plan:
    if not preview:
        return FULL_PLAN
    return PREVIEW_PLAN if k > 32 else PREVIEW_PLAN_SMALL_K


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


def to_features(rgb: np.ndarray, color_space: str) -> np.ndarray:
    """Colors (M, 3|4) in 0..255 -> clustering features (alpha scaled like the color axes)."""
    if color_space == "rgb":
        return np.asarray(rgb, dtype=np.float64)
    feats = srgb_to_oklab(rgb[:, :3])
    if rgb.shape[1] == 4:
        feats = np.concatenate([feats, rgb[:, 3:4] / 255.0], axis=1)
    return feats


def from_features(X: np.ndarray, color_space: str) -> np.ndarray:
    """Clustering features -> colors (M, 3|4) as uint8, rounded and clipped."""
    if color_space == "rgb":
        rgb = X
    else:
        rgb = oklab_to_srgb(X[:, :3])
        if X.shape[1] == 4:
            rgb = np.concatenate([rgb, X[:, 3:4] * 255.0], axis=1)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def _split_alpha(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """Flatten to (N, C); return visible pixels, the transparent mask, and whether alpha stays.

    Alpha is kept as a clustering channel only if some visible pixel is partly transparent.
    """
    flat = pixels.reshape(-1, pixels.shape[2])
    if pixels.shape[2] == 3:
        return flat, None, False
    alpha = flat[:, 3]
    transparent = alpha == 0
    if not transparent.any():
        transparent = None
    visible = flat if transparent is None else flat[~transparent]
    keep_alpha = bool(np.any(visible[:, 3] != 255))
    visible = visible if keep_alpha else np.ascontiguousarray(visible[:, :3])
    return visible, transparent, keep_alpha


def _coarse_bits(base: BaseHistogram, k: int, plan: Plan) -> list[int]:
    """Coarser levels worth visiting (plus 7-bit bins for a large exact histogram at large K)."""
    bits = [b for b in plan.coarse_bits if b < base.bits]
    if base.bits == 8 and k >= 32 and len(base.codes) > 300_000:
        bits.append(7)  # bins of 2 levels: large histograms at large K converge far faster
    return bits


def _refine(prev, lv: Level, C: np.ndarray, *, max_iter: int, tol_abs: float,
            should_stop: Callable[[], bool] | None):
    """Lloyd on a finer level, starting from ``prev``'s centroids with inherited bounds."""
    return lloyd(lv.X, lv.w, C, labels=prev.labels[lv.parent], upper=prev.upper[lv.parent] + lv.radius,
                 lower=prev.lower[lv.parent] - lv.radius, max_iter=max_iter, tol_abs=tol_abs, should_stop=should_stop)


def _cluster(
    levels: list[Level], k: int, *, seed: int, init: str, n_init: int, max_iter: int, tol: float,
    should_stop: Callable[[], bool] | None, progress: ProgressFn, plan: Plan,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, list[float], bool]:
    """Coarse-to-fine K-means over ``levels``; returns centroids, labels and bounds on the finest.

    Restarts run on the coarsest usable level; its inertia ranks them only roughly, so the
    best few (finalists) are refined one level further before the winner is chosen.
    """
    usable = [i for i, lv in enumerate(levels) if len(lv.X) >= max(plan.init_points_per_cluster * k, 64)]
    start = usable[0] if usable else len(levels) - 1
    last = len(levels) - 1

    def level_args(i: int) -> dict:
        lv = levels[i]
        factor = plan.final_tol_factor if i == last else plan.coarse_tol_factor
        cap = (plan.final_max_iter or max_iter) if i == last else max_iter
        return {"max_iter": cap, "tol_abs": tolerance(lv.X, lv.w, tol * factor), "should_stop": should_stop}

    first = levels[start]
    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(n_init):
        C0 = initial_centroids(first.X, k, first.w, rng, init)
        runs.append(lloyd(first.X, first.w, C0, **level_args(start)))
    runs.sort(key=lambda r: r.inertia)
    level = start
    finalists = FINALISTS if k <= 64 else 1  # at large K the restarts' ranking is already stable
    if len(runs) > 1 and finalists > 1 and start < last - 1:  # compare on the next (cheap) level
        level = start + 1
        runs = [_refine(r, levels[level], r.centroids, **level_args(level)) for r in runs[:finalists]]
        runs.sort(key=lambda r: r.inertia)
    best = runs[0]
    n_iter, history, converged = best.n_iter, list(best.inertia_history), best.converged
    for i in range(level + 1, len(levels)):
        progress(0.3 + 0.5 * (i - start) / max(1, len(levels) - start), "refining")
        best = _refine(best, levels[i], best.centroids, **level_args(i))
        n_iter += best.n_iter
        history += best.inertia_history
        converged = best.converged
    return best.centroids, best.labels, best.upper, best.lower, n_iter, history, converged


def _finalize_palette(
    X: np.ndarray, w: np.ndarray, C: np.ndarray, labels: np.ndarray, u: np.ndarray,
    lo: np.ndarray, color_space: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Round centroids to 8-bit colors, re-assign to them, drop empty/duplicate entries and
    order by pixel count. Returns palette, per-point palette index, counts, inertia."""
    palette = from_features(C, color_space)
    C_round = to_features(palette.astype(np.float64), color_space)
    delta = np.sqrt(np.sum((C_round - C) ** 2, axis=1))
    u = u + delta[labels]
    lo = lo.copy()
    shrink_lower(lo, labels, delta)
    labels = labels.copy()
    bounded_reassign(X, C_round, labels, u, lo)
    # Merge entries that rounded to the same color, then drop the empty ones.
    uniq, first_of = np.unique(palette, axis=0, return_inverse=True)
    first_of = first_of.ravel()
    labels = first_of[labels]
    counts = np.bincount(labels, weights=w, minlength=len(uniq))
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] > 0]
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
    n_init : restarts on the coarsest level (cheap there); by default 10 for k <= 8, 6 for
        k <= 16, 3 for k <= 64 and 2 above (few clusters have few, far-apart local optima);
        always 1 in preview mode, which must answer within a slider drag
    preview : cluster bins instead of exact colors (bin centers weighted by pixel counts; 6 bits
        per channel for k <= 32, 7 above). Trades quality (colors in one bin always share an
        entry: 0-7 % higher MSE on the benchmark photos) for speed: no exact histogram, and
        far fewer points to cluster.
    plan : overrides how hard each stage works (see :class:`Plan`); for callers that know
        better, such as the GUI's draft preview
    should_stop : polled between stages and iterations; True raises :class:`Cancelled`
    on_progress : called as ``on_progress(fraction, stage)``
    """
    t0 = time.perf_counter()
    _validate(pixels, k, color_space)
    if n_init is None:
        n_init = 1 if preview else 10 if k <= 8 else 6 if k <= 16 else 3 if k <= 64 else 2
    progress: ProgressFn = on_progress or (lambda f, s: None)
    stop = should_stop or (lambda: False)

    def checkpoint(fraction: float, stage: str) -> None:
        if stop():
            raise Cancelled()
        progress(fraction, stage)

    height, width = pixels.shape[:2]
    visible, transparent, keep_alpha = _split_alpha(pixels)
    has_transparent = transparent is not None
    k_visible = k - 1 if has_transparent else k
    if has_transparent and len(visible) and k_visible < 1:
        raise ValueError("K must be at least 2 for an image with transparent pixels")
    checkpoint(0.05, "histogram")

    palette = np.zeros((0, 4 if keep_alpha else 3), np.uint8)
    per_bin = np.zeros(0, np.uint8)
    counts = np.zeros(0, np.int64)
    inertia, n_iter, history, converged, distinct = 0.0, 0, [], True, 0
    base = None
    if len(visible):
        plan = plan or plan_for(k_visible, preview)
        base = base_histogram(visible, plan.base_bits)
        distinct = len(base.codes)
        checkpoint(0.15, "clustering")
        X_base = to_features(base.means, color_space)
        if distinct <= k_visible and not preview:
            labels = np.arange(distinct)
            C = X_base
            u = np.zeros(distinct)
            lo = np.full(distinct, np.inf)
        else:
            levels = build_levels(base, X_base, _coarse_bits(base, k_visible, plan))
            kk = min(k_visible, distinct)
            C, labels, u, lo, n_iter, history, converged = _cluster(
                levels, kk, seed=seed, init=init, n_init=n_init, max_iter=max_iter, tol=tol,
                should_stop=stop, progress=checkpoint,
                plan=plan,
            )
        checkpoint(0.85, "palette")
        palette, per_point, counts, inertia = _finalize_palette(
            X_base, base.counts.astype(np.float64), C, labels, u, lo, color_space
        )
        per_bin = per_point.astype(np.uint8)

    indices = np.empty(height * width, dtype=np.uint8)
    if has_transparent:
        if not keep_alpha:
            palette = np.concatenate([palette, np.full((len(palette), 1), 255, np.uint8)], axis=1)
        palette = np.concatenate([np.zeros((1, 4), np.uint8), palette])
        counts = np.concatenate([[int(transparent.sum())], counts])
        indices[transparent] = 0
        if base is not None:
            indices[~transparent] = base.map_to_pixels(per_bin) + 1
    else:
        indices[:] = base.map_to_pixels(per_bin)
    checkpoint(1.0, "done")
    return Quantized(
        palette=palette, indices=indices.reshape(height, width), counts=counts,
        inertia=inertia, n_iter=n_iter, distinct_colors=distinct, k=k, seed=seed,
        color_space=color_space, preview=preview, converged=converged,
        seconds=time.perf_counter() - t0, inertia_history=tuple(history),
    )
