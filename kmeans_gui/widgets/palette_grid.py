"""Where the palette's swatches go: a grid of square cells that wraps to the view's width.

Kept apart from the widget so the arithmetic (compact mode, arrow-key moves) is plain Python.
Up to ``COMPACT_ABOVE`` colors the swatches are large; above that they shrink (14 px, and
down to 10 px on a narrow sidebar) so 256 colors fit in ``BOUNDED_HEIGHT``.
"""

from __future__ import annotations

from PySide6.QtCore import QRect

SWATCH, GAP = 26, 3  # normal mode
COMPACT_SWATCH, COMPACT_MIN, COMPACT_GAP = 14, 10, 2
COMPACT_ABOVE = 64  # more colors than this: compact mode
BOUNDED_HEIGHT = 260  # the palette's share of the sidebar (logical pixels); it scrolls beyond


def columns(width: int, swatch: int, gap: int) -> int:
    return max(1, (width - gap) // (swatch + gap))


def grid_height(n: int, width: int, swatch: int, gap: int) -> int:
    rows = max(1, -(-n // columns(width, swatch, gap)))
    return gap + rows * (swatch + gap)


def cell(n: int, width: int, budget: int = BOUNDED_HEIGHT) -> tuple[int, int]:
    """(swatch, gap) in logical pixels for ``n`` colors in a view ``width`` wide."""
    if n <= COMPACT_ABOVE:
        return SWATCH, GAP
    for swatch in range(COMPACT_SWATCH, COMPACT_MIN - 1, -1):
        if grid_height(n, width, swatch, COMPACT_GAP) <= budget:
            return swatch, COMPACT_GAP
    return COMPACT_MIN, COMPACT_GAP


def slot_rect(slot: int, width: int, swatch: int, gap: int) -> QRect:
    """The swatch at display position ``slot``; integer logical pixels, so it is sharp at any scale."""
    r, c = divmod(slot, columns(width, swatch, gap))
    return QRect(gap + c * (swatch + gap), gap + r * (swatch + gap), swatch, swatch)


def moved(slot: int, step: str, n: int, cols: int) -> int:
    """The slot an arrow (or Home/End) key leads to from ``slot``; it stays put at the edges."""
    target = {"left": slot - 1, "right": slot + 1, "up": slot - cols, "down": slot + cols,
              "home": 0, "end": n - 1}[step]
    return target if 0 <= target < n else slot
