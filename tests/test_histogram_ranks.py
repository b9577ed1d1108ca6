"""Bin ranks without a GIL-holding sort or cumulative sum: same answer as np.unique."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from core.histogram import _ranks_by_bucket, base_histogram, coarse_groups


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
