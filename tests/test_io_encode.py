"""The PNG encoder: exact indices and palette back, smallest never larger than fast, marker."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from core import pngchunks
from core.io import encode_indexed
from core.png_encode import encode_png


def decode(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(palette K x 4, indices) exactly as stored in the file."""
    im = Image.open(io.BytesIO(data))
    assert im.mode == "P"
    rgb = np.array(im.getpalette(), np.uint8).reshape(-1, 3)
    alpha = np.full(len(rgb), 255, np.uint8)
    trns = im.info.get("transparency")
    if isinstance(trns, bytes):
        alpha[: len(trns)] = np.frombuffer(trns, np.uint8)
    elif isinstance(trns, int):
        alpha[trns] = 0
    return np.column_stack([rgb, alpha]), np.asarray(im)


@st.composite
def palette_images(draw):
    k = draw(st.integers(1, 256))
    channels = draw(st.sampled_from([3, 4]))
    seed = draw(st.integers(0, 2**32 - 1))
    h, w = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(k, channels), dtype=np.uint8)
    if channels == 4 and draw(st.booleans()):
        palette[:, 3] = 255  # an alpha column with nothing see-through
    smooth = draw(st.booleans())
    indices = (np.add.outer(np.arange(h), np.arange(w)) % k if smooth else rng.integers(0, k, (h, w))).astype(np.uint8)
    return palette, indices


@settings(max_examples=60, deadline=None)
@given(palette_images(), st.sampled_from(["fast", "smallest"]))
def test_png_decodes_to_exactly_the_same_indices_and_palette(case, effort):
    palette, indices = case
    data = encode_png(palette, indices, effort=effort)
    got_palette, got_indices = decode(data)
    k = len(palette)
    want = palette if palette.shape[1] == 4 else np.column_stack([palette, np.full(k, 255, np.uint8)])
    np.testing.assert_array_equal(got_palette[:k], want)
    assert len(got_palette) == k
    np.testing.assert_array_equal(got_indices, indices)
    assert pngchunks.has_marker(data)


@pytest.mark.parametrize("k", [2, 4, 16, 64, 256])
def test_smallest_is_never_larger_than_fast(k):
    rng = np.random.default_rng(k)
    palette = rng.integers(0, 256, size=(k, 3), dtype=np.uint8)
    base = np.add.outer(np.arange(120) // 7, np.arange(160) // 5) + rng.integers(0, 3, (120, 160))
    indices = (base % k).astype(np.uint8)
    fast = encode_png(palette, indices, effort="fast")
    small = encode_png(palette, indices, effort="smallest")
    assert len(small) <= len(fast)
    np.testing.assert_array_equal(decode(small)[1], indices)


def test_metadata_is_carried_by_the_optimized_png():
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    icc = b"\0" * 128  # carried as bytes, not interpreted here
    data = encode_png(np.array([[1, 2, 3], [4, 5, 6]], np.uint8), np.eye(8, dtype=np.uint8),
                      effort="smallest", icc_profile=icc, exif=exif.tobytes())
    im = Image.open(io.BytesIO(data))
    assert im.getexif().get(0x010F) == "TestCam" and im.info.get("icc_profile") == icc


def test_unknown_effort_is_refused():
    with pytest.raises(ValueError, match="effort"):
        encode_indexed(io.BytesIO(), np.zeros((2, 3), np.uint8), np.zeros((2, 2), np.uint8), "png", effort="max")


def test_other_formats_carry_the_marker(tmp_path):
    palette = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)
    for fmt, name in (("gif", "a.gif"), ("png24", "b.png"), ("jpeg", "d.jpg"), ("tiff", "e.tif")):
        p = tmp_path / name
        with open(p, "wb") as fh:
            encode_indexed(fh, palette, np.eye(4, dtype=np.uint8), fmt)
        assert pngchunks.is_our_output(p)
    for plain_name in ("c.png", "c.jpg", "c.tif", "c.gif"):
        plain = tmp_path / plain_name
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(plain)
        assert not pngchunks.is_our_output(plain)


def test_webp_and_bmp_outputs_carry_the_marker_and_plain_ones_do_not(tmp_path):
    palette = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)
    for fmt, name in (("webp", "a.webp"), ("bmp", "b.bmp")):
        p = tmp_path / name
        with open(p, "wb") as fh:
            encode_indexed(fh, palette, np.eye(4, dtype=np.uint8), fmt)
        assert pngchunks.is_our_output(p)
        assert np.array_equal(np.asarray(Image.open(p).convert("L")), np.eye(4, dtype=np.uint8) * 255)
    for plain_name, extra in (("c.webp", {"lossless": True}), ("c.bmp", {})):
        plain = tmp_path / plain_name
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(plain, **extra)
        assert not pngchunks.is_our_output(plain)


def test_a_jpeg_output_with_a_large_exif_block_is_still_recognized(tmp_path):
    """The COM segment comes after 60 KB of EXIF: found by walking the segments."""
    exif = Image.Exif()
    exif[0x010E] = "x" * 60_000  # ImageDescription
    p = tmp_path / "big-exif.jpg"
    with open(p, "wb") as fh:
        encode_indexed(fh, np.array([[0, 0, 0], [255, 255, 255]], np.uint8), np.eye(64, dtype=np.uint8), "jpeg",
                       exif=exif.tobytes())
    assert p.stat().st_size > 60_000
    assert pngchunks.is_our_output(p)
    plain = tmp_path / "plain-big-exif.jpg"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(plain, exif=exif.tobytes(), comment=b"other tool")
    assert not pngchunks.is_our_output(plain)
