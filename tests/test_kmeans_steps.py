"""The tutorial's two steps: hand-computed toy answers and a plain-loop reference."""

from __future__ import annotations

import numpy as np
import pytest

from core.kmeans import compute_centroids, find_closest_centroids


def loop_find_closest(X, C):
    idx = np.zeros(len(X), dtype=int)
    for i, x in enumerate(X):
        best, best_d = 0, np.inf
        for j, c in enumerate(C):
            d = float(np.sum((x - c) ** 2))
            if d < best_d:
                best, best_d = j, d
        idx[i] = best
    return idx


def loop_compute_centroids(X, idx, K):
    out = np.zeros((K, X.shape[1]))
    for k in range(K):
        members = [x for x, i in zip(X, idx, strict=True) if i == k]
        out[k] = np.mean(members, axis=0)
    return out


def test_toy_example_by_hand():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 10.0], [11.0, 10.0], [4.0, 4.0]])
    C = np.array([[0.0, 0.0], [10.0, 10.0]])
    idx = find_closest_centroids(X, C)
    assert idx.tolist() == [0, 0, 1, 1, 0]  # (4,4): 32 to the first, 72 to the second
    new = compute_centroids(X, idx, 2)
    np.testing.assert_allclose(new, [[5 / 3, 4 / 3], [10.5, 10.0]])


def test_three_centroids_by_hand():
    # Squared distances worked out by hand: (8,3) is 25, 5 and 4 from the three centroids.
    X = np.array([[1.8, 4.6], [5.7, 1.1], [6.0, 3.0], [8.0, 3.0]])
    C = np.array([[3.0, 3.0], [6.0, 2.0], [8.0, 5.0]])
    assert find_closest_centroids(X, C).tolist() == [0, 1, 1, 2]


@pytest.mark.parametrize("seed", range(5))
def test_against_plain_loops(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 3)) * 40
    C = X[rng.choice(300, 7, replace=False)]
    idx = find_closest_centroids(X, C)
    np.testing.assert_array_equal(idx, loop_find_closest(X, C))
    np.testing.assert_allclose(compute_centroids(X, idx, 7), loop_compute_centroids(X, idx, 7))


def test_compute_centroids_is_masked_mean_with_weights():
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 255, size=(500, 3))
    idx = rng.integers(0, 5, size=500)
    w = rng.uniform(0.1, 3, size=500)
    got = compute_centroids(X, idx, 5, weights=w)
    for k in range(5):
        m = idx == k
        np.testing.assert_allclose(got[k], np.average(X[m], axis=0, weights=w[m]))


def test_compute_centroids_empty_cluster_is_not_nan():
    X = np.array([[0.0, 0.0], [2.0, 2.0]])
    got = compute_centroids(X, np.array([0, 0]), 3)
    assert not np.isnan(got).any()
    np.testing.assert_allclose(got[0], [1.0, 1.0])


def test_large_input_is_processed_in_chunks():
    # 600k x 64 distances would be 300 MB at once; chunking keeps it bounded and correct.
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 255, size=(600_000, 3)).astype(np.float32)
    C = rng.uniform(0, 255, size=(64, 3))
    idx = find_closest_centroids(X, C)
    sample = rng.choice(len(X), 2000, replace=False)
    np.testing.assert_array_equal(idx[sample], loop_find_closest(X[sample].astype(float), C))


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError):
        find_closest_centroids(np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError):
        compute_centroids(np.zeros((3, 2)), np.array([0, 1, 5]), 2)


def test_fewer_distinct_non_integer_points_than_clusters_converge_at_once():
    """Two distinct 2-D points (the playground's PCA view of a two-color image) and K = 6: the
    means of identical non-integer points differ from them in the last bit, and empty clusters
    were relocated onto those "distant" points forever (300 updates, not converged)."""
    from core.kmeans import kmeans

    X = np.array([[-177.90806615, 0.0], [182.71639226, 0.0]])[np.random.default_rng(0).integers(0, 2, 3000)]
    for init in ("k-means++", "random"):
        r = kmeans(X, 6, seed=0, init=init, tol=0.0)
        assert r.converged and r.n_iter <= 3 and r.inertia < 1e-9


def test_a_run_never_stops_right_after_moving_an_empty_cluster():
    """An empty cluster moved while nothing else moved ended the run as converged with that
    centroid off its cluster's mean (core review: inertia 0.75 where 0.5 is reached)."""
    import numpy as np

    from core.kmeans import kmeans

    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    r = kmeans(X, 3, init=np.array([[0.5], [100.0], [10.5]]), tol=0.0)
    for j in range(3):
        members = X[r.labels == j]
        assert len(members) and np.allclose(r.centroids[j], members.mean(axis=0))
    assert r.inertia == 0.5
