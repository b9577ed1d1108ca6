"""Fixed palette colors (issue 12, point 1): always present exactly, count toward K, never move."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.kmeans import kmeans
from core.quantize import quantize

images = arrays(np.uint8, st.tuples(st.integers(1, 14), st.integers(1, 14), st.sampled_from([3, 4])))
rgb_colors = arrays(np.uint8, st.tuples(st.integers(1, 4), st.just(3)), unique=True)


def _rows(a: np.ndarray) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in r) for r in a}


@given(img=images, fixed=rgb_colors, extra=st.integers(0, 12), seed=st.integers(0, 50),
       space=st.sampled_from(["rgb", "oklab"]))
def test_fixed_colors_are_in_the_palette_exactly(img, fixed, extra, seed, space):
    k = len(fixed) + extra + 1  # +1: room for the transparent entry an RGBA image may need
    q = quantize(img, k, seed=seed, fixed=fixed, color_space=space)
    assert len(q.palette) <= k
    opaque = q.palette if q.palette.shape[1] == 3 else q.palette[q.palette[:, 3] == 255][:, :3]
    assert _rows(fixed) <= _rows(opaque)
    assert len(_rows(q.palette)) == len(q.palette)
    assert q.indices.max() < len(q.palette)
    assert q.counts.sum() == img.shape[0] * img.shape[1]
    again = quantize(img, k, seed=seed, fixed=fixed, color_space=space)
    np.testing.assert_array_equal(q.palette, again.palette)
    np.testing.assert_array_equal(q.indices, again.indices)


def test_a_small_red_area_keeps_its_red(photo):
    img = photo.copy()
    img[:4, :4] = [230, 10, 20]
    q = quantize(img, 8, fixed=[[230, 10, 20]])
    red = int(np.flatnonzero(np.all(q.palette == [230, 10, 20], axis=1))[0])
    assert np.all(q.indices[:4, :4] == red)


def test_fixed_colors_are_used_for_the_pixels_nearest_to_them(photo):
    q = quantize(photo, 6, fixed=[[0, 0, 0], [255, 255, 255]])
    pal = q.palette.astype(float)
    flat = photo.reshape(-1, 3).astype(float)
    d = ((flat[:, None] - pal[None]) ** 2).sum(axis=2)
    np.testing.assert_allclose(d[np.arange(len(flat)), q.indices.ravel()], d.min(axis=1))


def test_transparent_fixed_color_adds_the_transparent_entry():
    img = np.full((4, 4, 3), 100, np.uint8)
    q = quantize(img, 3, fixed=[[0, 0, 0, 0], [255, 0, 0, 255]])
    assert q.palette[0].tolist() == [0, 0, 0, 0]
    assert [255, 0, 0, 255] in q.palette.tolist()
    assert np.all(q.indices != 0)


@pytest.mark.parametrize(("fixed", "k", "match"), [
    ([[1, 2, 3], [4, 5, 6], [7, 8, 9]], 2, "more fixed colors"),
    ([[1, 2, 3], [1, 2, 3]], 4, "duplicates"),
    ([[1, 2]], 4, "shape"),
    ([[1, 2, 300]], 4, "0 to 255"),
    ([[0.5, 2, 3]], 4, "whole numbers"),
])
def test_bad_fixed_colors_are_a_clear_value_error(fixed, k, match):
    with pytest.raises(ValueError, match=match):
        quantize(np.zeros((3, 3, 3), np.uint8), k, fixed=fixed)


points = arrays(np.float64, st.tuples(st.integers(6, 80), st.just(2)),
                elements=st.floats(-100, 100, allow_nan=False, width=32))


@given(X=points, k=st.integers(1, 6), n_fixed=st.integers(1, 3), seed=st.integers(0, 1000),
       init=st.sampled_from(["k-means++", "random"]))
def test_kmeans_fixed_centroids_never_move(X, k, n_fixed, seed, init):
    n_fixed = min(n_fixed, k)
    fixed = np.array([[500.0 + 10 * i, -3.0 * i] for i in range(n_fixed)])
    res = kmeans(X, k, seed=seed, init=init, fixed=fixed, max_iter=40)
    np.testing.assert_array_equal(res.centroids[:n_fixed], fixed)
    hist = np.array(res.inertia_history)
    assert np.all(np.diff(hist) <= 1e-9 * (1 + hist[0]))
    d = ((X[:, None] - res.centroids[None]) ** 2).sum(axis=2)
    assert np.all(d[np.arange(len(X)), res.labels] <= d.min(axis=1) + 1e-9 * (1 + d.max()))
    again = kmeans(X, k, seed=seed, init=init, fixed=fixed, max_iter=40)
    np.testing.assert_array_equal(res.centroids, again.centroids)


def test_kmeans_refuses_too_many_or_duplicate_fixed_centroids():
    X = np.arange(20, dtype=float).reshape(10, 2)
    with pytest.raises(ValueError, match="more fixed"):
        kmeans(X, 2, fixed=np.zeros((3, 2)) + np.arange(3)[:, None])
    with pytest.raises(ValueError, match="duplicates"):
        kmeans(X, 3, fixed=[[1.0, 1.0], [1.0, 1.0]])
