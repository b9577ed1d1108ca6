"""Seeded centroid initialization: random points and greedy weighted k-means++."""

from __future__ import annotations

import numpy as np

from .distances import sq_distances


def init_random(X: np.ndarray, k: int, w: np.ndarray, rng: np.random.Generator,
                fixed: np.ndarray | None = None) -> np.ndarray:
    """``k`` distinct data points drawn with probability proportional to their weight.

    With histogram weights this is the tutorial's "pick K random pixels" without the
    pixels: a color that covers more of the image is more likely to be picked. ``fixed``
    centroids, if any, come first and count toward ``k``.
    """
    if fixed is not None and len(fixed):
        rest = init_random(X, k - len(fixed), w, rng) if k > len(fixed) else np.empty((0, X.shape[1]))
        return np.concatenate([np.asarray(fixed, dtype=np.float64), rest])
    positive = np.flatnonzero(w > 0)
    if len(positive) >= k:
        p = w[positive] / w[positive].sum()
        idx = rng.choice(positive, size=k, replace=False, p=p)
    else:
        idx = rng.choice(len(X), size=k, replace=False)
    return X[np.sort(idx)].astype(np.float64, copy=True)


#: float32 seeding is used for data within this magnitude (colors are 0-255, OKLab 0-1) ...
FLOAT32_MAX_ABS = float(1 << 16)
#: ... and with at least this spread along some axis.
FLOAT32_MIN_SPREAD = 1e-3


def _float32_is_enough(X: np.ndarray) -> bool:
    """Whether k-means++'s distances can be computed in float32 without merging distinct
    points or underflowing (see :data:`FLOAT32_MAX_ABS`, :data:`FLOAT32_MIN_SPREAD`)."""
    if X.size == 0:
        return False
    return bool(np.abs(X).max() <= FLOAT32_MAX_ABS and np.ptp(X, axis=0).max() >= FLOAT32_MIN_SPREAD)


def init_kmeans_plusplus(
    X: np.ndarray,
    k: int,
    w: np.ndarray,
    rng: np.random.Generator,
    n_local_trials: int | None = None,
    fixed: np.ndarray | None = None,
) -> np.ndarray:
    """Greedy weighted k-means++ (Arthur & Vassilvitskii, with scikit-learn's local trials).

    Each new centroid is chosen among ``2 + log(k)`` candidates sampled with probability
    proportional to ``w * D(x)^2``; the candidate that lowers the potential most wins.
    ``fixed`` centroids, if any, are the first ones (the seeding continues from them).
    """
    n = len(X)
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(k))
    t = n_local_trials
    dims = X.shape[1]
    centers = np.empty((k, dims), dtype=np.float64)
    # The (trials, n) distance work runs in float32 when the data allow it (colors, OKLab,
    # the tutorial's blobs): it is memory-bound, and half the bytes made seeding K = 256 on
    # 3,000-6,000 colors ~30 % faster. Candidates are still drawn from float64 running sums,
    # and the centers are the points themselves (exact). Large coordinates (float32 would
    # round nearby points together) or a tiny spread (squares would underflow) keep float64.
    work = np.float32 if _float32_is_enough(X) else np.float64
    XT = np.ascontiguousarray(X.T, dtype=work)
    w_work = np.asarray(w, dtype=work)
    if fixed is not None and len(fixed):
        start = len(fixed)
        centers[:start] = fixed
        closest = sq_distances(X, centers[:start]).min(axis=1).astype(work)
    else:
        start = 1
        centers[0] = X[rng.choice(n, p=w / w.sum())]
        closest = sq_distances(X, centers[:1])[:, 0].astype(work)
    # All the uniform numbers in one draw (the same stream as t per step), and buffers reused
    # across steps: at K = 256 the per-step calls, not the arithmetic, were a third of the time.
    steps = max(0, k - start)
    draws = np.asarray(rng.uniform(size=steps * t), dtype=np.float64).reshape(steps, t) if steps else None
    weighted = (w_work * closest).astype(np.float64)
    pot = float(weighted.sum())
    cumulative = np.empty(n)
    dist = np.empty((t, n), dtype=work)
    tmp = np.empty((t, n), dtype=work)
    last = n - 1
    for c in range(start, k):
        if pot <= 0.0:
            # Fewer distinct points than clusters: duplicates are unavoidable; Lloyd copes.
            centers[c:] = centers[0]
            break
        weighted.cumsum(out=cumulative)
        cand = cumulative.searchsorted(draws[c - start] * cumulative[last])
        np.minimum(cand, last, out=cand)
        candT = XT[:, cand]
        np.subtract(candT[0][:, None], XT[0], out=dist)  # (t, n) squared distances, channel by channel
        np.square(dist, out=dist)
        for j in range(1, dims):
            np.subtract(candT[j][:, None], XT[j], out=tmp)
            np.square(tmp, out=tmp)
            dist += tmp
        np.minimum(closest, dist, out=dist)
        np.multiply(dist, w_work, out=tmp)
        pots = tmp.sum(axis=1, dtype=np.float64)
        best = int(pots.argmin())
        closest = dist[best].copy()
        weighted = tmp[best].astype(np.float64)
        pot = float(pots[best])
        centers[c] = X[cand[best]]
    return centers
