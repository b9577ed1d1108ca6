"""The figures: colors, sizes, ratios, quality, iterations; marked preview or full resolution."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget


def human_bytes(n: int | float | None) -> str:
    if n is None:
        return "—"
    n = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


ROWS = [
    ("colors", "Colors"),
    ("distinct", "Distinct colors in original"),
    ("bitcount", "Bit-count ratio (tutorial)"),
    ("original", "Original file"),
    ("png", "Indexed PNG"),
    ("ratio", "Real ratio (file / raw)"),
    ("psnr", "PSNR"),
    ("delta_e", "Mean ΔE (CIELAB)"),
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
        layout.addWidget(self.header)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setHorizontalSpacing(12)
        self.values: dict[str, QLabel] = {}
        for key, title in ROWS:
            value = QLabel("—")
            value.setObjectName(f"stat_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(title, value)
            self.values[key] = value
        layout.addLayout(form)

    def clear(self) -> None:
        self.header.setText("No image")
        for v in self.values.values():
            v.setText("—")

    def show_stats(self, s: dict) -> None:
        w, h = s.get("size", (0, 0))
        if s.get("preview"):
            self.header.setText(f"Preview ({w} × {h}) — full resolution follows")
        else:
            self.header.setText(f"Full resolution ({w} × {h})")
        est = "≈ " if s.get("png_estimated") else ""
        v = self.values
        v["colors"].setText(f"{s['colors']}")
        v["distinct"].setText(f"{s['distinct']:,}" + (" (binned)" if s.get("preview") else ""))
        v["bitcount"].setText(f"{s['bitcount_ratio']:.2f} ×")
        v["original"].setText(human_bytes(s.get("original_bytes")) if s.get("original_bytes") else "— (pasted)")
        v["png"].setText(est + human_bytes(s["png_bytes"]) + (" (estimated)" if est else ""))
        raw_ratio = s["raw_bytes"] / s["png_bytes"] if s["png_bytes"] else 0
        if s.get("original_bytes"):
            v["ratio"].setText(f"{est}{s['original_bytes'] / s['png_bytes']:.2f} × / {raw_ratio:.1f} ×")
        else:
            v["ratio"].setText(f"— / {est}{raw_ratio:.1f} ×")
        psnr = s["psnr"]
        v["psnr"].setText("∞ (lossless)" if psnr == float("inf") else f"{psnr:.2f} dB")
        v["delta_e"].setText(f"{s['delta_e']:.2f}")
        v["iterations"].setText(f"{s['iterations']} in {s['seconds'] * 1000:.0f} ms")

    def text(self) -> str:
        """Everything shown, one line per figure (for tests and copying)."""
        return "\n".join([self.header.text()] + [f"{t}: {self.values[k].text()}" for k, t in ROWS])
