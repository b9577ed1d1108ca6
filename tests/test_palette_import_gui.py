"""Palette import and export in the window, as a user does them (from a QA pass)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .gui_helpers import big_photo, open_and_wait, wait_settled


def test_a_large_palette_import_cut_short_says_so(qtbot, window, tmp_path, photo):
    path = tmp_path / "big.jpg"
    Image.fromarray(big_photo(photo)).save(path, quality=90)  # 12 MP: ranking 65,535 colors takes a while
    open_and_wait(qtbot, window, path)
    pal = tmp_path / "many.gpl"
    pal.write_text("GIMP Palette\n" + "".join(f"{i >> 8} {i & 255} {(i * 7) & 255}\n" for i in range(65_535)))
    assert window.import_palette(pal)
    window.controller.cancel()  # Esc before the ranking ends
    qtbot.waitUntil(lambda: "Palette import cancelled" in window.banner.text(), timeout=60_000)
    assert window.controller.options.palette is None
    wait_settled(qtbot, window)


def test_an_export_says_what_the_format_lost(qtbot, window, tmp_path, photo):
    path = tmp_path / "see-through.png"
    rgba = big_photo(photo, (400, 300))
    alpha = (rgba[..., :1] * 0 + 128).astype(rgba.dtype)
    Image.fromarray(np.concatenate([rgba, alpha], axis=2), "RGBA").save(path)
    open_and_wait(qtbot, window, path)
    done = []
    window.exportFinished.connect(lambda p, e: done.append(e))
    window.export_palette_to(tmp_path / "pal.gpl")
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    assert done == [""] and "no alpha" in window.statusBar().currentMessage()


def test_a_large_palette_file_is_read_off_the_gui_thread(qtbot, window, tmp_path, photo_path):
    open_and_wait(qtbot, window, photo_path)
    pal = tmp_path / "huge.gpl"
    pal.write_text("GIMP Palette\n" + "1 2 3\n" * 300_000)  # 1.8 MB, more colors than a palette may hold
    assert window.import_palette(pal)
    assert window.controller._call is not None  # returned at once: the writer reads it
    qtbot.waitUntil(lambda: window.banner.text().startswith("Palette not imported: huge.gpl"), timeout=60_000)
    assert "colors" in window.banner.text() and window.controller.options.palette is None
    small = tmp_path / "small.gpl"
    small.write_text("GIMP Palette\n0 0 0\n255 255 255\n")
    assert window.import_palette(small)  # a small file: at once
    assert window.controller.options.palette == ((0, 0, 0), (255, 255, 255))
