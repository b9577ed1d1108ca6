"""Distance bounds stay valid, and the one-update polish on the exact colors is a plain Lloyd update."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core import plan as plan_module
from core.cluster import polish
from core.distances import CentroidNeighbors, nearest_two, sq_distances
from core.histogram import base_histogram, build_levels
from core.lloyd import LloydResult, shrink_lower
from core.quantize import quantize


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 200), k=st.integers(2, 90), seed=st.integers(0, 10_000), big=st.floats(0, 60))
def test_lower_bounds_stay_below_every_other_centroid_after_a_move(n, k, seed, big):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 255, (n, 3))
    C = rng.uniform(0, 255, (k, 3))
    labels, u, lo = nearest_two(X, C)
    # Most centroids move a little, a few a lot: the case the neighborhood bounds are for.
    step = rng.normal(0, 1, (k, 3))
    step[rng.random(k) < 0.1] *= big
    new_C = C + step
    delta = np.sqrt(np.sum(step**2, axis=1))
    u = u + delta[labels]
    shrink_lower(lo, labels, delta, u, CentroidNeighbors(new_C))
    d = np.sqrt(sq_distances(X, new_C))
    own = d[np.arange(n), labels]
    d[np.arange(n), labels] = np.inf
    assert np.all(u >= own - 1e-9)
    assert np.all(lo <= d.min(axis=1) + 1e-9)


def test_neighborhood_bounds_are_tighter_than_the_global_rule():
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 255, (5000, 3))
    C = rng.uniform(0, 255, (128, 3))
    labels, u, lo = nearest_two(X, C)
    delta = np.full(128, 0.2)
    delta[7] = 30.0  # one far mover
    new_C = C + delta[:, None] / np.sqrt(3)
    u = u + delta[labels]
    plain, local = lo.copy(), lo.copy()
    shrink_lower(plain, labels, delta)
    shrink_lower(local, labels, delta, u, CentroidNeighbors(new_C))
    assert np.all(local >= plain)
    assert np.mean(local > plain + 1.0) > 0.5  # most points are far from the mover


def _levels_of(photo: np.ndarray):
    base = base_histogram(photo.reshape(-1, 3), 8)
    X = base.means.astype(np.float64)
    return base, build_levels(base, X, [5, 7])


def test_polish_is_one_plain_lloyd_update_on_the_exact_colors(photo):
    base, levels = _levels_of(photo)
    coarse, fine = levels[-2], levels[-1]
    rng = np.random.default_rng(0)
    C = coarse.X[rng.choice(len(coarse.X), 12, replace=False)]
    lab, d1, d2 = nearest_two(coarse.X, C)
    prev = LloydResult(C, lab, 0.0, 0, True, [0.0], upper=d1, lower=d2)
    cl = polish(prev, fine, 0, [], True)
    # Reference: brute-force nearest centroid for every exact color, then weighted means.
    ref_labels = np.argmin(sq_distances(fine.X, C), axis=1)
    np.testing.assert_array_equal(cl.labels, ref_labels)
    W = np.bincount(ref_labels, weights=fine.w, minlength=12)
    for j in range(12):
        if W[j] > 0:
            mean = (fine.w[ref_labels == j, None] * fine.X[ref_labels == j]).sum(axis=0) / W[j]
            np.testing.assert_allclose(cl.centroids[j], mean, rtol=1e-12, atol=1e-9)
    true_inertia = float(np.sum(fine.w * np.sum((fine.X - cl.centroids[cl.labels]) ** 2, axis=1)))
    assert abs(cl.history[-1] - true_inertia) <= 1e-6 * true_inertia
    # The carried bounds are still valid for the moved centroids.
    d = np.sqrt(sq_distances(fine.X, cl.centroids))
    rows = np.arange(len(fine.X))
    assert np.all(cl.upper >= d[rows, cl.labels] - 1e-9)
    d[rows, cl.labels] = np.inf
    assert np.all(cl.lower <= d.min(axis=1) + 1e-9)


def test_polish_keeps_fixed_centroids_in_place(photo):
    _, levels = _levels_of(photo)
    coarse, fine = levels[-2], levels[-1]
    C = coarse.X[:6].copy()
    lab, d1, d2 = nearest_two(coarse.X, C)
    prev = LloydResult(C, lab, 0.0, 0, True, [0.0], upper=d1, lower=d2)
    cl = polish(prev, fine, 0, [], True, n_fixed=2)
    np.testing.assert_array_equal(cl.centroids[:2], C[:2])


def _with_many_colors(photo: np.ndarray) -> np.ndarray:
    """The photo with seeded +-1 noise: twice the distinct colors, about as many 7-bit bins,
    the kind of histogram where the 7-bit level pays (bins <= 60 % of the colors)."""
    rng = np.random.default_rng(0)
    return np.clip(photo.astype(np.int16) + rng.integers(-1, 2, photo.shape), 0, 255).astype(np.uint8)


def test_seven_bit_level_with_one_exact_update_is_within_one_percent_of_converging(sample_photo):
    """The trade written in core.plan: where the 7-bit level is used, one update on the exact
    colors after it stays within 1 % of converging there, in fewer updates."""
    img = _with_many_colors(sample_photo)
    base = base_histogram(img.reshape(-1, 3), 8)
    levels = build_levels(base, base.means, [5, 7], max_points={7: int(plan_module.SEVEN_BIT_MAX_SHARE
                                                                      * len(base.codes))})
    assert [lv.bits for lv in levels] == [5, 7, 8]  # the level is really used on this image
    converge = dataclasses.replace(plan_module.FULL_PLAN, polish_after_fine_bins=False)
    for k in (16, 64):
        fast = quantize(img, k)
        slow = quantize(img, k, plan=converge)
        assert fast.inertia <= 1.01 * slow.inertia
        assert fast.n_iter < slow.n_iter


def test_a_seven_bit_level_that_saves_little_is_left_out(sample_photo):
    base = base_histogram(sample_photo.reshape(-1, 3), 8)  # 7-bit bins: 74 % of the colors
    share = int(plan_module.SEVEN_BIT_MAX_SHARE * len(base.codes))
    assert [lv.bits for lv in build_levels(base, base.means, [5, 6, 7], max_points={7: share})] == [5, 6, 8]
    assert [lv.bits for lv in build_levels(base, base.means, [5, 6, 7])] == [5, 6, 7, 8]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), k=st.integers(2, 160), seed=st.integers(0, 10_000))
def test_neighbor_search_finds_the_nearest_centroid_and_a_valid_second_bound(n, k, seed):
    """The ball search (sorted prefix of 72 neighbors, then all K) agrees with brute force."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 255, (n, 3))
    C = rng.uniform(0, 255, (k, 3))
    labels = rng.integers(0, k, n)  # any current centroid: the search must still find the nearest
    d = np.sqrt(sq_distances(X, C))
    rows = np.arange(n)
    u = d[rows, labels]
    new, d1, d2 = CentroidNeighbors(C).nearest_two(X, labels, u)
    np.testing.assert_allclose(d1, d.min(axis=1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(d[rows, new], d1, rtol=0, atol=1e-9)
    d[rows, new] = np.inf
    assert np.all(d2 <= d.min(axis=1) + 1e-9)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 400), k=st.integers(1, 70), seed=st.integers(0, 10_000))
def test_nearest_gives_the_labels_of_nearest_two_and_the_squared_distance(n, k, seed):
    from core.distances import nearest

    rng = np.random.default_rng(seed)
    X = rng.integers(0, 8, (n, 3)).astype(np.float64)  # small integers: many exact ties
    C = rng.integers(0, 8, (k, 3)).astype(np.float64)
    labels, sq = nearest(X, C)
    ref_labels, d1, _ = nearest_two(X, C)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_array_equal(labels, np.argmin(sq_distances(X, C), axis=1))
    np.testing.assert_allclose(np.sqrt(sq), d1, rtol=0, atol=1e-12)


def test_lower_bounds_stay_valid_when_a_centroid_lands_exactly_on_another():
    """An exact duplicate may sort before the point's own centroid in the neighbor table; its
    move must still count (found in review: a bound of 57.8 against a true distance of 0.87)."""
    rng = np.random.default_rng(1)
    C = rng.uniform(0, 255, (20, 3))
    X = C[5] + rng.normal(0, 0.5, (200, 3))
    labels, u, lo = nearest_two(X, C)
    new_C = C.copy()
    new_C[2] = C[5]  # centroid 2 jumps onto centroid 5
    delta = np.sqrt(np.sum((new_C - C) ** 2, axis=1))
    u = u + delta[labels]
    shrink_lower(lo, labels, delta, u, CentroidNeighbors(new_C))
    d = np.sqrt(sq_distances(X, new_C))
    d[np.arange(len(X)), labels] = np.inf
    assert np.all(lo <= d.min(axis=1) + 1e-9)


def _assert_valid_table(table: CentroidNeighbors, C: np.ndarray) -> None:
    """Every edge bounds the centroids outside its prefix; half gaps and rows behave."""
    k = len(C)
    rows = np.arange(k)
    D = np.sqrt(sq_distances(C, C))
    assert np.all(np.diff(table.sorted_dist, axis=1) >= 0)  # edges rise along each row
    others = D.copy()
    others[rows, rows] = np.inf
    assert np.all(table.half_gap <= 0.5 * others.min(axis=1) + 1e-9)
    outside = D.copy()
    for m in range(table.prefix):
        assert np.all(outside.min(axis=1) >= table.sorted_dist[:, m] - 1e-9), m
        outside[rows, table.order[:, m]] = np.inf
    assert all(len(set(r)) == table.prefix for r in table.order.tolist())  # no centroid twice


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 300), seed=st.integers(0, 10_000), spread=st.sampled_from([0.05, 0.5, 3.0, 40.0]),
       dup=st.booleans())
def test_a_followed_neighbor_table_keeps_valid_edges_and_finds_the_nearest(k, seed, spread, dup):
    """``follow`` reuses the table built for the centroids before a move; whatever the moves
    (tiny, typical, or large enough to force a rebuild) and with duplicate centroids, its edges
    stay lower bounds, and a search through it finds the nearest centroid."""
    rng = np.random.default_rng(seed)
    C = rng.uniform(0, 255, (k, 3))
    if dup:
        C[: k // 3] = C[0]  # many centroids on one spot
    new_C = C + rng.normal(0, spread, C.shape)
    new_C[rng.random(k) < 0.05] += rng.normal(0, 10 * spread, 3)  # a few far movers
    table = CentroidNeighbors(C).follow(new_C).follow(new_C + rng.normal(0, spread, C.shape))
    C2 = table.C
    _assert_valid_table(table, C2)
    X = rng.uniform(0, 255, (300, 3))
    d = np.sqrt(sq_distances(X, C2))
    labels = rng.integers(0, k, len(X))
    rows = np.arange(len(X))
    new, d1, d2 = table.nearest_two(X, labels, d[rows, labels])
    np.testing.assert_allclose(d1, d.min(axis=1), rtol=0, atol=1e-9)
    d[rows, new] = np.inf
    assert np.all(d2 <= d.min(axis=1) + 1e-9)


def test_following_small_moves_keeps_the_exact_order_and_large_moves_rebuild():
    rng = np.random.default_rng(5)
    C = rng.uniform(0, 255, (256, 3))
    small = C + rng.normal(0, 0.3, C.shape)
    table = CentroidNeighbors(C)
    followed, fresh = table.follow(small), CentroidNeighbors(small)
    assert followed._base_C is table._base_C  # the build for C is reused, not redone
    np.testing.assert_array_equal(followed.order[:, :32], fresh.order[:, :32])
    np.testing.assert_allclose(followed.half_gap, fresh.half_gap, rtol=0, atol=1e-9)
    far = C + rng.normal(0, 40.0, C.shape)
    rebuilt = CentroidNeighbors(C).follow(far)
    np.testing.assert_array_equal(rebuilt._base_C, far)  # a fresh build for the new centroids
    np.testing.assert_allclose(rebuilt.sorted_dist, CentroidNeighbors(far).sorted_dist, rtol=0, atol=1e-12)


def test_lloyd_is_the_same_whether_neighbor_tables_follow_or_are_rebuilt(monkeypatch):
    """Following the table only saves work: labels, centroids and inertia are those of a
    table rebuilt on every update (continuous data, so no exact ties)."""
    from core.lloyd import lloyd

    rng = np.random.default_rng(11)
    X = np.concatenate([rng.normal(c, 9.0, (400, 3)) for c in rng.uniform(30, 225, (60, 3))])
    w = rng.uniform(1, 5, len(X))
    C0 = X[rng.choice(len(X), 200, replace=False)]
    calls = {"follow": 0}
    real_follow = CentroidNeighbors.follow

    def counting(self, C):
        calls["follow"] += 1
        return real_follow(self, C)

    monkeypatch.setattr(CentroidNeighbors, "follow", counting)
    a = lloyd(X, w, C0, max_iter=40)
    assert calls["follow"] >= 10
    monkeypatch.setattr(CentroidNeighbors, "follow", lambda self, C: CentroidNeighbors(C))
    b = lloyd(X, w, C0, max_iter=40)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.centroids, b.centroids)
    assert a.n_iter == b.n_iter and a.inertia == b.inertia


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 700), k=st.integers(32, 300), seed=st.integers(0, 10_000),
       offset=st.sampled_from([0.0, 1e3, 1e7]), channels=st.sampled_from([3, 4]),
       layout=st.sampled_from(["grid", "uniform", "pairs"]))
def test_expanded_search_matches_the_channel_sums_exactly(n, k, seed, offset, channels, layout):
    """From EXPANDED_MIN_K centroids on, nearest/nearest_two multiply matrices; labels (ties to the
    lowest index) and nearest squared distances must still be exactly those of sq_distances, and
    the second distance a valid lower bound within rounding of the true one, also far from the
    origin (where the expansion cancels), on integer grids full of exact ties, and with pairs of
    centroids closer to each other than the expansion's rounding far from the origin."""
    from core.distances import EXPANDED_MIN_K, nearest

    assert k >= EXPANDED_MIN_K
    rng = np.random.default_rng(seed)
    if layout == "grid":
        X = rng.integers(0, 6, (n, channels)).astype(np.float64) + offset
        C = rng.integers(0, 6, (k, channels)).astype(np.float64) + offset
    elif layout == "pairs":  # two centroids within 1e-3 of most points
        X = rng.uniform(0, 255, (n, channels)) + offset
        C = np.repeat(X[rng.integers(0, n, (k + 1) // 2)], 2, axis=0)[:k]
        C += rng.normal(0, 1e-3, C.shape)
    else:
        X = rng.uniform(0, 255, (n, channels)) + offset
        C = np.concatenate([rng.uniform(0, 255, (k - 2, channels)), X[:2] - offset]) + offset
    d = sq_distances(X, C)
    ref = d.argmin(axis=1)
    rows = np.arange(n)
    labels, sq = nearest(X, C)
    np.testing.assert_array_equal(labels, ref)
    np.testing.assert_array_equal(sq, d[rows, ref])
    labels2, d1, d2 = nearest_two(X, C)
    np.testing.assert_array_equal(labels2, ref)
    np.testing.assert_array_equal(d1, np.sqrt(d[rows, ref]))
    d[rows, ref] = np.inf
    second = np.sqrt(d.min(axis=1))
    assert np.all(d2 <= second)
    scale = (np.abs(X).max() + np.abs(C).max()) ** 2  # rounding of |c|^2 - 2 x.c is relative to this
    assert np.all(d2**2 >= second**2 - 1e-10 * scale)


def test_expanded_products_stay_small_enough_for_blas_to_keep_one_thread(monkeypatch):
    """OpenBLAS runs a product of at most 2**18 multiply-adds on the calling thread; every matrix
    product of the expanded search stays within that, and palettes too wide for one row sum
    channels instead."""
    from core import distances
    from core.distances import BLAS_MAX_MACS, EXPANDED_MIN_K, _expands

    shapes = []
    real = np.matmul

    def spy(a, b, *args, **kw):
        shapes.append((a.shape, b.shape))
        return real(a, b, *args, **kw)

    monkeypatch.setattr(distances.np, "matmul", spy)
    rng = np.random.default_rng(0)
    for k, dims in ((EXPANDED_MIN_K, 3), (256, 3), (256, 4), (3000, 3)):
        X = rng.uniform(0, 255, (20_000, dims))
        distances.nearest_two(X, rng.uniform(0, 255, (k, dims)))
    monkeypatch.undo()
    assert len(shapes) > 4
    for (rows, dims), (dims_b, k) in shapes:
        assert dims == dims_b and rows * k * dims <= BLAS_MAX_MACS
    assert not _expands(EXPANDED_MIN_K - 1, 3)
    assert _expands(65_535, 4) and not _expands(BLAS_MAX_MACS // 3 + 1, 3)
