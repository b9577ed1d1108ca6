"""Fit in a file size: the best-looking palette image whose encoded file is at most N bytes.

File size grows with K almost monotonically, so for each dithering choice a bisection over
K finds the largest K that fits in about eight quantizations (given a cheap size estimate, it
bisects on estimates and measures only its answer and the K above exactly). The search keeps
the invariant "lo fits, hi does not", so the chosen K fits and K + 1 was tried and did not (or
K is the largest allowed). Dithering costs bytes (noise compresses badly), so it fits only a
smaller K; between the candidates, the one with the lower error *as seen* (the mean deltaE
of both images blurred by 1 px, :func:`core.errormap.seen_delta_e`) wins. A PSNR floor
(pngquant's ``--quality min``) rejects candidates below it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from . import metrics
from .compress import quantize_with
from .dither import dither as apply_dither
from .errormap import seen_delta_e
from .io import encode_indexed
from .quantize import MAX_K, Quantized, quantize

EncodeFn = Callable[[np.ndarray, np.ndarray], int]


def png_size(palette: np.ndarray, indices: np.ndarray, effort: str | None = None) -> int:
    """Bytes of the indexed PNG that :func:`core.io.encode_indexed` writes (in memory), with
    its default effort or the given one (the saved file's, for an exact answer)."""
    buf = io.BytesIO()
    if effort is None:
        encode_indexed(buf, palette, indices, "png")
    else:
        encode_indexed(buf, palette, indices, "png", effort=effort)
    return buf.tell()


@dataclass(frozen=True)
class Trial:
    """One setting tried: its K, dithering, encoded bytes and PSNR (dB)."""

    k: int
    dither: str
    bytes: int
    psnr: float


@dataclass(frozen=True)
class FitResult:
    """The outcome of :func:`fit_to_size`.

    ``fits``: some setting fits in ``max_bytes`` (and meets ``min_psnr``). Then ``k``,
    ``dither``, ``bytes``, ``psnr``, ``palette`` and ``indices`` describe it: save these
    indices with this palette. Otherwise they describe the best try: with ``too_big``, the
    smallest file reached (``smallest_bytes``); with ``below_quality``, the best setting that
    fits but misses the PSNR floor.
    """

    fits: bool
    too_big: bool
    below_quality: bool
    k: int
    dither: str
    bytes: int
    psnr: float
    seen_delta_e: float | None
    smallest_bytes: int
    max_bytes: int
    quantized: Quantized
    indices: np.ndarray
    trials: tuple[Trial, ...]

    @property
    def palette(self) -> np.ndarray:
        return self.quantized.palette

    @property
    def ks_tried(self) -> list[int]:
        """Distinct K values measured exactly (the trials), ascending."""
        return sorted({t.k for t in self.trials})

    def to_json(self) -> dict:
        """Plain fields for the command line's ``--json``."""
        return {
            "max_bytes": self.max_bytes, "fits": self.fits, "k": self.k, "dither": self.dither,
            "bytes": self.bytes, "smallest_bytes": self.smallest_bytes,
            "ks_tried": self.ks_tried,
            "trials": [{"k": t.k, "dither": t.dither, "bytes": t.bytes,
                        "psnr": t.psnr if np.isfinite(t.psnr) else None} for t in self.trials],
        }


def _bisect(fits: Callable[[int], bool], lo: int, hi: int) -> int:
    """A K in lo..hi - 1 that fits while K + 1 does not, given that ``lo`` fits and ``hi`` does not."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _largest_fitting(fits: Callable[[int], bool], k_min: int, k_max: int, hint: int | None) -> int | None:
    """Largest K in k_min..k_max with fits(K) and not fits(K + 1) (or K = k_max); None if
    k_min does not fit. ``hint`` is a first guess for the boundary (it saves steps)."""
    if not fits(k_min):
        return None
    lo, hi = k_min, None
    if hint is not None and k_min < hint < k_max:
        if fits(hint):
            lo = hint
        else:
            hi = hint
    if hi is None:
        if fits(k_max):
            return k_max
        hi = k_max
    return _bisect(fits, lo, hi)


def _confirm(fits: Callable[[int], bool], k_min: int, k_max: int, guess: int) -> int | None:
    """:func:`_largest_fitting`'s answer, searched from a good ``guess`` of the boundary:
    two calls of ``fits`` when the guess is right (K fits, K + 1 does not). When it is off,
    the search gallops away from the guess (steps 1, 2, 4, ...) until it crosses the
    boundary, then bisects: about 2 log2(d) more calls for a guess d colors off, instead of a
    bisection of the whole range (an estimate one byte off once cost nine more)."""
    if fits(guess):
        lo, step = guess, 1
        while True:
            if lo == k_max:
                return lo
            probe = min(k_max, lo + step)
            if not fits(probe):
                hi = probe
                break
            lo, step = probe, 2 * step
    else:
        hi, step = guess, 1
        while True:
            if hi == k_min:
                return None
            probe = max(k_min, hi - step)
            if fits(probe):
                lo = probe
                break
            hi, step = probe, 2 * step
    return _bisect(fits, lo, hi)


def _one_color_possible(pixels: np.ndarray) -> bool:
    """Whether K = 1 can hold the image: not when some pixels are fully transparent and others
    are not (the transparent entry takes one of the K)."""
    if pixels.shape[2] != 4:
        return True
    alpha = pixels[..., 3]
    return not (bool(np.any(alpha == 0)) and bool(np.any(alpha != 0)))


def fit_to_size(
    pixels: np.ndarray,
    max_bytes: int,
    *,
    seed: int = 0,
    color_space: str = "rgb",
    min_psnr: float | None = None,
    encode: EncodeFn | None = None,
    effort: str | None = None,
    estimate: EncodeFn | None = None,
    dithers: Sequence[str] = ("none", "fs"),
    dither_strength: float = 1.0,
    k_min: int = 2,
    k_max: int = MAX_K,
    should_stop: Callable[[], bool] | None = None,
    on_trial: Callable[[Trial], None] | None = None,
    options=None,
) -> FitResult:
    """Search K (and each of ``dithers``) for the best result whose file is <= ``max_bytes``.

    ``encode(palette, indices) -> bytes`` measures a candidate (default: :func:`png_size`
    with ``effort``; pass the effort the file will be saved with, so the size found is the
    size written -- a faster effort gives larger sizes, so a smaller K than would fit).
    ``estimate(palette, indices) -> bytes`` (optional) is a cheaper size, such as the fast
    encoding's when ``encode`` is the slow smallest one (~0.2 against ~2 s at 12 MP). The
    search then runs on estimates scaled by the exact / estimated ratio at ``k_min``, and only
    the boundary it finds is measured exactly: usually two exact measurements besides
    ``k_min``'s, more when the estimate was wrong there. The answer keeps the same guarantee:
    the chosen K fits, measured exactly, and K + 1 was measured and did not.
    ``should_stop`` is passed to the quantizer (True cancels with
    :class:`core.lloyd.Cancelled`); ``on_trial`` hears about every setting measured exactly.
    When nothing in the default range (from K = 2) fits, K = 1 is tried last, so "nothing
    fits" is only said when nothing can.
    ``options`` (a :class:`core.pipeline.CompressOptions`), when given, makes each candidate
    as :func:`core.compress.quantize_with` does with only K and dithering changed: locked
    colors, initialization, restarts, hand edits and clean flat areas count, so the size
    measured is the size Save writes (its seed, color space and strength replace the
    arguments of those names); ``k_min`` is raised to hold the locked colors.
    """
    if max_bytes <= 0:
        raise ValueError(f"the size limit must be positive (got {max_bytes})")
    if not dithers:
        raise ValueError("give at least one dithering choice")
    if not 1 <= k_min <= k_max <= MAX_K:
        raise ValueError(f"K range must lie in 1..{MAX_K} (got {k_min}..{k_max})")
    if options is not None:
        seed, color_space, dither_strength = options.seed, options.color_space, options.dither_strength
        # K must hold the locked colors, and the transparent entry when there is one.
        k_min = min(k_max, max(k_min, len(options.fixed) + int(not _one_color_possible(pixels))))
    measure = encode or (lambda palette, indices: png_size(palette, indices, effort))
    quantized: dict[int, Quantized] = {}
    done: dict[tuple[int, str], tuple[Trial, np.ndarray | None]] = {}
    pictures: dict[tuple[int, str], np.ndarray] = {}  # indices made but not yet measured exactly
    estimated: dict[tuple[int, str], int] = {}

    def picture(k: int, mode: str) -> np.ndarray:
        if (k, mode) in done and done[(k, mode)][1] is not None:
            return done[(k, mode)][1]
        if (k, mode) not in pictures:
            if k not in quantized:
                quantized[k] = (quantize(pixels, k, seed=seed, color_space=color_space, should_stop=should_stop)
                                if options is None else quantize_with(pixels, replace(options, k=k, dither="none"),
                                                                      should_stop=should_stop)[0])
            q = quantized[k]
            pictures[(k, mode)] = q.indices if mode == "none" else apply_dither(
                pixels, q.palette, mode, color_space=color_space, strength=dither_strength,
                flat_threshold=getattr(options, "dither_flat", None))
        return pictures[(k, mode)]

    def attempt(k: int, mode: str) -> tuple[Trial, np.ndarray | None]:
        if (k, mode) not in done:
            indices = picture(k, mode)
            pictures.pop((k, mode), None)
            q = quantized[k]
            psnr = metrics.quantized_figures(pixels, q, indices).psnr  # per color when undithered
            trial = Trial(k, mode, int(measure(q.palette, indices)), psnr)
            done[(k, mode)] = (trial, indices)
            if on_trial:
                on_trial(trial)
        return done[(k, mode)]

    def estimated_bytes(k: int, mode: str) -> int:
        if (k, mode) not in estimated:
            indices = picture(k, mode)
            estimated[(k, mode)] = int(estimate(quantized[k].palette, indices))
            if mode != "none":  # a dithered picture is made again if it is measured exactly
                pictures.pop((k, mode), None)
        return estimated[(k, mode)]

    best_k: dict[str, int] = {}
    hint = None
    for mode in dithers:
        def fits(k: int, m: str = mode) -> bool:
            return attempt(k, m)[0].bytes <= max_bytes

        if estimate is None:
            found = _largest_fitting(fits, k_min, k_max, hint)
        elif not fits(k_min):
            found = None
        else:
            scale = attempt(k_min, mode)[0].bytes / max(1, estimated_bytes(k_min, mode))
            guess = _largest_fitting(lambda k, m=mode, f=scale: estimated_bytes(k, m) * f <= max_bytes,
                                     k_min, k_max, hint)
            found = _confirm(fits, k_min, k_max, guess if guess is not None else k_min)
        if found is not None:
            best_k[mode] = found
            hint = found + 1 if found < k_max else None  # the next mode's boundary is near
        for key in [key for key in done if key[1] == mode and key[0] not in (found, k_min)]:
            done[key] = (done[key][0], None)  # keep the memory of 12 MP searches small
        for key in [key for key in pictures if key[1] == mode]:
            del pictures[key]

    if not best_k and k_min == 2 and _one_color_possible(pixels) and len(getattr(options, "fixed", ())) <= 1 \
            and attempt(1, "none")[0].bytes <= max_bytes:
        best_k["none"] = 1  # a last resort below the usual range: one flat color (dithering is moot)

    def result(key: tuple[int, str], fits: bool, below: bool, seen: float | None) -> FitResult:
        trial, indices = done[key]
        trials = tuple(t for t, _ in done.values())
        return FitResult(fits, not best_k, below, trial.k, trial.dither, trial.bytes, trial.psnr, seen,
                         min(t.bytes for t in trials), max_bytes, quantized[trial.k], indices, trials)

    if not best_k:
        smallest = min(done, key=lambda key: (done[key][0].bytes, key[0]))
        return result(smallest, False, False, None)
    candidates = [(k, m) for m, k in best_k.items()]
    good = [c for c in candidates if min_psnr is None or done[c][0].psnr >= min_psnr]
    if not good:
        best = max(candidates, key=lambda c: done[c][0].psnr)
        return result(best, False, True, None)
    if len(good) == 1:
        return result(good[0], True, False, None)
    seen = {c: seen_delta_e(pixels, np.take(quantized[c[0]].palette, done[c][1], axis=0)) for c in good}
    best = min(good, key=lambda c: (seen[c], done[c][0].bytes))
    return result(best, True, False, seen[best])
