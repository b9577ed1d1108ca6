"""Palette sorting and export: every palette file format, plus JSON and CSS.

:func:`export_palette` sorts the palette, encodes it and writes it atomically. The file
formats themselves (GIMP .gpl, Adobe .ase/.aco/.act, JASC .pal, Paint.NET .txt, hex lists
and swatch PNGs) live in :mod:`core.palette_formats`, which also reads them back; JSON and
CSS are export-only because they carry the pixel shares.
"""

from __future__ import annotations

import colorsys
import json
import os
from pathlib import Path

import numpy as np

from .atomic import atomic_write_bytes
from .palette_binary import write_ase
from .palette_common import hex_color, shares
from .palette_formats import PALETTE_FORMATS, palette_file_bytes
from .palette_image import swatch_png
from .palette_text import write_gpl, write_hex

__all__ = ["EXPORT_FORMATS", "SORT_KEYS", "as_json", "ase", "css", "encode_palette", "export_format_for",
           "export_palette", "gpl", "hex_color", "hex_list", "luminance", "palette_bytes", "shares",
           "sort_order", "swatch_png"]

SORT_KEYS = ("frequency", "luminance", "hue")
#: Export format name -> extension: every palette file format, plus the export-only JSON and CSS.
EXPORT_FORMATS = {**{name: fmt.extension for name, fmt in PALETTE_FORMATS.items()}, "json": ".json", "css": ".css"}


def luminance(palette: np.ndarray) -> np.ndarray:
    """Relative luminance (Rec. 709 weights on linear light), 0..1 per entry."""
    c = palette[:, :3].astype(np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def sort_order(palette: np.ndarray, counts: np.ndarray | None, by: str = "frequency") -> np.ndarray:
    """Indices that order the palette: most used first, darkest first, or by hue (greys last)."""
    n = len(palette)
    if by == "frequency":
        if counts is None:
            return np.arange(n)
        return np.argsort(-np.asarray(counts), kind="stable")
    if by == "luminance":
        return np.argsort(luminance(palette), kind="stable")
    if by == "hue":
        hsv = np.array([colorsys.rgb_to_hsv(*(palette[i, :3] / 255.0)) for i in range(n)]).reshape(n, 3)
        grey = hsv[:, 1] < 0.08
        key_hue = np.where(grey, 2.0, hsv[:, 0])  # greys after all hues, by value
        return np.lexsort((hsv[:, 2], key_hue))
    raise ValueError(f"sort must be one of {SORT_KEYS}, not {by!r}")


def gpl(palette: np.ndarray, name: str = "K-means palette", columns: int = 8) -> bytes:
    """GIMP palette bytes (RGB only; see :func:`encode_palette` for the note on lost alpha)."""
    return write_gpl(palette, name, columns)[0]


def ase(palette: np.ndarray, name: str = "K-means palette") -> bytes:
    """Adobe Swatch Exchange 1.0 bytes: one group of RGB float colors."""
    return write_ase(palette, name)[0]


def as_json(palette: np.ndarray, counts: np.ndarray | None = None) -> bytes:
    """JSON: ``{"colors": [{"hex", "rgb", "share", "pixels"[, "alpha"]}, ...]}``."""
    share = shares(counts, len(palette))
    colors = []
    for i, c in enumerate(palette):
        entry = {"hex": hex_color(c), "rgb": [int(v) for v in c[:3]], "share": round(float(share[i]), 6)}
        if counts is not None:
            entry["pixels"] = int(counts[i])
        if palette.shape[1] == 4:
            entry["alpha"] = int(c[3])
        colors.append(entry)
    return (json.dumps({"colors": colors}, indent=2) + "\n").encode("utf-8")


def css(palette: np.ndarray, counts: np.ndarray | None = None, prefix: str = "color") -> bytes:
    """CSS custom properties on ``:root``, one per color, with its share as a comment."""
    share = shares(counts, len(palette))
    lines = [":root {"]
    for i, c in enumerate(palette):
        value = hex_color(c) if palette.shape[1] == 3 or c[3] == 255 else f"rgb({c[0]} {c[1]} {c[2]} / {c[3] / 255:.3f})"
        lines.append(f"  --{prefix}-{i + 1}: {value}; /* {share[i] * 100:.1f}% */")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def hex_list(palette: np.ndarray) -> bytes:
    """One ``#rrggbb`` per line, or ``#rrggbbaa`` when any color is translucent."""
    return write_hex(palette)[0]


def export_format_for(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The export format named, or the one the file's extension implies (``.txt`` is Paint.NET)."""
    if fmt:
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"palette format must be one of {', '.join(EXPORT_FORMATS)}")
        return fmt
    ext = Path(path).suffix.lower()
    for name, extension in EXPORT_FORMATS.items():
        if extension == ext:
            return name
    raise ValueError(f"{Path(path).name}: unknown palette type; use {', '.join(EXPORT_FORMATS.values())}")


def encode_palette(palette: np.ndarray, counts: np.ndarray | None, fmt: str, *, name: str = "K-means palette",
                   labels: bool = True, proportional: bool = False) -> tuple[bytes, list[str]]:
    """The file's bytes and the notes on what the format could not keep (alpha, slots)."""
    palette = np.asarray(palette, np.uint8)
    if fmt == "png":
        return swatch_png(palette, counts, labels=labels, proportional=proportional), []
    if fmt == "json":
        return as_json(palette, counts), []
    if fmt == "css":
        return css(palette, counts), []
    if fmt in PALETTE_FORMATS:
        return palette_file_bytes(palette, fmt, name)
    raise ValueError(f"palette format must be one of {', '.join(EXPORT_FORMATS)}")


def palette_bytes(palette: np.ndarray, counts: np.ndarray | None, fmt: str, *, name: str = "K-means palette",
                  labels: bool = True, proportional: bool = False) -> bytes:
    """The file's bytes only (see :func:`encode_palette` for the notes)."""
    return encode_palette(palette, counts, fmt, name=name, labels=labels, proportional=proportional)[0]


def export_palette(path: str | os.PathLike, palette: np.ndarray, counts: np.ndarray | None = None, *,
                   fmt: str | None = None, sort: str = "frequency", overwrite: bool = False,
                   name: str = "K-means palette", labels: bool = True, proportional: bool = False,
                   notes: list[str] | None = None) -> Path:
    """Sort and write the palette in the format given or implied by the extension.

    What the format could not keep (alpha in .gpl, more than 96 colors for Paint.NET, ...)
    is appended to ``notes`` when a list is given, for the caller to show.
    """
    fmt = export_format_for(path, fmt)
    palette = np.asarray(palette, np.uint8)
    order = sort_order(palette, counts, sort)
    palette = palette[order]
    counts = None if counts is None else np.asarray(counts)[order]
    data, lost = encode_palette(palette, counts, fmt, name=name, labels=labels, proportional=proportional)
    out = atomic_write_bytes(path, data, overwrite=overwrite)
    if notes is not None:
        notes.extend(lost)
    return out
