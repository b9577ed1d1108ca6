"""Dithering: indices stay in the palette, transparency is respected, noise averages out."""

from __future__ import annotations

import numpy as np
import pytest

from core.dither import bayer_matrix, dither, ordered_dither

from .corpus import gradient


def test_bayer_matrix_is_a_permutation_of_levels():
    m = bayer_matrix(8)
    assert m.shape == (8, 8)
    np.testing.assert_allclose(np.sort(m.ravel()), (np.arange(64) + 0.5) / 64)


@pytest.mark.parametrize("mode", ["none", "fs", "ordered"])
def test_indices_valid_and_dithering_reduces_banding(mode):
    # A smooth grey ramp on a 2-color palette: dithering must mix both colors in mid-grey.
    ramp = np.tile(np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None], (16, 1, 3))
    pal = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)
    idx = dither(ramp, pal, mode)
    assert idx.shape == (16, 64) and idx.max() <= 1
    mid = idx[:, 28:36]
    if mode == "none":
        assert len(np.unique(idx[:, 0:20])) == 1
    else:
        assert 0.2 < mid.mean() < 0.8  # mid-grey becomes a mix of black and white
        # Average brightness follows the ramp.
        assert abs(pal[idx][..., 0].mean() - ramp[..., 0].mean()) < 20


def test_ordered_dither_keeps_transparent_pixels_transparent():
    img = np.zeros((16, 16, 4), np.uint8)
    img[..., :3] = 128
    img[..., 3] = 255
    img[:4, :, 3] = 0
    pal = np.array([[0, 0, 0, 0], [0, 0, 0, 255], [255, 255, 255, 255]], np.uint8)
    idx = ordered_dither(img, pal)
    assert np.all(idx[:4] == 0) and np.all(idx[4:] > 0)
    idx_fs = dither(img, pal, "fs")
    assert np.all(idx_fs[:4] == 0) and np.all(idx_fs[4:] > 0)


def test_unknown_mode():
    with pytest.raises(ValueError):
        dither(gradient(), np.zeros((2, 3), np.uint8), "random")
