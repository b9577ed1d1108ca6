"""Map an image onto a given palette (nearest color), fast enough for full resolution.

The GUI finds a palette on a downscaled preview and renders the full-size image with it
here. Like quantization, this works on the color histogram: every distinct color is mapped
once, and bounds inherited from 5-bit bins skip the distance computation for colors whose
bin lies well inside one palette entry's region.
"""

from __future__ import annotations

import numpy as np

from .colorspace import COLOR_SPACES, to_features
from .distances import nearest_two
from .histogram import base_histogram, build_levels
from .lloyd import bounded_reassign


def apply_palette(pixels: np.ndarray, palette: np.ndarray, *, color_space: str = "rgb") -> np.ndarray:
    """Index of the nearest palette entry for every pixel, shape (H, W), uint8.

    Parameters
    ----------
    pixels : (H, W, 3) or (H, W, 4) uint8
    palette : (n, 3) or (n, 4) uint8, 1 <= n <= 256
    color_space : distance used for "nearest": "rgb" or "oklab"

    Fully transparent pixels go to a fully transparent palette entry when there is one;
    with a 3-channel palette alpha is ignored.
    """
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError("pixels must be a (H, W, 3|4) uint8 array")
    palette = np.asarray(palette)
    if palette.dtype != np.uint8 or palette.ndim != 2 or palette.shape[1] not in (3, 4):
        raise ValueError("palette must be an (n, 3|4) uint8 array")
    if not 1 <= len(palette) <= 256:
        raise ValueError("palette must have 1 to 256 entries")
    if color_space not in COLOR_SPACES:
        raise ValueError(f"color_space must be one of {COLOR_SPACES}")
    height, width = pixels.shape[:2]
    flat = pixels.reshape(-1, pixels.shape[2])
    out = np.empty(len(flat), dtype=np.uint8)

    channels = palette.shape[1]
    candidates = np.arange(len(palette))
    visible_mask = None
    if channels == 4:
        transparent_entries = np.flatnonzero(palette[:, 3] == 0)
        if flat.shape[1] == 3:
            flat = np.concatenate([flat, np.full((len(flat), 1), 255, np.uint8)], axis=1)
        elif transparent_entries.size:
            hidden = flat[:, 3] == 0
            if hidden.any():
                out[hidden] = transparent_entries[0]
                visible_mask = ~hidden
                flat = flat[visible_mask]
        if transparent_entries.size and len(transparent_entries) < len(palette):
            candidates = np.flatnonzero(palette[:, 3] != 0)
    else:
        flat = np.ascontiguousarray(flat[:, :3])
    if len(flat):
        mapped = candidates[_nearest_entries(flat, palette[candidates], color_space)]
        if visible_mask is None:
            out[:] = mapped
        else:
            out[visible_mask] = mapped
    return out.reshape(height, width)


def _nearest_entries(flat: np.ndarray, palette: np.ndarray, color_space: str) -> np.ndarray:
    """Per-pixel nearest entry for (N, C) pixels, through the exact color histogram."""
    base = base_histogram(flat, 8)
    X = to_features(base.means, color_space)
    C = to_features(palette.astype(np.float64), color_space)
    if len(C) == 1:
        return np.zeros(len(flat), dtype=np.intp)
    if len(X) > 4096:
        coarse, fine = build_levels(base, X, [5])
        lab, d1, d2 = nearest_two(coarse.X, C)
        labels = lab[fine.parent]
        u = d1[fine.parent] + fine.radius
        lo = d2[fine.parent] - fine.radius
        bounded_reassign(X, C, labels, u, lo)
    else:
        labels, _, _ = nearest_two(X, C)
    return base.map_to_pixels(labels.astype(np.uint8))
