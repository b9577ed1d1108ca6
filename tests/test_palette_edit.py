"""Palette edits: recolor keeps indices, delete sends pixels to the nearest remaining color, merge averages."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from core.palette_edit import apply_edits
from core.quantize import quantize


def _image(seed: int, k: int = 6):
    rng = np.random.default_rng(seed)
    px = rng.integers(0, 256, size=(24, 20, 3), dtype=np.uint8)
    q = quantize(px, k, seed=seed)
    return px, q.palette, q.indices


@given(st.integers(0, 50), st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
def test_recolor_changes_one_color_and_keeps_every_index(seed, r, g, b):
    px, pal, idx = _image(seed)
    new_pal, new_idx = apply_edits(px, pal, idx, (("recolor", tuple(pal[0]), (r, g, b)),))
    np.testing.assert_array_equal(new_idx, idx)
    assert tuple(new_pal[0]) == (r, g, b)
    np.testing.assert_array_equal(new_pal[1:], pal[1:])


@given(st.integers(0, 50), st.data())
def test_delete_sends_pixels_to_the_nearest_remaining_color(seed, data):
    px, pal, idx = _image(seed)
    gone = data.draw(st.integers(0, len(pal) - 1))
    new_pal, new_idx = apply_edits(px, pal, idx, (("delete", tuple(pal[gone])),))
    assert len(new_pal) == len(pal) - 1
    assert not np.any(np.all(new_pal == pal[gone], axis=1))
    rest = np.delete(pal, gone, axis=0)
    moved = idx == gone
    d = ((px[moved][:, None, :].astype(int) - rest[None].astype(int)) ** 2).sum(-1)
    np.testing.assert_array_equal(d[np.arange(len(d)), new_idx[moved]], d.min(axis=1))  # a nearest one
    stayed = ~moved
    np.testing.assert_array_equal(new_pal[new_idx[stayed]], pal[idx[stayed]])  # other pixels keep their color


@given(st.integers(0, 50), st.data())
def test_merge_gives_one_weighted_mean_color(seed, data):
    px, pal, idx = _image(seed)
    a = data.draw(st.integers(0, len(pal) - 1))
    b = data.draw(st.integers(0, len(pal) - 1).filter(lambda v: v != a))
    counts = np.bincount(idx.ravel(), minlength=len(pal)).astype(float)
    new_pal, new_idx = apply_edits(px, pal, idx, (("merge", tuple(pal[a]), tuple(pal[b])),))
    assert len(new_pal) == len(pal) - 1
    mean = np.rint((pal[a] * counts[a] + pal[b] * counts[b]) / (counts[a] + counts[b]))
    merged = new_pal[new_idx[idx == a]]
    assert np.all(merged == mean.astype(np.uint8)) and np.all(new_pal[new_idx[idx == b]] == mean.astype(np.uint8))


def test_an_edit_names_the_nearest_color_of_a_slightly_different_palette():
    px, pal, idx = _image(5)
    near = tuple(int(v) for v in np.clip(pal[2].astype(int) + [3, -2, 4], 0, 255))  # another stage's shade
    out_pal, out_idx = apply_edits(px, pal, idx, (("recolor", near, (1, 2, 3)),))
    assert tuple(out_pal[2]) == (1, 2, 3)
    np.testing.assert_array_equal(out_idx, idx)


def test_an_edit_whose_color_is_gone_does_nothing():
    px, pal, idx = _image(3)
    corners = [(r, g, b) for r in (0, 255) for g in (0, 255) for b in (0, 255)]
    far = [c for c in corners if np.sqrt(((pal.astype(float) - c) ** 2).sum(1)).min() > 40]
    absent = far[0]
    out_pal, out_idx = apply_edits(px, pal, idx, (("delete", absent), ("recolor", absent, (0, 0, 0))))
    np.testing.assert_array_equal(out_pal, pal)
    np.testing.assert_array_equal(out_idx, idx)
