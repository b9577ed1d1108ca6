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


# --- strength, flat areas, exact palettes (issue 13 point 3, issue 11 point 5) -------------

def _serial_fs(rgb, pal, strength, calm=None):
    """The textbook serial loop, same arithmetic as core.diffusion (float32, clip, rint)."""
    h, w = rgb.shape[:2]
    err = np.zeros((h + 1, w + 2, 3), np.float32)  # error of (y, x) lives at [y + 1, x + 1]
    ws = np.float32(strength / 16.0)
    out = np.zeros((h, w), np.uint8)
    for y in range(h):
        for x in range(w):
            inc = err[y + 1, x] * (ws * 7)
            inc += err[y, x + 2] * (ws * 3)
            inc += err[y, x + 1] * (ws * 5)
            inc += err[y, x] * (ws * 1)
            still = calm is not None and calm[y, x]
            want = np.clip(rgb[y, x].astype(np.float32) + (0 if still else inc), 0, 255)
            i = int(np.argmin(((pal.astype(np.float64) - np.rint(want)) ** 2).sum(axis=1)))
            out[y, x] = i
            err[y + 1, x + 1] = 0 if still else want - pal[i].astype(np.float32)
    return out


def _pillow_fs_reference(img, pal):
    """Floyd-Steinberg as this app did it before strengths existed: Pillow's quantize."""
    from PIL import Image

    pal_img = Image.new("P", (1, 1))
    pal_img.putpalette(np.concatenate([pal, np.repeat(pal[-1:], 256 - len(pal), axis=0)]).tobytes())
    idx = np.asarray(Image.fromarray(img, "RGB").quantize(palette=pal_img, dither=Image.Dither.FLOYDSTEINBERG))
    return np.minimum(idx, len(pal) - 1)


@pytest.mark.parametrize("shape", [(23, 31), (1, 7), (7, 1), (2, 2), (1, 1)])
@pytest.mark.parametrize("strength", [0.25, 0.6, 1.0])
def test_vectorized_diffusion_equals_the_serial_loop(shape, strength):
    from core.diffusion import diffuse

    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    img = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    pal = rng.integers(0, 256, (7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(diffuse(img, pal, strength), _serial_fs(img, pal, strength))
    calm = rng.random(shape) < 0.3
    np.testing.assert_array_equal(diffuse(img, pal, strength, calm), _serial_fs(img, pal, strength, calm))


@pytest.mark.parametrize("mode", ["fs", "ordered"])
@pytest.mark.parametrize("space", ["rgb", "oklab"])
def test_strength_zero_is_exactly_no_dithering(mode, space):
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    pal = rng.integers(0, 256, (9, 3), dtype=np.uint8)
    expected = dither(img, pal, "none", color_space=space)
    np.testing.assert_array_equal(dither(img, pal, mode, color_space=space, strength=0.0), expected)


def test_strength_one_is_todays_floyd_steinberg():
    img = gradient(64, 48)
    pal = np.array([[3, 5, 7], [250, 20, 30], [20, 240, 40], [30, 40, 230], [200, 200, 201], [90, 91, 92]], np.uint8)
    assert (exact_entries_of(img, pal) < 0).all()  # no pixel is pinned: all of it is Pillow's loop
    np.testing.assert_array_equal(dither(img, pal, "fs", strength=1.0), _pillow_fs_reference(img, pal))
    np.testing.assert_array_equal(dither(img, pal, "fs"), _pillow_fs_reference(img, pal))


def exact_entries_of(img, pal):
    from core.dither import exact_entries

    return exact_entries(img, pal)


def test_strength_one_keeps_pillow_except_on_exact_palette_pixels():
    img = gradient(64, 48)
    pal = np.array([[0, 0, 128], [255, 255, 128], [128, 0, 128], [0, 128, 128]], np.uint8)
    exact = exact_entries_of(img, pal)
    assert (exact >= 0).any()
    got = dither(img, pal, "fs")
    ref = _pillow_fs_reference(img, pal)
    np.testing.assert_array_equal(got[exact < 0], ref[exact < 0])
    np.testing.assert_array_equal(got[exact >= 0], exact[exact >= 0])


def test_blurred_error_falls_as_strength_rises():
    # A smooth ramp on 4 greys: what the eye averages gets closer to the original with more diffusion.
    ramp = np.tile(np.linspace(0, 255, 256)[None, :, None], (64, 1, 3)).astype(np.uint8)
    pal = np.array([[0] * 3, [85] * 3, [170] * 3, [255] * 3], np.uint8)

    def blurred_error(idx):
        k = np.ones(9) / 9
        a = np.apply_along_axis(np.convolve, 1, pal[idx][..., 0].astype(float), k, "valid")
        b = np.apply_along_axis(np.convolve, 1, ramp[..., 0].astype(float), k, "valid")
        return np.abs(a - b).mean()

    errors = [blurred_error(dither(ramp, pal, "fs", strength=s)) for s in (0.0, 0.3, 0.6, 0.9)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < errors[0] / 3


def test_flat_areas_stay_clean_with_the_flat_option():
    img = np.full((40, 60, 3), 100, np.uint8)  # flat: between two palette greys
    img[:, 30:] = np.linspace(0, 255, 30, dtype=np.uint8)[None, :, None]  # a ramp beside it
    pal = np.array([[0] * 3, [80] * 3, [120] * 3, [255] * 3], np.uint8)
    noisy = dither(img, pal, "fs", strength=0.8)
    clean = dither(img, pal, "fs", strength=0.8, flat_threshold=1)
    assert len(np.unique(noisy[:, 2:28])) == 2
    assert len(np.unique(clean[:, 2:28])) == 1
    assert len(np.unique(clean[:, 34:56])) > 2  # the ramp is still dithered
    ordered = dither(img, pal, "ordered", flat_threshold=1)
    assert len(np.unique(ordered[:, 2:28])) == 1


def test_everything_flat_is_plain_nearest():
    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    pal = rng.integers(0, 256, (6, 3), dtype=np.uint8)
    for mode in ("fs", "ordered"):
        np.testing.assert_array_equal(dither(img, pal, mode, flat_threshold=255), dither(img, pal, "none"))


@pytest.mark.parametrize("mode", ["none", "fs", "ordered"])
@pytest.mark.parametrize("space", ["rgb", "oklab"])
@pytest.mark.parametrize("strength", [0.5, 1.0])
@pytest.mark.parametrize("alpha", [False, True])
def test_an_image_of_palette_colors_is_reproduced_exactly(mode, space, strength, alpha):
    rng = np.random.default_rng(11)
    pal = rng.integers(0, 256, (16, 4 if alpha else 3), dtype=np.uint8)
    if alpha:
        pal[:, 3] = 255
        pal[0] = (0, 0, 0, 0)
    idx = rng.integers(0, 16, (37, 53)).astype(np.uint8)
    img = pal[idx]
    got = dither(img, pal, mode, color_space=space, strength=strength)
    np.testing.assert_array_equal(pal[got], img)
    got_flat = dither(img, pal, mode, color_space=space, strength=strength, flat_threshold=3)
    np.testing.assert_array_equal(pal[got_flat], img)


def test_sixteen_color_image_at_k16_survives_ordered_dithering():
    from core.quantize import quantize

    rng = np.random.default_rng(2)
    colors = rng.integers(0, 256, (16, 3), dtype=np.uint8)
    img = colors[rng.integers(0, 16, (64, 64))]
    q = quantize(img, 16)
    for mode in ("ordered", "fs"):
        np.testing.assert_array_equal(q.palette[dither(img, q.palette, mode)], img)


def test_partial_strength_keeps_transparent_pixels_transparent():
    img = np.zeros((16, 16, 4), np.uint8)
    img[..., :3] = 128
    img[..., 3] = 255
    img[:4, :, 3] = 0
    pal = np.array([[0, 0, 0, 0], [0, 0, 0, 255], [255, 255, 255, 255]], np.uint8)
    idx = dither(img, pal, "fs", strength=0.5)
    assert np.all(idx[:4] == 0) and np.all(idx[4:] > 0)


@pytest.mark.parametrize("strength", [1.0, 0.99])
def test_color_hidden_under_transparent_pixels_does_not_change_visible_ones(strength):
    # Pillow's full-strength loop used to diffuse the hidden RGB's error into visible pixels.
    def image(hidden_rgb):
        px = np.zeros((16, 16, 4), np.uint8)
        px[:, :8, :3] = hidden_rgb
        px[:, 8:] = [100, 100, 100, 255]
        return px

    pal = np.array([[0, 0, 0, 0], [0, 0, 0, 255], [255, 255, 255, 255]], np.uint8)
    a = dither(image([0, 0, 0]), pal, "fs", strength=strength)
    b = dither(image([60, 60, 60]), pal, "fs", strength=strength)
    np.testing.assert_array_equal(a, b)
    assert np.all(a[:, :8] == 0) and 0.2 < np.mean(a[:, 8:] == 2) < 0.6


@pytest.mark.parametrize("kw", [{"strength": -0.1}, {"strength": 1.5}, {"flat_threshold": -1}])
def test_bad_strength_or_threshold(kw):
    with pytest.raises(ValueError):
        dither(gradient(), np.zeros((2, 3), np.uint8), "fs", **kw)


def test_flat_mask_is_the_local_range():
    from numpy.lib.stride_tricks import sliding_window_view

    from core.dither import flat_mask

    rng = np.random.default_rng(4)
    img = rng.integers(0, 3, (300, 4096, 3), dtype=np.uint8)  # two bands of 256 rows
    img[rng.random(img.shape[:2]) < 0.001] = 9
    img[100:140, 200:300] = 77
    padded = np.pad(img, ((2, 2), (2, 2), (0, 0)), mode="edge")  # = a window clipped at the border
    win = sliding_window_view(padded, (5, 5), axis=(0, 1))
    spread = (win.max(axis=(3, 4)).astype(int) - win.min(axis=(3, 4))).max(axis=2)
    for threshold in (0, 1, 3):
        np.testing.assert_array_equal(flat_mask(img, threshold), spread <= threshold)


@pytest.mark.parametrize("k", [2, 16, 256])
def test_prefilled_nearest_table_is_exact(k):
    from core.diffusion import NearestLUT

    rng = np.random.default_rng(k)
    pal = rng.integers(0, 256, (k, 3), dtype=np.uint8)
    lut = NearestLUT(pal, "rgb")
    codes = rng.integers(0, 1 << 24, 200_000)
    known = codes[lut.table[codes] >= 0]
    assert len(known) > (1000 if k < 256 else 0)
    rgb = np.stack([known >> 16, (known >> 8) & 255, known & 255], axis=1).astype(np.int64)
    d = ((rgb[:, None, :] - pal[None, :, :].astype(np.int64)) ** 2).sum(axis=2)
    best = d.min(axis=1)
    assert np.all(d[np.arange(len(known)), lut.table[known]] == best)
    np.testing.assert_array_equal(lut.lookup(codes[:5000]), np.argmin(
        ((np.stack([codes[:5000] >> 16, (codes[:5000] >> 8) & 255, codes[:5000] & 255], 1)[:, None, :]
          - pal[None].astype(np.int64)) ** 2).sum(2), axis=1))
