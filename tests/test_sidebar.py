"""The sidebar on its own: Figures above a bounded palette, compact mode, scrolling, names, tab order."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from kmeans_gui.widgets import palette_grid as grid
from kmeans_gui.widgets.palette_view import PaletteView
from kmeans_gui.widgets.sidebar import PaletteScroll, Sidebar

from .test_controls import assert_named, assert_visual_order, interactive_children, tab_walk
from .test_palette_view import PALETTE, focused, palette


@pytest.fixture
def sidebar(qtbot):
    s = Sidebar()
    qtbot.addWidget(s)
    s.resize(358, 594)  # the sidebar of a 1024x640 window
    s.show()
    qtbot.waitExposed(s)
    return s


def settle() -> None:
    """Let the layout passes run (the palette's size hint reaches the sidebar in a few)."""
    for _ in range(3):
        QApplication.processEvents()


@pytest.mark.parametrize("n, swatch", [(16, grid.SWATCH), (64, grid.SWATCH), (65, 14), (256, 14)])
def test_palette_fits_its_bounded_height(qtbot, sidebar, n, swatch):
    view, scroll = sidebar.palette_view, sidebar.palette_scroll
    view.set_palette(palette(n), np.ones(n))
    settle()
    assert view.swatch_size() == swatch
    assert scroll.height() <= grid.BOUNDED_HEIGHT
    assert scroll.verticalScrollBar().maximum() == 0 and scroll.horizontalScrollBar().maximum() == 0
    assert view.width() <= scroll.viewport().width() and view.height() <= scroll.viewport().height()
    visible = QRect(QPoint(0, 0), scroll.viewport().size())
    assert all(visible.contains(view._rect(s)) for s in range(n))


def test_figures_sit_above_the_palette_and_stay_in_view(qtbot, sidebar):
    sidebar.palette_view.set_palette(palette(256), np.ones(256))
    settle()
    assert sidebar.figures_box.geometry().bottom() < sidebar.palette_box.geometry().top()
    shown = QRect(sidebar.figures_box.mapTo(sidebar.viewport(), QPoint(0, 0)), sidebar.figures_box.size())
    assert sidebar.viewport().rect().contains(shown)  # not pushed below the fold by 256 colors
    sidebar.resize(358, 300)  # a short window: the whole sidebar scrolls
    settle()
    assert sidebar.verticalScrollBar().maximum() > 0


def test_a_narrow_palette_scrolls_inside_its_box(qtbot):
    box = QWidget()
    qtbot.addWidget(box)
    view = PaletteView()
    scroll = PaletteScroll(view)
    QVBoxLayout(box).addWidget(scroll)
    view.set_palette(palette(64), np.ones(64))
    box.resize(140, 500)  # four columns of large swatches: 16 rows, taller than the bound
    box.show()
    qtbot.waitExposed(box)
    settle()
    assert scroll.height() <= grid.BOUNDED_HEIGHT < view.height()
    assert scroll.verticalScrollBar().maximum() > 0 and scroll.horizontalScrollBar().maximum() == 0
    assert view.width() <= scroll.viewport().width()
    focused(qtbot, view)
    qtbot.keyClick(view, Qt.Key.Key_End)  # the focus ring scrolls into view
    assert scroll.verticalScrollBar().value() == scroll.verticalScrollBar().maximum()


def test_sidebar_controls_are_named_and_tab_in_visual_order(qtbot, sidebar):
    sidebar.palette_view.set_palette(PALETTE, np.ones(5))
    assert_named(sidebar)
    assert sidebar.palette_view in interactive_children(sidebar)
    controls = sidebar.controls
    controls.dither_box.setCurrentIndex(controls.dither_box.findData("fs"))
    names = tab_walk(qtbot, controls.strength_slider, 3)
    assert names == ["ditherStrengthSlider", "ditherFlatCheckBox", "paletteSortCombo", "paletteView"]
    chain = controls.tab_chain + [sidebar.sort_box, sidebar.palette_view]
    assert_visual_order(chain, sidebar.widget())
