"""Settings -> palette image: the one place that turns ``CompressOptions`` into a result.

Order: a palette (K-means with locked colors fixed, or a palette file's colors with K-means
off) -> hand edits (recolor, delete, merge) -> dithering with the final palette. The window's
stages and the command line both call :func:`quantize_with`, so a setting means the same
thing everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .dither import dither as apply_dither
from .palette_edit import apply_edits
from .plan import Plan
from .quantize import Quantized, quantize
from .remap import apply_palette


def _given_palette(pixels: np.ndarray, colors: tuple, options) -> Quantized:
    """The image mapped onto ``colors`` (at most 256, as given): no K-means. An image with
    fully transparent pixels gets a transparent entry first (:func:`with_transparent_entry`);
    an image without alpha loses the palette's fully transparent entries."""
    from .palette_formats import with_transparent_entry  # here: the palette readers cost imports

    palette, _ = with_transparent_entry(np.asarray(colors, np.uint8), pixels)  # the CLI noted any cut
    if pixels.shape[2] == 3 and palette.shape[1] == 4:
        # An image without alpha has no use for a see-through entry (an .act file's
        # transparent index, say): cutting alpha would turn it into an opaque color.
        visible = palette[:, 3] > 0
        palette = palette[visible if visible.any() else slice(None), :3]
    elif pixels.shape[2] == 4 and palette.shape[1] == 3:
        palette = np.concatenate([palette, np.full((len(palette), 1), 255, np.uint8)], axis=1)
    palette = _distinct_entries(palette)
    indices = apply_palette(pixels, palette, color_space=options.color_space)
    counts = np.bincount(indices.ravel(), minlength=len(palette)).astype(np.int64)
    return Quantized(palette=palette, indices=indices, counts=counts, inertia=float("nan"), n_iter=0,
                     distinct_colors=0, k=len(palette), seed=options.seed,  # 0: not counted
                     color_space=options.color_space, preview=False)


def _distinct_entries(palette: np.ndarray) -> np.ndarray:
    """``palette`` without entries that look like an earlier one (first kept): equal colors,
    which cutting alpha can make ("#ff000080" and "#ff0000"), and a second fully transparent
    entry. A file's own repeats were dropped when it was read; these would be dead entries."""
    key = palette.copy()
    if key.shape[1] == 4:
        key[key[:, 3] == 0] = 0  # every fully transparent color looks the same
    _, first = np.unique(key, axis=0, return_index=True)
    return palette if len(first) == len(palette) else palette[np.sort(first)]


def quantize_with(pixels: np.ndarray, options, *, preview: bool = False, plan: Plan | None = None,
                  should_stop: Callable[[], bool] | None = None,
                  on_progress: Callable[[float, str], None] | None = None) -> tuple[Quantized, np.ndarray]:
    """The result for ``options`` and the indices to save (dithered if asked).

    The returned ``Quantized`` carries the final palette; its ``histogram`` is dropped when edits
    changed the palette, so figures are then measured per pixel.
    """
    given = getattr(options, "palette", None)
    if given:
        q = _given_palette(pixels, given, options)
    else:
        fixed = getattr(options, "fixed", ())
        q = quantize(pixels, options.k, seed=options.seed, init=options.init, n_init=options.n_init,
                     color_space=options.color_space, preview=preview, plan=plan,
                     fixed=np.asarray(fixed, np.uint8) if fixed else None,
                     should_stop=should_stop, on_progress=on_progress)
    return edited(pixels, q, getattr(options, "edits", ()), options, should_stop)


def edited(pixels: np.ndarray, q: Quantized, edits: tuple, options,
           should_stop: Callable[[], bool] | None = None) -> tuple[Quantized, np.ndarray]:
    """``q`` after ``edits`` (no re-clustering), and the indices to save (dithered if asked).

    The window calls this alone for an edit made to the result on screen, so a recolor or a
    delete shows at once instead of clustering again.
    """
    if edits:
        palette, indices = apply_edits(pixels, q.palette, q.indices, edits, options.color_space)
        counts = np.bincount(indices.ravel(), minlength=len(palette)).astype(np.int64)
        q = replace(q, palette=palette, indices=indices, counts=counts, histogram=None)
    if options.dither == "none" or (should_stop is not None and should_stop()):
        return q, q.indices
    indices = apply_dither(pixels, q.palette, options.dither, color_space=options.color_space,
                           strength=getattr(options, "dither_strength", 1.0),
                           flat_threshold=getattr(options, "dither_flat", None))
    return q, indices
