"""A window for everyday use: fits 1024x640 at K=256, every control named, keyboard-only, dark theme."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

from kmeans_gui.main_window import MainWindow

from .gui_helpers import open_and_wait

INTERACTIVE = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit)


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    yield win
    win.close()


@pytest.fixture
def photo_path(tmp_path, photo):
    p = tmp_path / "photo.png"
    Image.fromarray(photo).save(p)
    return p


def visible_in_window(win, w: QWidget) -> bool:
    """``w`` is shown and its whole rectangle lies inside the window and its scroll viewport."""
    if not w.isVisible():
        return False
    top_left = w.mapTo(win, w.rect().topLeft())
    rect = QRect(top_left, w.size())
    if not win.rect().contains(rect):
        return False
    viewport = win.sidebar.viewport()
    vp = QRect(viewport.mapTo(win, viewport.rect().topLeft()), viewport.size())
    return vp.contains(rect) if win.sidebar.isAncestorOf(w) else True


def test_figures_stay_visible_at_1024x640_with_256_colors(qtbot, window, photo_path):
    window.resize(1024, 640)
    window.show()
    window.controls.k_spin.setValue(256)
    open_and_wait(qtbot, window, photo_path)
    qtbot.waitUntil(lambda: len(window.palette_view.colors()) > 64, timeout=10_000)
    QApplication.processEvents()
    labels = [window.stats.header, *window.stats.values.values()]
    qtbot.waitUntil(lambda: all(visible_in_window(window, w) for w in labels), timeout=5_000)
    assert window.stats.values["psnr"].text().endswith("dB")


def test_every_interactive_widget_has_an_accessible_name_and_a_tooltip(qtbot, window, photo_path):
    window.show()
    open_and_wait(qtbot, window, photo_path)
    window.show_error("a message, so the banner and its close button are shown")
    window.error_view.set_enabled(True)
    missing, checked = [], 0
    for w in window.findChildren(QWidget):
        interactive = isinstance(w, INTERACTIVE) or w.objectName() in ("imageView", "paletteView")
        if not interactive or w.parent() is None or type(w).__name__.startswith("Q") and not w.isVisibleTo(window):
            continue
        if "qt_" in w.objectName():  # Qt's own parts of composite widgets (spin box arrows, ...)
            continue
        checked += 1
        if not w.accessibleName() or not w.toolTip():
            missing.append(f"{type(w).__name__} '{w.objectName()}' '{getattr(w, 'text', lambda: '')()}'")
    assert not missing, missing
    assert checked >= 15


def test_every_menu_action_is_reachable_from_the_keyboard(window):
    """Each menu item has a mnemonic or a shortcut (the menus open with Alt+letter)."""
    bar = window.menuBar()
    for top in bar.actions():
        assert "&" in top.text(), top.text()
        for act in top.menu().actions():
            if act.isSeparator() or act.menu() is not None or not act.text():
                continue
            if top.text() == "&Presets" or top.text() == "Open &Recent":
                continue
            assert "&" in act.text() or not act.shortcut().isEmpty(), act.text()


def test_tab_walks_the_controls_in_visual_order(qtbot, window):
    window.show()
    w = window.controls.k_slider
    order = []
    for _ in range(200):  # the focus chain Tab follows, from the K slider on
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(window) and w.isEnabled():
            order.append(w.objectName())
        w = w.nextInFocusChain()
        if w is window.controls.k_slider:
            break
    names = [n for n in order if n]
    assert names.index("kSlider") < names.index("kSpinBox") < names.index("seedSpinBox")
    assert names.index("seedSpinBox") < names.index("ditherCombo")


def test_dark_palette_is_followed(qtbot, window, photo_path):
    app = QApplication.instance()
    old = app.palette()
    dark = QPalette()
    for role, color in ((QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.WindowText, "#e8eaed"),
                        (QPalette.ColorRole.Base, "#17181a"), (QPalette.ColorRole.Text, "#e8eaed"),
                        (QPalette.ColorRole.Button, "#2b2c2f"), (QPalette.ColorRole.ButtonText, "#e8eaed")):
        dark.setColor(role, QColor(color))
    app.setPalette(dark)
    try:
        window.show()
        open_and_wait(qtbot, window, photo_path)
        img = window.sidebar.grab().toImage()
        corner = QColor(img.pixel(2, img.height() - 3))
        assert corner.lightness() < 80  # the sidebar is painted dark, not a fixed light color
        label = window.stats.values["psnr"]
        assert label.palette().color(QPalette.ColorRole.WindowText).lightness() > 150
    finally:
        app.setPalette(old)
