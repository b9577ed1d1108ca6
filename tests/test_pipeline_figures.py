"""The figures reported for a file describe that file: a format that drops (partial) alpha, or
JPEG's own pixels, change what a viewer sees, and PSNR, deltaE, SSIM and the quality floor
follow what was written."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core import metrics
from core.encode import stored_palette
from core.pipeline import CompressOptions, compress_file
from core.ssim import ssim


def _translucent(h: int = 80, w: int = 120) -> np.ndarray:
    """Colors over an alpha ramp from fully transparent to opaque (some pixels half-transparent)."""
    y, x = np.mgrid[0:h, 0:w]
    rgba = np.stack([x * 255 // (w - 1), y * 255 // (h - 1), (x + y) % 256, x * 255 // (w - 1)], axis=-1)
    return rgba.astype(np.uint8)


def _opaque(h: int = 60, w: int = 90) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // (w - 1), y * 255 // (h - 1), (3 * x + y) % 256], axis=-1).astype(np.uint8)


def _written(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA"))


@pytest.mark.parametrize("ext", ["png", "webp", "gif", "bmp", "tif", "jpg"])
@pytest.mark.parametrize("make", [_translucent, _opaque], ids=["translucent", "opaque"])
def test_reported_figures_are_those_of_the_file_written(tmp_path, ext, make):
    src = tmp_path / "in.png"
    pixels = make()
    Image.fromarray(pixels).save(src)
    out = tmp_path / f"out.{ext}"
    res = compress_file(src, out, CompressOptions(k=16))
    assert res.error is None and res.written
    original = _written(src)
    shown = _written(out)
    assert res.psnr == pytest.approx(metrics.psnr(original, shown), abs=1e-6)
    assert res.delta_e == pytest.approx(metrics.mean_delta_e(original, shown), abs=1e-6)
    assert res.ssim == pytest.approx(ssim(original, shown), abs=1e-4)


@pytest.mark.parametrize("ext", ["gif", "bmp", "tif"])
def test_the_quality_floor_applies_to_what_the_format_keeps(tmp_path, ext):
    src = tmp_path / "in.png"
    Image.fromarray(_translucent()).save(src)
    kept = compress_file(src, tmp_path / "as.png", CompressOptions(k=16))
    assert kept.psnr > 25  # the palette image itself is above the floor
    out = tmp_path / f"out.{ext}"
    res = compress_file(src, out, CompressOptions(k=16, min_psnr=25.0))
    assert not out.exists()  # what the format keeps (no partial alpha) is below it
    assert res.below_min_quality and "below the minimum 25 dB" in res.error


def test_stored_palette_follows_each_formats_alpha():
    pal = np.array([[0, 0, 0, 0], [10, 20, 30, 128], [40, 50, 60, 255]], np.uint8)
    assert np.array_equal(stored_palette(pal, "png"), pal)
    assert np.array_equal(stored_palette(pal, "webp"), pal)
    assert stored_palette(pal, "gif")[:, 3].tolist() == [0, 255, 255]  # index 0 stays transparent
    for fmt in ("bmp", "tiff", "jpeg"):
        assert stored_palette(pal, fmt)[:, 3].tolist() == [255, 255, 255]
    assert stored_palette(pal[1:], "gif")[:, 3].tolist() == [255, 255]  # no transparent entry
    assert stored_palette(pal[::-1], "gif")[:, 3].tolist() == [255, 255, 0]  # wherever it is
    opaque = pal[:, :3]
    assert stored_palette(opaque, "bmp") is not None and np.array_equal(stored_palette(opaque, "bmp"), opaque)
