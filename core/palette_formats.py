"""Palette files in and out: the format table, reading any palette file, and fitting it to 256.

``PALETTE_FORMATS`` maps a short name (also the ``--palette-format`` choice) to its
extension, label, alpha support, reader and writer. :func:`read_palette` picks the reader by
extension (or by the file's signature when the extension is unknown); :func:`limit_colors`
cuts a large palette to the colors an image uses most, before remapping to it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .distances import chunk_rows, sq_distances
from .palette_binary import (
    read_aco,
    read_act,
    read_ase,
    read_riff_pal,
    write_aco,
    write_act,
    write_ase,
)
from .palette_common import PaletteFile, PaletteFileError, as_rgba, hex_color
from .palette_image import read_swatch_image, write_swatch
from .palette_text import (
    parse_colors,
    read_gpl,
    read_hex,
    read_jasc,
    read_paint_net,
    write_gpl,
    write_hex,
    write_jasc,
    write_paint_net,
)
from .remap import apply_palette

__all__ = ["PALETTE_FORMATS", "PaletteFile", "PaletteFileError", "PaletteFormat", "format_for_file",
           "limit_colors", "palette_file_bytes", "parse_colors", "read_palette", "remap_to_palette"]

#: Palette files are small; anything larger is refused before it is read into memory.
MAX_FILE_BYTES = 16 * 1024 * 1024

Reader = Callable[[bytes, str], PaletteFile]
Writer = Callable[[np.ndarray, str], "tuple[bytes, list[str]]"]


@dataclass(frozen=True)
class PaletteFormat:
    """One palette file type. ``has_alpha``: whether its writer keeps translucent colors."""

    extension: str
    label: str
    has_alpha: bool
    reader: Reader
    writer: Writer


PALETTE_FORMATS: dict[str, PaletteFormat] = {
    "gpl": PaletteFormat(".gpl", "GIMP palette", False, read_gpl, write_gpl),
    "ase": PaletteFormat(".ase", "Adobe Swatch Exchange", False, read_ase, write_ase),
    "aco": PaletteFormat(".aco", "Photoshop swatches", False, read_aco, write_aco),
    "act": PaletteFormat(".act", "Photoshop color table (one transparent color)", False, read_act, write_act),
    "pal": PaletteFormat(".pal", "JASC (Paint Shop Pro) palette", False, read_jasc, write_jasc),
    "txt": PaletteFormat(".txt", "Paint.NET palette", True, read_paint_net, write_paint_net),
    "hex": PaletteFormat(".hex", "hex color list", True, read_hex, write_hex),
    "png": PaletteFormat(".png", "swatch image", True, read_swatch_image, write_swatch),
}

_SIGNATURES = (
    (b"GIMP Palette", "gpl"),
    (b"JASC-PAL", "pal"),
    (b"ASEF", "ase"),
    (b"RIFF", "pal"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)


def format_for_file(path: str | os.PathLike, head: bytes = b"") -> str:
    """The format name for a palette file: by extension, else by its first bytes."""
    ext = Path(path).suffix.lower()
    for name, fmt in PALETTE_FORMATS.items():
        if fmt.extension == ext:
            return name
    stripped = head.lstrip(b"\xef\xbb\xbf")
    for magic, name in _SIGNATURES:
        if stripped.startswith(magic):
            return name
    known = ", ".join(f.extension for f in PALETTE_FORMATS.values())
    raise PaletteFileError(f"{Path(path).name}: unknown palette type; use {known}")


def read_palette(path: str | os.PathLike, fmt: str | None = None) -> PaletteFile:
    """Read any supported palette file; a bad file raises one-line :class:`PaletteFileError`."""
    if fmt is not None and fmt not in PALETTE_FORMATS:
        raise PaletteFileError(f"palette format must be one of {', '.join(PALETTE_FORMATS)}, not {fmt!r}")
    path = Path(path)
    label = path.name
    try:
        if os.path.isdir(path):
            raise PaletteFileError(f"{label}: is a folder, not a palette file")
        # Opened without blocking (a FIFO would wait for a writer forever), then checked to be
        # a regular file (a pipe or /dev/zero has no end and no size), and read with a cap.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise PaletteFileError(f"{label}: is not a regular file (a pipe, socket or device)")
            if st.st_size > MAX_FILE_BYTES:
                raise PaletteFileError(f"{label}: {st.st_size // (1024 * 1024)} MB is too large for a palette file")
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:  # grew while being read
            raise PaletteFileError(f"{label}: too large for a palette file")
    except OSError as e:
        raise PaletteFileError(f"{label}: cannot read ({e.strerror or e})") from None
    if not data:
        raise PaletteFileError(f"{label}: the file is empty")
    fmt = fmt or format_for_file(path, data[:16])
    if fmt == "pal" and data[:4] == b"RIFF":  # .pal is also Microsoft's binary palette
        return read_riff_pal(data, label)
    return PALETTE_FORMATS[fmt].reader(data, label)


def palette_file_bytes(colors: np.ndarray, fmt: str, name: str = "K-means palette") -> tuple[bytes, list[str]]:
    """Encode colors (n, 3|4 uint8) in a palette file format; notes say what the format lost."""
    if fmt not in PALETTE_FORMATS:
        raise ValueError(f"palette format must be one of {', '.join(PALETTE_FORMATS)}, not {fmt!r}")
    colors = np.asarray(colors)
    as_rgba(colors)  # validates shape and dtype
    if not len(colors):
        raise ValueError("the palette is empty")
    return PALETTE_FORMATS[fmt].writer(colors, " ".join(name.split()))  # one line in text headers


#: Pixels sampled (at a fixed stride) and distance entries allowed when ranking palette colors.
USAGE_SAMPLE = 1 << 20
USAGE_BUDGET = 1 << 26


def _distinct(flat: np.ndarray, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct colors of (n, 4) uint8 rows, as (m, channels) points and their pixel counts."""
    distinct, weight = np.unique(np.ascontiguousarray(flat).view(np.uint32).ravel(), return_counts=True)
    return distinct.view(np.uint8).reshape(-1, 4)[:, :channels], weight


def _usage(colors: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """About how many pixels of the image are nearest to each color.

    A ranking, not an exact count: large images are sampled at a fixed stride, and when
    the distance table would still be large, colors are binned to 5 bits per channel.
    """
    channels = 4 if colors.shape[1] == 4 and pixels.shape[-1] == 4 else 3
    flat = pixels.reshape(-1, pixels.shape[-1])
    flat = flat[:: max(1, len(flat) // USAGE_SAMPLE)]
    padded = np.zeros((len(flat), 4), np.uint8)
    padded[:, :channels] = flat[:, :channels]
    points, weight = _distinct(padded, channels)
    bits = 8
    while len(points) * len(colors) > USAGE_BUDGET and bits > 1:
        # Coarser bins until the table fits: 5 bits per channel first, fewer for huge
        # palettes (65,535 colors against a noisy photo took 20 s at 5 bits).
        bits = 5 if bits == 8 else bits - 1
        mask = (0xFF << (8 - bits)) & 0xFF
        coarse = padded.copy()
        coarse[:, :channels] = (padded[:, :channels] & mask) | (1 << (7 - bits))  # bin centres
        points, weight = _distinct(coarse, channels)
    targets = colors[:, :channels]
    usage = np.zeros(len(colors), np.int64)
    step = chunk_rows(len(targets))
    for start in range(0, len(points), step):
        nearest = np.argmin(sq_distances(points[start : start + step], targets), axis=1)
        usage += np.bincount(nearest, weights=weight[start : start + step], minlength=len(colors)).astype(np.int64)
    return usage


def limit_colors(colors: np.ndarray, image_pixels: np.ndarray | None = None,
                 max_colors: int = 256) -> tuple[np.ndarray, str | None]:
    """At most ``max_colors`` distinct colors for a remap, and a note to tell the user, if any.

    Repeated colors are dropped first. If more remain, the ones most used by
    ``image_pixels`` ((H, W, 3|4) uint8; a pixel counts for its nearest color) are kept, or
    the first ones without an image. Kept colors stay in the file's order.
    """
    colors = np.asarray(colors)
    as_rgba(colors)
    _, first = np.unique(as_rgba(colors), axis=0, return_index=True)
    unique = colors[np.sort(first)]
    notes = []
    if len(unique) < len(colors):
        dropped = len(colors) - len(unique)
        notes.append(f"{dropped} repeated color{'s' if dropped > 1 else ''} dropped")
    if len(unique) > max_colors:
        if image_pixels is None:
            keep = np.arange(max_colors)
            notes.append(f"the palette has {len(unique)} colors; kept the first {max_colors}")
        else:
            usage = _usage(unique, np.asarray(image_pixels, np.uint8))
            keep = np.sort(np.argsort(-usage, kind="stable")[:max_colors])
            notes.append(f"the palette has {len(unique)} colors; kept the {max_colors} the image uses most")
        unique = unique[keep]
    return unique, ("; ".join(notes) or None)


def with_transparent_entry(colors: np.ndarray, image_pixels: np.ndarray) -> tuple[np.ndarray, str | None]:
    """``colors`` ((n, 3|4) uint8) with a fully transparent entry first when the image has
    fully transparent pixels and the palette has no such entry, and a note if a color had
    to go to make room (at 256 colors the one the image uses least is dropped).

    Without it a sprite's transparent background would be mapped to an opaque color (the
    K-means path gives such images a transparent entry too, see :mod:`core.visible`).
    """
    colors = as_rgba(np.asarray(colors, np.uint8))
    pixels = np.asarray(image_pixels)
    if pixels.ndim != 3 or pixels.shape[2] != 4 or not (pixels[..., 3] == 0).any() or (colors[:, 3] == 0).any():
        return colors, None
    note = None
    if len(colors) >= 256:
        usage = _usage(colors, pixels[pixels[..., 3] != 0][None])
        least = int(np.argmin(usage))
        note = (f"the palette's color {hex_color(colors[least])} made way for a transparent entry "
                "(the image has see-through pixels and 256 is the most a palette can hold)")
        colors = np.delete(colors, least, axis=0)
    return np.concatenate([np.zeros((1, 4), np.uint8), colors]), note


def remap_to_palette(pixels: np.ndarray, colors: np.ndarray, *, color_space: str = "rgb",
                     max_colors: int = 256) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Map an image onto a file's colors without dithering: (palette, indices, note).

    For dithering, take the palette from :func:`limit_colors` and pass it to ``core.dither``.
    """
    palette, note = limit_colors(colors, pixels, max_colors)
    return palette, apply_palette(pixels, palette, color_space=color_space), note
