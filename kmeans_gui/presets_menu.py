"""The Presets menu: built-in and saved settings, one click each; "Save Current Settings as Preset…".

Presets are the Qt-free ``core.presets`` file (JSON in the user's config folder), the same one
``kmeans-compress --preset NAME`` reads, so a preset saved here works on the command line. The
window remembers the last preset applied in its QSettings.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QMenu

from core.presets import (
    Preset,
    PresetError,
    add_user_preset,
    load_presets,
    preset_to_options_changes,
)

from . import settings_store

if TYPE_CHECKING:
    from .main_window import MainWindow


class PresetsMenu(QObject):
    """Owns the window's Presets menu; ``apply(name)`` and ``save_current(name)`` for scripts and tests."""

    def __init__(self, win: MainWindow, menu: QMenu, path=None) -> None:
        super().__init__(win)
        self.win = win
        self.menu = menu
        self.path = path  # None: the user's config folder
        self.presets: list[Preset] = []
        menu.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        """Read the presets file again (another window or the CLI may have changed it)."""
        self.presets, problem = load_presets(self.path)
        self.menu.clear()
        for preset in self.presets:
            act = self.menu.addAction(preset.name.replace("&", "&&"))  # a single & would mark a shortcut key
            act.setStatusTip(describe(preset))
            act.setToolTip(describe(preset))
            act.triggered.connect(lambda _=False, name=preset.name: self.apply(name))
        self.menu.addSeparator()
        save = self.menu.addAction("Save Current Settings as Preset…")
        save.triggered.connect(self.save_dialog)
        if problem:
            self.win.show_error(f"Presets: {problem}")

    def apply(self, name: str) -> bool:
        preset = next((p for p in self.presets if p.name.casefold() == name.strip().casefold()), None)
        if preset is None:
            self.win.show_error(f"No preset called {name!r}")
            return False
        if preset.seed is not None and preset.seed > settings_store.MAX_WINDOW_SEED:
            # Presets are shared with kmeans-compress, whose seeds go to 2**32 - 1.
            self.win.show_error(f"Preset {preset.name}: its seed {preset.seed} is above the window's largest "
                                f"({settings_store.MAX_WINDOW_SEED}); it works with kmeans-compress --preset")
            return False
        changes = preset_to_options_changes(preset)
        options = replace(self.win.controller.options, **changes)
        self.win.show_options(options)
        self.win.controller.set_options(**changes)
        self.win._notify(f"Preset {preset.name}: {describe(preset)}")
        return True

    def save_dialog(self) -> None:
        name = self.win._ask_preset_name()
        if not name:
            return
        existing = next((p for p in self.presets if p.name.casefold() == name.casefold()), None)
        if existing is not None and not self.win._confirm_replace_preset(existing.name):
            self.win._notify("Preset not saved")
            return
        self.save_current(name)

    def save_current(self, name: str) -> bool:
        """Save the current settings under ``name`` (replacing a saved preset of that name)."""
        o = self.win.controller.options
        try:
            preset = Preset(name=name, k=o.k, dither=o.dither, color_space=o.color_space, seed=o.seed, init=o.init,
                            n_init=o.n_init, dither_strength=o.dither_strength,
                            dither_flat=False if o.dither_flat is None else o.dither_flat)
            written = add_user_preset(preset, self.path)
        except (PresetError, OSError) as e:
            self.win.show_error(f"Preset not saved: {e}")
            return False
        self.rebuild()
        self.win._notify(f"Preset {preset.name} saved in {written}")
        return True


def confirm_replace_preset(parent, name: str) -> bool:
    """Whether to replace the preset ``name`` (a built-in one is replaced for kmeans-compress too)."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(parent, "Replace preset",
                                  f"A preset called “{name}” exists. Replace it with the current settings? "
                                  "kmeans-compress --preset uses the same presets.")
    return answer == QMessageBox.StandardButton.Yes


def ask_preset_name(parent) -> str | None:
    name, ok = QInputDialog.getText(parent, "Save preset", "Name for the current settings:")
    return name.strip() if ok and name.strip() else None


def describe(p: Preset) -> str:
    parts = [f"K {p.k}"]
    if p.dither:
        parts.append({"none": "no dithering", "fs": "Floyd–Steinberg", "ordered": "ordered dithering"}.get(p.dither,
                                                                                                       p.dither))
    if p.color_space:
        parts.append(p.color_space.upper() if p.color_space == "rgb" else "OKLab")
    if p.dither_flat is not None and p.dither_flat is not False:
        parts.append("flat areas clean" if p.dither_flat == 0 else f"flat areas clean (up to {p.dither_flat:g} levels)")
    return ", ".join(parts)
