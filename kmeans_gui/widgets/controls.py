"""The controls: K (slider + spin box), seed, initialization, restarts, color space, dithering.

Each control binds one widget to one setting; every change is emitted at once as a dict of
the changed settings (the controller decides what to render), so there is no "Run" button.
Restarts 0 is shown as "Auto" and emitted as ``None`` (the core's automatic choice).
Every control carries an accessible name (its object name) and a tooltip, and Tab visits
them in the order they are drawn.
"""

from __future__ import annotations

import random
from itertools import pairwise

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
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


def _named(widget: QWidget, name: str, tip: str) -> None:
    """Object name = accessible name, so tests and screen readers find the same control."""
    widget.setObjectName(name)
    widget.setAccessibleName(name)
    widget.setToolTip(tip)


def _combo(name: str, choices: list[tuple[str, str]], tip: str) -> QComboBox:
    box = QComboBox()
    _named(box, name, tip)
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
        _named(self.k_slider, "kSlider", "Number of colors K (2-256); the preview follows the drag")
        self.k_slider.setRange(2, 256)
        self.k_slider.setTracking(True)
        self.k_slider.setPageStep(8)
        self.k_spin = QSpinBox()
        _named(self.k_spin, "kSpinBox", "Number of colors K (2-256)")
        self.k_spin.setRange(2, 256)
        k_row = QHBoxLayout()
        k_row.addWidget(self.k_slider, 1)
        k_row.addWidget(self.k_spin)
        form.addRow("Colors (K)", k_row)

        self.seed_spin = QSpinBox()
        _named(self.seed_spin, "seedSpinBox", "Random seed: the same seed always gives the same result")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.new_seed = QPushButton("New seed")
        _named(self.new_seed, "newSeedButton", "Try another random start (Ctrl+R)")
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.new_seed)
        form.addRow("Seed", seed_row)

        self.init_box = _combo("initCombo", INIT_CHOICES, "How the first centroids are picked")
        form.addRow("Initialization", self.init_box)
        self.restarts = QSpinBox()
        _named(self.restarts, "restartsSpinBox",
               "K-means restarts (n_init); the lowest error wins. Auto: more for small K")
        self.restarts.setRange(0, 20)
        self.restarts.setSpecialValueText("Auto")
        form.addRow("Restarts", self.restarts)
        self.space_box = _combo("colorSpaceCombo", SPACE_CHOICES,
                                "Where colors are compared: RGB gives the lowest pixel error, "
                                "OKLab follows what the eye sees")
        form.addRow("Color space", self.space_box)
        self.dither_box = _combo("ditherCombo", DITHER_CHOICES,
                                 "Dithering mixes palette colors to fake the missing ones (larger files)")
        form.addRow("Dithering", self.dither_box)
        self.strength_slider = QSlider(Qt.Orientation.Horizontal)
        _named(self.strength_slider, "ditherStrengthSlider",
               "Floyd–Steinberg strength: how much of each pixel's error spreads to its neighbours "
               "(0-100 %); lower is calmer and smaller")
        self.strength_slider.setRange(0, 100)
        self.strength_slider.setPageStep(10)
        self.strength_label = QLabel("100 %")
        self.strength_label.setObjectName("ditherStrengthLabel")
        self.strength_label.setMinimumWidth(self.strength_label.fontMetrics().horizontalAdvance("100 %") + 4)
        self.strength_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        strength_row = QHBoxLayout()
        strength_row.addWidget(self.strength_slider, 1)
        strength_row.addWidget(self.strength_label)
        form.addRow("Strength", strength_row)
        self.flat_box = QCheckBox("Keep flat areas clean")
        _named(self.flat_box, "ditherFlatCheckBox",
               "No dithering noise in perfectly flat areas (screenshots, logos, skies); "
               "the error is not diffused where a pixel's 5×5 neighborhood is one color")
        form.addRow("", self.flat_box)
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
        self.dither_box.currentIndexChanged.connect(self._dither_changed)
        self.strength_slider.valueChanged.connect(self._strength_changed)
        self.flat_box.toggled.connect(lambda on: self.paramsChanged.emit({"dither_flat": 0.0 if on else None}))
        #: The interactive controls in visual order, which is also their tab order.
        self.tab_chain: list[QWidget] = [self.k_slider, self.k_spin, self.seed_spin, self.new_seed, self.init_box,
                                         self.restarts, self.space_box, self.dither_box, self.strength_slider,
                                         self.flat_box]
        for first, second in pairwise(self.tab_chain):
            QWidget.setTabOrder(first, second)
        self.set_values(k=16, seed=0, init="k-means++", n_init=None, color_space="rgb", dither="none")

    def _dither_changed(self, _index: int) -> None:
        self._sync_strength_enabled()
        self.paramsChanged.emit({"dither": self.dither_box.currentData()})

    def _strength_changed(self, value: int) -> None:
        self.strength_label.setText(f"{value} %")
        self.paramsChanged.emit({"dither_strength": value / 100})

    def _sync_strength_enabled(self) -> None:
        """Only Floyd–Steinberg has a strength; the slider is greyed out otherwise."""
        on = self.dither_box.currentData() == "fs"
        self.strength_slider.setEnabled(on)
        self.strength_label.setEnabled(on)
        self.flat_box.setEnabled(self.dither_box.currentData() != "none")

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
                   dither: str, dither_strength: float = 1.0, dither_flat: float | None = None) -> None:
        """Show these settings without emitting anything (``dither_strength`` is 0..1)."""
        widgets = [self.k_slider, self.k_spin, self.seed_spin, self.init_box, self.restarts, self.space_box,
                   self.dither_box, self.strength_slider, self.flat_box]
        blockers = [QSignalBlocker(w) for w in widgets]
        self.k_slider.setValue(k)
        self.k_spin.setValue(k)
        self.seed_spin.setValue(seed)
        self.init_box.setCurrentIndex(max(0, self.init_box.findData(init)))
        self.restarts.setValue(n_init or 0)
        self.space_box.setCurrentIndex(max(0, self.space_box.findData(color_space)))
        self.dither_box.setCurrentIndex(max(0, self.dither_box.findData(dither)))
        percent = round(min(1.0, max(0.0, float(dither_strength))) * 100)
        self.strength_slider.setValue(percent)
        self.flat_box.setChecked(dither_flat is not None)
        del blockers
        self.strength_label.setText(f"{percent} %")
        self._sync_strength_enabled()
        self._update_hint(k)
