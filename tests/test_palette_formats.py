"""Palette files: each format written and read back by its own reader and by a second reader
written here from the published layout; hand-made files parsed by our readers."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from core import palette as P
from core.palette_formats import PALETTE_FORMATS, PaletteFileError, palette_file_bytes, read_palette

# --- independent readers, from the published layouts (no code shared with core) ---------


def spec_ase(data: bytes) -> list[tuple[str, str, tuple, int]]:
    """ASE 1.0: 'ASEF', u16 major, u16 minor, u32 blocks; block = u16 type, u32 length, body."""
    assert data[:4] == b"ASEF" and struct.unpack(">HH", data[4:8]) == (1, 0)
    (count,) = struct.unpack(">I", data[8:12])
    pos, out = 12, []
    for _ in range(count):
        kind, length = struct.unpack(">HI", data[pos : pos + 6])
        body, pos = data[pos + 6 : pos + 6 + length], pos + 6 + length
        if kind == 0x0001:
            (n,) = struct.unpack(">H", body[:2])
            name = body[2 : 2 + 2 * n].decode("utf-16-be")
            assert name.endswith("\x00")
            model = body[2 + 2 * n : 6 + 2 * n].decode("ascii")
            k = {"RGB ": 3, "CMYK": 4, "LAB ": 3, "Gray": 1}[model]
            values = struct.unpack(f">{k}f", body[6 + 2 * n : 6 + 2 * n + 4 * k])
            (ctype,) = struct.unpack(">H", body[6 + 2 * n + 4 * k :])
            out.append((name[:-1], model, values, ctype))
        else:
            assert kind in (0xC001, 0xC002)
    assert pos == len(data)
    return out


def spec_aco(data: bytes) -> tuple[list, list]:
    """ACO: version 1 section (u16 1, u16 n, n x 5 u16), then version 2 (adds a u32-length name)."""
    version, n = struct.unpack(">HH", data[:4])
    assert version == 1
    v1 = [struct.unpack(">5H", data[4 + 10 * i : 14 + 10 * i]) for i in range(n)]
    pos = 4 + 10 * n
    version, n2 = struct.unpack(">HH", data[pos : pos + 4])
    assert (version, n2) == (2, n)
    pos += 4
    v2 = []
    for _ in range(n):
        spec = struct.unpack(">5H", data[pos : pos + 10])
        (units,) = struct.unpack(">I", data[pos + 10 : pos + 14])
        name = data[pos + 14 : pos + 14 + 2 * units].decode("utf-16-be")
        assert name.endswith("\x00")
        v2.append((spec, name[:-1]))
        pos += 14 + 2 * units
    assert pos == len(data)
    return v1, v2


def spec_act(data: bytes) -> tuple[list, int, int]:
    """ACT: 256 RGB triplets, then u16 count and u16 transparent index (0xFFFF for none)."""
    assert len(data) == 772
    table = [tuple(data[3 * i : 3 * i + 3]) for i in range(256)]
    count, transparent = struct.unpack(">HH", data[768:])
    return table, count, transparent


def spec_text(data: bytes, fmt: str) -> list[tuple[int, ...]]:
    """GPL / JASC / Paint.NET / hex by their line layouts."""
    lines = data.decode("utf-8").splitlines()
    if fmt == "gpl":
        assert lines[0] == "GIMP Palette" and lines[1].startswith("Name: ")
        return [tuple(int(t) for t in line.split()[:3]) for line in lines[2:]
                if line and not line.startswith("#") and not line.startswith("Columns:")]
    if fmt == "pal":
        assert data.count(b"\r\n") == len(lines) and lines[:2] == ["JASC-PAL", "0100"]
        assert int(lines[2]) == len(lines) - 3
        return [tuple(int(t) for t in line.split()) for line in lines[3:]]
    if fmt == "txt":
        words = [line for line in lines if not line.startswith(";")]
        return [(int(w[2:4], 16), int(w[4:6], 16), int(w[6:8], 16), int(w[0:2], 16)) for w in words]
    assert fmt == "hex" and all(line.startswith("#") for line in lines)
    return [tuple(int(line[i : i + 2], 16) for i in range(1, len(line), 2)) for line in lines]


# --- round trips ---------------------------------------------------------------------------


def rgba(colors: np.ndarray) -> np.ndarray:
    return colors if colors.shape[1] == 4 else np.concatenate([colors, np.full((len(colors), 1), 255, np.uint8)], 1)


def expected(colors: np.ndarray, fmt: str) -> np.ndarray:
    """What a format promises to keep: all of it, or RGB (ACT: plus one transparent entry)."""
    out = rgba(colors).copy()
    if not PALETTE_FORMATS[fmt].has_alpha:
        clear = np.flatnonzero(out[:, 3] == 0)
        out[:, 3] = 255
        if fmt == "act" and clear.size:
            out[clear[0], 3] = 0
    return out


palettes = st.integers(1, 256).flatmap(
    lambda n: st.sampled_from([3, 4]).flatmap(lambda c: arrays(np.uint8, (n, c))))


@pytest.mark.parametrize("fmt", [f for f in PALETTE_FORMATS if f != "png"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(colors=palettes)
def test_round_trip_through_own_reader(tmp_path_factory, fmt, colors):
    data, notes = palette_file_bytes(colors, fmt, "Test palette")
    path = tmp_path_factory.mktemp("rt") / f"p{PALETTE_FORMATS[fmt].extension}"
    path.write_bytes(data)
    back = read_palette(path)
    np.testing.assert_array_equal(rgba(back.colors), expected(colors, fmt))
    assert back.colors.shape[1] == (4 if np.any(expected(colors, fmt)[:, 3] != 255) else 3)
    lost_alpha = not np.array_equal(expected(colors, fmt), rgba(colors))
    too_many = fmt == "txt" and len(colors) > 96
    assert bool(notes) == (lost_alpha or too_many)


@pytest.mark.parametrize("fmt", [f for f in PALETTE_FORMATS if f != "png"])
@settings(max_examples=25, deadline=None)
@given(colors=palettes)
def test_written_files_follow_the_published_layout(fmt, colors):
    data, _ = palette_file_bytes(colors, fmt, "Test palette")
    want = expected(colors, fmt)
    if fmt == "ase":
        entries = spec_ase(data)
        assert [e[1] for e in entries] == ["RGB "] * len(colors) and all(e[3] == 2 for e in entries)
        np.testing.assert_array_equal(np.array([e[2] for e in entries], np.float32),
                                      (colors[:, :3] / 255.0).astype(np.float32))
        assert [e[0] for e in entries] == [P.hex_color(c) for c in colors]
    elif fmt == "aco":
        v1, v2 = spec_aco(data)
        assert v1 == [(0, r * 257, g * 257, b * 257, 0) for r, g, b in colors[:, :3].tolist()]
        assert [s for s, _ in v2] == v1 and [n for _, n in v2] == [P.hex_color(c) for c in colors]
    elif fmt == "act":
        table, count, transparent = spec_act(data)
        assert count == len(colors) and table[: len(colors)] == [tuple(c) for c in colors[:, :3].tolist()]
        assert table[len(colors) :] == [(0, 0, 0)] * (256 - len(colors))
        clear = np.flatnonzero(want[:, 3] == 0)
        assert transparent == (int(clear[0]) if clear.size else 0xFFFF)
    else:
        rows = spec_text(data, fmt)
        channels = 4 if fmt == "txt" or (fmt == "hex" and np.any(want[:, 3] != 255)) else 3
        assert rows == [tuple(c) for c in want[:, :channels].tolist()]


@settings(max_examples=15, deadline=None)
@given(colors=palettes)
def test_swatch_png_round_trip(tmp_path_factory, colors):
    """Distinct visible colors come back in order; the grid's empty cells are background."""
    colors = rgba(colors)
    colors[:, 3] = np.maximum(colors[:, 3], 1)
    _, first = np.unique(colors, axis=0, return_index=True)
    colors = colors[np.sort(first)]
    path = tmp_path_factory.mktemp("png") / "p.png"
    path.write_bytes(palette_file_bytes(colors, "png")[0])
    np.testing.assert_array_equal(rgba(read_palette(path).colors), colors)


# --- hand-made files, built from the layouts, read by our readers --------------------------


def ase_block(kind: int, body: bytes) -> bytes:
    return struct.pack(">HI", kind, len(body)) + body


def ase_name(text: str) -> bytes:
    return struct.pack(">H", len(text) + 1) + text.encode("utf-16-be") + b"\0\0"


def test_hand_made_ase_with_every_color_model(tmp_path):
    blocks = [
        ase_block(0xC001, ase_name("Brand")),
        ase_block(1, ase_name("Red") + b"RGB " + struct.pack(">fffH", 1, 0, 0, 2)),
        ase_block(1, ase_name("Ink") + b"CMYK" + struct.pack(">ffffH", 0, 0, 0, 1, 0)),
        ase_block(1, ase_name("Mid") + b"Gray" + struct.pack(">fH", 0.5, 1)),
        ase_block(1, ase_name("Paper") + b"LAB " + struct.pack(">fffH", 1.0, 0, 0, 2)),
        ase_block(0xC002, b""),
        ase_block(1, ase_name("Cyan") + b"CMYK" + struct.pack(">ffffH", 1, 0, 0, 0, 2)),
        ase_block(1, ase_name("L in percent") + b"LAB " + struct.pack(">fffH", 100.0, 0, 0, 2)),
    ]
    (tmp_path / "b.ase").write_bytes(b"ASEF" + struct.pack(">HHI", 1, 0, len(blocks)) + b"".join(blocks))
    f = read_palette(tmp_path / "b.ase")
    assert f.name == "Brand" and f.colors.shape == (6, 3)
    np.testing.assert_allclose(f.colors.astype(int), [[255, 0, 0], [0, 0, 0], [128, 128, 128],
                                                      [255, 255, 255], [0, 255, 255], [255, 255, 255]], atol=1)
    assert any("CMYK" in n for n in f.notes) and any("LAB" in n for n in f.notes)


def aco_v2_entry(space: int, values: tuple, name: str) -> bytes:
    return struct.pack(">5H", space, *values) + struct.pack(">I", len(name) + 1) + name.encode("utf-16-be") + b"\0\0"


ACO_SPECS = [(0, (65535, 0, 0, 0)), (1, (0, 65535, 65535, 0)), (2, (65535, 65535, 65535, 0)),
             (7, (10000, 0, 0, 0)), (8, (5000, 0, 0, 0)), (2, (0, 65535, 65535, 65535))]
ACO_RGB = [[255, 0, 0], [255, 0, 0], [0, 0, 0], [255, 255, 255], [128, 128, 128], [0, 255, 255]]


@pytest.mark.parametrize("layout", ["v1", "v1+v2", "v2"])
def test_hand_made_aco_in_every_color_space(tmp_path, layout):
    v1 = struct.pack(">HH", 1, len(ACO_SPECS)) + b"".join(struct.pack(">5H", s, *v) for s, v in ACO_SPECS)
    v2 = struct.pack(">HH", 2, len(ACO_SPECS)) + b"".join(aco_v2_entry(s, v, f"c{i}") for i, (s, v) in enumerate(ACO_SPECS))
    data = {"v1": v1, "v1+v2": v1 + v2, "v2": v2}[layout]
    (tmp_path / "s.aco").write_bytes(data)
    np.testing.assert_allclose(read_palette(tmp_path / "s.aco").colors.astype(int), ACO_RGB, atol=1)


def test_hand_made_aco_skips_color_book_entries(tmp_path):
    data = struct.pack(">HH", 1, 2) + struct.pack(">5H", 3, 1, 2, 3, 4) + struct.pack(">5H", 0, 0, 65535, 0, 0)
    (tmp_path / "b.aco").write_bytes(data)
    f = read_palette(tmp_path / "b.aco")
    assert f.colors.tolist() == [[0, 255, 0]] and "color space 3" in f.notes[0]


def test_hand_made_act_files(tmp_path):
    table = bytes(range(256)) * 3
    (tmp_path / "full.act").write_bytes(table)
    f = read_palette(tmp_path / "full.act")
    assert f.colors.shape == (256, 3) and f.colors[1].tolist() == [3, 4, 5]
    (tmp_path / "short.act").write_bytes(table + struct.pack(">HH", 3, 1))
    f = read_palette(tmp_path / "short.act")
    assert f.colors.tolist() == [[0, 1, 2, 255], [3, 4, 5, 0], [6, 7, 8, 255]]
    (tmp_path / "none.act").write_bytes(table + b"\x00\x02\xff\xff")
    assert read_palette(tmp_path / "none.act").colors.tolist() == [[0, 1, 2], [3, 4, 5]]


TEXT_FIXTURES = {
    "lospec.gpl": (b"GIMP Palette\n#Palette Name: Tiny 3\n#Description: test\n#Colors: 3\n"
                   b"26\t28\t44\t1a1c2c\n93\t39\t93\t5d275d\n255 255 255 White\n", "Tiny 3",
                   [[26, 28, 44], [93, 39, 93], [255, 255, 255]]),
    "aseprite.gpl": (b"GIMP Palette\nName: Glass\nColumns: 2\nChannels: RGBA\n#\n  0   0   0   0 clear\n"
                     b"255 0 0 128 half red\n", "Glass", [[0, 0, 0, 0], [255, 0, 0, 128]]),
    "psp.pal": (b"JASC-PAL\r\n0100\r\n2\r\n255 0 0\r\n0 0 255\r\n", "psp", [[255, 0, 0], [0, 0, 255]]),
    "lospec.txt": (b";paint.net Palette File\n;Palette Name: Duo\n;Colors: 2\nFF1A1C2C\n805D275D\n", "Duo",
                   [[26, 28, 44, 255], [93, 39, 93, 128]]),
    "old-export.txt": (b"#ff0000\n#00ff0080\n", "old-export", [[255, 0, 0, 255], [0, 255, 0, 128]]),
    "lospec.hex": (b"1a1c2c\n5d275d\n\n#ffffff80\n", "lospec", [[26, 28, 44, 255], [93, 39, 93, 255],
                                                                [255, 255, 255, 128]]),
}


@pytest.mark.parametrize("filename", TEXT_FIXTURES)
def test_hand_made_text_files(tmp_path, filename):
    data, name, colors = TEXT_FIXTURES[filename]
    (tmp_path / filename).write_bytes(data)
    f = read_palette(tmp_path / filename)
    assert f.name == name and f.colors.tolist() == colors


def test_swatch_images_keep_first_appearance_order(tmp_path):
    strip = np.array([[[200, 10, 10], [10, 200, 10], [10, 10, 200], [10, 200, 10]]], np.uint8)
    Image.fromarray(strip).save(tmp_path / "x1.png")
    Image.fromarray(strip).resize((128, 32), Image.NEAREST).save(tmp_path / "x32.png")
    for name in ("x1.png", "x32.png"):
        assert read_palette(tmp_path / name).colors.tolist() == [[200, 10, 10], [10, 200, 10], [10, 10, 200]]
    indexed = Image.new("P", (3, 1))
    indexed.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255])
    indexed.putdata([0, 1, 2])
    buf = io.BytesIO()
    indexed.save(buf, "PNG", transparency=0)
    (tmp_path / "t.png").write_bytes(buf.getvalue())
    f = read_palette(tmp_path / "t.png")
    assert f.colors.tolist() == [[255, 0, 0], [0, 0, 255]] and "transparent" in f.notes[0]


def test_a_16_bit_gray_swatch_image_reads_its_grays(tmp_path):
    """Pillow's convert() clips 16-bit samples to 0..255: every gray above 255/65535 read white."""
    levels = np.array([0, 4112, 13107, 32896, 52428, 65535], np.uint16)  # 0, 16, 51, 128, 204, 255 in 8 bits
    Image.fromarray(levels[None, :]).save(tmp_path / "g16.png")
    f = read_palette(tmp_path / "g16.png")
    assert f.colors.tolist() == [[v, v, v] for v in (0, 16, 51, 128, 204, 255)]


def riff_pal(colors: list, extra: bytes = b"") -> bytes:
    """Microsoft RIFF palette: 'RIFF' size 'PAL ', chunks; 'data' = u16 0x0300, u16 n, n x RGBF (little-endian)."""
    data = struct.pack("<HH", 0x0300, len(colors)) + b"".join(struct.pack("<4B", *c, 0) for c in colors)
    body = b"PAL " + extra + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_hand_made_riff_palettes(tmp_path):
    colors = [(255, 0, 0), (0, 0, 255), (7, 8, 9)]
    (tmp_path / "plain.pal").write_bytes(riff_pal(colors))
    (tmp_path / "listed.pal").write_bytes(riff_pal(colors, b"LIST" + struct.pack("<I", 3) + b"abc\0"))
    for name in ("plain.pal", "listed.pal"):
        assert read_palette(tmp_path / name).colors.tolist() == [list(c) for c in colors]
    data = riff_pal(colors)
    for cut in range(len(data)):
        (tmp_path / "cut.pal").write_bytes(data[:cut])
        with pytest.raises(PaletteFileError):
            read_palette(tmp_path / "cut.pal")


def test_unknown_extension_is_sniffed(tmp_path):
    (tmp_path / "palette.dat").write_bytes(b"GIMP Palette\n1 2 3 x\n")
    assert read_palette(tmp_path / "palette.dat").colors.tolist() == [[1, 2, 3]]


@pytest.mark.parametrize("fmt", ["gpl", "txt", "ase"])
def test_palette_names_stay_on_one_line(tmp_path, fmt):
    path = tmp_path / f"p{PALETTE_FORMATS[fmt].extension}"
    path.write_bytes(palette_file_bytes(np.array([[1, 2, 3]], np.uint8), fmt, "two\nlines")[0])
    assert read_palette(path).name == "two lines"


@pytest.mark.parametrize("name_bytes", ["Red\u2028 10 20 30".encode(), b"dunkel\x85rot", b"page\x0cbreak", b"x\x1ey"])
def test_a_color_name_with_a_unicode_line_break_stays_one_color(tmp_path, name_bytes):
    """str.splitlines split names at U+2028, U+0085 (cp1252's '...'), form feeds: a fake color
    or a refused file. GIMP splits at line ends only."""
    path = tmp_path / "names.gpl"
    path.write_bytes(b"GIMP Palette\r\nName: t\r\n#\r\n255   0   0\t" + name_bytes + b"\r\n  0   0 255\tBlue\r\n")
    assert read_palette(path).colors[:, :3].tolist() == [[255, 0, 0], [0, 0, 255]]


@pytest.mark.parametrize("columns", ["512", "-1", "wide", "", "\u0663"])
def test_a_gimp_columns_value_gimp_would_not_use_is_ignored(tmp_path, columns):
    path = tmp_path / "cols.gpl"
    path.write_text(f"GIMP Palette\nName: t\nColumns: {columns}\n#\n 10  20  30\tA\n")
    assert read_palette(path).colors[:, :3].tolist() == [[10, 20, 30]]
