"""Deflate streams joined across pieces, and the indexed PNG writer built on them."""

from __future__ import annotations

import io
import zlib

import deflate
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from core import deflate_join, parallel, png_encode, png_write

needs_join = pytest.mark.skipif(not deflate_join.available(), reason="zlib's C library cannot be loaded here")


@st.composite
def pieces(draw):
    """Byte strings of the kinds deflate treats differently: runs, repeats, noise, nothing."""
    out = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["empty", "run", "pattern", "noise", "text"]))
        n = draw(st.integers(1, 70_000))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        if kind == "empty":
            out.append(b"")
        elif kind == "run":
            out.append(bytes([draw(st.integers(0, 255))]) * n)
        elif kind == "pattern":
            out.append(bytes(rng.integers(0, 4, draw(st.integers(1, 300)), dtype=np.uint8)) * (n // 50 + 1))
        elif kind == "noise":  # incompressible: libdeflate writes stored blocks
            out.append(bytes(rng.integers(0, 256, n, dtype=np.uint8)))
        else:
            out.append(draw(st.binary(min_size=0, max_size=2000)))
    return out


@needs_join
@settings(max_examples=80, deadline=None)
@given(pieces(), st.integers(0, 12))
def test_joined_streams_decode_to_the_concatenated_pieces(parts, level):
    streams = [deflate.deflate_compress(p, level) for p in parts]
    joined = deflate_join.join(streams, [len(p) for p in parts])
    assert zlib.decompress(joined, -15) == b"".join(parts)


@needs_join
@settings(max_examples=40, deadline=None)
@given(pieces(), st.integers(0, 12))
def test_the_final_block_header_is_found_where_the_final_bit_is_set(parts, level):
    data = b"".join(parts)
    stream = deflate.deflate_compress(data, level)
    header, end = deflate_join.final_block(stream, len(data))
    assert (stream[header // 8] >> (header % 8)) & 1 == 1  # BFINAL of the last block
    assert (len(stream) - 1) * 8 < end <= len(stream) * 8  # the stream ends in its last byte
    # Cut exactly at the end, the stream still decodes: nothing after ``end`` is needed.
    whole_bytes = (end + 7) // 8
    assert zlib.decompress(stream[:whole_bytes], -15) == data


@needs_join
def test_a_damaged_stream_is_refused_not_joined():
    stream = deflate.deflate_compress(b"hello world" * 1000, 6)
    with pytest.raises(ValueError):
        deflate_join.final_block(stream[: len(stream) // 2], 11_000)
    with pytest.raises(ValueError):
        deflate_join.final_block(stream, 10)  # decodes to more than it was said to


def reference_rows(indices: np.ndarray, depth: int) -> bytes:
    """Filter byte 0, then pixels packed MSB first, one row at a time, written out by hand."""
    out = bytearray()
    per_byte = 8 // depth
    for row in indices:
        out.append(0)
        for start in range(0, len(row), per_byte):
            byte = 0
            for slot, v in enumerate(row[start:start + per_byte]):
                byte |= int(v) << (depth * (per_byte - 1 - slot))
            out.append(byte)
    return bytes(out)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([1, 2, 4, 8]), st.integers(1, 13), st.integers(1, 21), st.integers(0, 2**32 - 1))
def test_filtered_rows_pack_pixels_like_the_png_spec(depth, h, w, seed):
    indices = np.random.default_rng(seed).integers(0, 1 << depth, (h, w), dtype=np.uint8)
    assert png_write.filtered_rows(indices, depth).tobytes() == reference_rows(indices, depth)


def decode(data: bytes) -> tuple[np.ndarray, Image.Image]:
    im = Image.open(io.BytesIO(data))
    im.load()
    return np.asarray(im), im


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of ~4 KB, so a small image is compressed and joined the way a 12 MP one is."""
    monkeypatch.setattr(png_write, "PIECE_BYTES", 4096)
    monkeypatch.setattr(png_write, "IDAT_BYTES", 1000)


def photo_like_indices(h: int = 200, w: int = 150, k: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.add.outer(np.arange(h) // 9, np.arange(w) // 6) + rng.integers(0, 2, (h, w))
    return (base % k).astype(np.uint8)


@pytest.mark.parametrize("depth", [1, 2, 4, 8])
def test_a_png_in_many_pieces_decodes_to_the_same_indices_and_palette(small_pieces, depth):
    k = 1 << depth if depth < 8 else 200
    indices = photo_like_indices(k=k)
    palette = np.random.default_rng(1).integers(0, 256, (k, 4), dtype=np.uint8)
    palette[: k // 2, 3] = 255
    exif = Image.Exif()
    exif[0x0131] = "a camera"  # Software
    data = png_write.indexed_png(palette, indices, depth=depth, level=11,
                                 icc_profile=b"not really a profile" * 10, exif=exif.tobytes())
    got, im = decode(data)
    np.testing.assert_array_equal(got, indices)
    rgb = np.array(im.getpalette(), np.uint8).reshape(-1, 3)
    np.testing.assert_array_equal(rgb[:k], palette[:, :3])
    last_see_through = int(np.flatnonzero(palette[:, 3] != 255).max()) + 1
    assert im.info["transparency"] == palette[:last_see_through, 3].tobytes()
    assert im.info["icc_profile"] == b"not really a profile" * 10
    assert im.getexif()[0x0131] == "a camera"
    assert data.count(b"IDAT") > 1  # split over several chunks, one zlib stream


def test_the_file_does_not_depend_on_the_number_of_threads(small_pieces):
    indices = photo_like_indices(300, 200)
    palette = np.random.default_rng(2).integers(0, 256, (16, 3), dtype=np.uint8)
    try:
        parallel.set_threads(1)
        one = png_write.indexed_png(palette, indices, depth=8, level=11)
        parallel.set_threads(3)
        three = png_write.indexed_png(palette, indices, depth=8, level=11)
    finally:
        parallel.set_threads(None)
    assert one == three
    np.testing.assert_array_equal(decode(one)[0], indices)


def test_without_zlibs_c_library_the_rows_are_compressed_in_one_piece(small_pieces, monkeypatch):
    indices = photo_like_indices()
    palette = np.zeros((16, 3), np.uint8)
    monkeypatch.setattr(deflate_join, "available", lambda: False)
    data = png_write.indexed_png(palette, indices, depth=8, level=11)
    np.testing.assert_array_equal(decode(data)[0], indices)


def test_a_wrong_join_is_caught_and_the_rows_compressed_in_one_piece(small_pieces, monkeypatch):
    indices = photo_like_indices()
    palette = np.zeros((16, 3), np.uint8)
    monkeypatch.setattr(deflate_join, "join", lambda streams, lengths: b"".join(streams))  # final bits left set
    data = png_write.indexed_png(palette, indices, depth=8, level=11)
    np.testing.assert_array_equal(decode(data)[0], indices)


def test_too_many_palette_entries_for_the_depth_are_refused():
    with pytest.raises(ValueError):
        png_write.indexed_png(np.zeros((17, 3), np.uint8), np.zeros((2, 2), np.uint8), depth=4, level=6)


@pytest.mark.parametrize("kind", ["photo", "dithered", "pattern"])
def test_a_large_image_gets_the_smaller_of_its_encodings(monkeypatch, kind):
    """Above LARGE_PIXELS the fast encoding is judged on a sample first; the file is still
    exact, and on dithered noise (where the fast 4-bit encoding wins) still no larger."""
    monkeypatch.setattr(png_encode, "LARGE_PIXELS", 10_000)
    rng = np.random.default_rng(3)
    if kind == "photo":
        indices = photo_like_indices(2000, 300)
    elif kind == "dithered":
        indices = rng.integers(0, 16, (2000, 300)).astype(np.uint8)
    else:
        indices = ((np.arange(2000)[:, None] // 5 + np.arange(300)[None, :] // 7) % 16).astype(np.uint8)
    palette = rng.integers(0, 256, (16, 3), dtype=np.uint8)
    small = png_encode.encode_png(palette, indices, effort="smallest")
    fast = png_encode.encode_png(palette, indices, effort="fast")
    np.testing.assert_array_equal(decode(small)[0], indices)
    assert len(small) <= len(fast)


def test_rows_longer_than_deflates_window_are_packed(monkeypatch):
    """At 8 bits a 33,000-pixel row is out of deflate's 32 KB reach from the row below it;
    packed at 4 bits it is not: a repeated row then costs almost nothing."""
    monkeypatch.setattr(png_encode, "LARGE_PIXELS", 10_000)
    row = np.random.default_rng(4).integers(0, 16, 33_000).astype(np.uint8)
    indices = np.tile(row, (24, 1))
    palette = np.random.default_rng(5).integers(0, 256, (16, 3), dtype=np.uint8)
    depths, _ = png_encode.large_image_plan(palette, indices)
    assert depths == [4]
    small = png_encode.encode_png(palette, indices)
    np.testing.assert_array_equal(decode(small)[0], indices)
    assert len(small) <= len(png_encode.encode_png(palette, indices, effort="fast"))
    assert len(small) < 24 * 33_000 / 8  # far below one row's worth per row


def test_without_libdeflate_the_smallest_encoding_is_the_fast_one(monkeypatch):
    """A broken install without the ``deflate`` package still saves: Pillow's encoding."""
    indices = photo_like_indices()
    palette = np.random.default_rng(6).integers(0, 256, (16, 3), dtype=np.uint8)
    monkeypatch.setattr(png_write, "have_libdeflate", lambda: False)
    small = png_encode.encode_png(palette, indices, effort="smallest")
    assert small == png_encode.encode_png(palette, indices, effort="fast")
    np.testing.assert_array_equal(decode(small)[0], indices)
