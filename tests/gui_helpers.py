"""Shared helpers for GUI tests: windows, waits on the real event loop, synthetic drops, photos."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def settled(win) -> bool:
    """The window shows the full result for the settings its controls show, and nothing runs."""
    c = win.controller
    return (c.full_for(c.options) is not None and c.shown is c.full and c.figures is not None
            and not c.busy)


def wait_settled(qtbot, win, timeout=60_000) -> None:
    qtbot.waitUntil(lambda: settled(win), timeout=timeout)


def open_and_wait(qtbot, win, path, timeout=60_000) -> None:
    win.open_path(path)
    qtbot.waitUntil(lambda: win.controller.document is not None and win.controller.document.path == path,
                    timeout=timeout)
    wait_settled(qtbot, win, timeout)


def _event(cls, pos, mime):
    try:
        return cls(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    except TypeError:  # PySide6 < 6.12 builds these events from QPoint
        return cls(QPoint(pos.x(), pos.y()), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                   Qt.KeyboardModifier.NoModifier)


def drop_files(win, paths):
    """Drag ``paths`` onto the window and drop them, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(200, 200)
    enter = _event(QDragEnterEvent, pos, mime)
    QApplication.sendEvent(win, enter)
    assert enter.isAccepted()
    move = _event(QDragMoveEvent, pos, mime)
    move.accept()  # a real drag-move starts accepted when the enter was
    QApplication.sendEvent(win, move)
    drop = _event(QDropEvent, pos, mime)
    QApplication.sendEvent(win, drop)
    return drop


def big_photo(photo: np.ndarray, size=(4000, 3000)) -> np.ndarray:
    """A large photo-like image: the test photo upscaled, with a little noise for detail."""
    big = np.asarray(Image.fromarray(photo).resize(size, Image.BILINEAR)).astype(np.int16)
    noise = np.random.default_rng(0).integers(-6, 7, size=big.shape, dtype=np.int16)
    return np.clip(big + noise, 0, 255).astype(np.uint8)


def saved_colors(path) -> np.ndarray:
    """The distinct RGB colors of a saved image, sorted."""
    rgb = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    return np.unique(rgb, axis=0)


def shown_window_with_photo(qtbot, tmp_path, photo, k: int = 9):
    """A shown main window of its own (own settings file) on a 2 MP JPEG, a first result shown;
    for tests that close the window themselves."""
    from PySide6.QtCore import QSettings

    from kmeans_gui.main_window import MainWindow

    path = tmp_path / "medium.jpg"
    Image.fromarray(big_photo(photo, (1600, 1200))).save(path, quality=90)
    win = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    win.controls.k_spin.setValue(k)
    win.open_path(path)
    qtbot.waitUntil(lambda: win.controller.shown is not None, timeout=30_000)
    return win
