"""Saves and exports as a user makes them on a large photo: requests for one file are written
in the order they were made, and closing the window never loses a save that failed."""

from __future__ import annotations

import json

from PIL import Image

from .gui_helpers import big_photo, open_and_wait, shown_window_with_photo, wait_settled


def test_the_last_export_to_a_file_is_what_the_file_holds(qtbot, window, tmp_path, photo):
    """A known palette is written in milliseconds, one that needs its own render takes seconds:
    the older, slower request must not land last and replace the newer one."""
    path = tmp_path / "big.jpg"
    Image.fromarray(big_photo(photo)).save(path, quality=90)  # 12 MP
    window.controls.k_spin.setValue(16)
    open_and_wait(qtbot, window, path)
    qtbot.waitUntil(lambda: window.controller.full_for(window.controller.options) is not None, timeout=120_000)
    out = tmp_path / "pal.json"
    done = []
    window.exportFinished.connect(lambda p, e: done.append(e))
    window.controls.k_spin.setValue(40)
    window.export_palette_to(out)  # needs a K = 40 render of its own
    window.controls.k_spin.setValue(16)
    window.export_palette_to(out)  # K = 16 is known: quick
    qtbot.waitUntil(lambda: len(done) == 2, timeout=120_000)
    assert done == ["", ""]
    assert len(json.loads(out.read_text())["colors"]) == 16  # the last request's palette
    wait_settled(qtbot, window)


def test_closing_while_a_save_fails_keeps_the_window_and_says_why(qtbot, tmp_path, photo):
    win = shown_window_with_photo(qtbot, tmp_path, photo)
    out = tmp_path / "out.png"
    done = []
    win.saveFinished.connect(lambda p, e: done.append(e))
    win.save_to(out)
    out.mkdir()  # the name became a folder before the writer got to it: the save fails
    win.close()  # the user closes at once
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    assert done[0] != ""
    qtbot.wait(200)
    assert win.isVisible()  # the work is not lost with the window
    assert win.banner.text().startswith("Not closed:") and "Save again" in win.banner.text()
    good = tmp_path / "elsewhere.png"
    win.save_to(good)  # the user saves elsewhere, then closes: now it closes
    qtbot.waitUntil(lambda: len(done) == 2, timeout=60_000)
    assert done[1] == "" and Image.open(good).size == (1600, 1200)
    win.close()
    assert not win.isVisible()


def test_a_save_that_renders_its_own_result_shows_its_progress(qtbot, window, tmp_path, photo):
    path = tmp_path / "big.jpg"
    Image.fromarray(big_photo(photo)).save(path, quality=90)  # 12 MP
    window.controls.k_spin.setValue(16)
    open_and_wait(qtbot, window, path)
    wait_settled(qtbot, window)
    seen = []
    window.controller.progressChanged.connect(lambda f, stage: seen.append((f, stage)))
    done = []
    window.saveFinished.connect(lambda p, e: done.append(e))
    window.controls.k_spin.setValue(64)
    window.save_to(tmp_path / "k64.png")  # parked for the K = 64 render...
    window.controls.k_spin.setValue(16)  # ...which is dropped: the writer renders K = 64 itself
    qtbot.waitUntil(lambda: bool(done), timeout=120_000)
    assert done == [""]
    saving = [(f, stage) for f, stage in seen if stage.startswith("saving k64.png")]
    assert len(saving) >= 2 and saving[-1][1] == "saving k64.png: encoding"
    assert all(0.0 <= f <= 0.9 for f, _ in saving)
    assert len(Image.open(tmp_path / "k64.png").getcolors(256)) == 64
