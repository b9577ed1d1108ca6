"""The palette view's editing intents: locks, marks for merging, the color menu, "Merge with…".

A mixin of :class:`~kmeans_gui.widgets.palette_view.PaletteView` (which declares the signals and
holds the state): it keeps the view's file to painting, layout and input. Nothing here changes a
color; every edit is a signal the window turns into an undoable command.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QWidget


class PaletteEditing:
    """Needs ``_palette``, ``_hex``, ``_locked``, ``_marked``, ``selected``, ``merge_from`` and the signals."""

    # -- locks and marks ---------------------------------------------------------------------

    def locked(self) -> list[int]:
        """The locked colors' palette indices, ascending."""
        return sorted(self._locked)

    def set_locks(self, indices: Iterable[int]) -> None:
        """Show these palette indices as locked (the window's state); emits nothing."""
        self._locked = {int(i) for i in indices if 0 <= int(i) < len(self._palette)}
        self.update()

    def set_locked(self, i: int, locked: bool) -> None:
        """Lock or unlock color ``i`` as the user would: emits ``lockToggled`` if it changes."""
        if not 0 <= i < len(self._palette) or (i in self._locked) == locked:
            return
        (self._locked.add if locked else self._locked.discard)(i)
        self.update()
        self.lockToggled.emit(i, locked)

    def marked(self) -> list[int]:
        """Colors marked for "Merge selected" (Ctrl+click or Space), oldest first."""
        return list(self._marked)

    def toggle_mark(self, i: int) -> None:
        if i in self._marked:
            self._marked.remove(i)
        else:
            self._marked = (self._marked + [i])[-2:]
        self.update()

    # -- intents -----------------------------------------------------------------------------

    def context_actions(self, index: int, parent: QWidget | None = None) -> dict[str, QAction]:
        """The color menu's actions for palette index ``index``, in menu order (also for tests)."""
        owner = parent or self
        many = len(self._palette) > 1

        def act(text: str, slot, shortcut: str = "", enabled: bool = True) -> QAction:
            a = QAction(text, owner)
            if shortcut:
                a.setShortcut(shortcut)
                a.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # never steals the window's keys
                a.setShortcutVisibleInContextMenu(True)
            a.setEnabled(enabled)
            a.triggered.connect(slot)
            return a

        is_locked = index in self._locked
        return {
            "copy": act("Copy hex code", lambda: self._copy(index)),
            "lock": act("Unlock color" if is_locked else "Lock color",
                        lambda: self.set_locked(index, not is_locked), "L"),
            "recolor": act("Change color…", lambda: self.recolorRequested.emit(index), "F2"),
            "merge_with": act("Merge with…", lambda: self.start_merge(index), enabled=many),
            "merge_selected": act("Merge selected", self.merge_marked, enabled=len(self._marked) == 2),
            "delete": act("Delete color", lambda: self.request_delete(index), "Del", enabled=many),
        }

    def request_delete(self, index: int) -> None:
        if len(self._palette) > 1:  # the last color cannot go
            self.deleteRequested.emit(index)

    def start_merge(self, index: int) -> None:
        """Wait for the user to pick (click, or Enter on) the color to merge ``index`` with."""
        self.merge_from = index
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.update()

    def merge_marked(self) -> None:
        if len(self._marked) == 2:
            a, b = self._marked
            self._marked = []
            self.update()
            self.mergeRequested.emit(a, b)

    def _end_merge(self) -> None:
        self.merge_from = -1
        self.unsetCursor()

    def activate(self, index: int) -> None:
        """A click or Enter on a color: finish a pending merge, else copy it and toggle its highlight."""
        if self.merge_from >= 0:
            first = self.merge_from
            self._end_merge()
            self.update()
            if index != first:
                self.mergeRequested.emit(first, index)
            return
        self._copy(index)
        self.selected = -1 if self.selected == index else index
        self.update()
        self.colorClicked.emit(self.selected)

    def _copy(self, index: int) -> None:
        QGuiApplication.clipboard().setText(self._hex[index])
