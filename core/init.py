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
    centers = np.empty((k, X.shape[1]), dtype=np.float64)
    if fixed is not None and len(fixed):
        start = len(fixed)
        centers[:start] = fixed
        closest = sq_distances(X, centers[:start]).min(axis=1)
    else:
        start = 1
        centers[0] = X[rng.choice(n, p=w / w.sum())]
        closest = sq_distances(X, centers[:1])[:, 0]
    # All the uniform numbers in one draw (the same stream as t per step), and buffers reused
    # across steps: at K = 256 the per-step calls, not the arithmetic, were a third of the time.
    steps = max(0, k - start)
    draws = np.asarray(rng.uniform(size=steps * t), dtype=np.float64).reshape(steps, t) if steps else None
    XT = np.ascontiguousarray(X.T, dtype=np.float64)
    weighted = w * closest
    pot = float(np.sum(weighted))
    cumulative = np.empty(n)
    dist = np.empty((t, n))
    tmp = np.empty((t, n))
    for c in range(start, k):
        if pot <= 0.0:
            # Fewer distinct points than clusters: duplicates are unavoidable; Lloyd copes.
            centers[c:] = centers[0]
            break
        np.cumsum(weighted, out=cumulative)
        targets = draws[c - start] * cumulative[-1]
        cand = np.minimum(np.searchsorted(cumulative, targets), n - 1)
        candT = XT[:, cand]
        np.subtract.outer(candT[0], XT[0], out=dist)  # (t, n) squared distances, channel by channel
        np.square(dist, out=dist)
        for j in range(1, X.shape[1]):
            np.subtract.outer(candT[j], XT[j], out=tmp)
            np.square(tmp, out=tmp)
            dist += tmp
        np.minimum(closest, dist, out=dist)
        np.multiply(dist, w, out=tmp)
        pots = np.sum(tmp, axis=1)
        best = int(np.argmin(pots))
        closest = dist[best].copy()
        weighted = tmp[best].copy()
        pot = float(pots[best])
        centers[c] = X[cand[best]]
    return centers
