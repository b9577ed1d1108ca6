"""Steps of :func:`core.pipeline.compress_file` that only some options need.

A palette file's colors cut to 256 for this image (``palette``), and the search for the best
K and dithering whose PNG fits a size limit (``max_bytes``). Each file is measured exactly as
it will be saved (same metadata, same effort), so the size found is the size written.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from .load import LoadedImage
from .save import encode_for_save
from .target import FitResult, fit_to_size


def limited_palette(options, pixels: np.ndarray, notes: list[str]):
    """``options`` with its palette cut to the 256 colors this image uses most (repeats
    dropped) and a transparent entry added if the image needs one; what was cut is added
    to ``notes``."""
    from .palette_formats import limit_colors, with_transparent_entry

    colors, note = limit_colors(np.asarray(options.palette, np.uint8), pixels, max_colors=256)
    if note:
        notes.append(note)
    colors, note = with_transparent_entry(colors, pixels)  # a sprite's background stays see-through
    if note:
        notes.append(note)
    return replace(options, palette=tuple(tuple(int(v) for v in row) for row in colors))


def fixed_for(options, channels: int, notes: list[str]):
    """``options`` with its locked colors given as many channels as the image has: alpha is
    dropped (and noted when it was not opaque) for an RGB image, added as opaque for RGBA."""
    fixed = np.asarray(options.fixed, np.uint8)
    if fixed.shape[1] == channels:
        return options
    if channels == 3:
        if (fixed[:, 3] != 255).any():
            notes.append("the image has no transparency: locked colors used without their alpha")
        fixed = fixed[:, :3]
        _, first = np.unique(fixed, axis=0, return_index=True)
        if len(first) < len(fixed):  # "#ff000080,#ff0000" are one color without alpha
            extra = len(fixed) - len(first)
            notes.append(f"{extra} locked {'color equals' if extra == 1 else 'colors equal'} another once "
                         "alpha is dropped; each is locked once")
            fixed = fixed[np.sort(first)]
    else:
        fixed = np.concatenate([fixed, np.full((len(fixed), 1), 255, np.uint8)], axis=1)
    return replace(options, fixed=tuple(tuple(int(v) for v in row) for row in fixed))


def fit_image(image: LoadedImage, options, fmt: str) -> FitResult:
    """The size search for ``options.max_bytes``; ValueError when the output is not PNG."""
    if fmt != "png":
        raise ValueError(f"a size limit needs PNG output (the search measures PNG files), not {fmt.upper()}")
    exif = image.exif if options.keep_metadata else None

    def measure(palette: np.ndarray, indices: np.ndarray, effort: str = options.effort) -> int:
        data, _ = encode_for_save("fit.png", palette, indices, fmt="png", icc_profile=image.icc_profile,
                                  exif=exif, effort=effort)
        return len(data)

    # The search runs on the fast encoding's sizes (scaled) and measures exactly only near the
    # boundary: at 12 MP the smallest encoding costs ~2 s a K, the fast one ~0.2 s.
    fast_sizes = (lambda palette, indices: measure(palette, indices, "fast")) if options.effort != "fast" else None
    return fit_to_size(image.pixels, options.max_bytes, seed=options.seed, color_space=options.color_space,
                       min_psnr=options.min_psnr, encode=measure, estimate=fast_sizes, dithers=options.fit_dithers,
                       dither_strength=options.dither_strength)


def _dithering(mode: str) -> str:
    return "no dithering" if mode == "none" else f"dithering {mode}"


def fit_failure(r: FitResult, min_psnr: float | None = None) -> str | None:
    """The one-line reason nothing is written, or None when ``r`` fits."""
    if r.too_big:
        return (f"nothing fits in {r.max_bytes:,} bytes: the smallest file reached is {r.smallest_bytes:,} bytes "
                f"(K = {r.k}, {_dithering(r.dither)}); not written")
    if r.below_quality:
        return (f"the best result that fits in {r.max_bytes:,} bytes (K = {r.k}, {_dithering(r.dither)}) has "
                f"PSNR {r.psnr:.1f} dB, below the minimum {min_psnr or 0:g} dB; not written")
    return None


def fit_note(r: FitResult) -> str:
    """What the size search chose, for the user."""
    return (f"fits in {r.max_bytes:,} bytes: chose K = {r.k} with {_dithering(r.dither)} ({r.bytes:,} bytes; "
            f"K tried: {', '.join(map(str, r.ks_tried))})")


def check_fits(size: int, max_bytes: int | None, path: Path | None = None) -> None:
    """Refuse a file over the limit (the search measured it with the same encoder, so this is a
    safety net); a file already written over the limit is removed."""
    if max_bytes is None or size <= max_bytes:
        return
    if path is not None:
        try:
            os.unlink(path)
        except OSError:
            pass
    raise ValueError(f"the encoded file is {size:,} bytes, over the limit of {max_bytes:,}; not written")
