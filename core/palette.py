"""Palette sorting and export: swatch PNG, GIMP .gpl, Adobe .ase, JSON, CSS and hex lists.

Every writer returns bytes; :func:`export_palette` writes them atomically. Formats follow
their published descriptions (GIMP's palette file, Adobe Swatch Exchange 1.0) and the tests
read each one back.
"""

from __future__ import annotations

import colorsys
import io
import json
import os
import struct
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .atomic import atomic_write_bytes

SORT_KEYS = ("frequency", "luminance", "hue")
EXPORT_FORMATS = {"png": ".png", "gpl": ".gpl", "ase": ".ase", "json": ".json", "css": ".css", "hex": ".hex"}


def hex_color(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb[:3]))


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


def shares(counts: np.ndarray | None, n: int) -> np.ndarray:
    if counts is None:
        return np.full(n, 1.0 / max(n, 1))
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    return counts / total if total > 0 else np.zeros(n)


def swatch_png(palette: np.ndarray, counts: np.ndarray | None = None, *, proportional: bool = False,
               labels: bool = False, swatch: int = 64, width: int = 800) -> bytes:
    """A PNG of the palette: a grid of equal swatches, or one strip with widths by share."""
    n = len(palette)
    rgba = palette if palette.shape[1] == 4 else np.concatenate([palette, np.full((n, 1), 255, np.uint8)], axis=1)
    if proportional:
        height = swatch * 2
        img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
        edges = np.rint(np.concatenate([[0], np.cumsum(shares(counts, n))]) * width).astype(int)
        draw = ImageDraw.Draw(img)
        for i in range(n):
            if edges[i + 1] > edges[i]:
                draw.rectangle([edges[i], 0, edges[i + 1] - 1, height - 1], fill=tuple(int(v) for v in rgba[i]))
    else:
        cols = min(n, max(1, width // swatch))
        rows = (n + cols - 1) // cols
        label_h = 16 if labels else 0
        img = Image.new("RGBA", (cols * swatch, rows * (swatch + label_h)), (255, 255, 255, 0))
        draw = ImageDraw.Draw(img)
        font = ImageFont.load_default()
        for i in range(n):
            x, y = (i % cols) * swatch, (i // cols) * (swatch + label_h)
            draw.rectangle([x, y, x + swatch - 1, y + swatch - 1], fill=tuple(int(v) for v in rgba[i]))
            if labels:
                draw.text((x + 2, y + swatch + 2), hex_color(rgba[i]), fill=(0, 0, 0, 255), font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def gpl(palette: np.ndarray, name: str = "K-means palette", columns: int = 8) -> bytes:
    """GIMP palette: a header, then one ``R G B<TAB>name`` line per color."""
    lines = ["GIMP Palette", f"Name: {name}", f"Columns: {columns}", "#"]
    for rgb in palette[:, :3]:
        r, g, b = (int(v) for v in rgb)
        lines.append(f"{r:3d} {g:3d} {b:3d}\t{hex_color(rgb)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _ase_string(text: str) -> bytes:
    units = text.encode("utf-16-be") + b"\x00\x00"
    return struct.pack(">H", len(units) // 2) + units


def ase(palette: np.ndarray, name: str = "K-means palette") -> bytes:
    """Adobe Swatch Exchange 1.0: a group holding one RGB float color block per entry."""
    blocks = []
    group = _ase_string(name)
    blocks.append(struct.pack(">HI", 0xC001, len(group)) + group)
    for rgb in palette[:, :3]:
        body = _ase_string(hex_color(rgb)) + b"RGB " + struct.pack(">fff", *(float(v) / 255.0 for v in rgb))
        body += struct.pack(">H", 2)  # normal (not global, not spot)
        blocks.append(struct.pack(">HI", 0x0001, len(body)) + body)
    blocks.append(struct.pack(">HI", 0xC002, 0))
    return b"ASEF" + struct.pack(">HHI", 1, 0, len(blocks)) + b"".join(blocks)


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
    return ("\n".join(hex_color(c) for c in palette) + "\n").encode("ascii")


def export_format_for(path: str | os.PathLike, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"palette format must be one of {', '.join(EXPORT_FORMATS)}")
        return fmt
    ext = Path(path).suffix.lower().lstrip(".")
    aliases = {"txt": "hex"}
    ext = aliases.get(ext, ext)
    if ext not in EXPORT_FORMATS:
        raise ValueError(f"{Path(path).name}: unknown palette type; use .png, .gpl, .ase, .json, .css or .hex")
    return ext


def palette_bytes(palette: np.ndarray, counts: np.ndarray | None, fmt: str, *, name: str = "K-means palette",
                  labels: bool = True, proportional: bool = False) -> bytes:
    if fmt == "png":
        return swatch_png(palette, counts, labels=labels, proportional=proportional)
    if fmt == "gpl":
        return gpl(palette, name)
    if fmt == "ase":
        return ase(palette, name)
    if fmt == "json":
        return as_json(palette, counts)
    if fmt == "css":
        return css(palette, counts)
    if fmt == "hex":
        return hex_list(palette)
    raise ValueError(f"palette format must be one of {', '.join(EXPORT_FORMATS)}")


def export_palette(path: str | os.PathLike, palette: np.ndarray, counts: np.ndarray | None = None, *,
                   fmt: str | None = None, sort: str = "frequency", overwrite: bool = False,
                   name: str = "K-means palette", labels: bool = True, proportional: bool = False) -> Path:
    """Sort and write the palette in the format given or implied by the extension."""
    fmt = export_format_for(path, fmt)
    palette = np.asarray(palette, np.uint8)
    order = sort_order(palette, counts, sort)
    palette = palette[order]
    counts = None if counts is None else np.asarray(counts)[order]
    data = palette_bytes(palette, counts, fmt, name=name, labels=labels, proportional=proportional)
    return atomic_write_bytes(path, data, overwrite=overwrite)
