"""The figures: colors, sizes, ratios, quality, iterations; the header says which stage they describe.

The panel shows texts it is given (see ``kmeans_gui.figures_text``); it formats nothing itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

ROWS = [
    ("colors", "Colors"),
    ("distinct", "Distinct colors in original"),
    ("bitcount", "Bit-count ratio (tutorial)"),
    ("original", "Original file"),
    ("png", "Indexed PNG"),
    ("ratio", "Real ratio (file / raw)"),
    ("psnr", "PSNR"),
    ("delta_e", "Mean ΔE (CIELAB)"),
    ("ssim", "SSIM (luma)"),
    ("locked", "Locked colors"),
    ("iterations", "Iterations / time"),
]


class StatsPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statsPanel")
        self.setAccessibleName("statsPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel("No image")
        self.header.setObjectName("statsHeader")
        self.header.setStyleSheet("font-weight: 600;")
        self.header.setWordWrap(True)  # long stage texts wrap instead of widening the sidebar
        layout.addWidget(self.header)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setHorizontalSpacing(12)
        self.values: dict[str, QLabel] = {}
        for key, title in ROWS:
            value = QLabel("—")
            value.setObjectName(f"stat_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            form.addRow(title, value)
            self.values[key] = value
        layout.addLayout(form)

    def clear(self) -> None:
        self.header.setText("No image")
        for v in self.values.values():
            v.setText("—")

    def set_header(self, text: str) -> None:
        """Say which stage the figures describe (or that they are being measured)."""
        self.header.setText(text)

    def show_rows(self, rows: dict[str, str]) -> None:
        """Show the given texts (row key -> text); rows not given show a dash."""
        for key, label in self.values.items():
            label.setText(rows.get(key, "—"))

    def text(self) -> str:
        """Everything shown, one line per figure (for tests and copying)."""
        return "\n".join([self.header.text()] + [f"{t}: {self.values[k].text()}" for k, t in ROWS])
