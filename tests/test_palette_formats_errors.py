"""Malformed palette files: every reader refuses them with one line naming the file."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image

from core.palette_formats import PALETTE_FORMATS, PaletteFileError, palette_file_bytes, read_palette

PAL = np.array([[255, 0, 0], [0, 128, 255], [20, 20, 20]], np.uint8)


def refuse(path, *needles: str) -> str:
    with pytest.raises(PaletteFileError) as info:
        read_palette(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(path.name + ":"), message
    for needle in needles:
        assert needle in message, message
    assert isinstance(info.value, ValueError)
    return message


def ase(*blocks: bytes, count: int | None = None, version: tuple = (1, 0)) -> bytes:
    n = len(blocks) if count is None else count
    return b"ASEF" + struct.pack(">HHI", *version, n) + b"".join(blocks)


def color_block(model: bytes, values: tuple, ctype: int = 2) -> bytes:
    body = struct.pack(">H", 2) + "x".encode("utf-16-be") + b"\0\0" + model
    body += struct.pack(f">{len(values)}fH", *values, ctype)
    return struct.pack(">HI", 1, len(body)) + body


def aco(version: int, *entries: tuple, count: int | None = None) -> bytes:
    head = struct.pack(">HH", version, len(entries) if count is None else count)
    return head + b"".join(struct.pack(">5H", *e) for e in entries)


MALFORMED = {
    "empty.gpl": (b"", "empty"),
    "header.gpl": (b"GIMP Palet\n1 2 3\n", "not a GIMP palette"),
    "range.gpl": (b"GIMP Palette\n300 0 0 red\n", "line 2", "'300'"),
    "short.gpl": (b"GIMP Palette\n1 2\n", "line 2", "R G B"),
    "words.gpl": (b"GIMP Palette\nred green blue\n", "not a number"),
    "channels.gpl": (b"GIMP Palette\nChannels: CMYK\n1 2 3\n", "Channels"),
    "nocolors.gpl": (b"GIMP Palette\nName: x\n#\n", "no colors"),
    "magic.ase": (b"ASEX" + bytes(8), "ASEF"),
    "version.ase": (ase(version=(2, 0)), "version 2.0"),
    "count.ase": (ase(color_block(b"RGB ", (1, 0, 0)), count=3), "truncated"),
    "length.ase": (b"ASEF" + struct.pack(">HHI", 1, 0, 1) + struct.pack(">HI", 1, 9999) + bytes(10), "truncated"),
    "kind.ase": (ase(struct.pack(">HI", 0x0005, 0)), "unknown block type 0x0005"),
    "model.ase": (ase(color_block(b"HSV ", (1, 0, 0))), "unknown color model"),
    "nan.ase": (ase(color_block(b"RGB ", (float("nan"), 0, 0))), "finite"),
    "big.ase": (ase(color_block(b"RGB ", (255.0, 0, 0))), "outside 0..1"),
    "ctype.ase": (ase(color_block(b"RGB ", (1, 0, 0), ctype=7)), "color type 7"),
    "tail.ase": (ase(color_block(b"RGB ", (1, 0, 0))) + b"junk", "4 unexpected bytes"),
    "nocolors.ase": (ase(), "no colors"),
    "tiny.aco": (b"\x00", "too short"),
    "version.aco": (aco(3, (0, 1, 2, 3, 0)), "version 3"),
    "count.aco": (aco(1, (0, 1, 2, 3, 0), count=2), "truncated"),
    "second.aco": (aco(1, (0, 1, 2, 3, 0)) + aco(1, (0, 1, 2, 3, 0)), "version 2 section"),
    "name.aco": (aco(2, (0, 1, 2, 3, 0)) + struct.pack(">I", 0xFFFFFFF0), "truncated"),
    "gray.aco": (aco(1, (8, 20000, 0, 0, 0)), "gray value 20000"),
    "lab.aco": (aco(1, (7, 10001, 0, 0, 0)), "Lab lightness"),
    "book.aco": (aco(1, (3, 1, 2, 3, 4)), "color-book"),
    "tail.aco": (aco(1, (0, 1, 2, 3, 0)) + aco(2) + b"x", "unexpected bytes"),
    "size.act": (bytes(500), "768 or 772 bytes, not 500"),
    "zero.act": (bytes(768) + struct.pack(">HH", 0, 0xFFFF), "color count 0"),
    "count.act": (bytes(768) + struct.pack(">HH", 300, 0xFFFF), "color count 300"),
    "index.act": (bytes(768) + struct.pack(">HH", 4, 9), "transparent index 9"),
    "riff.pal": (b"RIFF\x10\x00\x00\x00PAL data", "truncated"),
    "form.pal": (b"RIFF\x10\x00\x00\x00WAVEdata", "not a RIFF palette"),
    "rversion.pal": (b"RIFF\x14\x00\x00\x00PAL data\x08\x00\x00\x00\x00\x01\x01\x00\x01\x02\x03\x00", "version"),
    "rsize.pal": (b"RIFF\x14\x00\x00\x00PAL data\x09\x00\x00\x00\x00\x03\x01\x00\x01\x02\x03\x00", "does not hold"),
    "rcut.pal": (b"RIFF\x14\x00\x00\x00PAL data\x0c\x00\x00\x00\x00\x03\x02\x00\x01\x02\x03\x00", "truncated"),
    "header.pal": (b"JASC-PALETTE\r\n0100\r\n1\r\n1 2 3\r\n", "not a JASC palette"),
    "version.pal": (b"JASC-PAL\r\n0200\r\n1\r\n1 2 3\r\n", "version '0200'"),
    "stub.pal": (b"JASC-PAL\r\n0100\r\n", "truncated"),
    "count.pal": (b"JASC-PAL\r\n0100\r\nsixteen\r\n", "not a number"),
    "fewer.pal": (b"JASC-PAL\r\n0100\r\n3\r\n1 2 3\r\n", "declares 3 colors but holds 1 color line"),
    "huge.pal": (b"JASC-PAL\r\n0100\r\n999999999\r\n1 2 3\r\n", "declares 999,999,999 colors but holds 1 color line"),
    "value.pal": (b"JASC-PAL\r\n0100\r\n1\r\n1 2 256\r\n", "line 4", "'256'"),
    "hash.txt": (b"; paint.net\n#FF0000\nFF00FF00\n", "line 2", "AARRGGBB"),
    "digits.txt": (b"FF00000\n", "line 1"),
    "nocolors.txt": (b"; only a comment\n", "no colors"),
    "bad.hex": (b"#ff0000\n#12345\n", "line 2", "'#12345'"),
    "word.hex": (b"red\n", "line 1"),
    "garbage.png": (b"\x89PNG\r\n\x1a\nnot really", "truncated PNG"),
    "corrupt.png": (b"\x89PNG\r\n\x1a\nnot really IEND\xaeB`\x82", "not a readable PNG"),
    "text.png": (b"hello", "not a readable PNG"),
}


@pytest.mark.parametrize("filename", MALFORMED)
def test_malformed_files_are_refused_with_one_line(tmp_path, filename):
    data, *needles = MALFORMED[filename]
    (tmp_path / filename).write_bytes(data)
    refuse(tmp_path / filename, *needles)


@pytest.mark.parametrize("fmt", ["ase", "aco", "act", "png"])
def test_every_truncation_of_a_binary_file_is_refused(tmp_path, fmt):
    data = palette_file_bytes(PAL, fmt)[0]
    valid_prefixes = {"aco": {4 + 10 * len(PAL)}, "act": {768}}.get(fmt, set())  # a v1-only .aco, a bare .act
    path = tmp_path / f"cut{PALETTE_FORMATS[fmt].extension}"
    for cut in range(len(data)):
        if cut not in valid_prefixes:
            path.write_bytes(data[:cut])
            refuse(path)


def test_swatch_images_that_are_pictures_are_refused(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (80, 80, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "photo.png")
    refuse(tmp_path / "photo.png", "distinct colors", "4096")
    Image.new("RGBA", (4, 4), (9, 9, 9, 0)).save(tmp_path / "clear.png")
    refuse(tmp_path / "clear.png", "transparent")
    Image.new("1", (4097, 4097)).save(tmp_path / "huge.png")
    refuse(tmp_path / "huge.png", "too large")


def test_paths_that_are_not_palette_files(tmp_path):
    refuse(tmp_path / "missing.gpl", "cannot read")
    (tmp_path / "folder.gpl").mkdir()
    refuse(tmp_path / "folder.gpl", "folder")
    (tmp_path / "notes.doc").write_bytes(b"hello")
    refuse(tmp_path / "notes.doc", "unknown palette type", ".gpl")
    (tmp_path / "p.gpl").write_bytes(b"GIMP Palette\n1 2 3\n")
    with pytest.raises(PaletteFileError, match="palette format must be one of"):
        read_palette(tmp_path / "p.gpl", fmt="xyz")


def test_writers_refuse_what_the_format_cannot_hold():
    with pytest.raises(ValueError, match="at most 256"):
        palette_file_bytes(np.zeros((257, 3), np.uint8), "act")
    with pytest.raises(ValueError, match="empty"):
        palette_file_bytes(np.zeros((0, 3), np.uint8), "gpl")
    with pytest.raises(ValueError, match="uint8"):
        palette_file_bytes(np.zeros((2, 3), np.float32), "gpl")
    with pytest.raises(ValueError, match="palette format"):
        palette_file_bytes(PAL, "bmp")


@pytest.mark.parametrize("suffix, body", [(".hex", b"#fff " * 70_000), (".gpl", b"GIMP Palette\n" + b"1 2 3\n" * 70_000),
                                          (".txt", b"#fff\n" * 70_000)])
def test_a_file_past_the_color_limit_is_refused_at_the_first_color_too_many(tmp_path, suffix, body):
    path = tmp_path / f"many{suffix}"
    path.write_bytes(body)
    with pytest.raises(PaletteFileError) as caught:
        read_palette(path)
    assert str(caught.value) == f"{path.name}: holds more than 65535 colors"
