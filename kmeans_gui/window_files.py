"""The main window's file commands, as mixins of :class:`~kmeans_gui.main_window.MainWindow`.

``OpeningMixin``: open, paste, drop, recent files, what a new document changes in the window.
``SavingMixin``: save, export and copy, and the one message each request ends with.
Dialogs sit behind small ``_ask_*`` methods that tests replace.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer, QUrl, Slot
from PySide6.QtGui import QGuiApplication, QImage

from core.io import SAVE_FORMATS
from core.write_guard import printable

from . import dialogs, settings_store
from .jobs import Document, WriteDone


class OpeningMixin:
    def open_path(self, path: str | Path) -> None:
        """Open an image file (in the worker); errors show in the banner, the current image stays."""
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.controller.open_path(path)

    def open_dialog(self) -> None:
        path = self._ask_open_path()
        if path:
            self.open_path(path)

    def _ask_open_path(self) -> str | None:
        return dialogs.ask_open_path(self, settings_store.text_value(self.settings, "lastFolder", str(Path.home())))

    def paste_image(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and mime.urls()[0].isLocalFile():
            self.open_path(mime.urls()[0].toLocalFile())
            return
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self.show_error("The clipboard holds no image")
            return
        self.statusBar().showMessage("Opening the pasted image…")
        self.controller.open_image(image, "pasted image")

    @Slot(object)
    def _on_document(self, doc: Document) -> None:
        self.undo_stack.clear()  # edits of the previous image cannot be undone on this one
        self.view.set_original(doc.before, doc.before_display)
        self.view.clear_result()
        self.palette_view.set_palette(np.zeros((0, 3), np.uint8), np.zeros(0))
        self.stats.clear()
        self.banner.hide()
        kept = self.controller.options
        if kept.fixed or kept.palette:
            what = f"palette file ({len(kept.palette)} colors)" if kept.palette else f"{len(kept.fixed)} locked colors"
            self.banner.show_message(f"Kept from the previous image: {what} (File › Use K-means Colors, or unlock)",
                                     "info", 8000)
        loaded = doc.loaded
        self.setWindowTitle(f"{doc.name} — K-Means Image Compressor")
        notes = "; ".join(loaded.notes)
        self.statusBar().showMessage(f"{doc.name}: {loaded.width} × {loaded.height}" + (f" — {notes}" if notes else ""))
        if notes:
            self.banner.show_message(f"{doc.name}: {notes}", "info", 6000)
        if loaded.path is not None:
            self.settings.setValue("lastFolder", str(loaded.path.parent))
            self._add_recent(loaded.path)
            self._warn_once_if_settings_unsaved()

    def _warn_once_if_settings_unsaved(self) -> None:
        """Say once per window that nothing it remembers reaches the disk (it did so silently)."""
        problem = settings_store.unsaved_problem(self.settings)
        if problem and not getattr(self, "_settings_warned", False):
            self._settings_warned = True
            if self.banner.isVisible():  # the image's own notes first; this one after them
                QTimer.singleShot(8000, lambda: self.banner.show_message(problem, "info", 12000))
            else:
                self.banner.show_message(problem, "info", 12000)

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self.show_error(message)

    # -- recent files and drag and drop ------------------------------------------------

    def recent_files(self) -> list[str]:
        return settings_store.recent_files(self.settings)

    def _add_recent(self, path: Path) -> None:
        settings_store.add_recent(self.settings, path)
        self._rebuild_recent()

    def _rebuild_recent(self) -> None:
        self.recent_menu.clear()
        items = self.recent_files()
        for p in items:
            act = self.recent_menu.addAction(Path(p).name.replace("&", "&&"))  # a single & marks a shortcut key
            act.setToolTip(p)
            act.triggered.connect(lambda _=False, p=p: self.open_recent(p))
        self.recent_menu.setEnabled(bool(items))

    def open_recent(self, path: str) -> None:
        """Open a remembered file; one that is gone is said so and leaves the menu."""
        if not os.path.lexists(path):
            settings_store.remove_recent(self.settings, path)
            self._rebuild_recent()
            self.show_error(f"{printable(Path(path).name)}: file not found (moved or deleted); "
                            "removed from Open Recent")
            return
        self.open_path(path)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def open_paths(self, paths: list[Path]) -> None:
        """What dropping ``paths`` does: one image opens; several, or a folder, are compressed
        as a batch (after asking where to)."""
        if len(paths) == 1 and not paths[0].is_dir():
            self.open_path(paths[0])
        else:
            self.compress_many(paths)

    def dropEvent(self, event) -> None:  # noqa: N802
        mime = event.mimeData()
        urls: list[QUrl] = mime.urls() if mime.hasUrls() else []
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        if paths:
            self.open_paths(paths)
        elif mime.hasImage():
            self.controller.open_image(QImage(mime.imageData()), "dropped image")
        else:
            self.show_error("Only local image files can be dropped here")
            return
        event.acceptProposedAction()



class SavingMixin:
    def save_to(self, path: str | Path, fmt: str | None = None) -> int:
        """Save the full-resolution result of what is shown to ``path``; returns the request number."""
        self.settings.setValue("lastSaveFolder", str(Path(path).parent))
        self.statusBar().showMessage(f"Saving {Path(path).name}…")
        return self.controller.save(path, fmt, skip_if_larger=self.act_never_larger.isChecked())

    def save_dialog(self) -> None:
        if self.controller.document is None:
            self.show_error("Nothing to save: open an image first")
            return
        path, fmt = self._ask_save_path()
        if path:
            self.settings.setValue("lastSaveFormat", fmt)
            self.save_to(path, fmt)

    def _ask_save_path(self) -> tuple[str | None, str]:
        doc = self.controller.document
        fmt = settings_store.text_value(self.settings, "lastSaveFormat", "png")
        fmt = fmt if fmt in dialogs.SAVE_FILTERS else "png"
        folder = Path(settings_store.text_value(self.settings, "lastSaveFolder", str(doc.path.parent if doc.path else Path.home())))
        stem = doc.path.stem if doc.path else "pasted"
        return dialogs.ask_save_path(self, folder / f"{stem}-k{self.controller.options.k}{SAVE_FORMATS[fmt]}", fmt)

    def export_dialog(self) -> None:
        if self.controller.document is None:
            self.show_error("No palette yet: open an image first")
            return
        path, fmt = self._ask_palette_path()
        if path:
            self.settings.setValue("lastPaletteFormat", fmt)
            self.export_palette_to(path)

    def export_palette_to(self, path: str | Path) -> int:
        """Export the palette of the settings shown (rendered at full resolution first if needed)."""
        self.statusBar().showMessage(f"Exporting the palette to {Path(path).name}…")
        return self.controller.export_palette(path, self.palette_view.sort_by)

    def _ask_palette_path(self) -> tuple[str | None, str]:
        doc = self.controller.document
        stem = f"{doc.path.stem if doc.path else 'pasted'}-k{self.controller.options.k}-palette"
        return dialogs.ask_palette_path(self, settings_store.text_value(self.settings, "lastSaveFolder", str(Path.home())), stem,
                                        settings_store.text_value(self.settings, "lastPaletteFormat", "gpl"))

    @Slot(object, object)
    def _on_write_finished(self, done: WriteDone, kind: str) -> None:
        if done.error:
            self.show_error(done.error)
        else:
            self.banner.clear_error()  # an earlier failure is stale once a save or export worked
            self._notify(done.message)
        signal = self.saveFinished if kind == "save" else self.exportFinished
        signal.emit(str(done.path), done.error)

    def copy_result(self) -> None:
        """Copy the full-resolution result of the settings shown; like Save, it is rendered
        first when only a draft or preview is on screen (the copy then follows it)."""
        c = self.controller
        if c.shown is None or c.document is None:
            self.show_error("Nothing to copy yet")
            return
        full = c.full_for(c.options)
        if full is not None:
            self._copy_wanted = None
            self._copy_image(full)
            return
        self._copy_wanted = (c.document.id, c.options)
        self.statusBar().showMessage("Rendering the full result to copy…")
        c.ensure_full()

    def _copy_image(self, result) -> None:
        QGuiApplication.clipboard().setImage(result.image)
        self._notify("Compressed image copied to the clipboard")

    def _copy_on_result(self, result) -> None:
        """A result was shown: a copy waiting for it is done, or told why it never will be.

        An older render may still be shown on the way (the loop shows the last settings'
        result while the current one renders): only a change of the settings since Ctrl+C
        ends the copy."""
        wanted = getattr(self, "_copy_wanted", None)
        if wanted is None:
            return
        c = self.controller
        if c.document is None or (c.document.id, c.options) != wanted:
            self._drop_copy("the settings changed before the full result was ready")
        elif (result.doc_id, result.options) == wanted and result.stage == "full":
            self._copy_wanted = None
            self._copy_image(result)

    def _drop_copy(self, why: str) -> None:
        """End a waiting copy with a message that says nothing was copied, and why."""
        if getattr(self, "_copy_wanted", None) is not None:
            self._copy_wanted = None
            self.show_error(f"Nothing copied: {why} (press Ctrl+C again)")
