"""The main window's menus, actions and shortcuts (one place to read every command)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from .resources_path import sample_photo_path

if TYPE_CHECKING:
    from .main_window import MainWindow


def _action(win: MainWindow, text: str, slot, shortcut=None, menu=None, tip: str = "") -> QAction:
    act = QAction(text, win)
    if isinstance(shortcut, QKeySequence.StandardKey):
        act.setShortcuts(shortcut)  # every platform binding (Redo: Ctrl+Y and Ctrl+Shift+Z), not the first
    elif shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    if tip:
        act.setStatusTip(tip)
        act.setToolTip(tip)
    act.triggered.connect(slot)
    if menu is not None:
        menu.addAction(act)
    win.addAction(act)
    return act


def _toggle(win: MainWindow, text: str, key: str, default: bool, menu, tip: str) -> QAction:
    """A checkable action whose state is remembered in the window's settings under ``key``."""
    act = QAction(text, win)
    act.setCheckable(True)
    act.setChecked(str(win.settings.value(key, default)).lower() in ("true", "1"))
    act.setStatusTip(tip)
    act.toggled.connect(lambda on: win.settings.setValue(key, on))
    menu.addAction(act)
    return act


def build_menus(win: MainWindow) -> None:
    """Create every menu and action of ``win`` (the attributes tests and scripts use)."""
    bar = win.menuBar()
    file = bar.addMenu("&File")
    win.act_open = _action(win, "&Open…", win.open_dialog, QKeySequence.StandardKey.Open, file)
    win.recent_menu = file.addMenu("Open &Recent")
    win.act_paste = _action(win, "&Paste Image", win.paste_image, QKeySequence.StandardKey.Paste, file)
    win.act_sample = _action(win, "Open &Sample Photo", lambda: win.open_path(sample_photo_path()), None, file)
    file.addSeparator()
    win.act_save = _action(win, "&Save Compressed As…", win.save_dialog, QKeySequence.StandardKey.Save, file)
    win.act_export = _action(win, "&Export Palette…", win.export_dialog, "Ctrl+E", file)
    win.act_batch = _action(win, "&Compress Files…", win.batch_dialog, "Ctrl+Shift+O", file)
    file.addSeparator()
    win.act_import_palette = _action(win, "Use &Palette File…", lambda: win.editing.import_dialog(), "Ctrl+Shift+L",
                                     file, "Map the image to the colors of a palette file (K-means off)")
    win.act_use_kmeans = _action(win, "Use &K-means Colors", lambda: win.editing.use_kmeans(), None, file,
                                 "Back to the colors K-means finds")
    file.addSeparator()
    win.act_never_larger = _toggle(win, "Don't Save Files Larger Than the &Original", "neverLarger", False, file,
                                   "Save refuses (and says so) when the compressed file would not be smaller")
    win.act_batch_never_larger = _toggle(win, "Compress Files: S&kip Results Larger Than the Original",
                                         "batchNeverLarger", True, file,
                                         "Compress Files writes nothing for an image that would grow, and lists it")
    file.addSeparator()
    _action(win, "&Quit", win.close, QKeySequence.StandardKey.Quit, file)
    edit = bar.addMenu("&Edit")
    win.act_undo = win.undo_stack.createUndoAction(win, "&Undo")
    win.act_undo.setShortcuts(QKeySequence.StandardKey.Undo)
    win.act_redo = win.undo_stack.createRedoAction(win, "&Redo")
    win.act_redo.setShortcuts(QKeySequence.StandardKey.Redo)
    edit.addAction(win.act_undo)
    edit.addAction(win.act_redo)
    edit.addSeparator()
    win.act_eyedropper = _action(win, "Add Color from &Image", lambda: win.editing.start_eyedropper(),
                                 "Ctrl+Shift+I", edit, "Click the image to add that color, locked, to the palette")
    win.act_copy = _action(win, "&Copy Result", win.copy_result, QKeySequence.StandardKey.Copy, edit)
    _action(win, "New &Random Seed", win.controls.randomize_seed, "Ctrl+R", edit)
    view = bar.addMenu("&View")
    _action(win, "Zoom &In", win.view.zoom_in, QKeySequence.StandardKey.ZoomIn, view)
    _action(win, "Zoom In", win.view.zoom_in, "Ctrl+=")
    _action(win, "Zoom &Out", win.view.zoom_out, QKeySequence.StandardKey.ZoomOut, view)
    _action(win, "&Fit to Window", win.view.fit, "Ctrl+0", view)
    _action(win, "&Actual Size (100%)", win.view.actual_size, "Ctrl+1", view)
    win.act_error_map = _action(win, "&Error Map", lambda on: win.error_view.set_enabled(on), "Ctrl+M", view,
                                "Show where the compressed image differs from the original")
    win.act_error_map.setCheckable(True)
    win.act_worst = _action(win, "Go to &Worst Region", lambda: win.error_view.go_to_worst(), "Ctrl+Shift+M", view,
                            "Zoom to the block with the highest mean error")
    win.act_split = _action(win, "Before/After &Divider", win.toggle_split, "Ctrl+D", view)
    win.act_split.setCheckable(True)
    win.act_split.setChecked(True)
    win.presets_menu = bar.addMenu("&Presets")
    tools = bar.addMenu("&Tools")
    win.act_playground = _action(win, "K-means &Playground…", win.open_playground, "Ctrl+Shift+P", tools)
    win.act_choose_k = _action(win, "&Choose K…", win.open_choose_k, "Ctrl+K", tools)
    win.act_fit = _action(win, "&Fit in Size…", lambda: win.fit_size.dialog(), "Ctrl+Shift+F", tools,
                          "Find the best K (and dithering) whose PNG fits in a size you give")
    help_menu = bar.addMenu("&Help")
    _action(win, "&About", win.about, None, help_menu)
    win.act_cancel = _action(win, "Cancel", win.controller.cancel, Qt.Key.Key_Escape,
                             tip="Stop the running computation; what is shown stays")
