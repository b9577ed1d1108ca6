"""Defects found by driving the window as a user would, each kept fixed by a test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .gui_helpers import big_photo, open_and_wait, shown_window_with_photo, wait_settled


def test_k_below_the_locked_colors_is_refused_and_controls_agree(qtbot, window, photo_path):
    window.controls.k_spin.setValue(6)
    open_and_wait(qtbot, window, photo_path)
    for i in range(3):
        window.palette_view.set_locked(i, True)
        wait_settled(qtbot, window)
    window.controls.k_spin.setValue(2)
    assert "locked" in window.banner.text()
    assert window.controller.options.k == 6 and window.controls.k_spin.value() == 6
    wait_settled(qtbot, window)
    assert "Updating" not in window.stats.header.text()


def test_escape_right_after_a_change_leaves_no_stale_header_or_figures(qtbot, window, photo_path):
    window.controls.k_spin.setValue(20)
    open_and_wait(qtbot, window, photo_path)
    window.controls.k_spin.setValue(40)
    window.controller.cancel()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=20_000)
    header = window.stats.header.text()
    assert "Updating" not in header and "Rendering" not in header
    shown = window.controller.shown
    assert window.controls.k_spin.value() == shown.options.k
    colors = window.stats.values["colors"].text()
    assert colors in ("—", str(len(shown.palette)))


def test_escape_during_an_open_is_said_and_keeps_the_document(qtbot, window, photo_path, tmp_path, photo):
    open_and_wait(qtbot, window, photo_path)
    huge = tmp_path / "huge.bmp"
    Image.fromarray(big_photo(photo, (4000, 3000))).save(huge)
    window.open_path(huge)
    window.controller.cancel()  # Esc at once
    qtbot.waitUntil(lambda: window.controller.loading is None and not window.controller.busy, timeout=30_000)
    assert window.controller.document.path == photo_path
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.controller.shown.options == window.controller.options


def test_fit_in_size_is_cancelled_by_a_later_choice(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    window.fit_size.fit(9_000)
    window.controls.k_spin.setValue(77)
    wait_settled(qtbot, window)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60_000)
    assert window.controller.options.k == 77 and window.fit_size.last is None


def test_closing_with_a_pending_save_finishes_it_first(qtbot, tmp_path, photo):
    win = shown_window_with_photo(qtbot, tmp_path, photo)
    out = tmp_path / "kept.png"
    done = []
    win.saveFinished.connect(lambda p, e: done.append(e))
    win.save_to(out)
    win.close()  # the user closes at once
    assert win.isVisible() and "save" in win.banner.text().lower()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=60_000)
    assert done == [""] and Image.open(out).size == (1600, 1200)


def test_hand_edits_do_not_follow_to_the_next_image(qtbot, window, photo_path, tmp_path, photo):
    open_and_wait(qtbot, window, photo_path)
    window.delete_color(0)
    wait_settled(qtbot, window)
    assert window.controller.options.edits
    other = tmp_path / "other.png"
    Image.fromarray(np.ascontiguousarray(photo[::-1])).save(other)
    open_and_wait(qtbot, window, other)
    assert window.controller.options.edits == () and window.undo_stack.count() == 0
    assert Path(window.controller.document.path) == other


def test_a_save_waiting_for_a_render_still_ends_when_a_bad_file_is_opened(qtbot, window, tmp_path, photo):
    """Opening cancels the render a parked save waits for: the save must still end (file or reason)."""
    path = tmp_path / "medium.jpg"
    Image.fromarray(big_photo(photo, (1600, 1200))).save(path, quality=90)
    window.controls.k_spin.setValue(9)
    window.open_path(path)
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=30_000)
    done = []
    window.saveFinished.connect(lambda p, e: done.append(e))
    out = tmp_path / "waited.png"
    window.save_to(out)
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    window.open_path(bad)
    qtbot.waitUntil(lambda: bool(done) and not window.controller.busy, timeout=60_000)
    assert done == [""] and Image.open(out).size == (1600, 1200)


def test_the_writers_own_render_is_cancellable_and_makes_no_error_map(monkeypatch):
    import kmeans_gui.render as render_mod
    from core.pipeline import CompressOptions
    from kmeans_gui.jobs import CancelToken

    seen = []
    monkeypatch.setattr(render_mod, "render", lambda job, progress=None: seen.append(job))
    token = CancelToken()
    render_mod.full_result(None, CompressOptions(), token)
    assert seen[0].token is token and seen[0].with_error_map is False and seen[0].stage == "full"
