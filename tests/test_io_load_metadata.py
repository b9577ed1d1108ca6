"""Loading: metadata never blocks the pixels, the pixel cap touches no global, orientation once."""

from __future__ import annotations

import io
import struct
import threading
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms, PngImagePlugin

from core import pngchunks
from core.io import ImageLoadError, load_image, load_image_bytes, save_indexed

from .corpus import gradient


def _png(extra_chunks: list[bytes], pixels: np.ndarray | None = None) -> bytes:
    """A PNG of ``pixels`` with ``extra_chunks`` inserted right after IHDR."""
    buf = io.BytesIO()
    Image.fromarray(gradient() if pixels is None else pixels).save(buf, "PNG")
    data = buf.getvalue()
    ihdr_end = 8 + 8 + 13 + 4
    return data[:ihdr_end] + b"".join(extra_chunks) + data[ihdr_end:]


def _big_srgb_profile(size: int) -> bytes:
    """A valid sRGB ICC profile padded to ``size`` bytes (the header's size field updated)."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc += b"\0" * (size - len(icc))
    icc[:4] = struct.pack(">I", size)
    return bytes(icc)


def test_png_with_a_3_mb_icc_profile_loads(tmp_path):
    icc = _big_srgb_profile(3 * 1024 * 1024)
    payload = b"big\0\0" + zlib.compress(icc)
    p = tmp_path / "bigicc.png"
    p.write_bytes(_png([pngchunks.chunk(b"iCCP", payload)]))
    img = load_image(p)
    np.testing.assert_array_equal(img.pixels, gradient())


def test_huge_text_chunks_are_dropped_not_fatal(tmp_path):
    bomb = zlib.compress(b"x" * (40 * 1024 * 1024))  # beyond any per-chunk text limit
    chunks = [pngchunks.chunk(b"zTXt", b"Comment\0\0" + bomb)]
    chunks += [pngchunks.chunk(b"zTXt", b"k%d\0\0" % i + zlib.compress(b"y" * 15_000_000)) for i in range(6)]
    p = tmp_path / "text.png"
    p.write_bytes(_png(chunks))
    img = load_image(p)
    np.testing.assert_array_equal(img.pixels, gradient())
    assert any("metadata" in n and "zTXt" in n for n in img.notes)


def test_damaged_ancillary_chunk_does_not_block_pixels(tmp_path):
    bad = bytearray(pngchunks.chunk(b"tEXt", b"Title\0hello"))
    bad[-1] ^= 0xFF  # wrong CRC
    p = tmp_path / "crc.png"
    p.write_bytes(_png([bytes(bad)]))
    img = load_image(p)
    np.testing.assert_array_equal(img.pixels, gradient())
    assert any("tEXt" in n for n in img.notes)


def test_truly_damaged_pixels_are_still_refused(tmp_path):
    data = _png([])
    p = tmp_path / "cut.png"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError, match="truncated or damaged"):
        load_image(p)


def test_pixel_cap_leaves_pillow_global_alone_across_threads(tmp_path):
    p = tmp_path / "g.png"
    Image.fromarray(gradient(200, 100)).save(p)
    before = Image.MAX_IMAGE_PIXELS
    errors: list[str] = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        barrier.wait()
        for _ in range(20):
            try:
                load_image(p, max_pixels=100 if i % 2 else 10**9)
                if i % 2:
                    errors.append("small cap not applied")
            except ImageLoadError:
                if not i % 2:
                    errors.append("large cap refused")
            if Image.MAX_IMAGE_PIXELS != before:
                errors.append("global changed")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and Image.MAX_IMAGE_PIXELS == before


def test_text_limit_is_raised_once_not_toggled():
    assert PngImagePlugin.MAX_TEXT_CHUNK >= 16 * 1024 * 1024


def test_keep_metadata_never_copies_an_applied_orientation(tmp_path):
    tall = Image.fromarray(np.zeros((30, 20, 3), np.uint8) + np.arange(20, dtype=np.uint8)[None, :, None] * 10)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "TestCam"
    src = tmp_path / "rot.jpg"
    tall.save(src, exif=exif.tobytes(), quality=95)
    img = load_image(src)
    assert img.pixels.shape[:2] == (20, 30)
    out = tmp_path / "out.png"
    save_indexed(out, np.array([[0, 0, 0], [255, 255, 255]], np.uint8), np.zeros((20, 30), np.uint8),
                 exif=img.exif, keep_metadata=True)
    kept = Image.open(out).getexif()
    assert kept.get(0x0112, 1) == 1 and kept.get(0x010F) == "TestCam"


def test_bytes_loader_salvages_too():
    bad = bytearray(pngchunks.chunk(b"tEXt", b"Title\0hello"))
    bad[-2] ^= 0x01
    img = load_image_bytes(_png([bytes(bad)]), "clip")
    np.testing.assert_array_equal(img.pixels, gradient())
