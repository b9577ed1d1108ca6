"""Target file size: the chosen file fits, one more color would not, impossible limits are reported."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.target import fit_to_size, png_size

from .corpus import gradient


def _photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    img = gradient(64, 48).astype(np.int16)
    img += rng.integers(-12, 13, img.shape).astype(np.int16)  # some texture, like a photo
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return _photo()


@pytest.fixture(scope="module")
def sizes(photo) -> tuple[int, int]:
    small = fit_to_size(photo, 10**9, k_min=2, k_max=2, dithers=("none",)).bytes
    large = fit_to_size(photo, 10**9, k_min=256, k_max=256, dithers=("none",)).bytes
    return small, large


@pytest.mark.parametrize("fraction", [0.15, 0.5, 0.85])
def test_output_fits_and_one_more_color_would_not(photo, sizes, fraction):
    small, large = sizes
    limit = int(small + fraction * (large - small))
    r = fit_to_size(photo, limit)
    assert r.fits and not r.too_big and not r.below_quality
    assert r.bytes <= limit and png_size(r.palette, r.indices) == r.bytes  # what would be saved
    tried = {(t.k, t.dither): t.bytes for t in r.trials}
    assert r.k == 256 or tried[(r.k + 1, r.dither)] > limit
    assert r.ks_tried == sorted({t.k for t in r.trials}) and r.k in r.ks_tried
    # Each dithering choice found its own boundary.
    for mode in ("none", "fs"):
        ks_fit = [t.k for t in r.trials if t.dither == mode and t.bytes <= limit]
        if ks_fit:
            assert tried.get((max(ks_fit) + 1, mode), limit + 1) > limit


def test_generous_limit_gives_256(photo, sizes):
    r = fit_to_size(photo, sizes[1] * 10, dithers=("none",))
    assert r.fits and r.k == 256


def test_impossible_limit_reports_the_smallest_size(photo, sizes):
    r = fit_to_size(photo, 100)
    assert not r.fits and r.too_big and not r.below_quality
    assert r.smallest_bytes == r.bytes == min(t.bytes for t in r.trials) > 100
    # K = 2 does not fit, so no search above it; K = 1, the last resort, does not fit either.
    assert r.k == 1 and sorted(r.ks_tried) == [1, 2]


def test_an_impossible_limit_on_a_partly_transparent_image_reports_k_2(photo):
    # K = 1 cannot hold an image with transparent and visible pixels (the transparent entry
    # is one of the K), so the last resort is skipped and K = 2's size is reported.
    rgba = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    rgba[:10, :, 3] = 0
    r = fit_to_size(rgba, 100)
    assert not r.fits and r.too_big and r.k == 2 and sorted(r.ks_tried) == [2]
    assert r.smallest_bytes == r.bytes > 100


def test_with_options_every_candidate_is_made_as_the_settings_make_it(photo, sizes):
    from dataclasses import replace

    from core.compress import quantize_with
    from core.pipeline import CompressOptions

    locked = ((255, 0, 0), (0, 0, 255), (0, 255, 0))
    options = CompressOptions(k=16, fixed=locked, n_init=2, seed=3)
    limit = (sizes[0] + sizes[1]) // 2
    r = fit_to_size(photo, limit, options=options, dithers=("none",))  # K from 3: the locks
    assert r.fits and r.k >= 3
    q, indices = quantize_with(photo, replace(options, k=r.k, dither="none"))
    np.testing.assert_array_equal(r.palette, q.palette)  # the locked colors are in, as in the window
    assert {tuple(c) for c in locked} <= {tuple(int(v) for v in c) for c in r.palette}
    assert r.bytes == png_size(q.palette, indices)


def test_quality_floor(photo, sizes):
    limit = int(sizes[0] + 0.3 * (sizes[1] - sizes[0]))
    r = fit_to_size(photo, limit, min_psnr=99.0)
    assert not r.fits and r.below_quality and not r.too_big and r.bytes <= limit
    ok = fit_to_size(photo, limit, min_psnr=10.0)
    assert ok.fits and ok.psnr >= 10.0


def test_dithering_can_be_left_out(photo, sizes):
    r = fit_to_size(photo, (sizes[0] + sizes[1]) // 2, dithers=("none",))
    assert r.dither == "none" and {t.dither for t in r.trials} == {"none"}


@settings(max_examples=6, deadline=None)
@given(st.integers(200, 30000))
def test_bisection_with_a_known_size_law(limit):
    # An encoder whose size is exactly 100 bytes per color: the answer is limit // 100.
    img = np.random.default_rng(1).integers(0, 256, (24, 24, 3), dtype=np.uint8)
    r = fit_to_size(img, limit, encode=lambda pal, idx: 100 * len(pal), dithers=("none",))
    assert r.fits and r.k == min(256, limit // 100)
    assert len(r.trials) <= 10


def test_bad_arguments(photo):
    with pytest.raises(ValueError):
        fit_to_size(photo, 0)
    with pytest.raises(ValueError):
        fit_to_size(photo, 1000, dithers=())


def test_effort_is_passed_to_the_encoder(photo, sizes):
    limit = (sizes[0] + sizes[1]) // 2
    r = fit_to_size(photo, limit, dithers=("none",), effort="smallest")
    assert r.bytes == png_size(r.palette, r.indices, "smallest") <= limit


def _invariant_holds(r, limit):
    """The chosen file fits, measured exactly; one more color was measured and did not."""
    tried = {(t.k, t.dither): t.bytes for t in r.trials}
    assert r.fits and tried[(r.k, r.dither)] == r.bytes <= limit
    assert png_size(r.palette, r.indices) == r.bytes
    assert r.k == 256 or tried[(r.k + 1, r.dither)] > limit


def _same_answer(guided, plain, photo, limit):
    """Both searches chose the same K, or file sizes are not monotone in K between their
    answers (a K that does not fit below one that does): each then stopped at a boundary of
    its own, which is all a search that does not measure every K can promise."""
    if guided.k == plain.k:
        return
    lo, hi = sorted((guided.k, plain.k))
    fits = [fit_to_size(photo, limit, k_min=k, k_max=k, dithers=("none",)).fits for k in range(lo, hi + 1)]
    assert any(not a and b for i, a in enumerate(fits) for b in fits[i + 1:]), (guided.k, plain.k, fits)


@pytest.mark.parametrize("fraction", [0.2, 0.6])
def test_a_good_estimate_finds_the_same_k_with_fewer_exact_measurements(photo, sizes, fraction):
    small, large = sizes
    limit = int(small + fraction * (large - small))
    plain = fit_to_size(photo, limit, dithers=("none",))
    # A cheaper size that is off by a factor (as the fast encoding is): the scale absorbs it.
    guided = fit_to_size(photo, limit, dithers=("none",),
                         estimate=lambda palette, indices: 2 * png_size(palette, indices))
    _invariant_holds(guided, limit)
    _same_answer(guided, plain, photo, limit)
    assert len(guided.trials) <= 3 < len(plain.trials)  # k_min, the boundary and one above it


@pytest.mark.parametrize("fraction", [0.2, 0.6])
@pytest.mark.parametrize("offset", [-40, -1, 1, 40])
def test_an_estimate_slightly_off_costs_a_few_more_measurements_not_a_bisection(photo, sizes, fraction, offset):
    """The scaled estimate is off by a few bytes (found when a limit fell exactly on one K's
    size: rounding put the guess one K low and the search bisected all of K + 1..256)."""
    small, large = sizes
    limit = int(small + fraction * (large - small))
    plain = fit_to_size(photo, limit, dithers=("none",))
    guided = fit_to_size(photo, limit, dithers=("none",),
                         estimate=lambda palette, indices: max(1, png_size(palette, indices) + offset * (len(palette) > 2)))
    _invariant_holds(guided, limit)
    _same_answer(guided, plain, photo, limit)
    assert len(guided.trials) <= 7 and len(guided.trials) < len(plain.trials)


@pytest.mark.parametrize("wrong", ["constant", "reversed", "tiny"])
def test_a_wrong_estimate_still_gives_an_exact_answer(photo, sizes, wrong):
    small, large = sizes
    limit = int(small + 0.5 * (large - small))
    estimates = {
        "constant": lambda palette, indices: 1000,
        "reversed": lambda palette, indices: 10**7 // len(palette),
        "tiny": lambda palette, indices: 1,
    }
    r = fit_to_size(photo, limit, dithers=("none",), estimate=estimates[wrong])
    _invariant_holds(r, limit)
