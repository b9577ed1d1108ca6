"""SSIM against scikit-image's reference implementation, and its basic properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.quantize import quantize
from core.ssim import blur, luma, ssim, ssim_indexed

skimage = pytest.importorskip("skimage")
from skimage import data  # noqa: E402
from skimage.metrics import structural_similarity  # noqa: E402


def _reference(a: np.ndarray, b: np.ndarray) -> float:
    return structural_similarity(luma(a).astype(np.float64), luma(b).astype(np.float64), gaussian_weights=True,
                                 sigma=1.5, use_sample_covariance=False, data_range=255)


@pytest.mark.parametrize("photo", ["astronaut", "coffee"])
@pytest.mark.parametrize("k", [4, 32])
def test_matches_scikit_image_on_quantized_photos(photo, k):
    img = getattr(data, photo)()[::2, ::2].copy()
    recon = quantize(img, k, n_init=1).image()
    assert ssim(img, recon) == pytest.approx(_reference(img, recon), abs=1e-3)


def test_matches_scikit_image_across_band_boundaries_and_odd_sizes():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (700, 45, 3), dtype=np.uint8)  # 700 rows: several 256-row bands
    noisy = np.clip(img.astype(int) + rng.integers(-40, 41, img.shape), 0, 255).astype(np.uint8)
    assert ssim(img, noisy) == pytest.approx(_reference(img, noisy), abs=1e-3)


def test_alpha_is_composited_over_grey():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (40, 50, 4), dtype=np.uint8)
    b = a.copy()
    b[..., 3] = 0
    b[..., :3] = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)  # hidden colors differ
    a[..., 3] = 0
    assert ssim(a, b) == pytest.approx(1.0)
    c = a.copy()
    c[..., 3] = 255
    assert ssim(a, c) == pytest.approx(_reference(a, c), abs=1e-3)


@settings(max_examples=25, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 30), st.integers(1, 30), st.just(3))), st.integers(0, 2**32 - 1))
def test_identical_is_one_and_symmetric(img, seed):
    other = np.random.default_rng(seed).integers(0, 256, img.shape, dtype=np.uint8)
    assert ssim(img, img) == pytest.approx(1.0, abs=1e-5)
    s = ssim(img, other)
    assert s <= 1.0 + 1e-6
    assert s == pytest.approx(ssim(other, img), abs=1e-6)


def test_shape_mismatch():
    with pytest.raises(ValueError):
        ssim(np.zeros((20, 20, 3), np.uint8), np.zeros((20, 21, 3), np.uint8))


def test_blur_matches_scipy_reflect():
    ndimage = pytest.importorskip("scipy.ndimage")
    x = np.random.default_rng(2).random((30, 41, 3)).astype(np.float32) * 255
    np.testing.assert_allclose(blur(x, 1.0), ndimage.gaussian_filter(x, (1, 1, 0), mode="reflect"), atol=1e-3)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.sampled_from([3, 4]), st.integers(1, 16), st.integers(1, 3),
       st.integers(0, 2**32 - 1))
def test_indexed_equals_the_reconstruction(h, w, channels, k, step, seed):
    """The palette image's SSIM from its indices is exactly the SSIM of its reconstruction."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    palette = rng.integers(0, 256, (k, channels), dtype=np.uint8)
    indices = rng.integers(0, k, (h, w), dtype=np.uint8)
    recon = np.take(palette, indices, axis=0)
    assert ssim_indexed(pixels, palette, indices, step=step) == ssim(pixels, recon, step=step)


def test_indexed_on_a_quantized_photo_equals_the_reconstruction():
    img = data.astronaut()[:300, :280].copy()
    q = quantize(img, 16, n_init=1)
    for step in (1, 2):
        assert ssim_indexed(img, q.palette, q.indices, step=step) == ssim(img, q.image(), step=step)
    with pytest.raises(ValueError):
        ssim_indexed(img, q.palette, q.indices[:, :-1])
