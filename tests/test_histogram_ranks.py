"""Bin ranks without a GIL-holding sort or cumulative sum: same answer as np.unique."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from core.histogram import _distinct_with_counts, _ranks_by_bucket, base_histogram, coarse_groups


@given(st.integers(25, 28), st.integers(1, 5000), st.integers(0, 2**31))
def test_bucket_ranks_equal_unique_inverse(space, n, seed):
    codes = np.random.default_rng(seed).integers(0, 1 << space, size=n, dtype=np.uint64).astype(np.uint32)
    np.testing.assert_array_equal(_ranks_by_bucket(codes, space), np.unique(codes, return_inverse=True)[1].ravel())


@given(st.integers(3, 7), st.integers(3, 4), st.integers(0, 2**31))
def test_coarse_groups_rank_occupied_bins_in_order(bits, channels, seed):
    px = np.random.default_rng(seed).integers(0, 256, size=(3000, channels), dtype=np.uint8)
    base = base_histogram(px, 8)
    groups = coarse_groups(base, bits)
    coarse = (base.means.astype(np.int64) >> (8 - bits))
    keys = np.zeros(len(coarse), np.int64)
    for c in range(channels):
        keys = (keys << bits) | coarse[:, c]
    np.testing.assert_array_equal(groups, np.unique(keys, return_inverse=True)[1].ravel())


@given(st.lists(st.integers(3, 7), min_size=1, max_size=4, unique=True), st.integers(3, 4),
       st.integers(1, 4000), st.integers(0, 2**31))
def test_levels_built_from_each_other_equal_levels_built_from_the_colors(bits, channels, n, seed):
    """Coarse levels are aggregated from the next finer level; with integer features the bin
    means, weights and parent links are exactly those computed straight from the colors."""
    from core.histogram import build_levels

    rng = np.random.default_rng(seed)
    px = rng.integers(0, 256, size=(n, channels), dtype=np.uint8)
    px[: n // 2] = px[0]  # a heavy color, so weights differ
    base = base_histogram(px, 8)
    X = base.means.astype(np.float64)
    levels = build_levels(base, X, sorted(bits))
    assert [lv.bits for lv in levels] == [*sorted(bits), 8]
    w = base.counts.astype(np.float64)
    for lv, b in zip(levels[:-1], sorted(bits), strict=True):
        g = coarse_groups(base, b)
        W = np.bincount(g, weights=w)
        np.testing.assert_array_equal(lv.w, W)
        for j in range(channels):
            np.testing.assert_array_equal(lv.X[:, j], np.bincount(g, weights=w * X[:, j]) / W)
    # Following the parent links from every color reaches the bin that holds it, on every level.
    bin_of = np.arange(len(X))
    for i in range(len(levels) - 1, 0, -1):
        finer, coarser = levels[i], levels[i - 1]
        np.testing.assert_allclose(finer.radius, np.linalg.norm(finer.X - coarser.X[finer.parent], axis=1))
        bin_of = finer.parent[bin_of]
        np.testing.assert_array_equal(bin_of, coarse_groups(base, coarser.bits))


@given(st.lists(st.integers(3, 7), min_size=1, max_size=3, unique=True), st.integers(1, 3000), st.integers(0, 2**31))
def test_each_bins_spread_is_its_colors_weighted_squared_distance_to_its_mean(bits, n, seed):
    """``Level.spread``: what a bin hides, summed over the pixels of the colors it holds."""
    from core.histogram import build_levels

    rng = np.random.default_rng(seed)
    px = rng.integers(0, 256, size=(n, 3), dtype=np.uint8)
    px[: n // 3] = px[0]
    base = base_histogram(px, 8)
    X = base.means.astype(np.float64)
    levels = build_levels(base, X, sorted(bits))
    np.testing.assert_array_equal(levels[-1].spread, 0.0)
    w = base.counts.astype(np.float64)
    for lv in levels[:-1]:
        g = coarse_groups(base, lv.bits)
        brute = np.bincount(g, weights=w * np.sum((X - lv.X[g]) ** 2, axis=1), minlength=len(lv.X))
        np.testing.assert_allclose(lv.spread, brute, rtol=1e-9, atol=1e-6)


@given(st.lists(st.integers(0, (1 << 24) - 1) | st.integers(0, 40), max_size=300))
def test_distinct_codes_and_counts_are_those_of_np_unique(values):
    """The base histogram's own run counting gives np.unique's sorted codes and counts."""
    codes = np.array(values, dtype=np.uint32)
    distinct, counts = _distinct_with_counts(codes)
    ref_distinct, ref_counts = np.unique(codes, return_counts=True)
    np.testing.assert_array_equal(distinct, ref_distinct)
    np.testing.assert_array_equal(counts, ref_counts)
    assert distinct.dtype == np.uint32 and counts.sum() == len(codes)
