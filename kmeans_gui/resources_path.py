"""Find bundled resources from a source checkout, an installed wheel or a frozen app."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding the sample photo and icons.

    Frozen (PyInstaller) apps unpack data under ``sys._MEIPASS``; installed wheels ship it as
    the ``kmeans_gui.resources`` package; a source checkout has it beside the package.
    """
    candidates = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.append(Path(frozen_root) / "resources")
    here = Path(__file__).resolve().parent
    candidates += [here.parent / "resources", here / "resources"]
    try:
        import kmeans_gui.resources as pkg  # installed as package data

        candidates.append(Path(pkg.__file__).resolve().parent)
    except ImportError:
        pass
    for c in candidates:
        if (c / "sample.jpg").is_file():
            return c
    raise FileNotFoundError("bundled resources not found (looked in: " + ", ".join(map(str, candidates)) + ")")


def sample_photo_path() -> Path:
    return resources_dir() / "sample.jpg"


def icon_path(size: int | None = None) -> Path:
    d = resources_dir() / "icons"
    if size is None:
        return d / "kmeans-gui.svg"
    return d / f"kmeans-gui-{size}.png"
