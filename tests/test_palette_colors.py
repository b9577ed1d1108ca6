"""Color lists for --lock, and fitting a palette file to at most 256 colors for a remap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.palette_formats import limit_colors, parse_colors, remap_to_palette


def test_parse_colors_forms():
    got = parse_colors("#ff0000, #0f0  #0000ff80,#abcd")
    assert got.tolist() == [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 128], [170, 187, 204, 221]]
    assert parse_colors("#ff0000,#ffffff").tolist() == [[255, 0, 0], [255, 255, 255]]
    assert parse_colors("00ff00").dtype == np.uint8 and parse_colors("#00ff00ff").shape == (1, 3)


@pytest.mark.parametrize("text, needle", [
    ("", "no colors"), (" , ", "no colors"), ("#12", "'#12' is not a color"), ("red", "'red'"),
    ("#ff0000,#gg0000", "'#gg0000'"), ("#ff0000,#f00", "repeats '#ff0000'"), ("#1234567", "not a color"),
])
def test_parse_colors_refuses_with_one_line(text, needle):
    with pytest.raises(ValueError) as info:
        parse_colors(text)
    assert needle in str(info.value) and "\n" not in str(info.value)


@settings(max_examples=50, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 40), st.sampled_from([3, 4])), unique=False))
def test_parse_colors_reads_what_hex_writes(colors):
    key = colors.copy()
    if key.shape[1] == 4:
        key[key[:, 3] == 0] = 0  # fully transparent colors all look alike: one of them is a repeat
    _, first = np.unique(key, axis=0, return_index=True)
    colors = colors[np.sort(first)]
    text = ",".join("#" + "".join(f"{v:02x}" for v in c) for c in colors)
    got = parse_colors(text)
    full = lambda a: a if a.shape[1] == 4 else np.concatenate([a, np.full((len(a), 1), 255, np.uint8)], 1)  # noqa: E731
    np.testing.assert_array_equal(full(got), full(colors))


def test_limit_colors_small_palette_is_kept():
    colors = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    kept, note = limit_colors(colors)
    assert kept.tolist() == colors.tolist() and note is None
    kept, note = limit_colors(np.array([[1, 2, 3], [4, 5, 6], [1, 2, 3]], np.uint8))
    assert kept.tolist() == [[1, 2, 3], [4, 5, 6]] and note == "1 repeated color dropped"
    _, note = limit_colors(np.array([[1, 2, 3], [1, 2, 3], [1, 2, 3]], np.uint8))
    assert note == "2 repeated colors dropped"


def test_limit_colors_without_image_keeps_the_first():
    colors = np.array([[i % 256, i // 256, 7] for i in range(300)], np.uint8)
    kept, note = limit_colors(colors)
    assert kept.tolist() == colors[:256].tolist() and "300 colors" in note and "first 256" in note


def test_limit_colors_keeps_the_colors_the_image_uses_most():
    colors = np.array([[i, 0, 0] for i in range(0, 250, 10)] + [[0, 0, 255], [0, 255, 0]], np.uint8)
    image = np.zeros((4, 8, 3), np.uint8)
    image[:2] = (0, 250, 10)  # nearest [0, 255, 0]
    image[2:, :5] = (0, 0, 240)  # nearest [0, 0, 255]
    image[2:, 5:] = (120, 0, 0)
    kept, note = limit_colors(colors, image, max_colors=3)
    assert kept.tolist() == [[120, 0, 0], [0, 0, 255], [0, 255, 0]]  # most used, in the file's order
    assert "the image uses most" in note


@settings(max_examples=30, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 400), st.just(3))),
       arrays(np.uint8, (6, 7, 3)), st.integers(1, 256))
def test_limit_colors_properties(colors, image, max_colors):
    kept, note = limit_colors(colors, image, max_colors)
    distinct = {tuple(c) for c in colors.tolist()}
    assert len(kept) == min(len(distinct), max_colors) and len({tuple(c) for c in kept.tolist()}) == len(kept)
    positions = [next(i for i, c in enumerate(colors.tolist()) if c == k) for k in kept.tolist()]
    assert positions == sorted(positions)  # the file's order
    assert (note is None) == (len(distinct) == len(colors) <= max_colors)


@settings(max_examples=30, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 300), st.just(3))), arrays(np.uint8, (5, 6, 3)))
def test_remap_uses_only_the_palette_and_the_nearest_color(colors, image):
    palette, indices, _ = remap_to_palette(image, colors)
    assert len(palette) <= 256 and {tuple(c) for c in palette.tolist()} <= {tuple(c) for c in colors.tolist()}
    d = ((image[:, :, None, :].astype(int) - palette[None, None].astype(int)) ** 2).sum(-1)
    np.testing.assert_array_equal(d[np.arange(5)[:, None], np.arange(6)[None], indices], d.min(-1))
