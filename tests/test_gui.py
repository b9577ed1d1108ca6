"""The main window driven as a user would: drops, slider bursts, seeds, save, export, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QProgressBar, QPushButton, QSlider, QSpinBox, QWidget

from kmeans_gui.main_window import MainWindow

from .corpus import gradient
from .gui_helpers import big_photo, drop_files, open_and_wait, wait_settled


def test_named_widgets_exist(window):
    for name, cls in [("kSlider", QSlider), ("kSpinBox", QSpinBox), ("seedSpinBox", QSpinBox),
                      ("newSeedButton", QPushButton), ("imageView", QWidget), ("paletteView", QWidget),
                      ("statsPanel", QWidget), ("progressBar", QProgressBar), ("cancelButton", QPushButton)]:
        w = window.findChild(cls, name)
        assert w is not None, name
        assert w.accessibleName() == name


def test_drop_a_file_opens_and_compresses_it(qtbot, window, photo_path):
    drop_files(window, [photo_path])
    qtbot.waitUntil(lambda: window.controller.document is not None, timeout=20_000)
    wait_settled(qtbot, window)
    assert window.controller.document.path == photo_path
    assert len(window.palette_view.colors()) == window.controller.options.k
    assert "Full resolution" in window.stats.text()


def test_slider_burst_gives_one_final_preview(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    start = window.controller.render_count
    slider = window.findChild(QSlider, "kSlider")
    for k in range(10, 60):
        slider.setValue(k)
    assert window.findChild(QSpinBox, "kSpinBox").value() == 59
    wait_settled(qtbot, window)
    assert window.controller.shown.options.k == 59
    assert len(window.palette_view.colors()) <= 59
    assert window.controller.render_count - start <= 3  # debounced, not 50 computations


def test_seed_changes_result_and_going_back_restores_it(qtbot, window, photo_path):
    window.controls.k_spin.setValue(8)
    open_and_wait(qtbot, window, photo_path)
    first = window.controller.full.palette.copy()
    seed = window.findChild(QSpinBox, "seedSpinBox")
    found_different = False
    for s in (1, 2, 3):
        seed.setValue(s)
        wait_settled(qtbot, window)
        if not np.array_equal(window.controller.full.palette, first):
            found_different = True
            break
    assert found_different
    seed.setValue(0)
    wait_settled(qtbot, window)
    np.testing.assert_array_equal(window.controller.full.palette, first)


def test_save_writes_indexed_png_with_at_most_k_colors(qtbot, window, photo_path, tmp_path):
    window.controls.k_spin.setValue(12)
    window.open_path(photo_path)
    out = tmp_path / "out.png"
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=20_000)
    with qtbot.waitSignal(window.saveFinished, timeout=30_000) as sig:
        window.save_to(out)  # may need the full-resolution render first
    assert sig.args == [str(out), ""]
    im = Image.open(out)
    assert im.mode == "P" and len(im.getcolors()) <= 12
    assert im.size == Image.open(photo_path).size


@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG"), ("gpl", b"GIMP Palette"), ("ase", b"ASEF"),
                                        ("json", b"{"), ("css", b":root"), ("hex", b"#")])
def test_export_palette_formats(qtbot, window, photo_path, tmp_path, ext, magic):
    window.controls.k_spin.setValue(6)
    open_and_wait(qtbot, window, photo_path)
    out = tmp_path / f"palette.{ext}"
    with qtbot.waitSignal(window.exportFinished, timeout=10_000) as sig:
        window.export_palette_to(out)
    assert sig.args == [str(out), ""]
    assert out.read_bytes().startswith(magic)


def test_bad_file_shows_message_and_keeps_previous_image(qtbot, window, photo_path, tmp_path):
    open_and_wait(qtbot, window, photo_path)
    before = window.controller.shown
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png at all")
    window.open_path(bad)
    qtbot.waitUntil(lambda: "broken.png" in window.banner.text(), timeout=10_000)
    assert "not an image" in window.banner.text()
    assert window.controller.document.path == photo_path
    assert window.controller.shown is before


def test_closing_while_a_job_runs_joins_the_thread(qtbot, tmp_path, capfd):
    big = np.asarray(Image.fromarray(gradient(64, 48)).resize((2400, 1800), Image.BILINEAR))
    noisy = np.clip(big.astype(int) + np.random.default_rng(0).integers(-30, 30, size=big.shape), 0, 255).astype(np.uint8)
    path = tmp_path / "big.png"
    Image.fromarray(noisy).save(path)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    win.show()
    win.controls.k_spin.setValue(200)
    win.open_path(path)
    qtbot.waitUntil(lambda: win.controller.busy, timeout=5_000)
    threads = [win.controller.renderer.thread, win.controller.writer.thread, win.controller.batcher.thread]
    win.close()
    assert all(t.isFinished() for t in threads)
    win.deleteLater()
    assert "QThread: Destroyed while thread is still running" not in capfd.readouterr().err


def test_palette_click_copies_hex_and_highlights(qtbot, window, photo_path):
    window.controls.k_spin.setValue(5)
    open_and_wait(qtbot, window, photo_path)
    view = window.palette_view
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.swatch_center(0))
    assert QGuiApplication.clipboard().text() == view.colors()[0]
    assert window.view._highlight is not None
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.swatch_center(0))
    assert window.view._highlight is None


def test_palette_sorting_changes_order_not_colors(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    by_share = window.palette_view.colors()
    window.sort_box.setCurrentIndex(window.sort_box.findData("luminance"))
    by_lum = window.palette_view.colors()
    assert sorted(by_share) == sorted(by_lum) and by_share != by_lum


@pytest.mark.parametrize("key,value", [
    ("seed", 5_000_000_000), ("seed", -3), ("ditherFlat", "nan"), ("ditherFlat", -7), ("ditherFlat", "inf"),
    ("k", "abc"), ("k", 9999), ("dither", "zzz"),
])
def test_damaged_saved_settings_start_the_window_with_the_defaults(qtbot, tmp_path, photo_path, key, value):
    """A seed above the seed box's range crashed the window at start (OverflowError); a NaN
    flat threshold made every render fail and was saved back."""
    from core.pipeline import CompressOptions

    path = str(tmp_path / "settings.ini")
    bad = QSettings(path, QSettings.Format.IniFormat)
    bad.setValue(key, value)
    bad.sync()
    win = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    assert win.controller.options == CompressOptions()
    open_and_wait(qtbot, win, photo_path)
    assert win.controller.shown is not None and win.banner.text() == ""


def test_palette_order_and_divider_are_remembered(qtbot, tmp_path):
    path = str(tmp_path / "settings.ini")
    first = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    assert first.view.split and first.act_split.isChecked()  # the divider shows by default
    first.sort_box.setCurrentIndex(first.sort_box.findData("hue"))
    first.act_split.trigger()  # Ctrl+D
    assert not first.view.split
    first.close()
    again = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.sort_box.currentData() == "hue" and again.palette_view.sort_by == "hue"
    assert not again.act_split.isChecked() and not again.view.split
    again.close()
    damaged = QSettings(path, QSettings.Format.IniFormat)
    damaged.setValue("paletteSort", ["x"])
    damaged.setValue("divider", 3)
    damaged.sync()
    third = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(third)
    assert third.sort_box.currentIndex() == 0 and third.view.split


def test_damaged_folder_format_and_recent_keys_are_ignored(qtbot, tmp_path, photo_path, monkeypatch):
    path = str(tmp_path / "settings.ini")
    bad = QSettings(path, QSettings.Format.IniFormat)
    bad.setValue("lastSaveFolder", ["a", "b"])
    bad.setValue("lastSaveFormat", ["png", "gif"])
    bad.setValue("lastPaletteFormat", 7)
    bad.setValue("recentFiles", [f"/nowhere/{i}.png" for i in range(5000)] + [""])
    bad.sync()
    win = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    assert len(win.recent_menu.actions()) <= 8 + 2  # the files (at most 8), a separator, Clear
    assert all(a.text().strip() for a in win.recent_menu.actions() if not a.isSeparator())
    open_and_wait(qtbot, win, photo_path)
    from kmeans_gui import dialogs

    asked = []
    monkeypatch.setattr(dialogs, "ask_save_path", lambda parent, suggestion, fmt: asked.append((suggestion, fmt))
                        or (None, fmt))
    monkeypatch.setattr(dialogs, "ask_palette_path", lambda parent, folder, stem, fmt: asked.append((folder, fmt))
                        or (None, fmt))
    win.save_dialog()
    win.export_dialog()
    assert asked[0][1] == "png" and asked[1][1] == "gpl" and isinstance(asked[1][0], str)


def test_settings_are_remembered(qtbot, tmp_path):
    path = str(tmp_path / "settings.ini")
    win = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.controls.k_spin.setValue(42)
    win.controls.seed_spin.setValue(7)
    win.controls.dither_box.setCurrentIndex(win.controls.dither_box.findData("fs"))
    win.close()
    again = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.controller.options.k == 42 and again.controller.options.seed == 7
    assert again.controller.options.dither == "fs"
    assert again.findChild(QSlider, "kSlider").value() == 42


def _batch_to_folder(window, tmp_path, monkeypatch, k: int | None = None) -> tuple[Path, list[str]]:
    """Batches go to ``tmp_path/out`` without asking; returns that folder and the summaries shown.
    Growing results are kept (Don't Save Files Larger off); ``k`` sets K first if given."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.setattr(window, "_ask_batch_destination", lambda n: out_dir)
    shown: list[str] = []
    monkeypatch.setattr(window, "_show_summary", shown.append)
    if k is not None:
        window.controls.k_spin.setValue(k)
    window.act_batch_never_larger.setChecked(False)
    return out_dir, shown


def test_drop_several_files_compresses_them_all(qtbot, window, tmp_path, monkeypatch):
    files = []
    for i in range(3):
        p = tmp_path / f"in{i}.png"
        Image.fromarray(np.roll(gradient(), i * 5, axis=1)).save(p)
        files.append(p)
    out_dir, shown = _batch_to_folder(window, tmp_path, monkeypatch, k=4)
    drop_files(window, files)
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert sorted(p.name for p in out_dir.iterdir()) == ["in0-k4.png", "in1-k4.png", "in2-k4.png"]
    assert "3 of 3 images written" in shown[0]


def test_a_dropped_folder_says_which_files_it_ignored(qtbot, window, tmp_path, monkeypatch):
    """Files of other types in a dropped folder were skipped without a word (QA: 10 of 31)."""
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(gradient()).save(folder / "a.png")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "scan.qoi").write_bytes(b"qoif" + bytes(20))
    out_dir, shown = _batch_to_folder(window, tmp_path, monkeypatch, k=4)
    drop_files(window, [folder])
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert "1 of 1 images written" in shown[0]
    assert "2 other files ignored (not an image type this app reads: .pdf, .qoi)" in shown[0]
    only_others = tmp_path / "docs"
    only_others.mkdir()
    (only_others / "notes.pdf").write_bytes(b"%PDF-1.4\n")
    drop_files(window, [only_others])
    qtbot.waitUntil(lambda: "No image files found" in window.banner.text(), timeout=10_000)
    assert "1 other file ignored (not an image type this app reads: .pdf)" in window.banner.text()


def test_a_dropped_folder_reports_a_broken_image_link(qtbot, window, tmp_path, monkeypatch):
    """A link to a missing image was dropped from the batch without a word (CLI review)."""
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(gradient()).save(folder / "a.png")
    (folder / "gone.png").symlink_to(tmp_path / "nowhere.png")
    out_dir, shown = _batch_to_folder(window, tmp_path, monkeypatch, k=4)
    drop_files(window, [folder])
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert "1 of 2 images written" in shown[0] and "gone.png" in shown[0]
    assert sorted(p.name for p in out_dir.iterdir()) == ["a-k4.png"]


def test_a_batch_of_photo_png_and_photo_jpg_writes_both(qtbot, window, tmp_path, monkeypatch):
    """The window has no -o or --suffix: twins get their type in the name instead of a refusal
    worded for the command line."""
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(gradient()).save(folder / "photo.png")
    Image.fromarray(np.roll(gradient(), 7, axis=1)).save(folder / "photo.jpg", quality=95)
    out_dir, shown = _batch_to_folder(window, tmp_path, monkeypatch, k=4)
    drop_files(window, [folder])
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert sorted(p.name for p in out_dir.iterdir()) == ["photo-k4.png", "photo-png-k4.png"]  # jpg first
    assert "2 of 2 images written" in shown[0] and "--" not in shown[0] and "-o," not in shown[0]


def _noise_files(tmp_path, n: int) -> list:
    rng = np.random.default_rng(2)
    files = []
    for i in range(n):
        p = tmp_path / f"n{i}.png"
        Image.fromarray(rng.integers(0, 256, (700, 900, 3), dtype=np.uint8)).save(p, compress_level=1)
        files.append(p)
    return files


def test_cancelling_a_running_batch_says_how_many_files_were_left(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QPushButton

    files = _noise_files(tmp_path, 6)
    out_dir, shown = _batch_to_folder(window, tmp_path, monkeypatch)
    window.compress_many(files)
    dialog = window.batch.dialog
    qtbot.waitUntil(lambda: ".png" in dialog.labelText(), timeout=120_000)  # the first file is done
    dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    qtbot.waitUntil(lambda: bool(shown), timeout=120_000)
    written = sorted(p.name for p in out_dir.iterdir())
    results = window.batch.last_results
    left = 6 - len(results)
    assert left >= 2 and len(written) == len(results)  # the running files finished; the rest never started
    assert shown[0].startswith(f"Cancelled: {left} files not started, left alone.")
    assert f"{len(results)} of {len(results)} images written" in shown[0]


def test_cancelling_a_batch_leaves_the_users_save_and_the_picture_alone(qtbot, window, tmp_path, monkeypatch):
    """The batch dialog's Cancel stopped all computation: a Save asked for just before ended
    "cancelled (Esc)" with nothing written (GUI review on 12 MP). It stops the batch only."""
    from PySide6.QtWidgets import QPushButton

    src = tmp_path / "big.png"
    Image.fromarray(big_photo(gradient(), (1600, 1200))).save(src, compress_level=1)
    open_and_wait(qtbot, window, src)
    files = _noise_files(tmp_path, 3)
    out_dir, shown = _batch_to_folder(window, tmp_path, monkeypatch)
    window.controls.k_spin.setValue(48)  # a new full render, which the save waits for
    mine = tmp_path / "mine.png"
    saved = []
    window.saveFinished.connect(lambda path, error: saved.append((path, error)))
    window.save_to(mine)
    window.compress_many(files)
    window.batch.dialog.findChild(QPushButton).click()
    qtbot.waitUntil(lambda: bool(saved) and window.batch.dialog is None, timeout=120_000)
    assert saved == [(str(mine), "")] and mine.is_file()
    assert len(Image.open(mine).getcolors()) <= 48
    wait_settled(qtbot, window, timeout=120_000)
    assert window.controller.shown.options.k == 48 and window.controller.shown.stage == "full"


def test_a_running_batch_holds_up_neither_the_windows_save_nor_its_figures(qtbot, window, tmp_path, monkeypatch):
    """The batch ran on the writer's thread: a Save and the figures of a new result waited for
    the whole batch (GUI review: 20 s on four 12 MP files). Its dialog showed the window's
    render stages too."""
    src = tmp_path / "big.png"
    Image.fromarray(big_photo(gradient(), (1600, 1200))).save(src, compress_level=1)
    window.controls.k_spin.setValue(8)
    open_and_wait(qtbot, window, src)
    rng = np.random.default_rng(5)
    files = []
    for i in range(8):  # 2 MP of noise each: a batch of many seconds
        files.append(tmp_path / f"noise{i}.png")
        Image.fromarray(rng.integers(0, 256, (1200, 1600, 3), dtype=np.uint8)).save(files[-1], compress_level=0)
    out_dir, shown = _batch_to_folder(window, tmp_path, monkeypatch)
    labels = []
    window.controller.progressChanged.connect(lambda fraction, stage: window.batch.dialog is not None
                                              and labels.append(window.batch.dialog.labelText()))
    window.compress_many(files)
    dialog = window.batch.dialog
    window.controls.k_spin.setValue(12)  # a new result whose figures must not wait for the batch
    qtbot.waitUntil(lambda: window.controller.figures is not None and window.controller.shown.options.k == 12
                    and window.controller.shown.stage == "full", timeout=120_000)
    mine = tmp_path / "mine.png"
    saved = []
    window.saveFinished.connect(lambda path, error: saved.append((path, error)))
    window.save_to(mine)
    qtbot.waitUntil(lambda: bool(saved), timeout=120_000)
    assert window.batch.dialog is dialog and not shown, "the batch should still be running"
    assert saved == [(str(mine), "")] and mine.is_file()
    qtbot.waitUntil(lambda: bool(shown), timeout=300_000)
    # The dialog showed the batch's files only, never the window's render stages.
    assert labels and all(text == "Compressing 8 images…" or text.endswith(".png") for text in labels), labels


def test_closing_the_window_during_a_batch_asks_and_no_keeps_it_running(qtbot, window, tmp_path, monkeypatch):
    """Closing dropped a running Compress Files without a word: now it asks; No keeps the
    window and the batch, which ends with its summary; Yes stops it and closes."""
    files = _noise_files(tmp_path, 3)
    out_dir, shown = _batch_to_folder(window, tmp_path, monkeypatch)
    asked = []
    monkeypatch.setattr(window, "_confirm_close_during_batch", lambda: asked.append(1) or False)
    window.compress_many(files)
    assert window.batch.dialog is not None
    assert window.close() is False and window.isVisible() and asked == [1]
    qtbot.waitUntil(lambda: bool(shown), timeout=120_000)
    assert "3 of 3 images written" in shown[0] and len(list(out_dir.iterdir())) == 3
    assert window.close() is True and asked == [1]  # nothing running: no question


def test_closing_the_window_during_a_batch_and_agreeing_stops_it(qtbot, window, tmp_path, monkeypatch):
    files = _noise_files(tmp_path, 6)
    out_dir, _shown = _batch_to_folder(window, tmp_path, monkeypatch)
    monkeypatch.setattr(window, "_confirm_close_during_batch", lambda: True)
    window.compress_many(files)
    assert window.close() is True
    written = list(out_dir.iterdir())
    assert len(written) < 6 and not [p for p in written if p.name.startswith(".kmeans-tmp")]


def test_cancelling_a_batch_before_it_starts_writes_nothing_and_says_so(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QPushButton

    files = _noise_files(tmp_path, 3)
    out_dir, _shown = _batch_to_folder(window, tmp_path, monkeypatch)
    import threading

    from kmeans_gui.jobs import CallJob

    release = threading.Event()
    started = threading.Event()

    def hold(stop, progress) -> None:
        started.set()
        release.wait(30)

    window.controller.batcher.send(CallJob("hold", hold))  # the batch thread is busy...
    assert started.wait(30)
    window.compress_many(files)  # ... so the batch waits in its queue
    window.batch.dialog.findChild(QPushButton).click()
    release.set()
    qtbot.waitUntil(lambda: window.batch.dialog is None and not window.controller.busy, timeout=120_000)
    assert list(out_dir.iterdir()) == []
    assert "Compress Files cancelled" in window.statusBar().currentMessage()


def test_batch_skips_and_lists_results_larger_than_the_original(qtbot, window, tmp_path, monkeypatch, photo):
    small = tmp_path / "tiny.png"
    Image.fromarray(gradient()).save(small, optimize=True)  # a smooth PNG: K=4 output will not be smaller
    photo_jpg = tmp_path / "photo.bmp"
    Image.fromarray(photo).save(photo_jpg)  # uncompressed: the indexed PNG is much smaller
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.setattr(window, "_ask_batch_destination", lambda n: out_dir)
    shown = []
    monkeypatch.setattr(window, "_show_summary", shown.append)
    window.controls.k_spin.setValue(4)
    assert window.act_batch_never_larger.isChecked()  # on by default for batches
    window.compress_many([small, photo_jpg])
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert [p.name for p in out_dir.iterdir()] == ["photo-k4.png"]
    assert "1 of 2 images written" in shown[0]
    assert "skipped because the result would be larger" in shown[0] and "tiny.png" in shown[0]
    assert "--" not in shown[0]


def test_escape_cancels_running_work(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    window.controls.k_spin.setValue(100)
    qtbot.waitUntil(lambda: window.controller.busy, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=10_000)


def test_zoom_actions(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    view = window.view
    fit = view.zoom
    view.zoom_in()
    assert view.zoom == pytest.approx(fit * 1.25)
    view.actual_size()
    assert view.zoom == 1.0
    view.fit()
    assert view.zoom == pytest.approx(fit)


def test_paste_and_copy_through_the_clipboard(qtbot, window, photo):
    from kmeans_gui.qt_images import array_to_qimage, qimage_to_array

    QGuiApplication.clipboard().setImage(array_to_qimage(photo))
    window.paste_image()
    qtbot.waitUntil(lambda: window.controller.document is not None, timeout=20_000)
    assert window.controller.document.path is None
    np.testing.assert_array_equal(window.controller.document.loaded.pixels, photo)
    wait_settled(qtbot, window)
    # No original file: no made-up "Original file" size (it was our own PNG of the pixels).
    assert window.controller.document.loaded.file_bytes is None
    qtbot.waitUntil(lambda: "(pasted)" in window.stats.text(), timeout=20_000)
    window.copy_result()
    copied = qimage_to_array(QGuiApplication.clipboard().image())
    assert copied.shape[:2] == photo.shape[:2]
    assert len(np.unique(copied.reshape(-1, 4), axis=0)) <= window.controller.options.k


def test_a_recent_file_with_an_ampersand_keeps_it_in_the_menu(qtbot, window, photo_path):
    named = photo_path.with_name("Tom & Jerry.png")
    named.write_bytes(photo_path.read_bytes())
    open_and_wait(qtbot, window, named)
    first = window.recent_menu.actions()[0]
    assert first.text() == "Tom && Jerry.png" and first.toolTip() == str(named)
    first.trigger()  # still opens the right file
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=30_000)
    assert window.controller.document.path == named


def test_recent_files_menu_reopens(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    assert window.recent_files()[0] == str(photo_path)
    actions = window.recent_menu.actions()
    assert actions and actions[0].toolTip() == str(photo_path)


def test_a_recent_file_that_is_gone_says_so_and_leaves_the_menu(qtbot, window, photo_path, tmp_path):
    other = tmp_path / "other.png"
    other.write_bytes(photo_path.read_bytes())
    open_and_wait(qtbot, window, other)
    open_and_wait(qtbot, window, photo_path)
    other.unlink()
    gone = next(a for a in window.recent_menu.actions() if a.toolTip() == str(other))
    gone.trigger()
    assert "other.png: file not found" in window.banner.text() and "removed from Open Recent" in window.banner.text()
    assert [a.toolTip() for a in window.recent_menu.actions()] == [str(photo_path)]
    assert window.recent_files() == [str(photo_path)]


def test_settings_that_cannot_be_saved_are_said_once(qtbot, tmp_path, photo_path):
    """A settings folder that is not writable (here: a file where the folder should be) lost
    every remembered choice without a word."""
    from PySide6.QtCore import QSettings

    from kmeans_gui.main_window import MainWindow

    (tmp_path / "not-a-folder").write_text("x")
    settings = QSettings(str(tmp_path / "not-a-folder" / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    try:
        open_and_wait(qtbot, win, photo_path)
        assert "Settings cannot be saved" in win.banner.text() and "not-a-folder" in win.banner.text()
        win.banner.clear_error()
        win.banner.hide()
        open_and_wait(qtbot, win, photo_path)
        assert "Settings cannot be saved" not in win.banner.text()
    finally:
        win.close()


def test_saving_over_the_original_is_refused(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    before = photo_path.read_bytes()
    window.save_to(photo_path)
    qtbot.waitUntil(lambda: "original" in window.banner.text(), timeout=10_000)
    assert photo_path.read_bytes() == before


@pytest.mark.parametrize("how", ["file renamed", "folder renamed"])
def test_the_opened_original_is_refused_under_its_new_name_after_a_rename(qtbot, window, photo_path, tmp_path,
                                                                          how):
    """The window keeps an image open for hours: a rename in a file manager must not turn a
    Save or a palette Export onto the new name into an overwrite of the original."""
    album = tmp_path / "album"
    album.mkdir()
    opened = album / "photo.png"
    opened.write_bytes(photo_path.read_bytes())
    open_and_wait(qtbot, window, opened)
    before = opened.read_bytes()
    if how == "file renamed":
        new = opened.rename(album / "renamed.png")
    else:
        new = album.rename(tmp_path / "album-2019") / "photo.png"
    done = []
    window.saveFinished.connect(lambda p, e: done.append(e))
    window.save_to(new)
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    assert "original" in done[0] and new.read_bytes() == before
    window.banner.clear_error()
    window.export_palette_to(new)
    qtbot.waitUntil(lambda: "original" in window.banner.text(), timeout=30_000)
    assert new.read_bytes() == before


def test_a_full_disk_is_named_with_the_file_for_png_saves_and_palette_exports(qtbot, window, photo_path,
                                                                              tmp_path, monkeypatch):
    """PNG saves and palette exports said "could not write the file: No space left on device";
    every other format named the file: "b.gif: could not write (disk full)"."""
    import errno

    from kmeans_gui import writing

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writing, "atomic_write_bytes", full)
    monkeypatch.setattr(writing, "export_palette", full)
    open_and_wait(qtbot, window, photo_path)
    done = []
    window.saveFinished.connect(lambda p, e: done.append(e))
    out = tmp_path / "a.png"
    window.save_to(out)
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    assert done == [f"{out}: could not write (disk full)"] and not out.exists()
    window.banner.clear_error()
    window.export_palette_to(tmp_path / "p.gpl")
    qtbot.waitUntil(lambda: "disk full" in window.banner.text(), timeout=30_000)
    assert f"{tmp_path / 'p.gpl'}: could not write (disk full)" in window.banner.text()


def test_a_successful_save_clears_the_earlier_save_error(qtbot, window, photo_path, tmp_path):
    open_and_wait(qtbot, window, photo_path)
    window.save_to(photo_path)  # refused: it is the original
    qtbot.waitUntil(lambda: "original" in window.banner.text(), timeout=10_000)
    done = []
    window.saveFinished.connect(lambda p, e: done.append(e))
    window.save_to(tmp_path / "fine.png")
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    assert done == [""] and window.banner.text() == ""


@pytest.mark.parametrize("name", ["out.tif", "out.webp"])
def test_tiff_and_webp_saves_encode_in_the_helper_process_and_read_back_exactly(
        qtbot, window, photo_path, tmp_path, monkeypatch, name):
    """Pillow's TIFF and WebP encoders hold the GIL for their whole run (~0.2 s of frozen
    window at 12 MP): the window hands them to the helper process."""
    from kmeans_gui import encoder_process

    used = []
    real = encoder_process._in_helper
    monkeypatch.setattr(encoder_process, "_in_helper", lambda fn, args, stop: used.append(fn.__name__) or
                        real(fn, args, stop))
    open_and_wait(qtbot, window, photo_path)
    done = []
    window.saveFinished.connect(lambda p, e: done.append(e))
    out = tmp_path / name
    window.save_to(out)
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    assert done == [""] and "_encode_for_save" in used
    full = window.controller.full
    with Image.open(out) as im:
        got = np.asarray(im.convert("RGB"))
    np.testing.assert_array_equal(got, full.palette[full.indices][..., :3])  # both are lossless


def test_space_shows_the_original(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    window.view.setFocus()
    qtbot.keyPress(window.view, Qt.Key.Key_Space)
    assert window.view.show_original
    qtbot.keyRelease(window.view, Qt.Key.Key_Space)
    assert not window.view.show_original


def test_space_shows_the_original_with_the_focus_in_the_sidebar(qtbot, window, photo_path):
    """Space compares wherever the focus is; it no longer clicks a focused button or box."""
    open_and_wait(qtbot, window, photo_path)
    window.activateWindow()
    controls = window.controls
    for widget in (controls.new_seed, controls.init_box, controls.k_slider):
        widget.setFocus()
        qtbot.waitUntil(lambda w=widget: QApplication.focusWidget() is w, timeout=5_000)
        seed, init = controls.seed_spin.value(), controls.init_box.currentIndex()
        qtbot.keyPress(widget, Qt.Key.Key_Space)
        assert window.view.show_original, widget.objectName()
        qtbot.keyRelease(widget, Qt.Key.Key_Space)
        assert not window.view.show_original
        assert (controls.seed_spin.value(), controls.init_box.currentIndex()) == (seed, init)
    # A number field keeps Space (typing), and so does a palette swatch (marks it for merging).
    controls.seed_spin.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is controls.seed_spin, timeout=5_000)
    qtbot.keyPress(controls.seed_spin, Qt.Key.Key_Space)
    assert not window.view.show_original
    qtbot.keyRelease(controls.seed_spin, Qt.Key.Key_Space)
    window.palette_view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.palette_view, timeout=5_000)
    qtbot.keyClick(window.palette_view, Qt.Key.Key_Space)
    assert not window.view.show_original and window.palette_view.marked()
    # Released after the focus moved to a field that keeps Space: the original does not stay on.
    controls.new_seed.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is controls.new_seed, timeout=5_000)
    qtbot.keyPress(controls.new_seed, Qt.Key.Key_Space)
    assert window.view.show_original
    controls.seed_spin.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is controls.seed_spin, timeout=5_000)
    qtbot.keyRelease(controls.seed_spin, Qt.Key.Key_Space)
    assert not window.view.show_original
    # The menu bar's keyboard navigation keeps Space.
    bar = window.menuBar()
    bar.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar, timeout=5_000)
    qtbot.keyPress(bar, Qt.Key.Key_Space)
    assert not window.view.show_original
    qtbot.keyRelease(bar, Qt.Key.Key_Space)


def test_stages_climb_to_full_resolution_for_the_settings_shown(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    stages = []
    window.controller.resultShown.connect(lambda r: stages.append((r.stage, r.options.k)))
    window.controls.k_spin.setValue(120)
    wait_settled(qtbot, window)
    assert stages[-1] == ("full", 120)
    assert "Full resolution" in window.stats.text()


@pytest.mark.parametrize("typed, chosen, expected", [
    ("/tmp/colors", "GIMP palette (*.gpl)", ("/tmp/colors.gpl", "gpl")),
    ("/tmp/colors", "Swatch image (*.png)", ("/tmp/colors.png", "png")),
    ("/tmp/colors.ase", "GIMP palette (*.gpl)", ("/tmp/colors.ase", "ase")),  # the typed extension decides
    ("/tmp/colors.v2", "JSON (*.json)", ("/tmp/colors.v2.json", "json")),  # unknown suffix: the filter's is added
])
def test_export_dialog_filter_and_name_agree(typed, chosen, expected):
    from core.palette import EXPORT_FORMATS
    from kmeans_gui.dialogs import PALETTE_FILTERS, agree

    assert agree(typed, chosen, PALETTE_FILTERS, EXPORT_FORMATS) == expected
    for name, filt in PALETTE_FILTERS.items():  # every filter names its own extension
        assert f"*{EXPORT_FORMATS[name]}" in filt


def test_save_dialog_suggests_the_extension_of_its_filter(qtbot, window, photo_path, monkeypatch):
    from kmeans_gui import dialogs

    open_and_wait(qtbot, window, photo_path)
    seen = {}

    def fake(parent, title, suggestion, filters, selected):
        seen.update(suggestion=suggestion, selected=selected)
        return suggestion[:-4], selected  # the user deletes the extension

    monkeypatch.setattr(dialogs.QFileDialog, "getSaveFileName", fake)
    window.settings.setValue("lastSaveFormat", "gif")
    path, fmt = window._ask_save_path()
    assert seen["suggestion"].endswith(".gif") and seen["selected"] == dialogs.SAVE_FILTERS["gif"]
    assert path.endswith(".gif") and fmt == "gif"


def test_the_open_dialogs_offer_every_type_the_loader_reads(monkeypatch, qtbot, window):
    """The dialogs listed 8 types while PPM, TGA and ICO loaded too (Compress Files could not
    pick them at all: it had no "All files" entry)."""
    from PySide6.QtWidgets import QFileDialog

    from core.load import IMAGE_EXTENSIONS
    from kmeans_gui import dialogs

    seen: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (seen.append(a[3]), ("", ""))[1])
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a: (seen.append(a[3]), ([], ""))[1])
    dialogs.ask_open_path(window, str(Path.home()))
    dialogs.ask_open_paths(window, str(Path.home()))
    for offered in seen:
        assert all(f"*{ext}" in offered for ext in IMAGE_EXTENSIONS) and "All files (*)" in offered
    assert {".ppm", ".tga", ".ico"} <= IMAGE_EXTENSIONS
