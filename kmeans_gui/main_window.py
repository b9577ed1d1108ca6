"""The main window: menus and shortcuts, layout, wiring, settings, drag and drop.

Dialogs live behind small ``_ask_*`` / ``_show_*`` methods so tests and scripts can replace
them. ``open_path`` and ``save_to`` are what the menu actions call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, QUrl, Slot
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QImage, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.io import SAVE_FORMATS
from core.palette import hex_color
from core.pipeline import CompressOptions

from . import dialogs, settings_store
from .batch import collect_images, summary_text
from .controller import Controller
from .qt_images import array_to_qimage, qimage_png_bytes
from .resources_path import icon_path, sample_photo_path
from .widgets.banner import Banner
from .widgets.image_view import ImageView
from .widgets.sidebar import Sidebar


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("K-Means Image Compressor")
        if icon_path().exists():
            self.setWindowIcon(QIcon(str(icon_path())))
        self.setAcceptDrops(True)
        self.settings = settings or QSettings()
        self.controller = Controller(self)
        self._batch_dialog: QProgressDialog | None = None
        self._build_ui()
        self._build_menus()
        self._wire()
        self._restore_settings()

    # -- layout --------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.view = ImageView()
        self.banner = Banner()
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(6, 6, 0, 6)
        lv.addWidget(self.banner)
        lv.addWidget(self.view, 1)

        self.sidebar = Sidebar()
        self.controls = self.sidebar.controls
        self.palette_view = self.sidebar.palette_view
        self.sort_box = self.sidebar.sort_box
        self.stats = self.sidebar.stats

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.sidebar)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([900, 340])
        self.setCentralWidget(splitter)

        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setAccessibleName("progressBar")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName("cancelButton")
        self.cancel_button.setToolTip("Stop the running computation (Esc)")
        self.zoom_label = QLabel("")
        status = self.statusBar()
        status.addPermanentWidget(self.zoom_label)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        self._set_busy(False)
        self.resize(1280, 800)

    def _action(self, text: str, slot, shortcut=None, menu=None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        if menu is not None:
            menu.addAction(act)
        self.addAction(act)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.act_open = self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open, file)
        self.recent_menu = file.addMenu("Open &Recent")
        self.act_paste = self._action("&Paste Image", self.paste_image, QKeySequence.StandardKey.Paste, file)
        self.act_sample = self._action("Open &Sample Photo", lambda: self.open_path(sample_photo_path()), None, file)
        file.addSeparator()
        self.act_save = self._action("&Save Compressed As…", self.save_dialog, QKeySequence.StandardKey.Save, file)
        self.act_export = self._action("&Export Palette…", self.export_dialog, "Ctrl+E", file)
        self.act_batch = self._action("&Compress Files…", self.batch_dialog, "Ctrl+Shift+O", file)
        file.addSeparator()
        self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, file)
        edit = bar.addMenu("&Edit")
        self.act_copy = self._action("&Copy Result", self.copy_result, QKeySequence.StandardKey.Copy, edit)
        self._action("New &Random Seed", self.controls.randomize_seed, "Ctrl+R", edit)
        view = bar.addMenu("&View")
        self._action("Zoom &In", self.view.zoom_in, QKeySequence.StandardKey.ZoomIn, view)
        self.addAction(self._action("Zoom In", self.view.zoom_in, "Ctrl+="))
        self._action("Zoom &Out", self.view.zoom_out, QKeySequence.StandardKey.ZoomOut, view)
        self._action("&Fit to Window", self.view.fit, "Ctrl+0", view)
        self._action("&Actual Size (100%)", self.view.actual_size, "Ctrl+1", view)
        self.act_split = self._action("Before/After &Divider", self._toggle_split, "Ctrl+D", view)
        self.act_split.setCheckable(True)
        self.act_split.setChecked(True)
        tools = bar.addMenu("&Tools")
        self.act_playground = self._action("K-means &Playground…", self.open_playground, "Ctrl+Shift+P", tools)
        self.act_choose_k = self._action("&Choose K…", self.open_choose_k, "Ctrl+K", tools)
        help_menu = bar.addMenu("&Help")
        self._action("&About", self.about, None, help_menu)
        self.act_cancel = self._action("Cancel", self.controller.cancel, Qt.Key.Key_Escape)
        self._rebuild_recent()

    def _wire(self) -> None:
        c = self.controller
        self.controls.paramsChanged.connect(lambda changes: c.set_params(**changes))
        self.cancel_button.clicked.connect(c.cancel)
        self.palette_view.colorClicked.connect(self._highlight_color)
        self.view.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        c.documentChanged.connect(self._on_document)
        c.previewChanged.connect(self._on_result)
        c.statsChanged.connect(self.stats.show_stats)
        c.busyChanged.connect(self._set_busy)
        c.progressChanged.connect(self._on_progress)
        c.errorOccurred.connect(self.show_error)
        c.saved.connect(self._on_saved)
        c.exported.connect(lambda p: self._notify(f"Palette exported to {p}"))
        c.batchFinished.connect(self._on_batch_done)
        c.jobCancelled.connect(lambda kind: kind in ("batch", "save") and self._notify(f"{kind.capitalize()} cancelled"))

    # -- opening -------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> None:
        """Open an image file (in the worker); errors show in the banner, the current image stays."""
        self._pending_open = Path(path)
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.controller.open_path(path)

    def open_dialog(self) -> None:
        path = self._ask_open_path()
        if path:
            self.open_path(path)

    def _ask_open_path(self) -> str | None:
        return dialogs.ask_open_path(self, self.settings.value("lastFolder", str(Path.home())))

    def paste_image(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and mime.urls()[0].isLocalFile():
            self.open_path(mime.urls()[0].toLocalFile())
            return
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self.show_error("The clipboard holds no image")
            return
        self.controller.open_bytes(qimage_png_bytes(image), "pasted image")

    @Slot(object)
    def _on_document(self, loaded) -> None:
        before, display = self.controller.original_images
        self.view.set_original(before, display)
        self.view.clear_result()
        self.palette_view.set_palette(np.zeros((0, 3), np.uint8), np.zeros(0))
        self.stats.clear()
        self.banner.hide()
        name = loaded.path.name if loaded.path else "pasted image"
        self.setWindowTitle(f"{name} — K-Means Image Compressor")
        notes = "; ".join(loaded.notes)
        self.statusBar().showMessage(f"{name}: {loaded.width} × {loaded.height}" + (f" — {notes}" if notes else ""))
        if notes:
            self.banner.show_message(f"{name}: {notes}", "info", 6000)
        if loaded.path is not None:
            self.settings.setValue("lastFolder", str(loaded.path.parent))
            self._add_recent(loaded.path)

    @Slot(object)
    def _on_result(self, result) -> None:
        self.view.set_result(result.image, result.display)
        self.palette_view.set_palette(result.palette, result.counts)
        self.view.set_highlight(None)

    # -- saving --------------------------------------------------------------------------

    def save_to(self, path: str | Path, fmt: str | None = None) -> None:
        """Save the full-resolution result to ``path`` (rendered first if needed)."""
        self.settings.setValue("lastSaveFolder", str(Path(path).parent))
        self.controller.save(path, fmt)

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
        fmt = self.settings.value("lastSaveFormat", "png")
        fmt = fmt if fmt in dialogs.SAVE_FILTERS else "png"
        folder = Path(self.settings.value("lastSaveFolder", str(doc.path.parent if doc.path else Path.home())))
        stem = doc.path.stem if doc.path else "pasted"
        return dialogs.ask_save_path(self, folder / f"{stem}-k{self.controller.params.k}{SAVE_FORMATS[fmt]}", fmt)

    @Slot(object)
    def _on_saved(self, res) -> None:
        extra = f" ({'; '.join(res.notes)})" if res.notes else ""
        self._notify(f"Saved {res.path.name}: {res.bytes:,} bytes{extra}")

    def export_dialog(self) -> None:
        if self.controller.current is None:
            self.show_error("No palette yet: open an image first")
            return
        path = self._ask_palette_path()
        if path:
            self.export_palette_to(path)

    def export_palette_to(self, path: str | Path) -> None:
        self.controller.export_palette(path, self.palette_view.sort_by)

    def _ask_palette_path(self) -> str | None:
        return dialogs.ask_palette_path(self, self.settings.value("lastSaveFolder", str(Path.home())))

    def copy_result(self) -> None:
        if self.controller.current is None:
            self.show_error("Nothing to copy yet")
            return
        QGuiApplication.clipboard().setImage(self.controller.current.image)
        self._notify("Compressed image copied to the clipboard")

    # -- batch ---------------------------------------------------------------------------

    def batch_dialog(self) -> None:
        paths = dialogs.ask_open_paths(self, self.settings.value("lastFolder", str(Path.home())))
        if paths:
            self.compress_many(paths)

    def compress_many(self, paths: list[Path]) -> None:
        files = collect_images(paths)
        if not files:
            self.show_error("No image files found in what was dropped")
            return
        choice = self._ask_batch_destination(len(files))
        if choice is None:
            return
        p = self.controller.params
        options = CompressOptions(k=p.k, seed=p.seed, color_space=p.color_space, dither=p.dither, init=p.init,
                                  n_init=p.n_init or None)
        self._batch_dialog = QProgressDialog(f"Compressing {len(files)} images…", "Cancel", 0, 100, self)
        self._batch_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self._batch_dialog.setMinimumDuration(0)
        self._batch_dialog.canceled.connect(self.controller.cancel)
        self._batch_dialog.show()
        self.controller.run_batch(files, choice if isinstance(choice, Path) else None, options)

    def _ask_batch_destination(self, count: int):
        """A folder (Path), "beside" (next to the originals), or None to cancel."""
        return dialogs.ask_batch_destination(self, count, self.controller.params.k, self.settings.value("lastFolder", ""))

    @Slot(object)
    def _on_batch_done(self, results) -> None:
        dialog, self._batch_dialog = self._batch_dialog, None
        if dialog is not None:
            dialog.canceled.disconnect()
            dialog.close()
            dialog.deleteLater()
        self.last_batch = results
        self._show_summary(summary_text(results))

    def _show_summary(self, text: str) -> None:
        dialogs.show_summary(self, text)

    # -- feedback ------------------------------------------------------------------------

    @Slot(str)
    def show_error(self, message: str) -> None:
        self.banner.show_message(message, "error")
        self.statusBar().showMessage(message, 8000)

    def _notify(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    @Slot(bool)
    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setValue(0)

    @Slot(float, str)
    def _on_progress(self, fraction: float, stage: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self.progress.setToolTip(stage)
        dialog = self._batch_dialog  # setValue may process events that finish the batch
        if dialog is not None:
            dialog.setLabelText(f"Compressing… {stage}")
            dialog.setValue(min(99, int(fraction * 100)))

    def _highlight_color(self, index: int) -> None:
        result = self.controller.current
        if result is None or index < 0:
            self.view.set_highlight(None)
            return
        idx = result.indices
        step = max(1, int(np.ceil(np.sqrt(idx.size / 1_500_000))))
        other = idx[::step, ::step] != index
        overlay = np.zeros(other.shape + (4,), np.uint8)
        overlay[other] = (20, 20, 20, 200)
        self.view.set_highlight(array_to_qimage(overlay))
        self._notify(f"{hex_color(result.palette[index])} copied; its pixels are highlighted (click again to clear)")

    def _toggle_split(self) -> None:
        self.view.split = self.act_split.isChecked()
        self.view.update()

    # -- tools and help ------------------------------------------------------------------------

    def open_playground(self) -> None:
        from .playground import PlaygroundWindow

        if getattr(self, "playground", None) is None:
            self.playground = PlaygroundWindow(self.controller, self)
        self.playground.show()
        self.playground.raise_()

    def open_choose_k(self) -> None:
        from .choose_k import ChooseKDialog

        if self.controller.document is None:
            self.show_error("Open an image first")
            return
        if getattr(self, "choose_k", None) is None:
            self.choose_k = ChooseKDialog(self.controller, self)
            self.choose_k.kChosen.connect(lambda k: self.controls.k_spin.setValue(k))
        self.choose_k.show()
        self.choose_k.raise_()

    def about(self) -> None:
        dialogs.about(self)

    # -- settings, recent files, drag and drop -----------------------------------------------

    def _restore_settings(self) -> None:
        geom = self.settings.value("geometry")
        if isinstance(geom, QByteArray):
            self.restoreGeometry(geom)
        p = settings_store.load_params(self.settings)
        self.controller.params = p
        self.controls.set_params(p)

    def _save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        settings_store.save_params(self.settings, self.controller.params)
        self.settings.sync()

    def recent_files(self) -> list[str]:
        return settings_store.recent_files(self.settings)

    def _add_recent(self, path: Path) -> None:
        settings_store.add_recent(self.settings, path)
        self._rebuild_recent()

    def _rebuild_recent(self) -> None:
        self.recent_menu.clear()
        items = self.recent_files()
        for p in items:
            act = self.recent_menu.addAction(Path(p).name)
            act.setToolTip(p)
            act.triggered.connect(lambda _=False, p=p: self.open_path(p))
        self.recent_menu.setEnabled(bool(items))

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        mime = event.mimeData()
        urls: list[QUrl] = mime.urls() if mime.hasUrls() else []
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        if len(paths) == 1 and not paths[0].is_dir():
            self.open_path(paths[0])
        elif paths:
            self.compress_many(paths)
        elif mime.hasImage():
            self.controller.open_bytes(qimage_png_bytes(QImage(mime.imageData())), "dropped image")
        else:
            self.show_error("Only local image files can be dropped here")
            return
        event.acceptProposedAction()

    def closeEvent(self, event) -> None:  # noqa: N802
        self._save_settings()
        if getattr(self, "playground", None) is not None:
            self.playground.close()
        self.controller.shutdown()
        super().closeEvent(event)
