"""Palette export: each format written to its spec and read back by an independent reader."""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest
from PIL import Image

from core import palette as P

PAL = np.array([[255, 0, 0], [0, 128, 255], [20, 20, 20], [250, 250, 250]], np.uint8)
COUNTS = np.array([10, 40, 30, 20])


def read_gpl(text: str) -> list[tuple[int, int, int]]:
    lines = text.splitlines()
    assert lines[0] == "GIMP Palette"
    out = []
    for line in lines[1:]:
        if not line or line.startswith("#") or ":" in line.split("\t")[0]:
            continue
        r, g, b = line.split()[:3]
        out.append((int(r), int(g), int(b)))
    return out


def read_ase(data: bytes) -> list[tuple[str, tuple[float, float, float]]]:
    assert data[:4] == b"ASEF"
    major, minor, count = struct.unpack(">HHI", data[4:12])
    assert (major, minor) == (1, 0)
    pos, colors = 12, []
    for _ in range(count):
        kind, length = struct.unpack(">HI", data[pos : pos + 6])
        body = data[pos + 6 : pos + 6 + length]
        pos += 6 + length
        if kind != 0x0001:
            continue
        (n,) = struct.unpack(">H", body[:2])
        name = body[2 : 2 + 2 * n].decode("utf-16-be").rstrip("\x00")
        rest = body[2 + 2 * n :]
        assert rest[:4] == b"RGB "
        rgb = struct.unpack(">fff", rest[4:16])
        (ctype,) = struct.unpack(">H", rest[16:18])
        assert ctype in (0, 1, 2)
        colors.append((name, rgb))
    assert pos == len(data)
    return colors


def test_sort_orders():
    assert P.sort_order(PAL, COUNTS, "frequency").tolist() == [1, 2, 3, 0]
    assert P.sort_order(PAL, COUNTS, "luminance").tolist() == [2, 0, 1, 3]
    hue = P.sort_order(PAL, COUNTS, "hue").tolist()
    assert hue[:2] == [0, 1] and set(hue[2:]) == {2, 3}  # greys last
    with pytest.raises(ValueError):
        P.sort_order(PAL, COUNTS, "size")


def test_gpl_reads_back():
    assert read_gpl(P.gpl(PAL).decode()) == [tuple(map(int, c)) for c in PAL]


def test_ase_reads_back():
    colors = read_ase(P.ase(PAL))
    assert [n for n, _ in colors] == ["#ff0000", "#0080ff", "#141414", "#fafafa"]
    np.testing.assert_allclose([c for _, c in colors], PAL / 255.0, atol=1e-6)


def test_json_css_hex():
    data = json.loads(P.as_json(PAL, COUNTS))
    assert [c["hex"] for c in data["colors"]] == ["#ff0000", "#0080ff", "#141414", "#fafafa"]
    assert data["colors"][1]["share"] == pytest.approx(0.4)
    assert data["colors"][1]["rgb"] == [0, 128, 255]
    css = P.css(PAL, COUNTS).decode()
    assert "--color-2: #0080ff; /* 40.0% */" in css and css.startswith(":root {")
    assert P.hex_list(PAL).decode().split() == ["#ff0000", "#0080ff", "#141414", "#fafafa"]


@pytest.mark.parametrize("proportional", [False, True])
def test_swatch_png_shows_the_colors(proportional):
    img = np.asarray(Image.open(io.BytesIO(P.swatch_png(PAL, COUNTS, proportional=proportional, labels=True))).convert("RGB"))
    seen = {tuple(c) for c in img.reshape(-1, 3)}
    assert all(tuple(map(int, c)) in seen for c in PAL)
    if proportional:
        row = img[0]
        widths = [np.sum(np.all(row == c, axis=1)) for c in PAL]
        assert widths[1] == pytest.approx(0.4 * img.shape[1], abs=2)


def test_export_palette_by_extension_sorted(tmp_path):
    out = P.export_palette(tmp_path / "p.gpl", PAL, COUNTS)
    assert read_gpl(out.read_text())[0] == (0, 128, 255)  # most frequent first
    P.export_palette(tmp_path / "p.hex", PAL, COUNTS, sort="luminance")
    assert (tmp_path / "p.hex").read_text().split()[0] == "#141414"
    with pytest.raises(ValueError):
        P.export_palette(tmp_path / "p.doc", PAL, COUNTS)
    from core.atomic import WriteRefused

    with pytest.raises(WriteRefused):
        P.export_palette(tmp_path / "p.gpl", PAL, COUNTS)


def test_export_every_file_format_reads_back(tmp_path):
    from core.palette_formats import read_palette

    for fmt, ext in P.EXPORT_FORMATS.items():
        if fmt in ("json", "css", "png"):
            continue
        notes: list[str] = []
        out = P.export_palette(tmp_path / f"p{ext}", PAL, COUNTS, notes=notes)
        assert P.export_format_for(out) == fmt and notes == []
        assert read_palette(out).colors.tolist() == PAL[[1, 2, 3, 0]].tolist()  # most used first


def test_export_notes_what_the_format_loses(tmp_path):
    rgba = np.concatenate([PAL, np.array([[255], [128], [255], [0]], np.uint8)], axis=1)
    notes: list[str] = []
    P.export_palette(tmp_path / "p.gpl", rgba, COUNTS, notes=notes)
    assert notes == ["GIMP .gpl has no alpha: 2 translucent colors written as opaque"]
    notes.clear()
    P.export_palette(tmp_path / "p.hex", rgba, COUNTS, notes=notes)
    assert notes == [] and (tmp_path / "p.hex").read_text().split()[0] == "#0080ff80"
    P.export_palette(tmp_path / "p.act", rgba, COUNTS, notes=notes)
    assert len(notes) == 1 and "1 other translucent color" in notes[0]
    assert P.palette_bytes(rgba, COUNTS, "txt").decode().splitlines()[-1] == "00FAFAFA"
    assert P.export_format_for("x.txt") == "txt" and P.export_format_for("x", "aco") == "aco"
