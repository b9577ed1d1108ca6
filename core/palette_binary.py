"""Binary palette files: Adobe Swatch Exchange ``.ase``, Photoshop ``.aco`` and ``.act``.

Layouts follow Adobe's published descriptions (Photoshop File Formats: Color Swatches and
Color Table; ASE 1.0 as documented by its many independent readers). All numbers are
big-endian. Readers check every length against the bytes actually present, so a truncated
or corrupt file ends in one :class:`PaletteFileError` line, never in a struct error.
"""

from __future__ import annotations

import math
import struct

import numpy as np

from .palette_common import (
    MAX_FILE_COLORS,
    ColorRows,
    PaletteFile,
    PaletteFileError,
    alpha_notes,
    as_rgba,
    cmyk_to_rgb,
    file_stem,
    finish,
    hex_color,
    hsv_to_rgb,
    lab_to_rgb,
    unit_to_byte,
)


class _Cursor:
    """Reads big-endian fields, turning a short read into a one-line error."""

    def __init__(self, data: bytes, filename: str, end: int | None = None, pos: int = 0):
        self.data, self.filename, self.pos = data, filename, pos
        self.end = len(data) if end is None else end

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > self.end:
            raise PaletteFileError(f"{self.filename}: truncated at byte {self.pos} (needs {size} more)")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def utf16(self, units: int) -> str:
        (raw,) = self.take(f">{2 * units}s")
        return raw.decode("utf-16-be", errors="replace").rstrip("\x00")


# --- Adobe Swatch Exchange .ase ----------------------------------------------------------

_ASE_GROUP_START, _ASE_GROUP_END, _ASE_COLOR = 0xC001, 0xC002, 0x0001
_ASE_MODELS = {b"RGB ": 3, b"CMYK": 4, b"LAB ": 3, b"Gray": 1}


def _ase_string(text: str) -> bytes:
    units = text.encode("utf-16-be") + b"\x00\x00"
    return struct.pack(">H", len(units) // 2) + units


def write_ase(colors: np.ndarray, name: str) -> tuple[bytes, list[str]]:
    """ASE 1.0: one group holding an RGB float color block per entry, named by its hex."""
    blocks = []
    group = _ase_string(name)
    blocks.append(struct.pack(">HI", _ASE_GROUP_START, len(group)) + group)
    for rgb in colors[:, :3]:
        body = _ase_string(hex_color(rgb)) + b"RGB " + struct.pack(">fff", *(float(v) / 255.0 for v in rgb))
        body += struct.pack(">H", 2)  # normal (not global, not spot)
        blocks.append(struct.pack(">HI", _ASE_COLOR, len(body)) + body)
    blocks.append(struct.pack(">HI", _ASE_GROUP_END, 0))
    data = b"ASEF" + struct.pack(">HHI", 1, 0, len(blocks)) + b"".join(blocks)
    return data, alpha_notes(colors, "Adobe .ase")


def _ase_color(values: tuple, model: bytes, where: str) -> tuple[int, int, int]:
    if not all(math.isfinite(v) for v in values):
        raise PaletteFileError(f"{where}: a color value is not a finite number")
    if model == b"LAB ":  # Adobe stores L as 0..1; a few other writers use 0..100
        lightness = values[0] * 100.0 if values[0] <= 1.0 else values[0]
        return lab_to_rgb(lightness, values[1], values[2])
    if any(v < -0.01 or v > 1.01 for v in values):
        raise PaletteFileError(f"{where}: a color value is outside 0..1")
    if model == b"RGB ":
        return tuple(unit_to_byte(v) for v in values)
    if model == b"CMYK":
        return cmyk_to_rgb(*values)
    return (unit_to_byte(values[0]),) * 3  # Gray: 1 is white


def read_ase(data: bytes, filename: str) -> PaletteFile:
    if data[:4] != b"ASEF":
        raise PaletteFileError(f"{filename}: not an Adobe Swatch Exchange file (no ASEF signature)")
    cur = _Cursor(data, filename, pos=4)
    major, minor, count = cur.take(">HHI")
    if major != 1:
        raise PaletteFileError(f"{filename}: unsupported ASE version {major}.{minor}")
    title, rows, converted = file_stem(filename), ColorRows(filename), set()
    for index in range(count):
        kind, length = cur.take(">HI")
        where = f"{filename}: block {index + 1}"
        if cur.pos + length > len(data):
            raise PaletteFileError(f"{where}: truncated (says {length} bytes, {len(data) - cur.pos} left)")
        block = _Cursor(data, where, end=cur.pos + length, pos=cur.pos)
        cur.pos += length
        if kind == _ASE_GROUP_END:
            continue
        if kind not in (_ASE_GROUP_START, _ASE_COLOR):
            raise PaletteFileError(f"{where}: unknown block type 0x{kind:04x}")
        (units,) = block.take(">H")
        name = block.utf16(units)
        if kind == _ASE_GROUP_START:
            if name and not rows:
                title = name
            continue
        (model,) = block.take(">4s")
        if model not in _ASE_MODELS:
            raise PaletteFileError(f"{where}: unknown color model {model!r}")
        values = block.take(f">{_ASE_MODELS[model]}f")
        (ctype,) = block.take(">H")
        if ctype > 2:
            raise PaletteFileError(f"{where}: unknown color type {ctype} (0 global, 1 spot, 2 normal)")
        rows.append(_ase_color(values, model, where))
        if model != b"RGB ":
            converted.add(model.decode().strip())
    if cur.pos != len(data):
        raise PaletteFileError(f"{filename}: {len(data) - cur.pos} unexpected bytes after the last of {count} blocks")
    notes = [f"{m} colors converted to RGB approximately" for m in sorted(converted)]
    return finish(rows, filename, title, notes)


# --- Photoshop color swatches .aco -------------------------------------------------------

_ACO_SPACES = {0: "RGB", 1: "HSB", 2: "CMYK", 7: "Lab", 8: "Grayscale"}


def write_aco(colors: np.ndarray, name: str) -> tuple[bytes, list[str]]:
    """A version 1 section, then the same colors again in a version 2 section with names."""
    if len(colors) > MAX_FILE_COLORS:
        raise ValueError(f"an .aco file holds at most {MAX_FILE_COLORS} colors")
    specs = [struct.pack(">5H", 0, *(int(v) * 257 for v in rgb), 0) for rgb in colors[:, :3]]
    v1 = struct.pack(">HH", 1, len(specs)) + b"".join(specs)
    v2 = struct.pack(">HH", 2, len(specs))
    for spec, rgb in zip(specs, colors[:, :3], strict=True):
        label = hex_color(rgb).encode("utf-16-be") + b"\x00\x00"
        v2 += spec + struct.pack(">I", len(label) // 2) + label
    return v1 + v2, alpha_notes(colors, "Photoshop .aco")


def _aco_color(space: int, w: int, x: int, y: int, z: int, where: str) -> tuple[int, int, int]:
    if space == 0:
        return tuple(int(round(v / 257)) for v in (w, x, y))
    if space == 1:
        return hsv_to_rgb(w / 65535, x / 65535, y / 65535)
    if space == 2:  # 0 means 100 % ink
        return cmyk_to_rgb(*(1 - v / 65535 for v in (w, x, y, z)))
    if space == 7:
        if w > 10000:
            raise PaletteFileError(f"{where}: Lab lightness {w} is above 10000")
        a, b = (v - 65536 if v >= 32768 else v for v in (x, y))
        return lab_to_rgb(w / 100, a / 100, b / 100)
    if w > 10000:
        raise PaletteFileError(f"{where}: gray value {w} is above 10000")
    return (unit_to_byte(1 - w / 10000),) * 3  # 10000 is black (full ink), as GIMP reads it


def _aco_section(cur: _Cursor, version: int, skipped: dict) -> list[tuple[int, int, int]]:
    (count,) = cur.take(">H")
    rows = ColorRows(cur.filename)
    for index in range(count):
        where = f"{cur.filename}: version {version} color {index + 1}"
        space, w, x, y, z = cur.take(">5H")
        if version == 2:
            (units,) = cur.take(">I")
            cur.utf16(units)
        if space in _ACO_SPACES:
            rows.append(_aco_color(space, w, x, y, z, where))
        else:
            skipped[space] = skipped.get(space, 0) + 1
    return rows


def read_aco(data: bytes, filename: str) -> PaletteFile:
    cur = _Cursor(data, filename)
    if len(data) < 4:
        raise PaletteFileError(f"{filename}: too short for a Photoshop swatch file ({len(data)} bytes)")
    (version,) = cur.take(">H")
    if version not in (1, 2):
        raise PaletteFileError(f"{filename}: not a Photoshop swatch file (version {version}, expected 1 or 2)")
    skipped: dict[int, int] = {}
    rows = _aco_section(cur, version, skipped)
    if version == 1 and cur.pos < len(data):  # the named version 2 copy follows; it wins
        (second,) = cur.take(">H")
        if second != 2:
            raise PaletteFileError(f"{filename}: expected the version 2 section at byte {cur.pos - 2}, found {second}")
        skipped.clear()
        rows = _aco_section(cur, 2, skipped)
    if cur.pos != len(data):
        raise PaletteFileError(f"{filename}: {len(data) - cur.pos} unexpected bytes after the colors")
    if not rows and skipped:
        raise PaletteFileError(f"{filename}: holds only color-book colors (space {min(skipped)}), which have no RGB value")
    notes = [f"{n} color{'s' if n > 1 else ''} in color space {s} (a color book) skipped"
             for s, n in sorted(skipped.items())]
    return finish(rows, filename, file_stem(filename), notes)


# --- Photoshop color table .act ----------------------------------------------------------

def write_act(colors: np.ndarray, name: str = "") -> tuple[bytes, list[str]]:
    """768 bytes of RGB (padded with black), then the count and the transparent index."""
    if len(colors) > 256:
        raise ValueError(f"an .act color table holds at most 256 colors, not {len(colors)}")
    rgba = as_rgba(colors)
    table = np.zeros((256, 3), np.uint8)
    table[: len(rgba)] = rgba[:, :3]
    clear = np.flatnonzero(rgba[:, 3] == 0)
    transparent = int(clear[0]) if clear.size else 0xFFFF
    notes = []
    lost = int(np.count_nonzero(rgba[:, 3] != 255)) - min(1, clear.size)
    if lost:
        notes.append(f"Photoshop .act keeps one transparent color only: {lost} other translucent "
                     f"color{'s' if lost > 1 else ''} written as opaque")
    return table.tobytes() + struct.pack(">HH", len(rgba), transparent), notes


def read_act(data: bytes, filename: str) -> PaletteFile:
    if len(data) not in (768, 772):
        raise PaletteFileError(f"{filename}: a Photoshop color table has 768 or 772 bytes, not {len(data)}")
    table = np.frombuffer(data[:768], np.uint8).reshape(256, 3)
    count, transparent = 256, 0xFFFF
    if len(data) == 772:
        count, transparent = struct.unpack(">HH", data[768:])
        if not 1 <= count <= 256:
            raise PaletteFileError(f"{filename}: color count {count} is not between 1 and 256")
        if transparent != 0xFFFF and transparent >= count:
            raise PaletteFileError(f"{filename}: transparent index {transparent} is beyond the {count} colors")
    rows = [tuple(int(v) for v in rgb) + ((0,) if i == transparent else ()) for i, rgb in enumerate(table[:count])]
    return finish(rows, filename, file_stem(filename))


# --- Microsoft RIFF palette .pal (read only; .pal is written as JASC) --------------------

def read_riff_pal(data: bytes, filename: str) -> PaletteFile:
    """RIFF 'PAL ' form: a 'data' chunk of u16 version 0x0300, u16 count, count x (R, G, B, flags)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"PAL ":
        raise PaletteFileError(f"{filename}: not a RIFF palette (no RIFF/PAL signature)")
    cur = _Cursor(data, filename, pos=12)
    while True:
        tag, size = cur.take("<4sI")
        if tag == b"data":
            break
        cur.take(f"<{size + (size & 1)}x")  # other chunks are padded to an even size
    version, count = cur.take("<HH")
    if version != 0x0300:
        raise PaletteFileError(f"{filename}: unsupported RIFF palette version 0x{version:04x}")
    if size != 4 + 4 * count:
        raise PaletteFileError(f"{filename}: data chunk of {size} bytes does not hold {count} colors")
    (raw,) = cur.take(f"<{4 * count}s")
    rows = [tuple(raw[4 * i : 4 * i + 3]) for i in range(count)]
    return finish(rows, filename, file_stem(filename))
