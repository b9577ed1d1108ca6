"""The playground's data and the lessons it shows: blobs, stepping, seeds, auto-K."""

from __future__ import annotations

import numpy as np
import pytest

from core import metrics
from core.autok import smallest_k_for
from core.blobs import colors_to_2d, compare_seeds, make_blobs
from core.kmeans import kmeans
from core.quantize import quantize


def test_blobs_are_deterministic_and_clustered():
    X, labels, centers = make_blobs(600, centers=4, spread=0.5, seed=3)
    X2, _, _ = make_blobs(600, centers=4, spread=0.5, seed=3)
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (600, 2) and np.bincount(labels).tolist() == [150] * 4
    for c in range(4):
        assert np.linalg.norm(X[labels == c].mean(axis=0) - centers[c]) < 0.2
    with pytest.raises(ValueError):
        make_blobs(0)


def test_stepping_history_inertia_never_increases_and_trail_matches_iterations():
    X, _, _ = make_blobs(400, centers=5, spread=1.5, seed=1)
    r = kmeans(X, 5, seed=2, init="random", tol=0.0, record_centroids=True)
    assert len(r.centroid_history) == r.n_iter + 1 == len(r.inertia_history)
    assert np.all(np.diff(r.inertia_history) <= 1e-9)


def test_seed_comparison_is_deterministic_per_seed_and_varies_across_seeds():
    X, _, _ = make_blobs(300, centers=6, spread=1.0, seed=4)
    a = compare_seeds(X, 6, list(range(8)))
    b = compare_seeds(X, 6, list(range(8)))
    assert [r["inertia"] for r in a] == [r["inertia"] for r in b]
    assert len({round(r["inertia"], 6) for r in a}) > 1  # random starts land in different optima


def test_colors_to_2d(photo):
    X, colors = colors_to_2d(photo, 500)
    assert X.shape == (500, 2) and colors.shape == (500, 3)
    assert X[:, 0].var() >= X[:, 1].var()  # first axis carries the most variance


@pytest.mark.parametrize("target", [28.0, 33.0])
def test_auto_k_reaches_target_and_k_minus_one_does_not(photo, target):
    choice = smallest_k_for(photo, psnr=target)
    assert choice.reached and choice.psnr >= target
    below = quantize(photo, choice.k - 1)
    assert metrics.psnr(photo, below.image()) < target


def test_auto_k_by_delta_e(photo):
    choice = smallest_k_for(photo, delta_e=4.0)
    assert choice.reached and choice.delta_e <= 4.0
    assert metrics.mean_delta_e(photo, quantize(photo, choice.k - 1).image()) > 4.0
