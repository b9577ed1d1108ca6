"""A non-modal message strip above the image: errors and notices that never block the user."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

STYLES = {
    "error": "background:#5c2222; color:#ffecec; border-radius:4px;",
    "info": "background:#20415c; color:#eaf4ff; border-radius:4px;",
}


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAccessibleName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        self.label = QLabel()
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.setObjectName("bannerCloseButton")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.kind = "info"
        self.hide()

    def show_message(self, text: str, kind: str = "error", timeout_ms: int = 0) -> None:
        self.kind = kind
        self.setStyleSheet(STYLES.get(kind, STYLES["info"]))
        self.label.setText(text)
        self.show()
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def clear_error(self) -> None:
        """Hide the strip if it shows an error (a notice stays for its own timeout)."""
        if not self.isHidden() and self.kind == "error":
            self.hide()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()
