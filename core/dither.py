"""Dithering onto a fixed palette: none, Floyd-Steinberg (Pillow) and ordered Bayer (NumPy).

Dithering trades flat bands for fine noise that the eye averages out. Floyd-Steinberg comes
from Pillow's C implementation; ordered dithering is done here because it also handles alpha
and gives the same pattern for the same image (no error ever crosses a region boundary).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .remap import apply_palette

DITHER_MODES = ("none", "fs", "ordered")


def bayer_matrix(n: int = 8) -> np.ndarray:
    """Normalized Bayer threshold matrix of size ``n`` (a power of two), values in (0, 1)."""
    m = np.zeros((1, 1), dtype=np.int64)
    while len(m) < n:
        m = np.block([[4 * m, 4 * m + 2], [4 * m + 3, 4 * m + 1]])
    return (m + 0.5) / m.size


def _palette_spread(palette: np.ndarray) -> float:
    """Typical distance between neighboring palette colors: how much noise to add."""
    rgb = palette[:, :3].astype(np.float64)
    if len(rgb) < 2:
        return 0.0
    d = np.sqrt(((rgb[:, None, :] - rgb[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    return float(np.median(d.min(axis=1)))


def ordered_dither(pixels: np.ndarray, palette: np.ndarray, *, strength: float = 1.0) -> np.ndarray:
    """Map ``pixels`` onto ``palette`` with an 8x8 Bayer pattern; returns (H, W) uint8 indices.

    ``strength`` 0..1 scales the pattern (0 = plain nearest color). Fully transparent pixels
    are never dithered into visible ones.
    """
    spread = _palette_spread(palette) * float(np.clip(strength, 0.0, 1.0))
    if spread == 0.0:
        return apply_palette(pixels, palette)
    h, w = pixels.shape[:2]
    threshold = bayer_matrix(8) - 0.5
    out = np.empty((h, w), dtype=np.uint8)
    rows = max(8, (1 << 20) // max(w, 1) // 8 * 8)
    for top in range(0, h, rows):
        block = pixels[top : top + rows]
        bh = block.shape[0]
        tile = np.tile(threshold, (bh // 8 + 1, w // 8 + 1))[:bh, :w]
        noisy = block.astype(np.int16)
        noisy[..., :3] += np.rint(tile * spread).astype(np.int16)[..., None]
        noisy = np.clip(noisy, 0, 255).astype(np.uint8)
        if pixels.shape[2] == 4:
            noisy[..., 3] = block[..., 3]
        out[top : top + bh] = apply_palette(noisy, palette)
    return out


def floyd_steinberg(pixels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Error-diffusion dithering through Pillow; returns (H, W) uint8 indices.

    Pillow dithers RGB only, so transparent pixels are put back on the transparent entry
    afterwards, and palettes with half-transparent entries fall back to ordered dithering.
    """
    palette = np.asarray(palette, np.uint8)
    alpha_entries = palette[:, 3] if palette.shape[1] == 4 else np.full(len(palette), 255)
    if np.any((alpha_entries > 0) & (alpha_entries < 255)):
        return ordered_dither(pixels, palette)
    opaque = np.flatnonzero(alpha_entries == 255)
    if opaque.size == 0:
        return apply_palette(pixels, palette)
    rgb_pal = palette[opaque, :3]
    padded = np.concatenate([rgb_pal, np.repeat(rgb_pal[-1:], 256 - len(rgb_pal), axis=0)])
    pal_img = Image.new("P", (1, 1))
    pal_img.putpalette(padded.tobytes())
    src = Image.fromarray(np.ascontiguousarray(pixels[..., :3]), "RGB")
    idx = np.asarray(src.quantize(palette=pal_img, dither=Image.Dither.FLOYDSTEINBERG)).astype(np.intp)
    idx = np.minimum(idx, len(rgb_pal) - 1)  # padded entries repeat the last color
    out = opaque[idx].astype(np.uint8)
    if pixels.shape[2] == 4 and opaque.size < len(palette):
        hidden = pixels[..., 3] == 0
        out[hidden] = np.flatnonzero(alpha_entries == 0)[0]
    return out


def dither(pixels: np.ndarray, palette: np.ndarray, mode: str, *, color_space: str = "rgb") -> np.ndarray:
    """Indices of ``pixels`` on ``palette`` with the chosen dithering mode."""
    if mode == "none":
        return apply_palette(pixels, palette, color_space=color_space)
    if mode == "fs":
        return floyd_steinberg(pixels, palette)
    if mode == "ordered":
        return ordered_dither(pixels, palette)
    raise ValueError(f"dither must be one of {DITHER_MODES}, not {mode!r}")
