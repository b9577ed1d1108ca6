"""Quality and size figures: MSE, PSNR, mean deltaE, and two compression ratios.

Error metrics are computed in fixed chunks of rows on the shared pool (so a 24-megapixel
image never needs a float copy of itself, all cores work, and the sum does not depend on the
thread count). :func:`figures` needs the palette's colors only once, and
:func:`figures_from_histogram` works per distinct color: the quantizer's own histogram gives
exact figures at a fraction of the per-pixel cost. The two ratios answer different questions: the tutorial's bit count says how
much information the palette representation needs in principle; the encoded PNG says how
many bytes a user really saves.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np

from . import parallel
from .colorspace import srgb_to_cielab, u8_to_cielab

_CHUNK_PIXELS = 1 << 18

#: Images with alpha are compared as seen: composited over this mid grey.
BACKGROUND = 128.0


@dataclass(frozen=True)
class Figures:
    """The error figures of a quantized image against its original."""

    mse: float
    psnr: float
    delta_e: float


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, a.shape[-1]) if a.ndim == 3 else a.reshape(-1, 1)


def _check_shapes(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[:2] != b.shape[:2] or (a.ndim == 3) != (b.ndim == 3):
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")


def _visible_rgb(chunk: np.ndarray) -> np.ndarray:
    """(N, C) pixels -> (N, 3) float32 RGB as displayed (RGBA composited over mid grey), so
    the hidden color under a fully transparent pixel never counts as an error."""
    rgb = chunk[:, :3].astype(np.float32)
    if chunk.shape[1] == 4:
        a = chunk[:, 3:4].astype(np.float32) / 255.0
        rgb = rgb * a + BACKGROUND * (1.0 - a)
    return rgb


def _lab(chunk: np.ndarray) -> np.ndarray:
    """CIELAB of (N, C) pixels as displayed; uint8 RGB goes through a table (same values).
    Gray (C = 1) and gray with alpha (C = 2) are read as RGB(A) with equal channels."""
    if chunk.shape[1] in (1, 2):
        chunk = chunk[:, [0, 0, 0] + list(range(1, chunk.shape[1]))]
    if chunk.dtype == np.uint8 and chunk.shape[1] == 3:
        return u8_to_cielab(chunk)
    return srgb_to_cielab(_visible_rgb(chunk))


def _sq_error(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-pixel sum of squared channel differences, as displayed, float64."""
    if x.shape[1] == 4 or y.shape[1] == 4:
        x, y = _visible_rgb(x), _visible_rgb(y)
    d = x.astype(np.float32) - y.astype(np.float32)
    return np.einsum("ij,ij->i", d, d, dtype=np.float64)


def _delta_e(lab_x: np.ndarray, lab_y: np.ndarray) -> np.ndarray:
    d = lab_x - lab_y
    return np.sqrt(np.einsum("ij,ij->i", d, d))


def _psnr(m: float) -> float:
    return math.inf if m == 0 else 10.0 * math.log10(255.0**2 / m)


def _chunked_sums(fn, n: int) -> list[float]:
    """Per-chunk sums on the shared pool, added in chunk order (thread-count independent)."""
    return parallel.map_chunks(fn, n, _CHUNK_PIXELS)


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error per channel value (0..255 scale), as scikit-learn's inertia / size.

    With alpha, both images are composited over mid grey first (what a viewer sees)."""
    _check_shapes(a, b)
    fa, fb = _flat(a), _flat(b)
    channels = 3 if (fa.shape[1] == 4 or fb.shape[1] == 4) else fa.shape[1]
    total = sum(_chunked_sums(lambda i, j: float(_sq_error(fa[i:j], fb[i:j]).sum()), len(fa)))
    return total / max(len(fa) * channels, 1)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (infinite for identical images)."""
    return _psnr(mse(a, b))


def mean_delta_e(a: np.ndarray, b: np.ndarray) -> float:
    """Mean CIELAB deltaE (1976) between two RGB(A) images (with alpha: composited over grey).

    About 1 is the threshold of a visible difference side by side; above 5 reads as a
    different color.
    """
    _check_shapes(a, b)
    fa, fb = _flat(a), _flat(b)
    parts = _chunked_sums(lambda i, j: float(_delta_e(_lab(fa[i:j]), _lab(fb[i:j])).sum()), len(fa))
    return sum(parts) / max(len(fa), 1)


def figures_between(a: np.ndarray, b: np.ndarray) -> Figures:
    """MSE, PSNR and mean deltaE of image ``b`` against ``a`` (full color, e.g. a decoded
    JPEG), pixel by pixel."""
    m = mse(a, b)
    return Figures(m, _psnr(m), mean_delta_e(a, b))


def figures(pixels: np.ndarray, palette: np.ndarray, indices: np.ndarray) -> Figures:
    """MSE, PSNR and mean deltaE of ``palette[indices]`` against ``pixels``, in one pass.

    The palette's colors are converted once; only the original's colors are per pixel.
    Equals :func:`mse`, :func:`psnr` and :func:`mean_delta_e` of the reconstruction.
    """
    if pixels.shape[:2] != indices.shape[:2]:
        raise ValueError(f"images differ in shape: {pixels.shape} vs {indices.shape}")
    fa, idx = _flat(pixels), indices.reshape(-1)
    pal_lab = _lab(palette)

    def run(i: int, j: int) -> tuple[float, float]:
        x, y = fa[i:j], np.take(palette, idx[i:j], axis=0)
        return float(_sq_error(x, y).sum()), float(_delta_e(_lab(x), np.take(pal_lab, idx[i:j], axis=0)).sum())

    parts = _chunked_sums(run, len(fa))
    return _from_sums(sum(p[0] for p in parts), sum(p[1] for p in parts), len(fa), fa.shape[1], palette.shape[1])


def figures_from_histogram(colors: np.ndarray, counts: np.ndarray, labels: np.ndarray,
                           palette: np.ndarray) -> Figures:
    """:func:`figures` computed once per distinct (color, palette index) pair, weighted by counts.

    ``colors`` (M, C) uint8 are the distinct original colors (or pairs), ``counts`` how many
    pixels each stands for and ``labels`` their palette index. Costs O(M), not O(pixels).
    """
    w = np.asarray(counts, dtype=np.float64)
    pal_lab = _lab(palette)

    def run(i: int, j: int) -> tuple[float, float]:
        x, lab = colors[i:j], labels[i:j]
        sq = float(np.einsum("i,i->", w[i:j], _sq_error(x, np.take(palette, lab, axis=0))))
        return sq, float(np.einsum("i,i->", w[i:j], _delta_e(_lab(x), np.take(pal_lab, lab, axis=0))))

    # In chunks on the pool: a 12 MP photo can have over a million distinct colors (0.27 s
    # in one thread, most of it their CIELAB conversion).
    parts = _chunked_sums(run, len(colors))
    sq, de = sum(p[0] for p in parts), sum(p[1] for p in parts)
    return _from_sums(sq, de, int(np.sum(counts)), colors.shape[1], palette.shape[1])


def quantized_figures(pixels: np.ndarray, q, indices: np.ndarray | None = None) -> Figures:
    """Figures of a :class:`core.quantize.Quantized` result against its ``pixels``.

    Without dithering (``indices`` None or ``q.indices``) they come from the quantizer's color
    histogram; otherwise (dithered indices, preview results) from :func:`figures`.
    """
    hist = getattr(q, "histogram", None)
    if hist is not None and (indices is None or indices is q.indices):
        return figures_from_histogram(hist.colors, hist.counts, hist.labels, q.palette)
    return figures(pixels, q.palette, q.indices if indices is None else indices)


def _from_sums(sq: float, de: float, n: int, c_a: int, c_b: int) -> Figures:
    channels = 3 if (c_a == 4 or c_b == 4) else c_a
    m = sq / max(n * channels, 1)
    return Figures(m, _psnr(m), de / max(n, 1))


def bits_per_index(k: int) -> int:
    """Bits to store one palette index for ``k`` colors: ceil(log2 k), at least 1."""
    return max(1, math.ceil(math.log2(max(k, 1))))


def bitcount_ratio(n_pixels: int, k: int, bits_per_color: int = 24) -> float:
    """The tutorial's compression ratio: 24 bits per pixel versus an index per pixel plus
    the palette (``k`` colors of 24 bits). For 128x128 at K=16: 393216 / 65920 = 5.97."""
    original = n_pixels * bits_per_color
    compressed = n_pixels * bits_per_index(k) + k * bits_per_color
    return original / compressed


def encoded_png_bytes(palette: np.ndarray, indices: np.ndarray) -> int:
    """Size in bytes of the indexed PNG that :mod:`core.io` would write (computed in memory)."""
    from .io import encode_indexed  # local import: io depends on this module's siblings only

    buf = io.BytesIO()
    encode_indexed(buf, palette, indices, "png")
    return buf.tell()


def raw_rgb_bytes(height: int, width: int, channels: int = 3) -> int:
    """Bytes of the uncompressed 24-bit (or 32-bit) pixel data."""
    return height * width * channels


def real_ratios(original_file_bytes: int | None, raw_bytes: int, encoded_bytes: int) -> dict:
    """Ratios of the real sizes: original file / encoded, raw pixels / encoded."""
    return {
        "file_ratio": (original_file_bytes / encoded_bytes) if original_file_bytes else None,
        "raw_ratio": raw_bytes / encoded_bytes if encoded_bytes else None,
    }

