"""Which pixels get clustered, and how the palette comes back to every pixel.

Fully transparent pixels are set aside (their hidden RGB never pulls a cluster) and share one
transparent palette entry, index 0. Alpha is a clustering channel only when some visible
pixel (or fixed color) is partly transparent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .histogram import BaseHistogram


@dataclass(frozen=True)
class Visible:
    """The pixels that get clustered, and what to do with the rest."""

    pixels: np.ndarray  # (N, 3|4) uint8; 4 channels only if alpha is clustered
    transparent: np.ndarray | None  # mask over all pixels, None if no pixel is fully transparent
    keep_alpha: bool
    transparent_entry: bool  # the palette starts with a (0, 0, 0, 0) entry


@dataclass(frozen=True)
class ColorHistogram:
    """The original's distinct colors, their pixel counts and palette indices (full mode only):
    enough to compute exact error figures without touching the pixels again
    (:func:`core.metrics.quantized_figures`). Fully transparent pixels are one (0, 0, 0, 0) row."""

    colors: np.ndarray  # (M, C) uint8
    counts: np.ndarray  # (M,) int64
    labels: np.ndarray  # (M,) uint8


def split_alpha(pixels: np.ndarray, *, force_alpha: bool = False, transparent_entry: bool = False) -> Visible:
    """Flatten (H, W, C) to (N, C) and set fully transparent pixels aside."""
    flat = pixels.reshape(-1, pixels.shape[2])
    transparent = None
    if pixels.shape[2] == 4:
        transparent = flat[:, 3] == 0
        if not transparent.any():
            transparent = None
    visible = flat if transparent is None else flat[~transparent]
    keep_alpha = force_alpha or (visible.shape[1] == 4 and bool(np.any(visible[:, 3] != 255)))
    if keep_alpha and visible.shape[1] == 3:
        visible = np.concatenate([visible, np.full((len(visible), 1), 255, np.uint8)], axis=1)
    elif not keep_alpha:
        visible = np.ascontiguousarray(visible[:, :3])
    return Visible(visible, transparent, keep_alpha, transparent_entry or transparent is not None)


def map_back(vis: Visible, base: BaseHistogram | None, per_bin: np.ndarray, n_pixels: int,
             palette: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pixel's palette index, with the transparent entry first when there is one."""
    indices = np.empty(n_pixels, dtype=np.uint8)
    if not vis.transparent_entry:
        indices[:] = base.map_to_pixels(per_bin)
        return indices, palette, counts
    if palette.shape[1] == 3:
        palette = np.concatenate([palette, np.full((len(palette), 1), 255, np.uint8)], axis=1)
    palette = np.concatenate([np.zeros((1, 4), np.uint8), palette])
    hidden = vis.transparent
    counts = np.concatenate([[0 if hidden is None else int(hidden.sum())], counts])
    if hidden is None:
        indices[:] = base.map_to_pixels(per_bin) + 1
        return indices, palette, counts
    indices[hidden] = 0
    if base is not None:
        indices[~hidden] = base.map_to_pixels(per_bin) + 1
    return indices, palette, counts


def color_histogram(vis: Visible, base: BaseHistogram | None, per_bin: np.ndarray) -> ColorHistogram | None:
    """The exact (color, count, palette index) table, or None when the base holds bins."""
    if base is not None and base.bits != 8:
        return None  # bins, not colors: figures must come from the pixels
    channels = 4 if vis.keep_alpha or vis.transparent_entry else 3
    colors = np.zeros((0, channels), np.uint8) if base is None else base.means.astype(np.uint8)
    counts = np.zeros(0, np.int64) if base is None else base.counts
    labels = per_bin
    if vis.transparent_entry:
        if colors.shape[1] == 3:
            colors = np.concatenate([colors, np.full((len(colors), 1), 255, np.uint8)], axis=1)
        labels = (per_bin.astype(np.intp) + 1).astype(np.uint8)
        if vis.transparent is not None:
            colors = np.concatenate([colors, np.zeros((1, 4), np.uint8)])
            counts = np.concatenate([counts, [int(vis.transparent.sum())]])
            labels = np.concatenate([labels, [0]]).astype(np.uint8)
    return ColorHistogram(colors, counts, labels)
