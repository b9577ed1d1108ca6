"""The error view: where the compressed image differs from the original, as a heat-map.

A checkable ``errorMapButton`` (and View > Error Map, Ctrl+M) switches the compressed side of the
image view to the per-pixel color difference (CIE76 deltaE) of the result shown; the legend says
what the colors mean, and "Go to Worst Region" zooms to the block with the highest mean error.
Maps are computed by the render worker: with each draft and preview while the view is on, then
for the full-resolution result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from .jobs import ErrorMap
from .widgets.heatmap_legend import HeatmapLegend

if TYPE_CHECKING:
    from .main_window import MainWindow


class ErrorView(QObject):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.bar = QWidget()
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton("Error map")
        self.button.setObjectName("errorMapButton")
        self.button.setAccessibleName("errorMapButton")
        self.button.setCheckable(True)
        self.button.setToolTip("Show where the compressed image differs from the original (Ctrl+M)")
        self.legend = HeatmapLegend()
        self.legend.setMinimumWidth(220)
        self.worst_button = QPushButton("Go to worst region")
        self.worst_button.setObjectName("worstRegionButton")
        self.worst_button.setAccessibleName("worstRegionButton")
        self.worst_button.setToolTip("Zoom to the block with the highest mean error (Ctrl+Shift+M)")
        self.status = QLabel("")
        self.status.setAccessibleName("errorMapStatus")
        row.addWidget(self.button)
        row.addWidget(self.legend, 1)
        row.addWidget(self.status)
        row.addWidget(self.worst_button)
        row.addStretch(0)
        self.map: ErrorMap | None = None
        self._worst_asked = False  # Go to Worst Region asked while the map was being measured
        self.button.toggled.connect(self.set_enabled)
        self.worst_button.clicked.connect(self.go_to_worst)
        win.controller.errorMapChanged.connect(self._on_map)
        self._sync()

    @Slot(bool)
    def set_enabled(self, on: bool) -> None:
        """Turn the error view on or off (the button, the menu action and tests come here)."""
        if self.button.isChecked() != on:
            self.button.setChecked(on)  # re-enters through toggled
            return
        act = getattr(self.win, "act_error_map", None)
        if act is not None and act.isChecked() != on:
            act.setChecked(on)
        if not on:
            self._worst_asked = False
        self.win.view.set_mode("error" if on else "result")
        self.win.controller.loop.set_error_mode(on)
        self._sync()

    @property
    def enabled(self) -> bool:
        return self.button.isChecked()

    @Slot(object)
    def _on_map(self, error_map: ErrorMap | None) -> None:
        self.map = error_map
        if error_map is None:
            self.win.view.set_error_map(None, None)
        else:
            self.win.view.set_error_map(error_map.image, error_map.display)
            self.legend.set_scale(error_map.colors, list(error_map.ticks), error_map.vmax)
        self._sync()
        if error_map is not None and self._worst_asked and self.enabled:
            self.go_to_worst()

    def go_to_worst(self) -> None:
        """Zoom to the worst block; asked before the map exists, it is done when the map arrives."""
        if self.win.controller.document is None:
            self.win.show_error("Open an image first")
            return
        if not self.enabled:
            self.set_enabled(True)
        if self.map is None:
            self._worst_asked = True
            self.win._notify("Measuring the error map: going to the worst region when it is ready")
            return
        self._worst_asked = False
        x, y, w, h = self.map.worst
        self.win.view.zoom_to_rect(QRectF(x, y, w, h))
        self.win._notify(f"Worst region: {w} × {h} pixels at ({x}, {y})")

    def _sync(self) -> None:
        on, ready = self.enabled, self.map is not None
        self.legend.setVisible(on and ready)
        self.worst_button.setEnabled(ready)
        self.worst_button.setVisible(on)
        if on and ready:
            self.status.setText(f"mean ΔE {self.map.mean:.2f}")
        else:
            self.status.setText("measuring…" if on else "")
