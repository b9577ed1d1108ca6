"""Where is the error? A per-pixel color-difference map, its heat-map colors and the worst block.

The difference is CIE76 deltaE in CIELAB (D65), the figure ``core.metrics.mean_delta_e``
averages: about 1 is a just visible difference side by side, above 5 reads as another color.
Images with alpha are compared as seen, composited over mid grey. The map is built in bands
of rows, so a 12 MP image needs its float32 result (48 MB) and a few MB more.
"""

from __future__ import annotations

import math

import numpy as np

from .colorspace import srgb_to_linear

BACKGROUND = 128.0  #: as core.metrics: alpha is composited over mid grey
_BAND_PIXELS = 1 << 18
_SRGB_TO_LINEAR = srgb_to_linear(np.arange(256)).astype(np.float32)
# Linear sRGB -> XYZ over the D65 white, as in core.colorspace.srgb_to_cielab.
_RGB_TO_XYZ_WHITE = (np.array([
    [0.4124564, 0.3575761, 0.1804375],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339, 0.1191920, 0.9503041],
]) / np.array([0.95047, 1.0, 1.08883])[:, None]).astype(np.float32)

# Viridis (van der Walt & Smith, matplotlib) at 9 evenly spaced points: dark blue -> yellow,
# lightness rising steadily, readable with the common color-vision deficiencies.
_ANCHORS = np.array([
    (68, 1, 84), (71, 45, 123), (59, 82, 139), (44, 114, 142), (33, 145, 140),
    (40, 174, 128), (94, 201, 98), (173, 220, 48), (253, 231, 37),
], dtype=np.float64)
_pos = np.linspace(0.0, 1.0, len(_ANCHORS))
_t = np.linspace(0.0, 1.0, 256)
COLORMAP = np.rint(np.stack([np.interp(_t, _pos, _ANCHORS[:, c]) for c in range(3)], axis=1)).astype(np.uint8)
"""(256, 3) uint8: heat-map color of each of 256 steps from 0 to vmax."""


def _lab(chunk: np.ndarray) -> np.ndarray:
    """(N, 3|4) uint8 (or float RGB 0..255) -> (N, 3) float32 CIELAB, alpha over mid grey."""
    if chunk.dtype != np.uint8:
        lin = srgb_to_linear(chunk[:, :3]).astype(np.float32)
    elif chunk.shape[1] == 4 and np.any(chunk[:, 3] != 255):
        lin = srgb_to_linear(_composite(chunk)).astype(np.float32)
    else:
        lin = _SRGB_TO_LINEAR[chunk[:, :3]]  # 8-bit values: a table instead of a power
    m = _RGB_TO_XYZ_WHITE
    xyz = lin[:, 0:1] * m[:, 0] + lin[:, 1:2] * m[:, 1] + lin[:, 2:3] * m[:, 2]
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def _composite(pixels: np.ndarray) -> np.ndarray:
    """(..., 3|4) uint8 -> (..., 3) float32 RGB as seen over mid grey."""
    rgb = pixels[..., :3].astype(np.float32)
    if pixels.shape[-1] == 4:
        a = pixels[..., 3:4].astype(np.float32) / 255.0
        rgb = rgb * a + np.float32(BACKGROUND) * (1.0 - a)
    return rgb


def seen_delta_e(original: np.ndarray, result: np.ndarray, sigma: float = 1.0) -> float:
    """Mean deltaE between both images blurred by a Gaussian of ``sigma`` pixels: the error
    left once the eye averages fine noise. Dithering lowers it; plain banding does not.

    Edges are reflected (scipy's "reflect"); work goes in bands of rows.
    """
    from .ssim import filter_valid, gaussian_kernel

    if original.shape[:2] != result.shape[:2]:
        raise ValueError(f"images differ in shape: {original.shape} vs {result.shape}")
    h, w = original.shape[:2]
    r = int(3.5 * sigma + 0.5)
    kernel = gaussian_kernel(sigma, r)
    rows = max(1, _BAND_PIXELS // max(w, 1))
    total = 0.0
    for top in range(0, h, rows):
        take = np.arange(top - r, min(h, top + rows) + r)
        while take.min() < 0 or take.max() >= h:  # reflect until inside (tiny images reflect twice)
            take = np.where(take < 0, -take - 1, take)
            take = np.where(take >= h, 2 * h - take - 1, take)
        labs = []
        for img in (original, result):
            band = np.pad(_composite(img[take]), ((0, 0), (r, r), (0, 0)), mode="symmetric")
            blurred = filter_valid(band, kernel)
            labs.append(_lab(np.clip(blurred, 0, 255).reshape(-1, 3)))
        d = labs[0] - labs[1]
        total += float(np.sqrt(np.einsum("ij,ij->i", d, d)).sum(dtype=np.float64))
    return total / max(h * w, 1)


def delta_e_map(original: np.ndarray, quantized: np.ndarray, *, step: int = 1) -> np.ndarray:
    """(H, W) float32 CIE76 deltaE between two (H, W, 3|4) uint8 images.

    ``step`` > 1 measures only every step-th pixel in both directions (a quick map for a
    preview; the result is ``ceil(H / step) x ceil(W / step)``).
    """
    if original.shape[:2] != quantized.shape[:2]:
        raise ValueError(f"images differ in shape: {original.shape} vs {quantized.shape}")
    if step > 1:
        original, quantized = original[::step, ::step], quantized[::step, ::step]
    h, w = original.shape[:2]
    out = np.empty((h, w), np.float32)
    rows = max(1, _BAND_PIXELS // max(w, 1))
    for top in range(0, h, rows):
        a = original[top : top + rows].reshape(-1, original.shape[2])
        b = quantized[top : top + rows].reshape(-1, quantized.shape[2])
        d = _lab(a) - _lab(b)
        out[top : top + rows] = np.sqrt(np.einsum("ij,ij->i", d, d)).reshape(-1, w)
    return out


def delta_e_map_indexed(original: np.ndarray, palette: np.ndarray, indices: np.ndarray, *,
                        step: int = 1) -> np.ndarray:
    """:func:`delta_e_map` against a palette image without building it: the palette's Lab
    values are computed once (about 40 % faster than passing the reconstructed image)."""
    if original.shape[:2] != indices.shape:
        raise ValueError(f"images differ in shape: {original.shape} vs {indices.shape}")
    if step > 1:
        original, indices = original[::step, ::step], indices[::step, ::step]
    pal_lab = _lab(np.asarray(palette, np.uint8))
    h, w = original.shape[:2]
    out = np.empty((h, w), np.float32)
    rows = max(1, _BAND_PIXELS // max(w, 1))
    for top in range(0, h, rows):
        a = original[top : top + rows].reshape(-1, original.shape[2])
        d = _lab(a) - pal_lab[indices[top : top + rows].reshape(-1)]
        out[top : top + rows] = np.sqrt(np.einsum("ij,ij->i", d, d)).reshape(-1, w)
    return out


def pool(delta: np.ndarray, factor: int, how: str = "max") -> np.ndarray:
    """Shrink a map by ``factor`` (blocks of factor x factor, partial edge blocks included)
    keeping each block's "max" (the worst stays visible) or "mean"."""
    if factor <= 1:
        return delta
    h, w = delta.shape
    ph, pw = -h % factor, -w % factor
    fill = -np.inf if how == "max" else np.nan
    padded = np.pad(delta.astype(np.float32), ((0, ph), (0, pw)), constant_values=fill)
    blocks = padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor, factor)
    if how == "max":
        return blocks.max(axis=(1, 3))
    if how == "mean":
        return np.nanmean(blocks, axis=(1, 3)).astype(np.float32)
    raise ValueError(f"how must be 'max' or 'mean', not {how!r}")


def heatmap_rgb(delta: np.ndarray, vmax: float) -> np.ndarray:
    """(H, W, 3) uint8 heat-map: 0 -> dark blue, ``vmax`` and above -> yellow."""
    if not vmax > 0:
        raise ValueError(f"vmax must be positive (got {vmax})")
    out = np.empty((*delta.shape, 3), np.uint8)
    rows = max(1, _BAND_PIXELS // max(delta.shape[1], 1))
    for top in range(0, delta.shape[0], rows):
        steps = np.clip(delta[top : top + rows] * np.float32(255.0 / vmax) + 0.5, 0, 255).astype(np.uint8)
        out[top : top + rows] = COLORMAP[steps]
    return out


def _nice(x: float) -> float:
    """Smallest of 1, 2, 2.5, 5 x 10^n that is >= x."""
    p = 10.0 ** math.floor(math.log10(x))
    return next(m * p for m in (1, 2, 2.5, 5, 10) if m * p >= x * (1 - 1e-9))


def legend_ticks(vmax: float, max_ticks: int = 6) -> list[float]:
    """Round deltaE values from 0 to ``vmax`` for the color bar's labels (at most ``max_ticks``).
    A value v sits at fraction ``v / vmax`` along the bar."""
    if not vmax > 0:
        raise ValueError(f"vmax must be positive (got {vmax})")
    step = _nice(vmax / (max_ticks - 1))
    n = int(math.floor(vmax / step + 1e-9))
    return [round(i * step, 10) for i in range(n + 1)]


def suggest_vmax(delta: np.ndarray) -> float:
    """A round top of the scale: the 99th percentile of the map, at least 2 (invisible
    differences should not light up)."""
    sample = delta[:: max(1, delta.shape[0] // 512), :: max(1, delta.shape[1] // 512)]
    top = float(np.percentile(sample, 99)) if sample.size else 0.0
    return _nice(max(top, 2.0))


def worst_region(delta: np.ndarray, block: int = 64) -> tuple[int, int, int, int]:
    """``(x, y, w, h)`` of the block x block square with the highest mean error.

    Squares start every ``block`` pixels; the last row and column of squares are moved to end
    at the image border, so every candidate has the full size (or the image's, if smaller).
    Ties go to the first square in reading order.
    """
    h, w = delta.shape
    bh, bw = min(block, h), min(block, w)
    ys = sorted(set(list(range(0, h - bh + 1, block)) + [h - bh]))
    xs = np.array(sorted(set(list(range(0, w - bw + 1, block)) + [w - bw])))
    best, best_xy = -1.0, (0, 0)
    for y in ys:
        col = np.concatenate([[0.0], np.cumsum(delta[y : y + bh].sum(axis=0, dtype=np.float64))])
        sums = col[xs + bw] - col[xs]
        i = int(np.argmax(sums))
        if sums[i] > best:
            best, best_xy = float(sums[i]), (int(xs[i]), y)
    return best_xy[0], best_xy[1], bw, bh
