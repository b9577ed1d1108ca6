"""Toy data for the K-means playground: Gaussian blobs (like scikit-learn's make_blobs, in
NumPy) and an image's colors projected to 2-D, so the tutorial's lessons can be watched."""

from __future__ import annotations

import numpy as np


def make_blobs(n_points: int = 300, centers: int = 3, spread: float = 1.0, seed: int = 0,
               box: float = 10.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n_points`` 2-D points around ``centers`` random centers in ``[-box, box]^2``.

    Returns ``(X, true_labels, true_centers)``; points are split as evenly as possible and the
    same seed always gives the same data.
    """
    if n_points < 1 or centers < 1 or spread < 0:
        raise ValueError("need at least one point and one center, and a non-negative spread")
    rng = np.random.default_rng(seed)
    true_centers = rng.uniform(-box, box, size=(centers, 2))
    labels = np.arange(n_points) % centers
    X = true_centers[labels] + rng.normal(scale=spread, size=(n_points, 2))
    order = rng.permutation(n_points)
    return X[order], labels[order], true_centers


def colors_to_2d(pixels: np.ndarray, n_points: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A sample of an image's colors projected on their two main axes (PCA).

    Returns ``(X, colors)``: the 2-D points and the sampled RGB colors (to paint them).
    """
    flat = pixels.reshape(-1, pixels.shape[-1])[:, :3]
    rng = np.random.default_rng(seed)
    take = rng.choice(len(flat), size=min(n_points, len(flat)), replace=False)
    colors = flat[np.sort(take)]
    x = colors.astype(np.float64)
    x -= x.mean(axis=0)
    cov = (x.T @ x) / max(1, len(x) - 1)
    _, vecs = np.linalg.eigh(cov)
    return x @ vecs[:, ::-1][:, :2], colors


def compare_seeds(X: np.ndarray, k: int, seeds: list[int], init: str = "random",
                  should_stop=None) -> list[dict]:
    """K-means from each seed (one restart each): the final inertia and centroids per seed.
    ``should_stop`` is passed to each run (True raises ``Cancelled``)."""
    from .kmeans import kmeans

    out = []
    for s in seeds:
        r = kmeans(X, k, seed=s, init=init, n_init=1, should_stop=should_stop)
        out.append({"seed": s, "inertia": r.inertia, "centroids": r.centroids, "labels": r.labels, "n_iter": r.n_iter})
    return out
