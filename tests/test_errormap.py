"""The error map: per-pixel deltaE checked against a plain formula, heat-map colors, worst block."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errormap import (
    COLORMAP,
    delta_e_map,
    delta_e_map_indexed,
    heatmap_rgb,
    legend_ticks,
    pool,
    suggest_vmax,
    worst_region,
)
from core.metrics import mean_delta_e


def _lab_by_hand(r: float, g: float, b: float) -> tuple[float, float, float]:
    """sRGB 0..255 -> CIELAB (D65), one pixel, from the published formulas."""
    def lin(c: float) -> float:
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    R, G, B = lin(r), lin(g), lin(b)
    X = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047
    Y = 0.2126729 * R + 0.7151522 * G + 0.0721750 * B
    Z = (0.0193339 * R + 0.1191920 * G + 0.9503041 * B) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))


def _seen(px) -> tuple[float, float, float]:
    if len(px) == 4:
        a = px[3] / 255.0
        return tuple(float(c) * a + 128.0 * (1 - a) for c in px[:3])
    return tuple(float(c) for c in px)


@pytest.mark.parametrize("channels", [3, 4])
def test_map_equals_per_pixel_delta_e(channels):
    rng = np.random.default_rng(channels)
    a = rng.integers(0, 256, (9, 13, channels), dtype=np.uint8)
    b = rng.integers(0, 256, (9, 13, channels), dtype=np.uint8)
    if channels == 4:
        a[0, :, 3] = 255  # opaque, partly and fully transparent rows on both sides
        b[1, :, 3] = 0
    got = delta_e_map(a, b)
    assert got.dtype == np.float32 and got.shape == (9, 13)
    for y in range(9):
        for x in range(13):
            expected = math.dist(_lab_by_hand(*_seen(a[y, x])), _lab_by_hand(*_seen(b[y, x])))
            assert got[y, x] == pytest.approx(expected, abs=2e-3)


def test_map_agrees_with_metrics_and_the_indexed_variant():
    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, (300, 1200, 3), dtype=np.uint8)  # more than one band of rows
    pal = rng.integers(0, 256, (12, 3), dtype=np.uint8)
    idx = rng.integers(0, 12, img.shape[:2]).astype(np.uint8)
    full = delta_e_map(img, pal[idx])
    assert float(full.mean(dtype=np.float64)) == pytest.approx(mean_delta_e(img, pal[idx]), rel=1e-5)
    np.testing.assert_allclose(delta_e_map_indexed(img, pal, idx), full, atol=1e-4)
    np.testing.assert_allclose(delta_e_map(img, pal[idx], step=3), full[::3, ::3], atol=1e-4)


def test_identical_images_have_no_error():
    img = np.random.default_rng(1).integers(0, 256, (20, 20, 4), dtype=np.uint8)
    assert not delta_e_map(img, img).any()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 300 - 20), st.integers(0, 200 - 20), st.integers(8, 20), st.integers(0, 2**32 - 1))
def test_worst_region_finds_a_planted_defect(x0, y0, size, seed):
    rng = np.random.default_rng(seed)
    delta = rng.random((200, 300)).astype(np.float32)  # background noise below 1
    delta[y0 : y0 + size, x0 : x0 + size] = 30.0
    x, y, w, h = worst_region(delta, block=64)
    assert (w, h) == (64, 64) and 0 <= x <= 300 - 64 and 0 <= y <= 200 - 64
    # The square overlaps the defect, and no candidate square has a higher mean.
    assert x < x0 + size and x0 < x + w and y < y0 + size and y0 < y + h
    best = delta[y : y + h, x : x + w].mean()
    for cy in [0, 64, 128, 136]:
        for cx in [0, 64, 128, 192, 236]:
            assert delta[cy : cy + 64, cx : cx + 64].mean() <= best + 1e-4


def test_worst_region_of_a_small_image_is_the_image():
    assert worst_region(np.ones((10, 30), np.float32), block=64) == (0, 0, 30, 10)


def test_heatmap_colors_and_scale():
    delta = np.array([[0.0, 5.0, 10.0, 50.0]], np.float32)
    hm = heatmap_rgb(delta, vmax=10.0)
    assert hm.shape == (1, 4, 3) and hm.dtype == np.uint8
    np.testing.assert_array_equal(hm[0, 0], COLORMAP[0])
    np.testing.assert_array_equal(hm[0, 2], COLORMAP[255])
    np.testing.assert_array_equal(hm[0, 3], COLORMAP[255])  # above vmax: clipped
    np.testing.assert_array_equal(hm[0, 1], COLORMAP[128])


def test_colormap_lightness_rises_steadily():
    from core.colorspace import srgb_to_cielab

    L = srgb_to_cielab(COLORMAP.astype(np.float64))[:, 0]
    assert np.all(np.diff(L) >= 0)  # perceptually ordered: more error never looks darker
    assert np.all(np.diff(L[::8]) > 1)  # (neighbors may round to the same 8-bit color)


@pytest.mark.parametrize("vmax", [0.3, 1, 2, 3, 7.5, 10, 20, 37, 100, 250])
def test_legend_ticks_are_round_and_span_the_scale(vmax):
    ticks = legend_ticks(vmax)
    assert ticks[0] == 0 and ticks[-1] <= vmax + 1e-9 and ticks[-1] >= vmax / 2
    assert 3 <= len(ticks) <= 6
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0])
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))


def test_suggest_vmax_is_round_and_at_least_two():
    assert suggest_vmax(np.zeros((10, 10), np.float32)) == 2
    d = np.random.default_rng(0).random((100, 100)).astype(np.float32) * 13
    v = suggest_vmax(d)
    assert v >= np.percentile(d, 99) and v in (15, 20, 25)


def test_pool_keeps_the_worst_or_the_mean():
    d = np.arange(30, dtype=np.float32).reshape(5, 6)
    mx = pool(d, 2, "max")
    assert mx.shape == (3, 3) and mx[0, 0] == 7 and mx[2, 2] == 29
    mean = pool(d, 2, "mean")
    assert mean[0, 0] == pytest.approx((0 + 1 + 6 + 7) / 4) and mean[2, 2] == pytest.approx((28 + 29) / 2)


@pytest.mark.parametrize("shape", [(300, 1000, 3), (3, 5, 3), (700, 20, 4)])
def test_seen_delta_e_is_the_error_of_blurred_images(shape):
    ndimage = pytest.importorskip("scipy.ndimage")
    from core.colorspace import srgb_to_cielab
    from core.errormap import seen_delta_e

    rng = np.random.default_rng(shape[0])
    a = rng.integers(0, 256, shape, dtype=np.uint8)
    b = rng.integers(0, 256, shape, dtype=np.uint8)

    def blurred(img):
        rgb = img[..., :3].astype(np.float64)
        if img.shape[2] == 4:
            alpha = img[..., 3:4] / 255.0
            rgb = rgb * alpha + 128.0 * (1 - alpha)
        return srgb_to_cielab(ndimage.gaussian_filter(rgb, (1, 1, 0), mode="reflect", truncate=3.5))

    expected = np.sqrt(((blurred(a) - blurred(b)) ** 2).sum(axis=-1)).mean()
    assert seen_delta_e(a, b) == pytest.approx(expected, rel=1e-4)
