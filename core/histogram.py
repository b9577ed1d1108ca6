"""Color histograms: the distinct colors of an image with their pixel counts, and coarser
binned levels of them for coarse-to-fine K-means.

Packing a pixel into one integer code makes every step a linear pass: ``np.bincount`` over
the codes counts colors, and a lookup table indexed by code maps a per-color label back to
every pixel. Nothing here makes a float copy of the full image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import parallel

#: Pixels per task on the shared pool (fixed, so results never depend on the thread count).
PIXEL_CHUNK = 1 << 18
#: Per-pixel passes over fewer pixels stay in the calling thread: they take a few ms, while
#: the pool's first use in a process costs ~8 ms (importing concurrent.futures, starting
#: threads); a 0.27 MP photo started it for a 1 ms pass.
POOL_MIN_PIXELS = 1 << 20

#: Above this many pixels, counting through a 2**24-entry bincount beats sorting.
_BINCOUNT_MIN_PIXELS = 1 << 21


def pack_codes(px: np.ndarray, bits: int) -> np.ndarray:
    """One integer per pixel from ``bits`` high bits of each channel; ``px`` is (N, C) uint8.

    Runs in fixed chunks on the shared pool (a pure per-pixel map)."""
    shift = 8 - bits
    out = np.empty(len(px), dtype=np.uint32)

    def run(a: int, b: int) -> None:
        chunk = px[a:b]
        code = out[a:b]
        np.right_shift(chunk[:, 0], shift, out=code, casting="unsafe")
        for c in range(1, chunk.shape[1]):
            code <<= bits
            code |= chunk[:, c] >> shift if shift else chunk[:, c]

    parallel.map_chunks(run, len(px), PIXEL_CHUNK, pool=len(px) >= POOL_MIN_PIXELS)
    return out


def unpack_codes(codes: np.ndarray, bits: int, channels: int) -> np.ndarray:
    """Inverse of :func:`pack_codes`: (M, C) per-channel values in ``0 .. 2**bits - 1``."""
    mask = (1 << bits) - 1
    out = np.empty((len(codes), channels), dtype=np.int64)
    for c in range(channels):
        out[:, channels - 1 - c] = (codes >> (bits * c)) & mask
    return out


@dataclass
class BaseHistogram:
    """The finest level: one point per occupied bin (per distinct color when ``bits == 8``).

    ``codes`` is sorted; ``means`` holds each bin's mean color (the color itself when exact),
    in 0..255 float; ``pixel_codes`` keeps each visible pixel's code for mapping back.
    """

    codes: np.ndarray
    counts: np.ndarray
    means: np.ndarray
    pixel_codes: np.ndarray
    bits: int
    channels: int

    def map_to_pixels(self, per_bin: np.ndarray) -> np.ndarray:
        """Give every pixel the value ``per_bin`` holds for its bin (uint8 values)."""
        space = self.channels * self.bits
        out = np.empty(len(self.pixel_codes), dtype=per_bin.dtype)
        if space <= 24:
            lut = np.zeros(1 << space, dtype=per_bin.dtype)
            lut[self.codes] = per_bin

            def run(a: int, b: int) -> None:
                np.take(lut, self.pixel_codes[a:b], out=out[a:b])
        else:
            def run(a: int, b: int) -> None:
                out[a:b] = per_bin[np.searchsorted(self.codes, self.pixel_codes[a:b])]

        parallel.map_chunks(run, len(out), PIXEL_CHUNK, pool=len(out) >= POOL_MIN_PIXELS)
        return out


def _distinct_with_counts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_counts=True)``: one sort, then the runs of equal codes. On a
    0.27 MP photo this took 7.3 ms against np.unique's 11.6 ms (its own checks and copies)."""
    ordered = np.sort(codes)
    starts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    starts = np.concatenate((np.zeros(min(1, len(ordered)), dtype=np.intp), starts))
    counts = np.diff(np.append(starts, len(ordered)))
    return ordered[starts], counts


def base_histogram(px: np.ndarray, bits: int = 8) -> BaseHistogram:
    """Histogram of (N, C) uint8 pixels at ``bits`` bits per channel (8 = exact colors)."""
    n, channels = px.shape
    codes = pack_codes(px, bits)
    space = channels * bits
    if space <= 24 and (bits < 8 or n >= _BINCOUNT_MIN_PIXELS):
        all_counts = np.bincount(codes, minlength=1 << space)
        distinct = np.flatnonzero(all_counts).astype(np.uint32)
        counts = all_counts[distinct]
    else:
        distinct, counts = _distinct_with_counts(codes)
    # Bin centers, not bin means: a weighted bincount per channel would cost more than the
    # whole clustering of a preview, and at 7 bits a center is within half a level of the mean.
    means = unpack_codes(distinct, bits, channels).astype(np.float64)
    if bits < 8:
        step = 1 << (8 - bits)
        means *= step
        means += (step - 1) / 2.0
    return BaseHistogram(distinct, counts.astype(np.int64), means, codes, bits, channels)


@dataclass
class Level:
    """Points of one coarse-to-fine level: features, weights, and links to the coarser level."""

    X: np.ndarray
    w: np.ndarray
    parent: np.ndarray | None = None  # index into the next coarser level
    radius: np.ndarray | None = None  # distance from each point to its parent's point
    spread: np.ndarray | None = None  # per point: weighted squared distance of its base points to it
    bits: int = 8  # bits per channel of the bins (8 = the base histogram's own points)


def coarse_groups(base: BaseHistogram, bits: int) -> np.ndarray:
    """For every base point, the compact index of its bin at ``bits`` bits per channel."""
    return _group_codes(base.codes, base.bits, base.channels, bits)[0]


def _group_codes(codes: np.ndarray, bits_in: int, channels: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """For codes packed at ``bits_in`` bits per channel: each one's bin at ``bits`` bits per
    channel (its rank among the occupied bins, in code order), and the occupied bins' codes."""
    shift = bits_in - bits
    mask = (1 << bits) - 1
    codes = codes.astype(np.uint32, copy=False)
    code = np.zeros(len(codes), dtype=np.uint32)
    for c in range(channels):  # channel c sits (channels-1-c) fields from the right
        field = codes >> np.uint32(bits_in * (channels - 1 - c) + shift)
        field &= np.uint32(mask)
        code <<= np.uint32(bits)
        code |= field
    space = bits * channels
    if space <= 24:
        # Rank of each bin among the occupied ones, without a cumulative sum over the whole
        # 2^space table: np.cumsum there held the GIL for ~100 ms (a stalled window), while
        # the table lookups below release it and touch only the occupied entries.
        present = np.zeros(1 << space, dtype=bool)
        present[code] = True
        occupied = np.flatnonzero(present)
        rank = np.empty(1 << space, dtype=np.int32)  # int32: half the pages to fault in (8 MB at 7 bits)
        rank[occupied] = np.arange(len(occupied), dtype=np.int32)
        return rank[code].astype(np.intp), occupied.astype(np.uint32)
    if space > 28:  # more than 16 buckets: one sort is cheaper
        uniq, inverse = np.unique(code, return_inverse=True)
        return inverse.ravel(), uniq
    ranks = _ranks_by_bucket(code, space)
    bins = np.empty(int(ranks.max()) + 1 if len(ranks) else 0, dtype=np.uint32)
    bins[ranks] = code
    return ranks, bins


def _ranks_by_bucket(code: np.ndarray, space: int) -> np.ndarray:
    """What ``np.unique(code, return_inverse=True)[1]`` gives, for codes of up to 32 bits.

    Four-channel (alpha) codes do not fit one 2^24 table; one big sort held the GIL for
    60-120 ms at 12 MP (a stalled window). Bucketing by the top bits keeps every step a
    table lookup on at most 2^24 entries, in the same sorted order.
    """
    low_bits = 24
    hi = code >> np.uint32(low_bits)
    lo = code & np.uint32((1 << low_bits) - 1)
    out = np.empty(len(code), dtype=np.int64)
    present = np.zeros(1 << low_bits, dtype=bool)
    rank = np.empty(1 << low_bits, dtype=np.int64)
    offset = 0
    for bucket in range(1 << (space - low_bits)):
        where = np.flatnonzero(hi == bucket)
        if not len(where):
            continue
        sub = lo[where]
        present[:] = False
        present[sub] = True
        occupied = np.flatnonzero(present)
        rank[occupied] = np.arange(offset, offset + len(occupied), dtype=np.int64)
        out[where] = rank[sub]
        offset += len(occupied)
    return out


def build_levels(base: BaseHistogram, X_base: np.ndarray, coarse_bits: list[int],
                 max_points: dict[int, int] | None = None) -> list[Level]:
    """Levels from coarsest to finest; the finest is the base itself (features ``X_base``).

    A coarse point is the weighted mean, in feature space, of the base points in its bin.
    A level with more bins than ``max_points[bits]`` is left out (it would save too little).
    Levels are built finest first, each from the next finer one (its bins' codes, weights and
    weighted sums), so the coarse levels cost passes over bins, not over every base point;
    with integer features (RGB) the sums are exactly those over the base points.
    """
    w = base.counts.astype(np.float64)
    dims = X_base.shape[1]
    codes, bits_in = base.codes, base.bits
    W, S = w, None  # S is None for the base: its sums are w * X_base, taken per channel
    built: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []  # (bits, X, W, child -> bin)
    for bits in sorted(coarse_bits, reverse=True):
        ranks, bins = _group_codes(codes, bits_in, base.channels, bits)
        if max_points and bits in max_points and len(bins) > max_points[bits]:
            continue
        n = len(bins)
        W_bin = np.bincount(ranks, weights=W, minlength=n)
        S_bin = np.stack(
            [np.bincount(ranks, weights=(w * X_base[:, j]) if S is None else S[:, j], minlength=n)
             for j in range(dims)],
            axis=1,
        )
        built.append((bits, S_bin / W_bin[:, None], W_bin, ranks))
        codes, bits_in, W, S = bins, bits, W_bin, S_bin
    levels = [Level(X, Wb, bits=bits) for bits, X, Wb, _ in reversed(built)]
    levels.append(Level(X_base, w, bits=base.bits))
    to_parent = [ranks for _, _, _, ranks in reversed(built)]  # level i+1's point -> level i's bin
    for i in range(1, len(levels)):
        parent = to_parent[i - 1]
        diff = levels[i].X - levels[i - 1].X[parent]
        levels[i].parent = parent
        levels[i].radius = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    # What each bin hides: the weighted squared distances of its base points to its mean (its
    # children's own spread plus their weighted squared distance to it; no cancellation).
    levels[-1].spread = np.zeros(len(X_base))
    for i in range(len(levels) - 1, 0, -1):
        fine = levels[i]
        hidden = fine.w * fine.radius * fine.radius + fine.spread
        levels[i - 1].spread = np.bincount(fine.parent, weights=hidden, minlength=len(levels[i - 1].X))
    return levels
