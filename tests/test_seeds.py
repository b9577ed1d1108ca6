"""The seeded stream behind initialization: deterministic, uniform, and choice() as numpy means it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.seeds import SeedStream


@given(seed=st.integers(0, 2**63))
def test_same_seed_same_numbers(seed):
    a, b = SeedStream(seed), SeedStream(seed)
    assert a.uniform(5).tolist() == b.uniform(5).tolist()
    assert SeedStream(seed).uniform(3).tolist() != SeedStream(seed + 1).uniform(3).tolist()


def test_neighboring_seeds_give_unrelated_streams():
    """The GUI's seed box steps by one: the next seed must give a fresh start, not a shifted
    copy of the same stream."""
    for seed in (0, 5, 100, 2**40):
        a = set(SeedStream(seed).uniform(size=200).tolist())
        b = set(SeedStream(seed + 1).uniform(size=200).tolist())
        assert not a & b


def test_quantize_refuses_negative_and_fractional_seeds(photo):
    from core.quantize import quantize

    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="seed"):
            quantize(photo, 4, seed=bad)


def test_uniform_numbers_fill_the_unit_interval_evenly():
    x = SeedStream(7).uniform(20_000)
    assert x.min() >= 0 and x.max() < 1
    counts = np.histogram(x, bins=20, range=(0, 1))[0]
    expected = len(x) / 20
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    assert chi2 < 43.8  # the 99.9th percentile of chi-square with 19 degrees of freedom


@given(n=st.integers(1, 60), seed=st.integers(0, 1000), data=st.data())
def test_choice_without_replacement_is_distinct_and_in_range(n, seed, data):
    k = data.draw(st.integers(1, n))
    picks = SeedStream(seed).choice(n, size=k, replace=False)
    assert len(set(picks.tolist())) == k and picks.min() >= 0 and picks.max() < n


@given(seed=st.integers(0, 1000), data=st.data())
def test_weighted_choice_never_picks_zero_weights(seed, data):
    w = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=1, max_size=30)))
    positive = int(np.count_nonzero(w))
    if positive == 0:
        return
    k = data.draw(st.integers(1, positive))
    pool = np.arange(100, 100 + len(w))
    picks = SeedStream(seed).choice(pool, size=k, replace=False, p=w / w.sum())
    assert len(set(picks.tolist())) == k
    assert np.all(w[picks - 100] > 0)
    one = SeedStream(seed).choice(len(w), p=w / w.sum())
    assert w[int(one)] > 0


def test_weighted_choice_follows_the_weights():
    rng = SeedStream(3)
    w = np.array([1.0, 2.0, 7.0])
    draws = rng.choice(3, size=20_000, p=w / w.sum())
    freq = np.bincount(draws, minlength=3) / len(draws)
    np.testing.assert_allclose(freq, w / w.sum(), atol=0.015)


def test_quantizing_imports_neither_numpy_random_nor_numpy_ma():
    """Each costs 12-20 ms in a fresh process (numpy.ma comes with np.unique's first plain
    call); the quantizer's path, bounded search included, must not need them."""
    code = (
        "import sys, numpy as np\n"
        "from core.quantize import quantize\n"
        "y, x = np.mgrid[0:256, 0:256]\n"
        "img = np.dstack([x, y, (x * 7 + y * 13) % 256]).astype(np.uint8)\n"
        "quantize(img, 64)\n"
        "print('numpy.random' in sys.modules, 'numpy.ma' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
