"""The main window: layout, wiring, feedback and settings.

Menus live in :mod:`kmeans_gui.menus`, file commands in :mod:`kmeans_gui.window_files`, batch
compression in :mod:`kmeans_gui.batch_ui`, the error view, palette editing, presets and Fit in
Size in modules of their own. Dialogs
sit behind small ``_ask_*`` / ``_show_*`` methods so tests and scripts can replace them.
``open_path``, ``save_to`` and ``export_palette_to`` are what the menu actions call; every save
and export ends with one ``saveFinished`` / ``exportFinished`` (path, error; error empty on
success).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.pipeline import CompressOptions

from . import dialogs, settings_store, tool_runner
from .batch_ui import BatchUI
from .controller import Controller
from .error_view import ErrorView
from .figures_text import figure_rows
from .fit_size import FitSize, ask_max_kb
from .jobs import Figures, RenderResult
from .menus import build_menus
from .palette_editing import PaletteEditing, ask_color
from .presets_menu import PresetsMenu, ask_preset_name, confirm_replace_preset
from .qt_images import highlight_mask
from .resources_path import icon_path
from .space_compare import SpaceToCompare
from .widgets.banner import Banner
from .widgets.image_view import ImageView
from .widgets.sidebar import Sidebar
from .window_files import OpeningMixin, SavingMixin


class MainWindow(OpeningMixin, SavingMixin, QMainWindow):
    saveFinished = Signal(str, str)  # path, error ("" when written): once per save request
    exportFinished = Signal(str, str)  # path, error ("" when written): once per export request

    #: How long closing waits for the workers; the app exits at once after that (see app.main).
    close_timeout_ms = 30_000

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("K-Means Image Compressor")
        if icon_path().exists():
            self.setWindowIcon(QIcon(str(icon_path())))
        self.setAcceptDrops(True)
        self.settings = settings or QSettings()
        self.controller = Controller(self)
        self.playground = self.choose_k = None
        self._build_ui()
        self.error_view = ErrorView(self)
        self._left_layout.insertWidget(1, self.error_view.bar)
        self.batch = BatchUI(self)
        self.fit_size = FitSize(self)
        self.editing = PaletteEditing(self)
        self.undo_stack = self.editing.undo_stack
        build_menus(self)
        self.presets = PresetsMenu(self, self.presets_menu)
        self._rebuild_recent()
        self._wire()
        self._restore_settings()
        self._space_filter = SpaceToCompare(self, self.view, keep_space=(self.palette_view,))
        QApplication.instance().installEventFilter(self._space_filter)

    # -- layout --------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.view = ImageView()
        self.banner = Banner()
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(6, 6, 0, 6)
        lv.addWidget(self.banner)
        lv.addWidget(self.view, 1)
        self._left_layout = lv
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

    def _wire(self) -> None:
        c = self.controller
        self.controls.paramsChanged.connect(lambda changes: c.set_options(**changes))
        self.cancel_button.clicked.connect(c.cancel)
        self.palette_view.colorClicked.connect(self._highlight_color)
        self.view.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        c.documentChanged.connect(self._on_document)
        c.resultShown.connect(self._on_result)
        c.resultShown.connect(self._copy_on_result)
        c.cancelled.connect(lambda: self._drop_copy("cancelled (Esc)"))
        c.renderFailed.connect(self._drop_copy)
        c.documentChanged.connect(lambda _doc: self._drop_copy("another image was opened"))
        c.figuresChanged.connect(self._on_figures)
        c.stateChanged.connect(self.stats.set_header)
        c.optionsReverted.connect(self.show_options)
        c.busyChanged.connect(self._set_busy)
        c.progressChanged.connect(self._on_progress)
        c.loadFailed.connect(self._on_load_failed)
        c.loadCancelled.connect(lambda name: self._notify(f"Opening {name} cancelled"))
        c.errorOccurred.connect(self.show_error)
        c.writeFinished.connect(self._on_write_finished)

    @Slot(object)
    def _on_result(self, result: RenderResult) -> None:
        self.view.set_result(result.image, result.display)
        self.palette_view.set_palette(result.palette, result.counts, result.hex_codes, result.orders,
                                      locked=self.editing.locked_indices(result.palette))
        self.view.set_highlight(None)

    @Slot(object)
    def _on_figures(self, figures: Figures | None) -> None:
        if figures is None:
            self.stats.show_rows({})  # being measured: no figures of another result stay on show
        else:
            o = self.controller.options
            rows = figure_rows(figures)
            rows["locked"] = (f"palette file ({len(o.palette)} colors)" if o.palette else
                              f"{len(o.fixed)} locked" + (f", {len(o.edits)} edits" if o.edits else ""))
            self.stats.show_rows(rows)

    @Slot(object)
    def show_options(self, options: CompressOptions) -> None:
        """Put ``options`` in the controls without emitting changes."""
        self.controls.set_values(k=options.k, seed=options.seed, init=options.init, n_init=options.n_init,
                                 color_space=options.color_space, dither=options.dither,
                                 dither_strength=options.dither_strength, dither_flat=options.dither_flat)

    # -- palette control (see palette_editing) -----------------------------------------------

    def import_palette(self, path: str | Path) -> bool:
        """Map the image to a palette file's colors (undoable)."""
        return self.editing.import_palette(path)

    def set_palette_color(self, i: int, hex_code: str) -> None:
        """Recolor palette color ``i`` of the result shown (undoable)."""
        self.editing.set_palette_color(i, hex_code)

    def delete_color(self, i: int) -> None:
        """Delete palette color ``i``; its pixels go to the nearest remaining color (undoable)."""
        self.editing.delete_color(i)

    def _ask_color(self, initial) -> str | None:
        return ask_color(self, initial)

    def _ask_preset_name(self) -> str | None:
        return ask_preset_name(self)

    def _confirm_replace_preset(self, name: str) -> bool:
        return confirm_replace_preset(self, name)

    def _confirm_close_during_batch(self) -> bool:
        """Whether to stop a running Compress Files and close (the files it wrote stay)."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self, "Compress Files is running",
            "Stop compressing and close? The images already written are kept; those being "
            "compressed now are stopped and not written, and the others are not started.")
        return answer == QMessageBox.StandardButton.Yes

    def _ask_max_kb(self) -> int | None:
        return ask_max_kb(self)

    # -- batch ---------------------------------------------------------------------------

    def batch_dialog(self) -> None:
        self.batch.choose_and_run()

    def compress_many(self, paths: list[Path]) -> None:
        self.batch.run(paths)

    def _ask_batch_destination(self, count: int):
        """A folder (Path), "beside" (next to the originals), or None to cancel."""
        return dialogs.ask_batch_destination(self, count, self.controller.options.k,
                                             settings_store.text_value(self.settings, "lastFolder", ""))

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
        if not busy:
            self.progress.setValue(0)

    @Slot(float, str)
    def _on_progress(self, fraction: float, stage: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self.progress.setToolTip(stage)

    def _highlight_color(self, index: int) -> None:
        result = self.controller.shown
        if result is None or index < 0:
            self.view.set_highlight(None)
            return
        idx = result.indices
        step = max(1, int(np.ceil(np.sqrt(idx.size / 1_500_000))))
        self.view.set_highlight(highlight_mask(idx[::step, ::step], index))
        self._notify(f"{result.hex_codes[index]} copied; its pixels are highlighted (click again to clear)")

    def toggle_split(self) -> None:
        self.view.split = self.act_split.isChecked()
        self.view.update()

    # -- tools and help ------------------------------------------------------------------------

    def open_playground(self) -> None:
        from .playground import PlaygroundWindow

        if self.playground is None:
            self.playground = PlaygroundWindow(self.controller, self)
        self.playground.show()
        self.playground.raise_()

    def open_choose_k(self) -> None:
        from .choose_k import ChooseKDialog

        if self.controller.document is None:
            self.show_error("Open an image first")
            return
        if self.choose_k is None:
            self.choose_k = ChooseKDialog(self.controller, self)
            self.choose_k.kChosen.connect(lambda k: self.controls.k_spin.setValue(k))
        self.choose_k.show()
        self.choose_k.raise_()

    @Slot(object, object)
    def _close_when_written(self, done, _kind=None) -> None:
        """Close once every waited-for write is written; one that failed keeps the window open
        with its reason, so the user can save elsewhere instead of losing the work."""
        if done.error and not self._close_blocked_by:
            self._close_blocked_by = done.error
        if self.controller.writes.pending:
            return
        self.controller.writes.finished.disconnect(self._close_when_written)
        self._closing_anyway = False
        failure, self._close_blocked_by = self._close_blocked_by, ""
        if failure:
            self.show_error(f"Not closed: {failure.rstrip('.')}. Save again, or close again to quit without it.")
            return
        self.close()

    def about(self) -> None:
        dialogs.about(self)

    # -- settings, recent files, drag and drop -----------------------------------------------

    def _restore_settings(self) -> None:
        geom = self.settings.value("geometry")
        if isinstance(geom, QByteArray):
            self.restoreGeometry(geom)
        options = settings_store.load_options(self.settings)
        self.controller.options = options
        self.show_options(options)
        # How the palette is ordered and whether the divider shows are the user's habits too.
        sort = self.sort_box.findData(settings_store.text_value(self.settings, "paletteSort", ""))
        if sort >= 0:
            self.sort_box.setCurrentIndex(sort)
        self.act_split.setChecked(settings_store.text_value(self.settings, "divider", "on") != "off")
        self.toggle_split()

    def _save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("paletteSort", str(self.sort_box.currentData()))
        self.settings.setValue("divider", "on" if self.act_split.isChecked() else "off")
        settings_store.save_options(self.settings, self.controller.options)
        self.settings.sync()

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.controller.writes.pending and not getattr(self, "_closing_anyway", False):
            # A save the user asked for is not dropped silently: the window stays until it is
            # written (then closes by itself); closing again discards it.
            self._closing_anyway = True
            self._close_blocked_by = ""  # the first failure among the writes waited for
            self.controller.writes.finished.connect(self._close_when_written)
            self.show_error("Finishing the save before closing… (close again to discard it)")
            event.ignore()
            return
        if self.batch.dialog is not None:  # Compress Files running: closing would drop it unseen
            if not self._confirm_close_during_batch():
                event.ignore()
                return  # (yes: the shutdown below cancels the batch with everything else)
        self._save_settings()
        for tool in (self.playground, self.choose_k):
            if tool is not None:
                tool.close()
        tool_runner.join_retired(self.close_timeout_ms)
        self.controller.shutdown(self.close_timeout_ms)
        super().closeEvent(event)

