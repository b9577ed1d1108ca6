"""Quality and size figures: MSE, PSNR, mean deltaE, and two compression ratios.

Error metrics are computed in chunks of rows so a 24-megapixel image never needs a float
copy of itself. The two ratios answer different questions: the tutorial's bit count says how
much information the palette representation needs in principle; the encoded PNG says how
many bytes a user really saves.
"""

from __future__ import annotations

import io
import math

import numpy as np

from .colorspace import srgb_to_cielab

_CHUNK_PIXELS = 1 << 18


def _row_chunks(a: np.ndarray, b: np.ndarray):
    if a.shape[:2] != b.shape[:2] or (a.ndim == 3) != (b.ndim == 3):
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    flat_a = a.reshape(-1, a.shape[-1]) if a.ndim == 3 else a.reshape(-1, 1)
    flat_b = b.reshape(-1, b.shape[-1]) if b.ndim == 3 else b.reshape(-1, 1)
    for start in range(0, len(flat_a), _CHUNK_PIXELS):
        yield flat_a[start : start + _CHUNK_PIXELS], flat_b[start : start + _CHUNK_PIXELS]


#: Images with alpha are compared as seen: composited over this mid grey.
BACKGROUND = 128.0


def _visible_rgb(chunk: np.ndarray) -> np.ndarray:
    """(N, C) pixels -> (N, 3) float32 RGB as displayed (RGBA composited over mid grey), so
    the hidden color under a fully transparent pixel never counts as an error."""
    rgb = chunk[:, :3].astype(np.float32)
    if chunk.shape[1] == 4:
        a = chunk[:, 3:4].astype(np.float32) / 255.0
        rgb = rgb * a + BACKGROUND * (1.0 - a)
    return rgb


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error per channel value (0..255 scale), as scikit-learn's inertia / size.

    With alpha, both images are composited over mid grey first (what a viewer sees)."""
    total = 0.0
    count = 0
    for x, y in _row_chunks(a, b):
        if x.shape[1] == 4 or y.shape[1] == 4:
            x, y = _visible_rgb(x), _visible_rgb(y)
        d = x.astype(np.float32) - y.astype(np.float32)
        total += float(np.einsum("ij,ij->", d, d, dtype=np.float64))
        count += d.size
    return total / max(count, 1)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (infinite for identical images)."""
    m = mse(a, b)
    return math.inf if m == 0 else 10.0 * math.log10(255.0**2 / m)


def mean_delta_e(a: np.ndarray, b: np.ndarray) -> float:
    """Mean CIELAB deltaE (1976) between two RGB(A) images (with alpha: composited over grey).

    About 1 is the threshold of a visible difference side by side; above 5 reads as a
    different color.
    """
    total = 0.0
    count = 0
    for x, y in _row_chunks(a, b):
        lab_x = srgb_to_cielab(_visible_rgb(x))
        lab_y = srgb_to_cielab(_visible_rgb(y))
        total += float(np.sqrt(np.sum((lab_x - lab_y) ** 2, axis=1)).sum())
        count += len(x)
    return total / max(count, 1)


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

