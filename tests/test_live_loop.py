"""The live loop on a large photo, driven as a user would: nothing lost, nothing stale, previews during a drag."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from core.pipeline import CompressOptions
from kmeans_gui.jobs import CancelToken
from kmeans_gui.main_window import MainWindow
from kmeans_gui.render import full_result

from .gui_helpers import big_photo, drop_files, open_and_wait, saved_colors, settled, wait_settled


@pytest.fixture(scope="module")
def big_path(tmp_path_factory, photo):
    """A 4000 x 3000 photo (12 MP), as a JPEG like a camera's."""
    path = tmp_path_factory.mktemp("big") / "big.jpg"
    Image.fromarray(big_photo(photo)).save(path, quality=90)
    return path


def make_window(qtbot, tmp_path, **settings_values) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    for key, value in settings_values.items():
        settings.setValue(key, value)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    return win


def record(signal) -> list:
    seen: list = []
    signal.connect(lambda *args: seen.append(args))
    return seen


def reference_palette(win, options: CompressOptions) -> np.ndarray:
    """The full-resolution palette for ``options``, computed independently of the window."""
    r = full_result(win.controller.document, options, CancelToken())
    return np.unique(r.palette[:, :3], axis=0)


def test_remembered_k_then_drop_then_new_k_renders_the_new_k(qtbot, tmp_path, big_path):
    win = make_window(qtbot, tmp_path, k=200)
    assert win.controller.options.k == 200
    drop_files(win, [big_path])
    win.controls.k_spin.setValue(8)  # at once, while the photo is still loading
    assert win.controller.loading is not None  # the change did not cancel the open
    wait_settled(qtbot, win)
    assert win.controller.shown.options.k == 8
    assert 1 <= len(win.palette_view.colors()) <= 8
    assert "Full resolution (4000 × 3000)" in win.stats.text()
    win.close()


def test_save_then_escape_ends_in_exactly_one_outcome(qtbot, window, big_path, tmp_path):
    window.controls.k_spin.setValue(16)
    window.open_path(big_path)
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=30_000)
    outcomes = record(window.saveFinished)
    out = tmp_path / "saved.png"
    window.save_to(out)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: bool(outcomes) and not window.controller.busy, timeout=60_000)
    assert len(outcomes) == 1
    path, error = outcomes[0]
    assert path == str(out)
    if error:
        assert "cancelled" in error.lower() and not out.exists()
    else:
        assert Image.open(out).size == (4000, 3000)
    assert "follows" not in window.stats.header.text()  # no promise left that nothing keeps


def test_save_then_k_change_writes_what_was_shown(qtbot, window, big_path, tmp_path):
    window.controls.k_spin.setValue(8)
    window.open_path(big_path)
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=30_000)
    outcomes = record(window.saveFinished)
    out = tmp_path / "k8.png"
    window.save_to(out)
    window.controls.k_spin.setValue(12)  # before the full render for K = 8 exists
    qtbot.waitUntil(lambda: bool(outcomes), timeout=60_000)
    assert outcomes == [(str(out), "")]
    np.testing.assert_array_equal(saved_colors(out), reference_palette(window, replace_k(window, 8)))
    wait_settled(qtbot, window)
    assert window.controller.shown.options.k == 12


def replace_k(win, k: int) -> CompressOptions:
    from dataclasses import replace

    return replace(win.controller.options, k=k)


def test_two_saves_before_the_full_render_are_both_written(qtbot, window, big_path, tmp_path):
    window.controls.k_spin.setValue(6)
    window.open_path(big_path)
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=30_000)
    outcomes = record(window.saveFinished)
    a, b = tmp_path / "a.png", tmp_path / "b.gif"
    window.save_to(a)
    window.save_to(b)
    qtbot.waitUntil(lambda: len(outcomes) == 2, timeout=60_000)
    assert sorted(outcomes) == sorted([(str(a), ""), (str(b), "")])
    np.testing.assert_array_equal(saved_colors(a), saved_colors(b))


def test_save_then_open_another_image_saves_the_first(qtbot, window, big_path, photo_path, tmp_path):
    window.controls.k_spin.setValue(5)
    window.open_path(big_path)
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=30_000)
    big_doc = window.controller.document
    outcomes = record(window.saveFinished)
    out = tmp_path / "first.png"
    window.save_to(out)
    window.open_path(photo_path)  # at once
    qtbot.waitUntil(lambda: bool(outcomes), timeout=60_000)
    assert outcomes == [(str(out), "")]
    assert Image.open(out).size == (4000, 3000)
    expected = np.unique(full_result(big_doc, window.controller.options, CancelToken()).palette, axis=0)
    np.testing.assert_array_equal(saved_colors(out), expected)
    qtbot.waitUntil(lambda: window.controller.document.path == photo_path, timeout=30_000)


def test_export_right_after_a_k_change_exports_the_new_palette(qtbot, window, photo_path, tmp_path):
    window.controls.k_spin.setValue(16)
    open_and_wait(qtbot, window, photo_path)
    outcomes = record(window.exportFinished)
    window.controls.k_spin.setValue(40)
    out = tmp_path / "palette.json"
    window.export_palette_to(out)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=30_000)
    assert outcomes == [(str(out), "")]
    exported = json.loads(out.read_text())
    colors = exported["colors"] if isinstance(exported, dict) else exported
    assert len(colors) == len(reference_palette(window, replace_k(window, 40)))


def test_export_onto_the_opened_image_is_refused(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    before = photo_path.read_bytes()
    outcomes = record(window.exportFinished)
    window.export_palette_to(photo_path)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=10_000)
    assert outcomes[0][1] and "original" in outcomes[0][1]
    assert photo_path.read_bytes() == before


def test_a_failed_open_leaves_the_picture_matching_the_controls(qtbot, window, photo_path, tmp_path):
    open_and_wait(qtbot, window, photo_path)
    bad = tmp_path / "bad.png"
    bad.write_text("this is a text file, not a picture")
    window.controls.k_spin.setValue(10)
    window.open_path(bad)
    qtbot.waitUntil(lambda: "bad.png" in window.banner.text(), timeout=10_000)
    wait_settled(qtbot, window)
    assert window.controller.shown.options.k == 10
    assert window.controller.document.path == photo_path


def test_escape_leaves_picture_and_controls_in_agreement(qtbot, window, big_path):
    window.controls.k_spin.setValue(8)
    open_and_wait(qtbot, window, big_path)
    window.controls.k_spin.setValue(200)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=30_000)
    shown = window.controller.shown
    assert shown.options == window.controller.options
    assert window.controls.k_spin.value() == shown.options.k
    assert "follows" not in window.stats.header.text()


def test_bad_text_file_named_png_is_one_line_and_nothing_on_stderr(qtbot, window, tmp_path, capfd):
    bad = tmp_path / "notes.png"
    bad.write_text("hello\n" * 100)
    window.open_path(bad)
    qtbot.waitUntil(lambda: "notes.png" in window.banner.text(), timeout=10_000)
    text = window.banner.text()
    assert "\n" not in text and "internal error" not in text.lower()
    assert capfd.readouterr().err == ""


def test_choose_k_stops_when_closed_and_never_blocks_renders(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    window.open_choose_k()
    dialog = window.choose_k
    qtbot.waitUntil(lambda: dialog.runner.busy, timeout=5_000)
    window.controls.k_spin.setValue(9)  # the main window keeps rendering while the sweep runs
    wait_settled(qtbot, window)
    dialog.close()
    assert not dialog.runner.busy and not dialog.runner.thread_running()
    window.controls.k_spin.setValue(11)
    wait_settled(qtbot, window)
    assert not dialog.runner.thread_running()  # the sweep did not start again behind the window


def drag(app, slider, values: list[int], interval_ms: int) -> None:
    """Move ``slider`` through ``values`` on a real event loop, one step per ``interval_ms``."""
    loop = QEventLoop()
    steps = iter(values)

    def step() -> None:
        v = next(steps, None)
        if v is None:
            timer.stop()
            loop.quit()
        else:
            slider.setValue(v)

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(interval_ms)
    loop.exec()


def test_a_drag_on_a_large_photo_keeps_showing_previews(qtbot, window, big_path):
    window.controls.k_spin.setValue(8)
    open_and_wait(qtbot, window, big_path)
    shown = record(window.controller.resultShown)
    values = list(range(8, 64)) + list(range(64, 7, -1))  # ~3.4 s at 30 ms a step
    drag(QApplication.instance(), window.controls.k_slider, values, 30)
    during = {args[0].options.k for args in shown}
    assert len(during) >= 5, f"only {len(during)} pictures during a {len(values) * 30} ms drag"
    wait_settled(qtbot, window)
    assert window.controller.shown.options.k == 8


def test_random_user_actions_lose_nothing(qtbot, tmp_path, photo_path):
    """1,000 seeded actions without waiting: every save and export ends once, the end matches K."""
    win = make_window(qtbot, tmp_path)
    rng = random.Random(1234)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    saves, exports = record(win.saveFinished), record(win.exportFinished)
    requested = {"save": 0, "export": 0}
    win.open_path(photo_path)
    qtbot.waitUntil(lambda: win.controller.document is not None, timeout=20_000)
    for i in range(1000):
        action = rng.choice(["k", "k", "k", "seed", "dither", "space", "open", "bad", "save", "export", "esc",
                             "choosek"])
        if action == "k":
            win.controls.k_slider.setValue(rng.randint(2, 64))
        elif action == "seed":
            win.controls.seed_spin.setValue(rng.randint(0, 5))
        elif action == "dither":
            win.controls.dither_box.setCurrentIndex(rng.randint(0, 2))
        elif action == "space":
            win.controls.space_box.setCurrentIndex(rng.randint(0, 1))
        elif action == "open":
            win.open_path(photo_path)
        elif action == "bad":
            win.open_path(bad)
        elif action == "save":
            requested["save"] += 1
            win.save_to(tmp_path / f"out{i}.{rng.choice(['png', 'gif'])}")
        elif action == "export":
            requested["export"] += 1
            win.export_palette_to(tmp_path / f"pal{i}.{rng.choice(['gpl', 'json', 'png'])}")
        elif action == "esc":
            win.controller.cancel()
        elif action == "choosek":
            win.open_choose_k()
            win.choose_k.close()
        QApplication.processEvents()
    win.controls.k_slider.setValue(23)
    qtbot.waitUntil(lambda: settled(win), timeout=120_000)
    assert len(saves) == requested["save"] and len(exports) == requested["export"]
    for path, error in saves + exports:
        assert (error == "") == (tmp_path / path).exists() or error != ""
        if not error:
            assert (tmp_path / path).stat().st_size > 0
    assert win.controller.shown.options.k == 23 and len(win.palette_view.colors()) <= 23
    threads = [win.controller.renderer.thread, win.controller.writer.thread, win.controller.batcher.thread]
    win.close()
    assert all(t.isFinished() for t in threads)


def test_copy_before_the_full_result_copies_the_full_result(qtbot, window, big_path):
    """Ctrl+C with only a draft or preview on screen renders full resolution, then copies it."""
    from PySide6.QtGui import QGuiApplication

    from kmeans_gui.qt_images import qimage_to_array

    QGuiApplication.clipboard().clear()
    window.controls.k_spin.setValue(12)
    window.open_path(big_path)
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=30_000)
    assert window.controller.shown.stage != "full"
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull(), timeout=90_000)
    copied = qimage_to_array(QGuiApplication.clipboard().image())
    assert copied.shape[:2] == (3000, 4000)
    full = window.controller.full_for(window.controller.options)
    assert full is not None
    np.testing.assert_array_equal(copied[..., :3], full.palette[full.indices][..., :3])
    assert "copied" in window.statusBar().currentMessage()


def test_escape_ends_a_waiting_copy_with_a_message(qtbot, window, big_path):
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().clear()
    window.controls.k_spin.setValue(200)
    window.open_path(big_path)
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=30_000)
    window.copy_result()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert "Nothing copied: cancelled (Esc)" in window.banner.text()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60_000)
    assert QGuiApplication.clipboard().image().isNull()


def test_the_windows_ssim_on_a_12_mp_photo_is_measured_on_every_pixel(qtbot, window, big_path):
    """Every 2nd pixel read about 0.03 high on dithered photos, shown as if exact."""
    from core.ssim import ssim_indexed

    window.controls.k_spin.setValue(24)
    window.controls.dither_box.setCurrentIndex(window.controls.dither_box.findData("fs"))
    open_and_wait(qtbot, window, big_path, timeout=120_000)
    full = window.controller.full
    assert full.indices.shape == (3000, 4000)
    expected = ssim_indexed(window.controller.document.loaded.pixels, full.palette, full.indices)
    assert window.controller.figures.ssim == pytest.approx(expected, abs=1e-12)
    assert f"{expected:.4f}" in window.stats.text()


def test_copy_right_after_two_quick_changes_waits_for_the_last_ones_full_result(qtbot, window, tmp_path, photo):
    """The loop shows the K = 12 draft on the way to K = 13: the copy, asked after the last
    change, ended as "the settings changed" (diff review)."""
    from PySide6.QtGui import QGuiApplication

    from kmeans_gui.qt_images import qimage_to_array

    path = tmp_path / "medium.png"
    Image.fromarray(big_photo(photo, (2000, 1500))).save(path, compress_level=1)
    window.controls.k_spin.setValue(8)
    open_and_wait(qtbot, window, path)
    QGuiApplication.clipboard().clear()
    shown = record(window.controller.resultShown)
    window.controls.k_spin.setValue(12)
    window.controls.k_spin.setValue(13)
    window.copy_result()
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull(), timeout=60_000)
    assert "Nothing copied" not in window.banner.text()
    copied = qimage_to_array(QGuiApplication.clipboard().image())
    full = window.controller.full_for(window.controller.options)
    assert window.controller.options.k == 13 and copied.shape[:2] == (1500, 2000)
    np.testing.assert_array_equal(copied[..., :3], full.palette[full.indices][..., :3])
    assert any(r.options.k == 12 for (r,) in shown)  # an older result was shown on the way
