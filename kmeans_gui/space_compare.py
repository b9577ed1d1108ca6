"""Hold Space anywhere in the main window to see the original.

Qt gives Space to the focused widget: a focused "New seed" button would be clicked and a
focused checkbox toggled, so Space compared only while the picture had focus. This filter
takes Space for the picture wherever the focus is in the window, except where Space is typed
or has its own documented meaning (text and number fields, the palette's swatches, which Space
marks for merging).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

#: Widgets whose own Space stays theirs: typing, and the menu bar's keyboard navigation.
_TYPING = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit, QMenuBar, QMenu)


class SpaceToCompare(QObject):
    """Application-wide event filter: Space held in ``window`` shows ``view``'s original."""

    def __init__(self, window: QWidget, view, keep_space: tuple[QWidget, ...] = ()) -> None:
        super().__init__(window)
        self._window = window
        self._view = view
        self._keep = keep_space

    def _takes_space(self, focus: QWidget | None) -> bool:
        if focus is None or focus.window() is not self._window or focus is self._view:
            return False  # other windows and dialogs keep Space; the picture handles it itself
        if isinstance(focus, _TYPING) or (isinstance(focus, QComboBox) and focus.isEditable()):
            return False
        return not any(w is focus or w.isAncestorOf(focus) for w in self._keep)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and obj is QApplication.focusWidget():
            if event.key() != Qt.Key.Key_Space:
                return False
            if kind == QEvent.Type.KeyRelease and not event.isAutoRepeat() and self._view.show_original:
                # Released wherever the focus went meanwhile (or with Shift held): never left on.
                self._view.hold_original(False)
                return self._takes_space(obj)
            if not event.modifiers() and self._takes_space(obj):
                if kind == QEvent.Type.KeyPress and not event.isAutoRepeat():
                    self._view.hold_original(True)
                return True
        elif kind == QEvent.Type.ApplicationStateChange and self._view.show_original:
            self._view.hold_original(False)  # Alt-Tab with Space down: the release never comes here
        return False
