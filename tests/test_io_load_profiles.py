"""Loading images whose samples need more than an 8-bit conversion: 16-bit gray with a color
profile, transparent colors (tRNS) with a profile. Nothing may clip to white or lose alpha."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.io import load_image

from .icc_profiles import gray_profile, rgb_profile

pytest.importorskip("PIL.ImageCms")


def _gray16() -> np.ndarray:
    return np.linspace(0, 65535, 40 * 50).reshape(40, 50).astype(np.uint16)


def test_16_bit_gray_with_a_gray_profile_keeps_its_tones(tmp_path):
    """The profile used to be applied after an 8-bit conversion that clipped every value
    above 255: the picture came out 99 % white."""
    plain, tagged = tmp_path / "plain.png", tmp_path / "tagged.png"
    Image.fromarray(_gray16()).save(plain)
    Image.fromarray(_gray16()).save(tagged, icc_profile=gray_profile(2.2))
    a, b = load_image(plain).pixels.astype(int), load_image(tagged)
    assert any("converted" in n for n in b.notes)
    # Gray gamma 2.2 and sRGB's curve differ in the deep shadows (sRGB's linear toe) by up to
    # ~10 levels; elsewhere they agree, and the ramp stays a ramp.
    assert np.abs(a - b.pixels.astype(int)).max() <= 12
    assert abs(a.mean() - b.pixels.mean()) < 2
    assert np.all(np.diff(b.pixels[..., 0].ravel().astype(int)) >= 0)
    assert (b.pixels == 255).mean() < 0.01


def test_16_bit_gray_with_a_transparent_value_keeps_it_transparent(tmp_path):
    g = _gray16()
    g[:, :10] = 0
    g[0, 20] = 1  # scales to 0 in 8 bits, as 0 does: it must stay opaque
    p = tmp_path / "trns16.png"
    Image.fromarray(g).save(p, transparency=0)
    img = load_image(p)
    assert img.has_alpha and img.pixels.shape[2] == 4
    expected = np.where(g == 0, 0, 255)
    np.testing.assert_array_equal(img.pixels[..., 3], expected)


@pytest.mark.parametrize("kind", ["gray", "palette"])
def test_a_transparent_color_survives_the_profile_conversion(tmp_path, kind):
    rng = np.random.default_rng(1)
    if kind == "gray":
        im = Image.fromarray((_gray16() >> 8).astype(np.uint8), "L")
        profile, key = gray_profile(2.2), 0
        mask = np.asarray(im) == 0
    else:
        im = Image.fromarray(rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)).quantize(8)
        profile, key = rgb_profile(1.8), 0
        mask = np.asarray(im) == 0
    p = tmp_path / f"{kind}.png"
    im.save(p, transparency=key, icc_profile=profile)
    img = load_image(p)
    assert any("converted" in n for n in img.notes)
    assert img.has_alpha
    np.testing.assert_array_equal(img.pixels[..., 3] == 0, mask)


def test_gray_with_alpha_and_a_gray_profile_keeps_alpha(tmp_path):
    g = (_gray16() >> 8).astype(np.uint8)
    alpha = np.where(np.arange(50) < 25, 0, 255).astype(np.uint8)[None, :].repeat(40, 0)
    p = tmp_path / "la.png"
    Image.fromarray(np.dstack([g, alpha]), "LA").save(p, icc_profile=gray_profile(2.2))
    img = load_image(p)
    assert any("converted" in n for n in img.notes)
    np.testing.assert_array_equal(img.pixels[..., 3], alpha)
    assert np.abs(img.pixels[..., 0].astype(int) - g).max() <= 12
