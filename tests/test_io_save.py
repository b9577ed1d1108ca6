"""Saving: smallest PNG bit depth, transparency, every format, atomic writes, never the source."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from core.io import SaveError, encode_indexed, load_image, save_indexed
from core.quantize import quantize

from .corpus import gradient


def png_bit_depth(data: bytes) -> int:
    assert data[12:16] == b"IHDR"
    return data[24]


@pytest.mark.parametrize("n, depth", [(2, 1), (3, 2), (4, 2), (5, 4), (16, 4), (17, 8), (256, 8)])
def test_png_uses_smallest_bit_depth(n, depth):
    rng = np.random.default_rng(n)
    palette = rng.integers(0, 256, size=(n, 3), dtype=np.uint8)
    indices = (np.arange(64 * 64) % n).reshape(64, 64).astype(np.uint8)
    buf = io.BytesIO()
    encode_indexed(buf, palette, indices, "png")
    assert png_bit_depth(buf.getvalue()) == depth
    back = Image.open(io.BytesIO(buf.getvalue()))
    assert back.mode == "P"
    np.testing.assert_array_equal(np.asarray(back.convert("RGB")), palette[indices])


def test_png_transparency_round_trips_as_trns():
    palette = np.array([[255, 0, 0, 255], [0, 0, 0, 0], [0, 255, 0, 128]], np.uint8)
    indices = np.array([[0, 1], [2, 0]], np.uint8)
    buf = io.BytesIO()
    encode_indexed(buf, palette, indices, "png")
    data = buf.getvalue()
    assert b"tRNS" in data
    back = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))
    np.testing.assert_array_equal(back, palette[indices])


@pytest.mark.parametrize("fmt, mode", [("gif", "P"), ("bmp", "P"), ("tiff", "P"), ("webp", "RGB"), ("png24", "RGB"), ("jpeg", "RGB")])
def test_other_formats_decode_back(fmt, mode):
    q = quantize(gradient(), 8)
    buf = io.BytesIO()
    notes = encode_indexed(buf, q.palette, q.indices, fmt)
    back = Image.open(io.BytesIO(buf.getvalue()))
    assert back.mode == mode and back.size == (40, 30)
    if fmt in ("gif", "bmp", "tiff", "webp", "png24"):
        np.testing.assert_array_equal(np.asarray(back.convert("RGB")), q.image())
    if fmt in ("png24", "jpeg"):
        assert notes  # the user is told these do not shrink


def test_gif_keeps_full_transparency():
    palette = np.array([[0, 0, 0, 0], [200, 10, 10, 255]], np.uint8)
    indices = np.array([[0, 1], [1, 1]], np.uint8)
    buf = io.BytesIO()
    encode_indexed(buf, palette, indices, "gif")
    back = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGBA"))
    assert back[0, 0, 3] == 0 and back[1, 1, 3] == 255


def test_save_round_trip_and_real_shrink(tmp_path):
    src = tmp_path / "photo.png"
    noisy = gradient(200, 150).astype(int) + np.random.default_rng(0).integers(-20, 20, size=(150, 200, 3))
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(src)  # photo-like: PNG-24 is big
    img = load_image(src)
    q = quantize(img.pixels, 16)
    out = tmp_path / "small.png"
    res = save_indexed(out, q.palette, q.indices, source=src, original_bytes=img.file_bytes)
    assert res.written and res.bytes == out.stat().st_size
    assert out.stat().st_size < src.stat().st_size
    np.testing.assert_array_equal(load_image(out).pixels, q.image())
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # not the temp file's private mode


def test_never_overwrites_the_source(tmp_path):
    src = tmp_path / "photo.png"
    Image.fromarray(gradient()).save(src)
    before = src.read_bytes()
    q = quantize(gradient(), 4)
    with pytest.raises(SaveError, match="original"):
        save_indexed(src, q.palette, q.indices, source=src, overwrite=True)
    assert src.read_bytes() == before
    save_indexed(src, q.palette, q.indices, source=src, force_source=True)
    assert src.read_bytes() != before


def test_existing_destination_needs_overwrite(tmp_path):
    out = tmp_path / "out.png"
    out.write_bytes(b"keep me")
    q = quantize(gradient(), 4)
    with pytest.raises(SaveError, match="already exists"):
        save_indexed(out, q.palette, q.indices)
    assert out.read_bytes() == b"keep me"
    save_indexed(out, q.palette, q.indices, overwrite=True)
    assert out.read_bytes().startswith(b"\x89PNG")


def test_failed_write_leaves_destination_and_no_temp_file(tmp_path, monkeypatch):
    out = tmp_path / "out.png"
    out.write_bytes(b"original content")
    q = quantize(gradient(), 4)

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(SaveError, match="disk full"):
        save_indexed(out, q.palette, q.indices, overwrite=True)
    assert out.read_bytes() == b"original content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_skip_if_larger_writes_nothing(tmp_path):
    q = quantize(gradient(), 16)
    out = tmp_path / "out.png"
    res = save_indexed(out, q.palette, q.indices, skip_if_larger=True, original_bytes=10)
    assert not res.written and not out.exists()
    assert "not smaller" in res.notes[-1]


def test_unknown_extension_and_missing_folder(tmp_path):
    q = quantize(gradient(), 4)
    with pytest.raises(SaveError, match="unknown file type"):
        save_indexed(tmp_path / "x.heic", q.palette, q.indices)
    with pytest.raises(SaveError, match="does not exist"):
        save_indexed(tmp_path / "nope" / "x.png", q.palette, q.indices)


def test_a_folder_or_a_type_with_a_trailing_space_is_named_as_such(tmp_path):
    """Saving to an existing folder said "unknown file type '(none)'", and "x.png " said
    "unknown file type '.png '" (GUI review)."""
    q = quantize(gradient(), 4)
    (tmp_path / "shots").mkdir()
    with pytest.raises(SaveError, match=r"^shots: is a folder; give a file name$"):
        save_indexed(tmp_path / "shots", q.palette, q.indices)
    with pytest.raises(SaveError, match="the file type ends with a space"):
        save_indexed(tmp_path / "x.png ", q.palette, q.indices)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shots"]


def test_metadata_stripped_by_default_kept_on_request(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    q = quantize(gradient(), 4)
    plain = save_indexed(tmp_path / "a.png", q.palette, q.indices, exif=exif.tobytes())
    kept = save_indexed(tmp_path / "b.png", q.palette, q.indices, exif=exif.tobytes(), keep_metadata=True)
    assert "TestCam" not in str(Image.open(plain.path).getexif().get(0x010F))
    assert Image.open(kept.path).getexif().get(0x010F) == "TestCam"
