"""Metrics: hand-checked values and the tutorial's bit count."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import metrics


def test_mse_and_psnr_by_hand():
    a = np.zeros((2, 2, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 12  # one value off by 12 among 12 values -> MSE 12
    assert metrics.mse(a, b) == pytest.approx(12.0)
    assert metrics.psnr(a, b) == pytest.approx(10 * math.log10(255**2 / 12))
    assert metrics.psnr(a, a) == math.inf


def test_delta_e_of_black_and_white_is_100():
    black = np.zeros((1, 1, 3), np.uint8)
    white = np.full((1, 1, 3), 255, np.uint8)
    assert metrics.mean_delta_e(black, white) == pytest.approx(100.0, abs=0.01)
    assert metrics.mean_delta_e(white, white) == 0.0


def test_gray_images_are_measured_as_rgb_with_equal_channels():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (6, 9), dtype=np.uint8)
    b = rng.integers(0, 256, (6, 9), dtype=np.uint8)
    as_rgb = lambda g: np.repeat(g[..., None], 3, axis=2)  # noqa: E731
    assert metrics.mean_delta_e(a, b) == pytest.approx(metrics.mean_delta_e(as_rgb(a), as_rgb(b)), rel=1e-12)
    assert metrics.mse(a, b) == pytest.approx(metrics.mse(as_rgb(a), as_rgb(b)), rel=1e-12)


def test_tutorial_bitcount_ratio():
    # 128 x 128 pixels, 16 colors: 393216 bits vs 16384*4 + 16*24 = 65920 bits.
    assert metrics.bitcount_ratio(128 * 128, 16) == pytest.approx(393216 / 65920)
    assert metrics.bits_per_index(2) == 1 and metrics.bits_per_index(17) == 5
    assert metrics.bits_per_index(1) == 1


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError):
        metrics.mse(np.zeros((2, 2, 3), np.uint8), np.zeros((2, 3, 3), np.uint8))


def test_encoded_png_is_smaller_than_raw_for_a_flat_image():
    pal = np.array([[0, 0, 0], [255, 0, 0]], np.uint8)
    idx = np.zeros((64, 64), np.uint8)
    idx[:, 32:] = 1
    size = metrics.encoded_png_bytes(pal, idx)
    assert 0 < size < metrics.raw_rgb_bytes(64, 64) / 20
    r = metrics.real_ratios(10_000, metrics.raw_rgb_bytes(64, 64), size)
    assert r["file_ratio"] == pytest.approx(10_000 / size)


def test_hidden_color_under_transparency_is_not_an_error():
    a = np.zeros((2, 2, 4), np.uint8)
    a[..., :3] = [200, 10, 10]  # hidden red under alpha 0
    b = np.zeros((2, 2, 4), np.uint8)  # transparent black
    assert metrics.mse(a, b) == 0.0
    assert metrics.mean_delta_e(a, b) == 0.0
    a[0, 0, 3] = 255  # now one pixel is visible: red over grey vs grey
    assert metrics.mse(a, b) > 0
    rgb = np.full((2, 2, 3), 128, np.uint8)
    assert metrics.mse(b, rgb) == 0.0  # transparent composites to the grey background


def _images():
    from PIL import Image

    rng = np.random.default_rng(1)
    rgb = np.asarray(Image.fromarray(rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)).resize((120, 90)))
    rgba = np.dstack([rgb, rng.choice(np.array([0, 90, 255], np.uint8), size=rgb.shape[:2])])
    opaque_with_holes = np.dstack([rgb, np.where(rng.random(rgb.shape[:2]) < 0.2, 0, 255).astype(np.uint8)])
    return {"rgb": rgb, "rgba": rgba, "holes": opaque_with_holes}


@pytest.mark.parametrize("kind", ["rgb", "rgba", "holes"])
@pytest.mark.parametrize("k", [2, 16, 64])
def test_histogram_figures_equal_the_per_pixel_ones(kind, k):
    from core.quantize import quantize

    img = _images()[kind]
    q = quantize(img, k)
    recon = q.image()
    fast = metrics.quantized_figures(img, q)
    assert q.histogram is not None
    assert fast.mse == pytest.approx(metrics.mse(img, recon), rel=1e-9, abs=1e-12)
    assert fast.psnr == pytest.approx(metrics.psnr(img, recon), rel=1e-9)
    assert fast.delta_e == pytest.approx(metrics.mean_delta_e(img, recon), rel=1e-9, abs=1e-12)
    one_pass = metrics.figures(img, q.palette, q.indices)
    assert one_pass.mse == pytest.approx(fast.mse, rel=1e-9, abs=1e-12)
    assert one_pass.delta_e == pytest.approx(fast.delta_e, rel=1e-9, abs=1e-12)


def test_dithered_indices_use_the_pixels(photo):
    from core.quantize import quantize

    q = quantize(photo, 8)
    shuffled = np.roll(q.indices, 1, axis=1)  # not what the histogram says
    got = metrics.quantized_figures(photo, q, shuffled)
    recon = q.palette[shuffled]
    assert got.mse == pytest.approx(metrics.mse(photo, recon), rel=1e-9)
    assert got.delta_e == pytest.approx(metrics.mean_delta_e(photo, recon), rel=1e-9)


def test_preview_results_have_no_histogram_but_figures_still_work(photo):
    from core.quantize import quantize

    q = quantize(photo, 16, preview=True)
    assert q.histogram is None
    got = metrics.quantized_figures(photo, q)
    assert got.psnr == pytest.approx(metrics.psnr(photo, q.image()), rel=1e-9)


def test_histogram_figures_of_many_colors_are_chunked_and_thread_independent():
    """Above one chunk (2**18 distinct colors) the figures are summed chunk by chunk on the
    pool: they still equal the per-pixel ones, and one thread gives the same bits as many."""
    from core import parallel

    rng = np.random.default_rng(7)
    n = (1 << 18) + 40_000
    colors = rng.integers(0, 256, (n, 3), dtype=np.uint8)
    counts = rng.integers(1, 4, n)
    palette = rng.integers(0, 256, (16, 3), dtype=np.uint8)
    labels = rng.integers(0, 16, n)
    pixels = np.repeat(colors, counts, axis=0)[:, None, :]
    indices = np.repeat(labels, counts)[:, None]
    per_pixel = metrics.figures(pixels, palette, indices)
    many = metrics.figures_from_histogram(colors, counts, labels, palette)
    assert many.mse == pytest.approx(per_pixel.mse, rel=1e-9)
    assert many.delta_e == pytest.approx(per_pixel.delta_e, rel=1e-9)
    parallel.set_threads(1)
    try:
        one = metrics.figures_from_histogram(colors, counts, labels, palette)
    finally:
        parallel.set_threads(None)
    assert (one.mse, one.delta_e) == (many.mse, many.delta_e)
