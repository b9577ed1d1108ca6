"""Palette and presets files from a QA pass: pipes and devices never hang a read, odd digits
and huge numbers are one line, and the window's labeled swatch PNG reads back exactly."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from core import presets as pr
from core.palette_formats import PaletteFileError, read_palette
from core.palette_image import read_swatch_image, swatch_png


@pytest.mark.parametrize("k, alpha", [(1, False), (2, True), (256, False), (256, True)])
@pytest.mark.parametrize("labels, proportional", [(True, False), (False, False), (False, True)])
def test_a_swatch_png_of_ours_reads_back_exactly_labels_or_not(k, alpha, labels, proportional):
    rng = np.random.default_rng(k)
    pal = rng.integers(0, 256, (k, 4 if alpha else 3), dtype=np.uint8)
    if alpha:
        pal[0, 3], pal[-1, 3] = 0, 128  # (a fully transparent swatch is invisible in the pixels)
    data = swatch_png(pal, rng.integers(1, 100, k), labels=labels, proportional=proportional)
    assert np.array_equal(read_swatch_image(data, "s.png").colors, pal)


def test_a_pipe_or_a_device_as_a_palette_is_refused_at_once(tmp_path):
    fifo = tmp_path / "p.gpl"
    os.mkfifo(fifo)  # no writer: a plain read would wait forever
    (tmp_path / "zero.gpl").symlink_to("/dev/zero")  # no end: a plain read would fill memory
    for path in (fifo, tmp_path / "zero.gpl"):
        with pytest.raises(PaletteFileError, match="is not a regular file"):
            read_palette(path)


@pytest.mark.parametrize("text", ["GIMP Palette\n\u00b2 0 0\n", "GIMP Palette\nColumns: 4\n\u0663 0 0\n",
                                  "JASC-PAL\n0100\n\u00b2\n0 0 0\n", "GIMP Palette\n" + "1" * 5000 + " 0 0\n"])
def test_digits_python_reads_but_palettes_do_not_are_one_line(tmp_path, text):
    path = tmp_path / ("x.pal" if text.startswith("JASC") else "x.gpl")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PaletteFileError) as caught:
        read_palette(path)
    assert "\n" not in str(caught.value)


def test_presets_files_that_are_pipes_huge_or_hold_endless_numbers_are_one_line(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.json"
    huge.write_bytes(b'{"version": 1, "presets": [' + b" " * (pr.MAX_PRESETS_BYTES + 10) + b"]}")
    big = tmp_path / "big.json"
    big.write_text('{"version": 1, "presets": [{"name": "x", "k": ' + "1" * 5000 + "}]}")
    for path, words in ((fifo, "not a regular file"), (huge, "too large"), (big, "number too long")):
        presets, problem = pr.load_user_presets(path)
        assert presets == [] and words in problem and "\n" not in problem


def test_a_preset_name_with_control_characters_or_a_lone_surrogate_is_refused(tmp_path):
    for name in ("a\rb", "esc\x1b[31m", "nul\x00x", "ls\u2028x", "bad\ud800"):
        with pytest.raises(pr.PresetError):
            pr.preset_from_dict({"name": name, "k": 8})
    path = tmp_path / "presets.json"
    path.write_text(json.dumps({"version": 1, "presets": [{"name": "bad\ud800", "k": 8}, {"name": "ok", "k": 9}]}))
    loaded, problem = pr.load_user_presets(path)  # the bad entry is skipped, said; saving works
    assert [p.name for p in loaded] == ["ok"] and "entry 1" in problem
    pr.save_user_presets([*loaded, pr.Preset(name="Mine", k=12)], path)
    assert [p.name for p in pr.load_user_presets(path)[0]] == ["ok", "Mine"]


@pytest.mark.parametrize("name, text", [("u.gpl", "GIMP Palette\n10 20 30\n"), ("u.hex", "#0a141e\n")])
def test_a_utf16_palette_with_its_bom_reads(tmp_path, name, text):
    (tmp_path / name).write_bytes(text.encode("utf-16"))  # BOM first, as Windows Notepad saves
    assert read_palette(tmp_path / name).colors.tolist() == [[10, 20, 30]]
