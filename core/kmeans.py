"""K-means, the tutorial's way and then properly.

The tutorial teaches two steps, repeated: assign every point to its closest centroid
(:func:`find_closest_centroids`) and move every centroid to the mean of its points
(:func:`compute_centroids`). Those two functions are here, vectorized and chunked. The
:func:`kmeans` driver runs the same two steps with weights (a color histogram is a weighted
point set), seeded initialization, restarts, empty-cluster re-seeding, cancellation and
Hamerly's bounds so that iterations after the first touch only points near a boundary.

This module is the tutorial's API, for points in general (the playground, tests, readers).
Images do not come through here: :func:`core.quantize.quantize` builds a color histogram and
runs :func:`core.cluster.coarse_to_fine`, which calls the same Lloyd kernel
(:func:`core.lloyd.lloyd`) level by level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .distances import chunk_rows, sq_distances
from .init import init_kmeans_plusplus, init_random
from .lloyd import Cancelled, lloyd

__all__ = [
    "Cancelled",
    "KMeansResult",
    "check_fixed",
    "compute_centroids",
    "find_closest_centroids",
    "initial_centroids",
    "kmeans",
    "tolerance",
]

INIT_METHODS = ("k-means++", "random")


@dataclass(frozen=True)
class KMeansResult:
    """What :func:`kmeans` found.

    Attributes
    ----------
    centroids : ndarray of shape (K, D), float64
    labels : ndarray of shape (N,), intp -- index of each point's (nearest) centroid
    inertia : float -- weighted sum of squared distances to the assigned centroids
    n_iter : int -- centroid updates in the best restart
    converged : bool -- stopped by the tolerance or stable labels, not by ``max_iter``
    inertia_history : tuple of float -- inertia after 0, 1, ..., n_iter updates
    centroid_history : tuple of ndarray -- centroids after 0..n_iter updates (if recorded)
    """

    centroids: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    converged: bool
    inertia_history: tuple[float, ...]
    centroid_history: tuple[np.ndarray, ...] = ()


def find_closest_centroids(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the closest centroid for every row of ``X``.

    Parameters
    ----------
    X : array of shape (N, D)
    centroids : array of shape (K, D)

    Returns
    -------
    idx : ndarray of shape (N,), intp. Ties go to the lowest index.
    """
    X = np.asarray(X, dtype=np.float64)
    C = np.asarray(centroids, dtype=np.float64)
    if X.ndim != 2 or C.ndim != 2 or X.shape[1] != C.shape[1] or len(C) == 0:
        raise ValueError("X must be (N, D) and centroids (K, D) with K >= 1 and the same D")
    idx = np.empty(len(X), dtype=np.intp)
    step = chunk_rows(len(C))
    for start in range(0, len(X), step):
        idx[start : start + step] = sq_distances(X[start : start + step], C).argmin(axis=1)
    return idx


def compute_centroids(
    X: np.ndarray, idx: np.ndarray, K: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Weighted mean of the points of each cluster, shape (K, D).

    A cluster with no points (or zero total weight) has no mean; its row is the weighted
    mean of all points instead, so the result never contains NaN. :func:`kmeans` re-seeds
    such clusters itself.
    """
    X = np.asarray(X, dtype=np.float64)
    idx = np.asarray(idx)
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(idx) != len(X) or len(w) != len(X):
        raise ValueError("X, idx and weights must have the same length")
    if len(idx) and (idx.min() < 0 or idx.max() >= K):
        raise ValueError(f"labels must lie in 0..{K - 1}")
    total = np.bincount(idx, weights=w, minlength=K)
    sums = np.stack([np.bincount(idx, weights=w * X[:, j], minlength=K) for j in range(X.shape[1])], axis=1)
    fallback = np.sum(w[:, None] * X, axis=0) / w.sum() if len(X) and w.sum() > 0 else np.zeros(X.shape[1])
    out = np.tile(fallback, (K, 1))
    nz = total > 0
    out[nz] = sums[nz] / total[nz, None]
    return out


def tolerance(X: np.ndarray, w: np.ndarray, tol: float) -> float:
    """Absolute tolerance on the total squared centroid shift: ``tol`` times the mean
    per-feature variance of the (weighted) data, as scikit-learn defines it."""
    total = w.sum()
    var = []
    for j in range(X.shape[1]):  # channel by channel: no (N, D) temporaries, no BLAS
        d = X[:, j] - np.einsum("i,i->", w, X[:, j]) / total
        var.append(np.einsum("i,i,i->", w, d, d) / total)
    return float(np.mean(var) * tol)


def initial_centroids(
    X: np.ndarray, K: int, w: np.ndarray, rng: np.random.Generator, init: str | np.ndarray,
    fixed: np.ndarray | None = None,
) -> np.ndarray:
    """Initial centroids by name ("k-means++" or "random") or given explicitly; ``fixed``
    centroids (if any) are the first rows and the method chooses the rest."""
    if isinstance(init, str):
        if init == "k-means++":
            return init_kmeans_plusplus(X, K, w, rng, fixed=fixed)
        if init == "random":
            return init_random(X, K, w, rng, fixed=fixed)
        raise ValueError(f"init must be one of {INIT_METHODS} or an array, not {init!r}")
    C = np.asarray(init, dtype=np.float64)
    if C.shape != (K, X.shape[1]):
        raise ValueError(f"initial centroids must have shape {(K, X.shape[1])}, not {C.shape}")
    C = C.copy()
    if fixed is not None:
        C[: len(fixed)] = fixed
    return C


def check_fixed(fixed, K: int, dims: int) -> np.ndarray:
    """Validate fixed centroids: (F, dims), finite, no duplicates, F <= K. Returns float64."""
    F = np.asarray(fixed, dtype=np.float64)
    if F.ndim != 2 or F.shape[1] != dims:
        raise ValueError(f"fixed centroids must have shape (F, {dims}), not {F.shape}")
    if not np.all(np.isfinite(F)):
        raise ValueError("fixed centroids contain NaN or infinity")
    if len(F) > K:
        raise ValueError(f"more fixed centroids ({len(F)}) than K ({K})")
    if len(np.unique(F, axis=0)) != len(F):
        raise ValueError("fixed centroids contain duplicates")
    return F


def _validate(X, K, weights) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError("X must be a non-empty (N, D) array")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinity")
    if not isinstance(K, (int, np.integer)) or not 1 <= K <= len(X):
        raise ValueError(f"K must be an integer between 1 and the number of points ({len(X)}), not {K!r}")
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(X),) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative, one per point, and not all zero")
    return X, w


def kmeans(
    X: np.ndarray,
    K: int,
    *,
    weights: np.ndarray | None = None,
    seed: int = 0,
    init: str | np.ndarray = "k-means++",
    n_init: int = 1,
    max_iter: int = 300,
    tol: float = 1e-4,
    should_stop: Callable[[], bool] | None = None,
    on_iteration: Callable[[int, np.ndarray, float], None] | None = None,
    record_centroids: bool = False,
    fixed: np.ndarray | None = None,
) -> KMeansResult:
    """Weighted K-means (Lloyd's algorithm) with seeded restarts.

    Parameters
    ----------
    X : array of shape (N, D)
    K : number of clusters, 1 <= K <= N
    weights : array of shape (N,), optional -- a point of weight 3 counts as three copies
    seed : seeds ``np.random.default_rng``; same inputs and seed give bit-identical output
    init : "k-means++", "random", or an explicit (K, D) array (then ``n_init`` is 1)
    n_init : restarts; the one with the lowest inertia is kept
    max_iter : maximum centroid updates per restart
    tol : stop when the total squared centroid shift is below ``tol`` times the mean
        feature variance (scikit-learn's rule); labels that stop changing also stop it
    should_stop : polled before every iteration and restart; True raises :class:`Cancelled`
    on_iteration : called as ``on_iteration(iteration, centroids, inertia)``
    record_centroids : keep the centroids after every update (for drawing trails)
    fixed : array of shape (F, D), F <= K, optional -- centroids that take part in the
        assignment but never move; they are ``centroids[:F]`` of the result, exactly
    """
    X, w = _validate(X, K, weights)
    F = None if fixed is None else check_fixed(fixed, K, X.shape[1])
    if not isinstance(init, str):
        n_init = 1
    if n_init < 1 or max_iter < 1:
        raise ValueError("n_init and max_iter must be at least 1")
    rng = np.random.default_rng(seed)
    tol_abs = tolerance(X, w, tol)
    best = None
    for _ in range(n_init):
        if should_stop is not None and should_stop():
            raise Cancelled()
        C0 = initial_centroids(X, K, w, rng, init, fixed=F)
        run = lloyd(
            X, w, C0, max_iter=max_iter, tol_abs=tol_abs, should_stop=should_stop,
            on_iteration=on_iteration, record_centroids=record_centroids,
            n_fixed=0 if F is None else len(F),
        )
        if best is None or run.inertia < best.inertia:
            best = run
    assert best is not None
    return KMeansResult(
        centroids=best.centroids,
        labels=best.labels,
        inertia=best.inertia,
        n_iter=best.n_iter,
        converged=best.converged,
        inertia_history=tuple(best.inertia_history),
        centroid_history=tuple(best.centroid_history),
    )
