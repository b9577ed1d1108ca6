"""Greedy weighted k-means++ against a plain, step-by-step reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.init import init_kmeans_plusplus
from core.seeds import SeedStream


def reference_kmeans_plusplus(X: np.ndarray, k: int, w: np.ndarray, rng: SeedStream) -> np.ndarray:
    """scikit-learn's greedy k-means++ written plainly: 2 + log(k) candidates per step, drawn
    with probability w * D(x)^2 from one uniform number each; the candidate that lowers the
    potential most wins."""
    n = len(X)
    trials = 2 + int(np.log(k))
    first = X[rng.choice(n, p=w / w.sum())]
    centers = [first]
    closest = np.array([np.sum((x - first) ** 2) for x in X])
    for _ in range(1, k):
        if np.sum(w * closest) <= 0:
            centers += [centers[0]] * (k - len(centers))
            break
        cumulative = np.cumsum(w * closest)
        best = None
        for u in rng.uniform(size=trials):
            c = min(int(np.searchsorted(cumulative, u * cumulative[-1])), n - 1)
            d = np.minimum(closest, np.array([np.sum((x - X[c]) ** 2) for x in X]))
            pot = float(np.sum(w * d))
            if best is None or pot < best[0]:
                best = (pot, c, d)
        centers.append(X[best[1]])
        closest = best[2]
    return np.array(centers, dtype=np.float64)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 60), k=st.integers(1, 12), seed=st.integers(0, 2**64 - 1), data=st.data())
def test_kmeans_plusplus_matches_the_plain_reference(n, k, seed, data):
    rng = np.random.default_rng(seed % 2**32)
    X = rng.integers(0, 8, size=(n, 3)).astype(np.float64)  # small grid: duplicates and ties
    w = rng.integers(1, 5, size=n).astype(np.float64)
    k = min(k, n)
    got = init_kmeans_plusplus(X, k, w, SeedStream(seed))
    want = reference_kmeans_plusplus(X, k, w, SeedStream(seed))
    np.testing.assert_array_equal(got, want)


def test_kmeans_plusplus_draws_its_numbers_in_stream_order():
    """Drawing a step's candidates from one block gives the same numbers as drawing them one
    at a time, so the restarts that follow see the same stream."""
    for seed in (0, 1, 2**63 + 5):
        block, single = SeedStream(seed), SeedStream(seed)
        np.testing.assert_array_equal(block.uniform(size=257), [single.random() for _ in range(257)])
        assert block.random() == single.random()
        assert len(block.uniform(size=0)) == 0 and block.random() == single.random()


def test_kmeans_plusplus_separates_close_points_far_from_the_origin():
    """Points 0.01 apart around 10^7 (float32 would round them together) still seed K
    distinct centers, one per tight group, as they do near the origin."""
    rng = np.random.default_rng(4)
    groups = rng.uniform(0, 1, (12, 2))
    X = np.repeat(groups, 20, axis=0) + rng.normal(0, 1e-4, (240, 2))
    w = np.ones(len(X))
    for offset in (0.0, 1e7):
        centers = init_kmeans_plusplus(X + offset, 12, w, SeedStream(3)) - offset
        nearest_group = np.argmin(((centers[:, None, :] - groups[None]) ** 2).sum(-1), axis=1)
        assert len(set(nearest_group.tolist())) == 12, offset


def test_kmeans_plusplus_on_a_tiny_spread_does_not_collapse():
    """Coordinates 1e-24 apart: float32 squares would underflow to zero and stop the seeding."""
    X = np.arange(50, dtype=np.float64).reshape(-1, 1) * 1e-24
    centers = init_kmeans_plusplus(X, 10, np.ones(50), SeedStream(0))
    assert len(np.unique(centers)) == 10
