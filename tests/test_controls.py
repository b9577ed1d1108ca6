"""The controls panel on its own: dither strength, names and tooltips, tab order, silent set_values."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QScrollBar,
    QWidget,
)

from kmeans_gui.widgets.controls import ControlsPanel

NAMES = ["kSlider", "kSpinBox", "seedSpinBox", "newSeedButton", "initCombo", "restartsSpinBox",
         "colorSpaceCombo", "ditherCombo", "ditherStrengthSlider", "ditherFlatCheckBox"]


def ancestors(w: QWidget, root: QWidget) -> list[QWidget]:
    chain, p = [], w.parentWidget()
    while p is not None and p is not root:
        chain.append(p)
        p = p.parentWidget()
    return chain


def interactive_children(root: QWidget) -> list[QWidget]:
    """Every control a user can operate under ``root`` (not the line edit inside a spin box)."""
    kinds = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit)
    found = []
    for w in root.findChildren(QWidget):
        if isinstance(w, QScrollBar) or not (isinstance(w, kinds) or w.focusPolicy() & Qt.FocusPolicy.TabFocus):
            continue
        if not any(isinstance(a, (QAbstractSpinBox, QComboBox)) for a in ancestors(w, root)):
            found.append(w)  # (not a part of a control, such as a combo box's list: named through its owner)
    return found


def assert_named(root: QWidget) -> None:
    missing = [f"{type(w).__name__} {w.objectName()!r}" for w in interactive_children(root)
               if not w.accessibleName() or not w.toolTip()]
    assert not missing, f"no accessible name or tooltip: {missing}"


@pytest.fixture
def panel(qtbot):
    w = ControlsPanel()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def pick_dither(panel: ControlsPanel, value: str) -> None:
    panel.dither_box.setCurrentIndex(panel.dither_box.findData(value))


def test_every_control_has_a_name_and_a_tooltip(panel):
    found = {w.objectName() for w in interactive_children(panel)}
    assert found == set(NAMES)
    for name in NAMES:
        w = panel.findChild(QWidget, name)
        assert w.accessibleName() == name and w.toolTip()
    assert_named(panel)


def test_strength_slider_emits_a_fraction_and_shows_percent(qtbot, panel):
    pick_dither(panel, "fs")
    seen = []
    panel.paramsChanged.connect(seen.append)
    panel.strength_slider.setValue(35)
    assert seen == [{"dither_strength": 0.35}]
    assert panel.strength_label.text() == "35 %"
    panel.strength_slider.setFocus()
    qtbot.keyClick(panel.strength_slider, Qt.Key.Key_Left)
    assert seen[-1] == {"dither_strength": 0.34}


def test_strength_is_enabled_only_for_floyd_steinberg(panel):
    seen = []
    panel.paramsChanged.connect(seen.append)
    assert not panel.strength_slider.isEnabled()  # default: no dithering
    pick_dither(panel, "fs")
    assert panel.strength_slider.isEnabled() and seen == [{"dither": "fs"}]
    pick_dither(panel, "ordered")
    assert not panel.strength_slider.isEnabled()
    pick_dither(panel, "none")
    assert not panel.strength_slider.isEnabled()


def test_set_values_is_silent_and_strength_optional(panel):
    seen = []
    panel.paramsChanged.connect(seen.append)
    panel.set_values(k=40, seed=3, init="random", n_init=2, color_space="oklab", dither="fs", dither_strength=0.5)
    assert seen == []
    assert panel.strength_slider.value() == 50 and panel.strength_label.text() == "50 %"
    assert panel.strength_slider.isEnabled()
    assert (panel.k_slider.value(), panel.k_spin.value(), panel.seed_spin.value()) == (40, 40, 3)
    assert panel.init_box.currentData() == "random" and panel.space_box.currentData() == "oklab"
    panel.set_values(k=8, seed=0, init="k-means++", n_init=None, color_space="rgb", dither="none")
    assert panel.strength_slider.value() == 100 and not panel.strength_slider.isEnabled()
    assert seen == []


def test_k_slider_and_spin_box_stay_in_step(panel):
    seen = []
    panel.paramsChanged.connect(seen.append)
    panel.k_slider.setValue(77)
    assert panel.k_spin.value() == 77 and seen == [{"k": 77}]
    panel.k_spin.setValue(5)
    assert panel.k_slider.value() == 5 and seen[-1] == {"k": 5}
    assert "3 bits" in panel.hint.text()


def tab_walk(qtbot, start: QWidget, steps: int) -> list[str]:
    """Press Tab ``steps`` times from ``start``; the names of the widgets that get the focus."""
    start.activateWindow()
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    names = [start.objectName()]
    for _ in range(steps):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        names.append(QApplication.focusWidget().objectName())
    return names


def assert_visual_order(widgets: list[QWidget], root: QWidget) -> None:
    """Each widget is on a later row than the one before it, or further right on the same row."""
    for a, b in zip(widgets, widgets[1:], strict=False):
        ra, rb = (QRect(w.mapTo(root, QPoint(0, 0)), w.size()) for w in (a, b))
        same_row = abs(ra.center().y() - rb.center().y()) < 10
        assert (same_row and rb.left() > ra.left()) or rb.top() >= ra.bottom() - 4, (a.objectName(), b.objectName())


def test_tab_order_follows_the_visual_order(qtbot, panel):
    pick_dither(panel, "fs")  # else the strength slider is disabled and Tab skips it
    assert tab_walk(qtbot, panel.k_slider, len(NAMES) - 1) == NAMES
    assert_visual_order(panel.tab_chain, panel)


def test_flat_areas_checkbox_emits_a_threshold_and_needs_dithering(qtbot, panel):
    seen = []
    panel.paramsChanged.connect(seen.append)
    assert not panel.flat_box.isEnabled()  # no dithering, nothing to keep clean
    panel.dither_box.setCurrentIndex(panel.dither_box.findData("ordered"))
    assert panel.flat_box.isEnabled()
    panel.flat_box.setChecked(True)
    panel.flat_box.setChecked(False)
    assert seen[-2:] == [{"dither_flat": 0.0}, {"dither_flat": None}]
