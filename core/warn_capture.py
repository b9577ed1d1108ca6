"""Warnings raised by this thread, caught as data; other threads' warnings are untouched.

``warnings.catch_warnings`` swaps the process-wide printer and filters: two threads using it
at once (the GUI's loader thread decoding while the main thread reads a swatch image) restore
each other's state out of order, and warnings from unrelated threads land in the wrong list.
Here the printer is wrapped while any thread captures, and each warning goes to the list of
the thread that raised it, or on to the printer that was there before.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator

_local = threading.local()
_lock = threading.Lock()
_active = 0  # threads capturing now
_outer = None  # the printer the wrapper replaced
_PILLOW = r"PIL\."  # the modules whose warnings are shown every time


def _route(message, category, filename, lineno, file=None, line=None) -> None:
    sink = getattr(_local, "sink", None)
    if sink is not None:
        sink.append((category, " ".join(str(message).split())))  # one line, single spaces
    elif _outer is not None:
        _outer(message, category, filename, lineno, file, line)


@contextlib.contextmanager
def captured() -> Iterator[list[tuple[type[Warning], str]]]:
    """Within the block, this thread's warnings are collected as ``(category, text)`` (the text
    on one line, runs of spaces made one) and never printed; Pillow's every time (not once per code location)."""
    global _active, _outer
    with _lock:
        if _active == 0:
            _outer = warnings.showwarning
            warnings.showwarning = _route
        _active += 1
    sink: list[tuple[type[Warning], str]] = []
    before = getattr(_local, "sink", None)
    _local.sink = sink
    try:
        # Pillow's warnings "always": the once-per-location registry would hide a second bad
        # file's. Added once to the process-wide filters (and again if someone reset them).
        with _lock:
            if not any(f[0] == "always" and getattr(f[3], "pattern", None) == _PILLOW for f in warnings.filters):
                warnings.filterwarnings("always", module=_PILLOW)
        yield sink
    finally:
        _local.sink = before
        with _lock:
            _active -= 1
            if _active == 0 and warnings.showwarning is _route:
                warnings.showwarning = _outer
