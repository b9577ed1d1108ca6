"""What the app remembers between runs (QSettings): compression settings and recent files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from core.pipeline import CompressOptions

MAX_RECENT = 8
#: The largest seed the window's seed box holds (a Qt spin box is a 32-bit signed integer).
MAX_WINDOW_SEED = 2**31 - 1
#: QSettings key -> CompressOptions field, for the settings the window controls.
_KEYS = (("k", "k"), ("seed", "seed"), ("init", "init"), ("nInit", "n_init"), ("colorSpace", "color_space"),
         ("dither", "dither"), ("ditherStrength", "dither_strength"))



def load_options(settings: QSettings) -> CompressOptions:
    """The saved settings, or the defaults if anything saved is missing or out of range."""
    try:
        n_init = int(settings.value("nInit", 0) or 0)
        o = CompressOptions(k=int(settings.value("k", 16)), seed=int(settings.value("seed", 0)),
                            init=str(settings.value("init", "k-means++")), n_init=n_init or None,
                            color_space=str(settings.value("colorSpace", "rgb")),
                            dither=str(settings.value("dither", "none")),
                            dither_strength=float(settings.value("ditherStrength", 1.0)),
                            dither_flat=float(settings.value("ditherFlat")) if settings.value("ditherFlat") else None)
    except (TypeError, ValueError):
        return CompressOptions()
    valid = (2 <= o.k <= 256 and 0 <= o.seed <= MAX_WINDOW_SEED and 0 <= n_init <= 20
             and o.init in ("k-means++", "random") and o.color_space in ("rgb", "oklab")
             and o.dither in ("none", "fs", "ordered") and 0.0 <= o.dither_strength <= 1.0
             and (o.dither_flat is None or 0.0 <= o.dither_flat <= 255.0))  # (NaN fails every comparison)
    return o if valid else CompressOptions()


def save_options(settings: QSettings, options: CompressOptions) -> None:
    for key, attr in _KEYS:
        value = getattr(options, attr)
        settings.setValue(key, 0 if value is None else value)
    settings.setValue("ditherFlat", "" if options.dither_flat is None else options.dither_flat)


def text_value(settings: QSettings, key: str, default: str) -> str:
    """A saved string, or ``default`` when the value is missing, empty or not a string (a hand-
    edited or damaged settings file can hold a list, a number or ``@Invalid()``)."""
    value = settings.value(key, default)
    return value if isinstance(value, str) and value else default


def recent_files(settings: QSettings) -> list[str]:
    """The remembered files, newest first: at most MAX_RECENT non-empty paths (a damaged
    settings file may hold thousands, or blanks)."""
    value = settings.value("recentFiles", [])
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    return [p for p in items if isinstance(p, str) and p.strip()][:MAX_RECENT]


def unsaved_problem(settings: QSettings) -> str | None:
    """Write pending changes now; one line if the settings file cannot be written (its folder
    read-only or not a folder), else None."""
    settings.sync()
    if settings.status() == QSettings.Status.AccessError:
        return (f"Settings cannot be saved to {settings.fileName()} (not writable): "
                "recent files and choices last until the window closes")
    return None


def remove_recent(settings: QSettings, path: str) -> None:
    settings.setValue("recentFiles", [p for p in recent_files(settings) if p != path])


def add_recent(settings: QSettings, path: Path) -> list[str]:
    items = [str(path)] + [p for p in recent_files(settings) if p != str(path)]
    settings.setValue("recentFiles", items[:MAX_RECENT])
    return items[:MAX_RECENT]
