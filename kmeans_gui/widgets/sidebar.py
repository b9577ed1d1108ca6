"""The right-hand side of the window: compression controls, the palette and the figures."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGroupBox, QScrollArea, QVBoxLayout, QWidget

from .controls import ControlsPanel
from .palette_view import PaletteView
from .stats_panel import StatsPanel

SORT_CHOICES = (("By share", "frequency"), ("By luminance", "luminance"), ("By hue", "hue"))


class Sidebar(QScrollArea):
    """Holds ``controls``, ``sort_box``, ``palette_view`` and ``stats``; scrolls if short."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controls = ControlsPanel()
        self.palette_view = PaletteView()
        self.sort_box = QComboBox()
        self.sort_box.setObjectName("paletteSortCombo")
        for text, value in SORT_CHOICES:
            self.sort_box.addItem(text, value)
        self.stats = StatsPanel()

        inner = QWidget()
        layout = QVBoxLayout(inner)
        controls_box = QGroupBox("Compression")
        QVBoxLayout(controls_box).addWidget(self.controls)
        palette_box = QGroupBox("Palette")
        pv = QVBoxLayout(palette_box)
        pv.addWidget(self.sort_box)
        pv.addWidget(self.palette_view)
        stats_box = QGroupBox("Figures")
        QVBoxLayout(stats_box).addWidget(self.stats)
        for box in (controls_box, palette_box, stats_box):
            layout.addWidget(box)
        layout.addStretch(1)
        self.setWidgetResizable(True)
        self.setWidget(inner)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(inner.sizeHint().width() + 16)
        self.sort_box.currentIndexChanged.connect(lambda _: self.palette_view.set_sort(self.sort_box.currentData()))
