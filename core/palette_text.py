"""Text palette files: GIMP ``.gpl``, JASC ``.pal``, Paint.NET ``.txt`` and hex lists.

Each format has a writer ``(colors, name) -> (bytes, notes)`` and a reader
``(data, filename) -> PaletteFile``. Layouts follow the published descriptions: GIMP's
palette file (plus Aseprite's ``Channels: RGBA`` extension when reading), Paint Shop Pro's
JASC-PAL 0100, Paint.NET's AARRGGBB palette and Lospec's one-color-per-line hex file.
"""

from __future__ import annotations

import re

import numpy as np

from .palette_common import (
    ColorRows,
    PaletteFile,
    PaletteFileError,
    alpha_notes,
    as_rgba,
    compact,
    file_stem,
    finish,
    hex_color,
)

_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")
_SEPARATORS = re.compile(r"[\s,;]+")
PAINT_NET_SLOTS = 96
_LINE_END = re.compile(r"\r\n|\r|\n")


def _text(data: bytes) -> str:
    """Decode as UTF-8 (BOM allowed), UTF-16 with its BOM (Windows editors save that);
    old files with Latin-1 names still read."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _lines(text: str) -> list[str]:
    """``text`` split at line ends only (CR, LF, CRLF), as GIMP does: ``str.splitlines`` also
    splits at form feeds, U+0085 and U+2028, which a color's name may hold."""
    return _LINE_END.split(text.removesuffix("\r\n").removesuffix("\n").removesuffix("\r"))


def _byte(token: str, where: str) -> int:
    if not (token.isascii() and token.isdigit()) or len(token.lstrip("0")) > 3 or int(token) > 255:
        raise PaletteFileError(f"{where}: {token!r} is not a number from 0 to 255")
    return int(token)


def parse_color(token: str) -> tuple[int, ...]:
    """``#rgb``, ``#rgba``, ``#rrggbb`` or ``#rrggbbaa`` (the ``#`` optional) to a tuple."""
    digits = token[1:] if token.startswith("#") else token
    if len(digits) not in (3, 4, 6, 8) or not _HEX_DIGITS.fullmatch(digits):
        raise ValueError(f"{token!r} is not a color (use #rgb, #rrggbb or #rrggbbaa)")
    if len(digits) <= 4:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i : i + 2], 16) for i in range(0, len(digits), 2))


def parse_colors(text: str) -> np.ndarray:
    """Colors from a list such as ``"#ff0000, #fff"``: (n, 3) uint8, or (n, 4) if any has alpha.

    Raises a one-line ``ValueError`` for a bad color, a repeated color or an empty list.
    """
    rows: list[tuple[int, ...]] = []
    seen: dict[tuple[int, ...], str] = {}
    for token in _SEPARATORS.split(text.strip()):
        if not token:
            continue
        rgba = (parse_color(token) + (255,))[:4]
        key = rgba if rgba[3] else (0, 0, 0, 0)  # every fully transparent color looks the same
        if key in seen:
            raise ValueError(f"{token!r} repeats {seen[key]!r}: each color can be given once")
        seen[key] = token
        rows.append(rgba)
    if not rows:
        raise ValueError("no colors given (use e.g. \"#ff0000,#ffffff\")")
    return compact(np.array(rows, np.uint8))


# --- GIMP .gpl ---------------------------------------------------------------------------

def write_gpl(colors: np.ndarray, name: str, columns: int = 8) -> tuple[bytes, list[str]]:
    """GIMP palette: a header, then one ``R G B<TAB>name`` line per color (RGB only)."""
    lines = ["GIMP Palette", f"Name: {name}", f"Columns: {columns}", "#"]
    for rgb in colors[:, :3]:
        r, g, b = (int(v) for v in rgb)
        lines.append(f"{r:3d} {g:3d} {b:3d}\t{hex_color(rgb)}")
    return ("\n".join(lines) + "\n").encode("utf-8"), alpha_notes(colors, "GIMP .gpl")


def read_gpl(data: bytes, filename: str) -> PaletteFile:
    lines = _lines(_text(data))
    if not lines or lines[0].strip() != "GIMP Palette":
        raise PaletteFileError(f"{filename}: not a GIMP palette (the first line must be 'GIMP Palette')")
    title, channels, rows = file_stem(filename), 3, ColorRows(filename)
    for number, raw in enumerate(lines[1:], start=2):
        line, where = raw.strip(), f"{filename}: line {number}"
        if not line:
            continue
        if line.startswith("#"):
            named = re.match(r"#\s*Palette Name:\s*(.+)", line)  # Lospec keeps the name in a comment
            if named:
                title = named.group(1).strip()
            continue
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("Name", "Columns", "Channels"):
            value = value.strip()
            if key.strip() == "Name" and value:
                title = value
            elif key.strip() == "Columns":
                pass  # layout only: GIMP uses its default for a value it cannot use, so do we
            elif key.strip() == "Channels":
                if value not in ("RGB", "RGBA") or rows:
                    raise PaletteFileError(f"{where}: 'Channels' must be RGB or RGBA and come before the colors")
                channels = len(value)
            continue
        tokens = line.split()
        if len(tokens) < channels:
            want = "R G B A" if channels == 4 else "R G B"
            raise PaletteFileError(f"{where}: expected '{want} name', got {line[:40]!r}")
        rows.append(tuple(_byte(t, where) for t in tokens[:channels]))
    return finish(rows, filename, title)


# --- JASC .pal ---------------------------------------------------------------------------

def write_jasc(colors: np.ndarray, name: str) -> tuple[bytes, list[str]]:
    """Paint Shop Pro palette: ``JASC-PAL``, ``0100``, the count, then ``R G B`` lines (CRLF)."""
    lines = ["JASC-PAL", "0100", str(len(colors))]
    lines += [" ".join(str(int(v)) for v in rgb) for rgb in colors[:, :3]]
    return ("\r\n".join(lines) + "\r\n").encode("ascii"), alpha_notes(colors, "JASC .pal")


def read_jasc(data: bytes, filename: str) -> PaletteFile:
    lines = [line.strip() for line in _lines(_text(data))]
    if not lines or lines[0] != "JASC-PAL":
        raise PaletteFileError(f"{filename}: not a JASC palette (the first line must be 'JASC-PAL')")
    if len(lines) < 3:
        raise PaletteFileError(f"{filename}: truncated (the version and color count are missing)")
    if lines[1] != "0100":
        raise PaletteFileError(f"{filename}: unsupported JASC-PAL version {lines[1][:10]!r} (expected 0100)")
    if not (lines[2].isascii() and lines[2].isdigit() and len(lines[2]) <= 9):
        raise PaletteFileError(f"{filename}: line 3: the color count {lines[2][:20]!r} is not a number")
    count = int(lines[2])
    body = lines[3:]
    while body and not body[-1]:
        body.pop()
    if len(body) != count:
        held = f"{len(body)} color line{'' if len(body) == 1 else 's'}"
        raise PaletteFileError(f"{filename}: declares {count:,} color{'' if count == 1 else 's'} but holds {held}")
    rows = ColorRows(filename)
    for number, line in enumerate(body, start=4):
        tokens, where = line.split(), f"{filename}: line {number}"
        if len(tokens) not in (3, 4):
            raise PaletteFileError(f"{where}: expected 'R G B', got {line[:40]!r}")
        rows.append(tuple(_byte(t, where) for t in tokens))
    return finish(rows, filename, file_stem(filename))


# --- Paint.NET .txt ----------------------------------------------------------------------

def write_paint_net(colors: np.ndarray, name: str) -> tuple[bytes, list[str]]:
    """Paint.NET palette: ``;`` comments, then one ``AARRGGBB`` line per color (alpha kept)."""
    rgba = as_rgba(colors)
    lines = ["; paint.net Palette File", "; Colors are written as 8-digit hexadecimal numbers: aarrggbb",
             f"; Palette Name: {name}", f"; Colors: {len(rgba)}"]
    lines += ["{3:02X}{0:02X}{1:02X}{2:02X}".format(*(int(v) for v in c)) for c in rgba]
    notes = []
    if len(rgba) > PAINT_NET_SLOTS:
        notes.append(f"Paint.NET uses only the first {PAINT_NET_SLOTS} colors of a palette ({len(rgba)} written)")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8"), notes


def read_paint_net(data: bytes, filename: str) -> PaletteFile:
    lines = _lines(_text(data))
    words = [line.strip() for line in lines if line.strip() and not line.strip().startswith(";")]
    if words and all(w.startswith("#") for w in words):  # a hex list saved as .txt (older exports did)
        return read_hex(data, filename)
    title, rows = file_stem(filename), ColorRows(filename)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(";"):
            named = re.match(r";\s*Palette Name:\s*(.+)", line)
            if named:
                title = named.group(1).strip()
            continue
        if len(line) not in (6, 8) or not _HEX_DIGITS.fullmatch(line):
            raise PaletteFileError(f"{filename}: line {number}: {line[:40]!r} is not an AARRGGBB color")
        value = int(line, 16) | (0xFF000000 if len(line) == 6 else 0)
        rows.append(((value >> 16) & 255, (value >> 8) & 255, value & 255, value >> 24))
    return finish(rows, filename, title)


# --- hex list ----------------------------------------------------------------------------

def write_hex(colors: np.ndarray, name: str = "") -> tuple[bytes, list[str]]:
    """``#rrggbb`` per line, or ``#rrggbbaa`` for every line when any color is translucent."""
    rgba = as_rgba(colors)
    if np.all(rgba[:, 3] == 255):
        lines = [hex_color(c) for c in rgba]
    else:
        lines = ["#{:02x}{:02x}{:02x}{:02x}".format(*(int(v) for v in c)) for c in rgba]
    return ("\n".join(lines) + "\n").encode("ascii"), []


def read_hex(data: bytes, filename: str) -> PaletteFile:
    rows = ColorRows(filename)
    for number, raw in enumerate(_lines(_text(data)), start=1):
        for token in _SEPARATORS.split(raw.strip()):
            if token:
                try:
                    color = (parse_color(token) + (255,))[:4]
                except ValueError as e:
                    raise PaletteFileError(f"{filename}: line {number}: {e}") from None
                rows.append(color)
    return finish(rows, filename, file_stem(filename))
