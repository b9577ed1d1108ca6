"""Shared pieces of the palette readers and writers: the file type, its error, color helpers.

Every reader returns a :class:`PaletteFile` and reports a malformed file with a
:class:`PaletteFileError` whose message is one line naming the file and what is wrong, so
the CLI and the window can show it as is.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .colorspace import linear_to_srgb

#: Readers refuse files that claim more entries than this (ACO counts go up to 65535).
MAX_FILE_COLORS = 65535


class PaletteFileError(ValueError):
    """A palette file that cannot be read; ``str(error)`` is one line naming the file."""


@dataclass(frozen=True)
class PaletteFile:
    """Colors read from a palette file.

    ``colors`` is (n, 3) uint8 when every entry is opaque, else (n, 4) with alpha last.
    ``notes`` says what the reader had to approximate or skip (CMYK converted, ...).
    """

    colors: np.ndarray
    name: str
    notes: list[str] = field(default_factory=list)


def file_stem(filename: str) -> str:
    """The palette's title when the file names none: its file name without the extension."""
    return Path(filename).stem or filename


def hex_color(rgb) -> str:
    """``#rrggbb`` for the first three channels of a color."""
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb[:3]))


def shares(counts: np.ndarray | None, n: int) -> np.ndarray:
    """Each entry's share of the pixels (equal shares when there are no counts)."""
    if counts is None:
        return np.full(n, 1.0 / max(n, 1))
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    return counts / total if total > 0 else np.zeros(n)


def as_rgba(colors: np.ndarray) -> np.ndarray:
    """(n, 4) uint8 copy of (n, 3|4) colors; RGB entries become opaque."""
    colors = np.asarray(colors)
    if colors.ndim != 2 or colors.shape[1] not in (3, 4) or colors.dtype != np.uint8:
        raise ValueError("colors must be an (n, 3|4) uint8 array")
    if colors.shape[1] == 4:
        return colors.copy()
    return np.concatenate([colors, np.full((len(colors), 1), 255, np.uint8)], axis=1)


def compact(rgba: np.ndarray) -> np.ndarray:
    """Drop the alpha channel when every entry is opaque, so readers agree on the shape."""
    rgba = np.asarray(rgba, np.uint8).reshape(-1, 4)
    return rgba[:, :3].copy() if np.all(rgba[:, 3] == 255) else rgba


def alpha_notes(colors: np.ndarray, label: str) -> list[str]:
    """The note a writer for a format without alpha records when the palette had some."""
    if colors.shape[1] != 4:
        return []
    hidden = int(np.count_nonzero(colors[:, 3] != 255))
    if not hidden:
        return []
    s = "" if hidden == 1 else "s"
    return [f"{label} has no alpha: {hidden} translucent color{s} written as opaque"]


class ColorRows(list):
    """The colors a reader has read so far: the one past :data:`MAX_FILE_COLORS` is refused
    at once (counted only at the end, a 16 MB file of short colors took 10-17 s and 600 MB)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def append(self, row) -> None:
        if len(self) >= MAX_FILE_COLORS:
            raise PaletteFileError(f"{self.name}: holds more than {MAX_FILE_COLORS} colors")
        super().append(row)


def finish(rows: list, name: str, title: str, notes: list[str] | None = None) -> PaletteFile:
    """Build the reader's result from a list of (r, g, b[, a]) rows, refusing an empty palette."""
    if not rows:
        raise PaletteFileError(f"{name}: holds no colors")
    if len(rows) > MAX_FILE_COLORS:
        raise PaletteFileError(f"{name}: holds {len(rows)} colors (at most {MAX_FILE_COLORS})")
    rgba = np.array([tuple(r) + (255,) * (4 - len(r)) for r in rows], dtype=np.uint8)
    return PaletteFile(compact(rgba), title, list(notes or []))


def unit_to_byte(value: float) -> int:
    """A 0..1 float to 0..255, clipping the small overshoots some writers produce."""
    return int(round(min(max(value, 0.0), 1.0) * 255))


def hsv_to_rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    """HSV fractions (hue as a fraction of the circle) to 8-bit RGB."""
    return tuple(unit_to_byte(c) for c in colorsys.hsv_to_rgb(h % 1.0, s, v))


def cmyk_to_rgb(c: float, m: float, y: float, k: float) -> tuple[int, int, int]:
    """Naive ink fractions to RGB; there is no press profile to do better with."""
    return tuple(unit_to_byte((1 - x) * (1 - k)) for x in (c, m, y))


# Bradford-adapted D50 XYZ -> linear sRGB (the matrix Lindbloom lists for sRGB with a D50 source).
_XYZ_D50_TO_LINEAR = np.array(
    [
        [3.1338561, -1.6168667, -0.4906146],
        [-0.9787684, 1.9161415, 0.0334540],
        [0.0719453, -0.2289914, 1.4052427],
    ]
)
_WHITE_D50 = np.array([0.96422, 1.0, 0.82521])


def lab_to_rgb(L: float, a: float, b: float) -> tuple[int, int, int]:
    """CIELAB (D50, the white point Adobe's swatch formats use) to 8-bit sRGB, gamut clipped."""
    fy = (L + 16.0) / 116.0
    f = np.array([fy + a / 500.0, fy, fy - b / 200.0])
    delta = 6.0 / 29.0
    xyz = np.where(f > delta, f**3, 3 * delta**2 * (f - 4.0 / 29.0)) * _WHITE_D50
    srgb = linear_to_srgb(np.clip(_XYZ_D50_TO_LINEAR @ xyz, 0.0, 1.0))
    return tuple(int(round(v)) for v in np.clip(srgb, 0, 255))
