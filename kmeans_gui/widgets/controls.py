"""The controls: K (slider + spin box), seed, initialization, restarts, color space, dithering.

Each control binds one widget to one setting; every change is emitted at once as a dict of
the changed settings (the controller decides what to render), so there is no "Run" button.
Restarts 0 is shown as "Auto" and emitted as ``None`` (the core's automatic choice).
"""

from __future__ import annotations

import random

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

INIT_CHOICES = [("k-means++", "k-means++"), ("Random points", "random")]
SPACE_CHOICES = [("RGB (lowest error)", "rgb"), ("OKLab (perceptual)", "oklab")]
DITHER_CHOICES = [("None", "none"), ("Floyd–Steinberg", "fs"), ("Ordered (Bayer)", "ordered")]


def _combo(name: str, choices: list[tuple[str, str]]) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setAccessibleName(name)
    for text, value in choices:
        box.addItem(text, value)
    return box


class ControlsPanel(QWidget):
    paramsChanged = Signal(dict)  # the changed fields only

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)

        self.k_slider = QSlider(Qt.Orientation.Horizontal)
        self.k_slider.setObjectName("kSlider")
        self.k_slider.setAccessibleName("kSlider")
        self.k_slider.setRange(2, 256)
        self.k_slider.setTracking(True)
        self.k_slider.setPageStep(8)
        self.k_spin = QSpinBox()
        self.k_spin.setObjectName("kSpinBox")
        self.k_spin.setAccessibleName("kSpinBox")
        self.k_spin.setRange(2, 256)
        self.k_spin.setToolTip("Number of colors K (2-256)")
        k_row = QHBoxLayout()
        k_row.addWidget(self.k_slider, 1)
        k_row.addWidget(self.k_spin)
        form.addRow("Colors (K)", k_row)

        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("seedSpinBox")
        self.seed_spin.setAccessibleName("seedSpinBox")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("Random seed: the same seed always gives the same result")
        self.new_seed = QPushButton("New seed")
        self.new_seed.setObjectName("newSeedButton")
        self.new_seed.setAccessibleName("newSeedButton")
        self.new_seed.setToolTip("Try another random start (Ctrl+R)")
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.new_seed)
        form.addRow("Seed", seed_row)

        self.init_box = _combo("initCombo", INIT_CHOICES)
        self.init_box.setToolTip("How the first centroids are picked")
        form.addRow("Initialization", self.init_box)
        self.restarts = QSpinBox()
        self.restarts.setObjectName("restartsSpinBox")
        self.restarts.setAccessibleName("restartsSpinBox")
        self.restarts.setRange(0, 20)
        self.restarts.setSpecialValueText("Auto")
        self.restarts.setToolTip("K-means restarts (n_init); the lowest error wins. Auto: more for small K")
        form.addRow("Restarts", self.restarts)
        self.space_box = _combo("colorSpaceCombo", SPACE_CHOICES)
        form.addRow("Color space", self.space_box)
        self.dither_box = _combo("ditherCombo", DITHER_CHOICES)
        form.addRow("Dithering", self.dither_box)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid);")
        form.addRow(self.hint)

        self.k_slider.valueChanged.connect(self._k_from_slider)
        self.k_spin.valueChanged.connect(self._k_from_spin)
        self.seed_spin.valueChanged.connect(lambda v: self.paramsChanged.emit({"seed": v}))
        self.new_seed.clicked.connect(self.randomize_seed)
        self.init_box.currentIndexChanged.connect(lambda _: self.paramsChanged.emit({"init": self.init_box.currentData()}))
        self.restarts.valueChanged.connect(lambda v: self.paramsChanged.emit({"n_init": v or None}))
        self.space_box.currentIndexChanged.connect(
            lambda _: self.paramsChanged.emit({"color_space": self.space_box.currentData()}))
        self.dither_box.currentIndexChanged.connect(
            lambda _: self.paramsChanged.emit({"dither": self.dither_box.currentData()}))
        self.set_values(k=16, seed=0, init="k-means++", n_init=None, color_space="rgb", dither="none")

    def _k_from_slider(self, k: int) -> None:
        with QSignalBlocker(self.k_spin):
            self.k_spin.setValue(k)
        self._update_hint(k)
        self.paramsChanged.emit({"k": k})

    def _k_from_spin(self, k: int) -> None:
        with QSignalBlocker(self.k_slider):
            self.k_slider.setValue(k)
        self._update_hint(k)
        self.paramsChanged.emit({"k": k})

    def _update_hint(self, k: int) -> None:
        bits = max(1, (k - 1).bit_length())
        self.hint.setText(f"{k} colors: {bits} bit{'s' if bits > 1 else ''} per pixel instead of 24")

    def randomize_seed(self) -> None:
        self.seed_spin.setValue(random.randrange(0, 100_000))

    def set_values(self, *, k: int, seed: int, init: str, n_init: int | None, color_space: str,
                   dither: str) -> None:
        """Show these settings without emitting anything."""
        widgets = [self.k_slider, self.k_spin, self.seed_spin, self.init_box, self.restarts, self.space_box, self.dither_box]
        blockers = [QSignalBlocker(w) for w in widgets]
        self.k_slider.setValue(k)
        self.k_spin.setValue(k)
        self.seed_spin.setValue(seed)
        self.init_box.setCurrentIndex(max(0, self.init_box.findData(init)))
        self.restarts.setValue(n_init or 0)
        self.space_box.setCurrentIndex(max(0, self.space_box.findData(color_space)))
        self.dither_box.setCurrentIndex(max(0, self.dither_box.findData(dither)))
        del blockers
        self._update_hint(k)
