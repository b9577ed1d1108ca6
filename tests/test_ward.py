"""Ward seeds for few colors per cluster: against a naive reference, and on a few-color image."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import metrics
from core.quantize import quantize
from core.ward import ward_seeds, worth_trying


def _naive_ward(X: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Greedy Ward merging, every pair's cost recomputed at every step."""
    clusters = [(X[i].astype(float), float(w[i])) for i in range(len(X))]
    while len(clusters) > k:
        best, pair = np.inf, None
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                (ma, wa), (mb, wb) = clusters[a], clusters[b]
                cost = wa * wb / (wa + wb) * float(np.sum((ma - mb) ** 2))
                if cost < best:
                    best, pair = cost, (a, b)
        a, b = pair
        (ma, wa), (mb, wb) = clusters[a], clusters[b]
        clusters[a] = ((wa * ma + wb * mb) / (wa + wb), wa + wb)
        del clusters[b]
    return np.array([m for m, _ in clusters])


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 24), st.integers(1, 23), st.integers(0, 2**32 - 1))
def test_same_merges_as_the_naive_greedy_ward(n, k, seed):
    k = min(k, n - 1)
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3)) * 255  # real values: no ties between pair costs
    w = rng.integers(1, 100, n).astype(float)
    ours = ward_seeds(X, w, k)
    ref = _naive_ward(X, w, k)
    assert ours.shape == (k, 3)
    np.testing.assert_allclose(np.sort(ours, axis=0), np.sort(ref, axis=0), rtol=1e-9, atol=1e-9)


def test_tried_only_for_few_colors_per_cluster_at_larger_k():
    assert worth_trying(300, 256) and worth_trying(128, 32)
    assert not worth_trying(64, 16)  # small K: the restarts do as well
    assert not worth_trying(1025, 256)  # too many points
    assert not worth_trying(300, 64)  # more than 4 colors per cluster
    assert not worth_trying(256, 256)  # nothing to merge


def test_an_image_of_a_few_hundred_colors_beats_scikit_learn():
    """400 colors to 256: k-means++ and Lloyd alone ended above scikit-learn's MSE."""
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    rng = np.random.default_rng(1)
    palette = rng.integers(0, 256, (400, 3))
    img = palette[rng.integers(0, 400, (200, 200))].astype(np.uint8)
    X = img.reshape(-1, 3).astype(float)
    ref = sklearn_cluster.KMeans(256, random_state=0).fit(X)
    ref_mse = metrics.mse(img, np.clip(np.rint(ref.cluster_centers_), 0, 255).astype(np.uint8)[ref.labels_]
                          .reshape(img.shape))
    q = quantize(img, 256)
    assert len(q.palette) <= 256
    assert metrics.mse(img, q.image()) <= 0.95 * ref_mse
    assert np.array_equal(quantize(img, 256).palette, q.palette)  # deterministic
