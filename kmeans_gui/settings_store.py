"""What the app remembers between runs (QSettings): compression settings and recent files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from .worker import Params

MAX_RECENT = 8
_KEYS = (("k", "k"), ("seed", "seed"), ("init", "init"), ("nInit", "n_init"), ("colorSpace", "color_space"),
         ("dither", "dither"))


def load_params(settings: QSettings) -> Params:
    """The saved settings, or the defaults if anything saved is missing or out of range."""
    try:
        p = Params(k=int(settings.value("k", 16)), seed=int(settings.value("seed", 0)),
                   init=str(settings.value("init", "k-means++")), n_init=int(settings.value("nInit", 0)),
                   color_space=str(settings.value("colorSpace", "rgb")), dither=str(settings.value("dither", "none")))
    except (TypeError, ValueError):
        return Params()
    valid = (2 <= p.k <= 256 and p.seed >= 0 and 0 <= p.n_init <= 20 and p.init in ("k-means++", "random")
             and p.color_space in ("rgb", "oklab") and p.dither in ("none", "fs", "ordered"))
    return p if valid else Params()


def save_params(settings: QSettings, params: Params) -> None:
    for key, attr in _KEYS:
        settings.setValue(key, getattr(params, attr))


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value("recentFiles", [])
    return [value] if isinstance(value, str) else list(value or [])


def add_recent(settings: QSettings, path: Path) -> list[str]:
    items = [str(path)] + [p for p in recent_files(settings) if p != str(path)]
    settings.setValue("recentFiles", items[:MAX_RECENT])
    return items[:MAX_RECENT]
