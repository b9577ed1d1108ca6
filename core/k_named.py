"""Files named after a chosen K (``<stem>-k<K>.<ext>``), found with one listing per folder.

Outputs of a quality target or a size limit get their K in the name only once it is chosen,
so a batch finds them (earlier runs' outputs, or this run's after a stop) by name pattern.
Listing the folder once per input made a batch of thousands of photos in one folder take
seconds before any work; here each folder is listed once and its names grouped by stem.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_K_TAIL = re.compile(r"\d+\.[^.]+$")  # what follows "-k" in such a name: "31.png"


class KNamedFiles:
    """The ``<stem>-k<K>.<ext>`` names of folders, each folder listed once, when first asked."""

    def __init__(self) -> None:
        self._by_folder: dict[str, dict[str, list[str]]] = {}

    def _index(self, folder: Path) -> dict[str, list[str]]:
        key = os.path.abspath(folder)
        index = self._by_folder.get(key)
        if index is None:
            index = {}
            try:
                names = os.listdir(folder)
            except OSError:  # missing or unreadable: nothing there yet
                names = []
            for name in names:
                stem, sep, tail = name.rpartition("-k")
                if sep and _K_TAIL.match(tail):
                    index.setdefault(stem, []).append(name)
            self._by_folder[key] = index
        return index

    def find(self, folder: Path, stem: str, ext: str | None = None) -> list[Path]:
        """``folder/<stem>-k<K><ext>`` (any extension when ``ext`` is None), sorted by name."""
        names = self._index(folder).get(stem, [])
        return sorted(folder / n for n in names if ext is None or os.path.splitext(n)[1] == ext)
