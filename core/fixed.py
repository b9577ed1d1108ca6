"""Fixed palette colors: colors the user requires, kept exactly and counted toward K.

A fixed color takes part in the assignment like any centroid but never moves in the update
(see ``n_fixed`` in :func:`core.lloyd.lloyd`), so a small red area keeps its red. A fixed
color with alpha 0 asks for the transparent entry; one with partial alpha makes the
quantizer cluster with alpha.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FixedColors:
    """Validated fixed colors, split into visible ones and a request for the transparent entry."""

    visible: np.ndarray  # (F, 3) or (F, 4) uint8, no duplicates
    transparent: bool  # a fully transparent color was among them
    partial_alpha: bool  # some visible fixed color is partly transparent

    def __len__(self) -> int:
        return len(self.visible) + int(self.transparent)

    def as_channels(self, channels: int) -> np.ndarray:
        """The visible colors with ``channels`` channels (alpha 255 added, or dropped if opaque)."""
        v = self.visible
        if channels == 4 and v.shape[1] == 3:
            return np.concatenate([v, np.full((len(v), 1), 255, np.uint8)], axis=1)
        return np.ascontiguousarray(v[:, :channels])


def _hex(c: np.ndarray) -> str:
    return "#" + "".join(f"{int(x):02x}" for x in c)


def check_fixed_colors(fixed, k: int) -> FixedColors | None:
    """Validate ``fixed`` ((F, 3) RGB or (F, 4) RGBA, whole numbers 0..255); None if empty.

    Raises ValueError, with a one-line message, for bad shapes or values, duplicates, or more
    fixed colors than ``k``.
    """
    if fixed is None:
        return None
    arr = np.asarray(fixed)
    if arr.size == 0:
        return None
    if arr.ndim != 2 or arr.shape[1] not in (3, 4):
        raise ValueError(f"fixed colors must have shape (F, 3) or (F, 4), not {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() > 255:
        raise ValueError("fixed colors must be whole numbers from 0 to 255")
    arr = arr.astype(np.uint8)
    if len(arr) > k:
        raise ValueError(f"more fixed colors ({len(arr)}) than K ({k})")
    transparent = False
    if arr.shape[1] == 4:
        hidden = arr[:, 3] == 0
        if hidden.sum() > 1:
            raise ValueError("fixed colors contain duplicates (more than one fully transparent color)")
        transparent = bool(hidden.any())
        arr = arr[~hidden]
        if len(arr) and np.all(arr[:, 3] == 255):
            arr = np.ascontiguousarray(arr[:, :3])
    uniq, counts = np.unique(arr, axis=0, return_counts=True)
    if np.any(counts > 1):
        raise ValueError(f"fixed colors contain duplicates ({_hex(uniq[np.argmax(counts > 1)])})")
    partial = arr.shape[1] == 4 and bool(len(arr))
    return FixedColors(arr, transparent, partial)
