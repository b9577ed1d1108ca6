"""The playground's dot rasterizer against a per-pixel reference and its geometric properties."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kmeans_gui.scatter_raster import draw_dots

BG = (250, 250, 250)


def reference(width: int, height: int, xy, colors, radius: float) -> np.ndarray:
    """Every pixel, every point, in point order: blend by the pixel center's coverage."""
    out = np.full((height, width, 3), BG, np.float64)
    for (x, y), c in zip(xy, colors, strict=True):
        for j in range(height):
            for i in range(width):
                a = min(1.0, max(0.0, radius + 0.5 - np.hypot(i + 0.5 - x, j + 0.5 - y)))
                out[j, i] = out[j, i] * (1 - a) + np.asarray(c, np.float64) * a
    return np.floor(out + 0.5).astype(np.uint8)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 33), st.floats(-3, 27)), min_size=1, max_size=4),
       st.floats(0.5, 3.5), st.integers(0, 2**32 - 1))
@example(points=[(1.5, 3.5), (1.0, 3.51953125)], radius=3.390625, seed=0)  # one pixel rounded back to the background
def test_matches_the_per_pixel_reference_for_dots_that_do_not_overlap(points, radius, seed):
    xy = np.array(points)
    far = all(np.hypot(*(xy[a] - xy[b])) > 2 * radius + 3 for a in range(len(xy)) for b in range(a))
    colors = np.random.default_rng(seed).integers(0, 256, (len(xy), 3)).astype(np.uint8)
    got = draw_dots(30, 24, xy, colors, radius)
    want = reference(30, 24, xy, colors, radius)
    if far:
        assert np.abs(got.astype(int) - want).max() <= 1
    else:  # overlapping dots may mix in another order; every pixel still lies between the colors
        lo = np.minimum(colors.min(axis=0), BG)
        hi = np.maximum(colors.max(axis=0), BG)
        assert ((got >= lo) & (got <= hi)).all()
        # No dot paints outside its disc. (Counting background pixels is not order-free: a pixel
        # that two dots barely touch may round back to the background in one order only.)
        j, i = np.mgrid[0:24, 0:30]
        touched = np.zeros((24, 30), bool)
        for x, y in xy:
            touched |= radius + 0.5 - np.hypot(i + 0.5 - x, j + 0.5 - y) > 0
        assert (got[~touched] == np.array(BG)).all()
        assert (want[~touched] == np.array(BG)).all()


@settings(max_examples=60, deadline=None)
@given(st.floats(5, 6), st.floats(5, 6), st.floats(1.25, 4.0))
def test_a_dot_covers_about_its_area_and_is_solid_at_its_center(x, y, radius):
    img = draw_dots(16, 16, np.array([[x, y]]), np.array([[0, 0, 0]], np.uint8), radius)
    coverage = (250 - img[:, :, 0].astype(float)) / 250
    assert abs(coverage.sum() - np.pi * radius**2) <= 0.12 * np.pi * radius**2 + 1
    assert img[int(y), int(x)].tolist() == [0, 0, 0]
    far = np.hypot(np.arange(16)[None, :] + 0.5 - x, np.arange(16)[:, None] + 0.5 - y) >= radius + 0.5
    assert (img[far] == 250).all()


def test_a_later_dot_is_drawn_over_an_earlier_one():
    img = draw_dots(20, 20, np.array([[10.5, 10.5], [10.5, 10.5]]),
                    np.array([[255, 0, 0], [0, 0, 255]], np.uint8), 2.0)
    assert img[10, 10].tolist() == [0, 0, 255]


def test_points_off_the_canvas_or_not_finite_draw_nothing_and_empty_sizes_work():
    xy = np.array([[np.nan, 3.0], [np.inf, 4.0], [-50.0, 5.0], [1e300, 1.0]])
    img = draw_dots(10, 10, xy, np.zeros((4, 3), np.uint8), 2.0)
    assert (img == 250).all()
    assert draw_dots(0, 5, xy, np.zeros((4, 3), np.uint8), 2.0).shape == (5, 0, 3)
    assert draw_dots(4, 4, np.zeros((0, 2)), np.zeros((0, 3), np.uint8), 2.0).shape == (4, 4, 3)
