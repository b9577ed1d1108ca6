"""Properties of the K-means driver (hypothesis) and agreement with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.kmeans import Cancelled, kmeans

points = st.integers(2, 3).flatmap(
    lambda d: arrays(
        np.float64,
        st.tuples(st.integers(4, 120), st.just(d)),
        elements=st.floats(-1000, 1000, allow_nan=False, width=32),
    )
)


def _sq_dists(X, C):
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)


@given(X=points, k=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), init=st.sampled_from(["k-means++", "random"]))
def test_labels_are_nearest_and_inertia_never_increases(X, k, seed, init):
    k = min(k, len(X))
    res = kmeans(X, k, seed=seed, init=init, max_iter=50)
    d = _sq_dists(X, res.centroids)
    own = d[np.arange(len(X)), res.labels]
    scale = 1e-9 * (1.0 + d.max())
    assert np.all(own <= d.min(axis=1) + scale)
    hist = np.array(res.inertia_history)
    assert np.all(np.diff(hist) <= 1e-9 * (1 + hist[0]))
    assert np.isclose(res.inertia, own.sum(), rtol=1e-9, atol=scale)
    assert not np.isnan(res.centroids).any()
    assert len(hist) == res.n_iter + 1


@given(X=points, k=st.integers(1, 5), seed=st.integers(0, 1000))
def test_same_seed_gives_identical_results(X, k, seed):
    k = min(k, len(X))
    a = kmeans(X, k, seed=seed, n_init=2)
    b = kmeans(X, k, seed=seed, n_init=2)
    assert np.array_equal(a.centroids, b.centroids)
    assert np.array_equal(a.labels, b.labels)
    assert a.inertia == b.inertia


@given(
    X=arrays(np.float64, st.tuples(st.integers(3, 40), st.just(3)), elements=st.integers(0, 255).map(float)),
    reps=st.lists(st.integers(1, 4), min_size=40, max_size=40),
    k=st.integers(1, 3),
)
def test_weights_equal_repeated_points(X, reps, k):
    k = min(k, len(X))
    w = np.array(reps[: len(X)], dtype=float)
    C0 = X[:k].copy()
    weighted = kmeans(X, k, weights=w, init=C0, tol=0.0)
    repeated = kmeans(np.repeat(X, w.astype(int), axis=0), k, init=C0, tol=0.0)
    np.testing.assert_allclose(weighted.centroids, repeated.centroids, rtol=1e-9, atol=1e-9)
    assert np.isclose(weighted.inertia, repeated.inertia, rtol=1e-9, atol=1e-6)


def test_duplicate_points_and_more_clusters_than_distinct_values_give_no_nan():
    X = np.array([[1.0, 1.0]] * 10 + [[5.0, 5.0]] * 3)
    res = kmeans(X, 4, seed=1)
    assert not np.isnan(res.centroids).any()
    assert res.inertia == pytest.approx(0.0)


def test_empty_cluster_is_reseeded_at_worst_served_point():
    # Third initial centroid is far from everything, so it starts empty.
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [30.0]])
    res = kmeans(X, 3, init=np.array([[1.0], [10.5], [1000.0]]), tol=0.0)
    assert sorted(np.round(res.centroids.ravel(), 6).tolist()) == [1.0, 10.5, 30.0]
    assert np.bincount(res.labels, minlength=3).min() > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [3, 8])
def test_same_lloyd_fixed_point_as_scikit_learn(seed, k):
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    rng = np.random.default_rng(seed)
    centers = rng.uniform(0, 255, size=(k, 3))
    X = np.concatenate([c + rng.normal(scale=20, size=(400, 3)) for c in centers])
    C0 = X[rng.choice(len(X), k, replace=False)]
    ours = kmeans(X, k, init=C0, tol=0.0, max_iter=1000)
    theirs = sklearn_cluster.KMeans(k, init=C0, n_init=1, tol=0.0, max_iter=1000, algorithm="lloyd").fit(X)
    np.testing.assert_allclose(ours.centroids, theirs.cluster_centers_, atol=1e-6)
    assert ours.inertia == pytest.approx(theirs.inertia_, rel=1e-9)
    assert ours.converged


def test_should_stop_after_first_iteration_cancels_promptly():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 255, size=(20_000, 3))
    seen = []
    with pytest.raises(Cancelled):
        kmeans(X, 16, tol=0.0, should_stop=lambda: bool(seen),
               on_iteration=lambda it, C, inertia: seen.append(it))
    assert seen == [1]


def test_record_centroids_gives_a_trail_per_update():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    res = kmeans(X, 3, record_centroids=True)
    assert len(res.centroid_history) == res.n_iter + 1
    np.testing.assert_array_equal(res.centroid_history[-1], res.centroids)


@pytest.mark.parametrize(
    "kwargs",
    [dict(K=0), dict(K=11), dict(K=2.5), dict(init="nope"), dict(weights=-np.ones(10)), dict(n_init=0)],
)
def test_bad_arguments_raise_value_error(kwargs):
    X = np.zeros((10, 3))
    K = kwargs.pop("K", 2)
    with pytest.raises(ValueError):
        kmeans(X, K, **kwargs)


@given(X=points, k=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), relax=st.sampled_from([1.5, 1.8]),
       n=st.sampled_from([None, 2000]))
def test_over_relaxed_lloyd_never_increases_inertia_and_ends_on_cluster_means(X, k, seed, relax, n):
    from core.init import init_kmeans_plusplus
    from core.lloyd import lloyd

    if n is not None:  # the bounded (Hamerly) path instead of the dense one
        X = np.repeat(X, max(1, n // len(X)), axis=0) + np.random.default_rng(seed).normal(0, 1e-3, (len(X) * max(1, n // len(X)), X.shape[1]))
    k = min(k, len(X))
    w = np.ones(len(X))
    C0 = init_kmeans_plusplus(X, k, w, np.random.default_rng(seed))
    res = lloyd(X, w, C0, max_iter=200, relax=relax)
    hist = np.array(res.inertia_history)
    assert np.all(np.diff(hist) <= 1e-9 * (1 + hist[0]))
    d = _sq_dists(X, res.centroids)
    own = d[np.arange(len(X)), res.labels]
    assert np.all(own <= d.min(axis=1) + 1e-9 * (1.0 + d.max()))
    if res.converged:
        for j in np.unique(res.labels):
            np.testing.assert_allclose(res.centroids[j], X[res.labels == j].mean(axis=0), rtol=1e-7, atol=1e-7 * (1 + np.abs(X).max()))
