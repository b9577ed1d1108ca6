"""The right-hand side of the window: compression controls, the figures and the palette.

Figures sit above the palette, so a large palette never pushes them off screen; the palette
has a bounded height with its own scroll bar, and the whole sidebar scrolls when the window
is too short for everything.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .controls import ControlsPanel
from .palette_grid import BOUNDED_HEIGHT
from .palette_view import PaletteView
from .stats_panel import StatsPanel

SORT_CHOICES = (("By share", "frequency"), ("By luminance", "luminance"), ("By hue", "hue"))


class PaletteScroll(QScrollArea):
    """Scrolls the palette view vertically; as tall as the palette, at most ``BOUNDED_HEIGHT``."""

    def __init__(self, view: PaletteView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paletteScroll")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes straight to the view inside
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidgetResizable(True)
        self.setWidget(view)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return min(self.widget().heightForWidth(width), BOUNDED_HEIGHT)

    def sizeHint(self) -> QSize:
        width = self.width() if self.isVisible() else 300
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.widget().minimumSizeHint().width(), 0)

    def _refit(self) -> None:
        """Hide the scroll bar whenever the palette fits: a bar shown "as needed" would narrow the
        view, make it taller and so keep itself shown."""
        fits = self.widget().heightForWidth(self.width()) <= BOUNDED_HEIGHT
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fits
                                        else Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.updateGeometry()  # the height follows the palette and the width

    def event(self, e) -> bool:
        if e.type() == QEvent.Type.LayoutRequest:  # the palette view changed its size hint
            self._refit()
        return super().event(e)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._refit()


class Sidebar(QScrollArea):
    """Holds ``controls``, ``stats``, ``sort_box`` and ``palette_view`` (in ``palette_scroll``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.controls = ControlsPanel()
        self.palette_view = PaletteView()
        self.sort_box = QComboBox()
        self.sort_box.setObjectName("paletteSortCombo")
        self.sort_box.setAccessibleName("paletteSortCombo")
        self.sort_box.setToolTip("Order of the palette's colors (display only; the file keeps its own order)")
        for text, value in SORT_CHOICES:
            self.sort_box.addItem(text, value)
        self.stats = StatsPanel()
        self.palette_scroll = PaletteScroll(self.palette_view)

        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.controls_box = QGroupBox("Compression")
        QVBoxLayout(self.controls_box).addWidget(self.controls)
        self.figures_box = QGroupBox("Figures")
        QVBoxLayout(self.figures_box).addWidget(self.stats)
        self.palette_box = QGroupBox("Palette")
        pv = QVBoxLayout(self.palette_box)
        pv.addWidget(self.sort_box)
        pv.addWidget(self.palette_scroll)
        for box in (self.controls_box, self.figures_box, self.palette_box):
            layout.addWidget(box)
        layout.addStretch(1)
        self.setWidgetResizable(True)
        self.setWidget(inner)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(inner.sizeHint().width() + 16)
        QWidget.setTabOrder(self.controls.tab_chain[-1], self.sort_box)
        QWidget.setTabOrder(self.sort_box, self.palette_view)
        self.sort_box.currentIndexChanged.connect(lambda _: self.palette_view.set_sort(self.sort_box.currentData()))
