"""Hand edits of a quantized palette: recolor, delete, merge. Applied after K-means, in order.

An edit names colors by value, not by palette position, so it means the same thing in every
stage (draft, preview, full) and survives a re-sort. The stages' palettes differ a little (a
draft's dark brown may be the full result's #080506 instead of #080405), so an edit applies to
the palette's nearest color within :data:`MATCH_DISTANCE`; an edit with no color that close
(K changed a lot since, say) does nothing. Recoloring keeps every index (no re-clustering); deleting
sends the color's pixels to the nearest remaining color of their *original* color; merging two
colors replaces both by their pixel-weighted mean.

Edits are plain tuples, so they sit in the hashable, Qt-free ``CompressOptions``:
``("recolor", (r, g, b), (r, g, b))``, ``("delete", (r, g, b))``, ``("merge", (r, g, b), (r, g, b))``.
"""

from __future__ import annotations

import numpy as np

from .remap import apply_palette

Color = tuple[int, ...]
Edit = tuple

#: How far (Euclidean, RGB 0..255) a palette color may be from the color an edit names.
MATCH_DISTANCE = 40.0


def _find(palette: np.ndarray, color: Color) -> int:
    """Index of the palette color nearest ``color`` (RGB), or -1 if none is within reach."""
    if not len(palette):
        return -1
    c = np.asarray(color, np.float64)[:3]
    d = np.sqrt(((palette[:, :3].astype(np.float64) - c) ** 2).sum(axis=1))
    i = int(np.argmin(d))
    return i if d[i] <= MATCH_DISTANCE else -1


def lock_after_edits(color: Color, edits: tuple[Edit, ...]) -> Color | None:
    """What a locked color becomes through ``edits`` (RGB): recolored, or None when deleted.

    A lock stays on the color K-means keeps while edits of it are pending; when the edits are
    given up (another image is opened) the locks become what the user saw instead."""
    rgb = tuple(int(v) for v in color[:3])
    for edit in edits:
        if edit[0] == "recolor" and tuple(edit[1][:3]) == rgb:
            rgb = tuple(int(v) for v in edit[2][:3])
        elif edit[0] == "delete" and tuple(edit[1][:3]) == rgb:
            return None
    return rgb


def locks_after_edits(fixed: tuple[Color, ...], edits: tuple[Edit, ...]) -> tuple[Color, ...]:
    """``fixed`` as the user sees it after ``edits``: deleted locks gone, recolored ones moved
    (each color once)."""
    out: list[Color] = []
    for color in fixed:
        after = lock_after_edits(color, edits)
        if after is not None and after not in out:
            out.append(after)
    return tuple(out)


def _drop(palette: np.ndarray, indices: np.ndarray, gone: int, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove entry ``gone``; ``target`` (same shape as ``indices``) is where its pixels go."""
    idx = np.where(indices == gone, target, indices).astype(np.int16)
    idx[idx > gone] -= 1
    return np.delete(palette, gone, axis=0), idx.astype(np.uint8)


def apply_edits(pixels: np.ndarray, palette: np.ndarray, indices: np.ndarray, edits: tuple[Edit, ...],
                color_space: str = "rgb") -> tuple[np.ndarray, np.ndarray]:
    """``(palette, indices)`` after ``edits``; ``pixels`` are the originals the indices map."""
    palette = np.array(palette, np.uint8, copy=True)
    indices = np.asarray(indices, np.uint8)
    for edit in edits:
        kind = edit[0]
        if kind == "recolor":
            i = _find(palette, edit[1])
            if i >= 0:
                new = np.asarray(edit[2], np.uint8)
                palette[i, :3] = new[:3]
                if palette.shape[1] == 4 and len(new) == 4:
                    palette[i, 3] = new[3]
        elif kind == "delete":
            i = _find(palette, edit[1])
            if i < 0 or len(palette) <= 1:
                continue
            rest = np.delete(palette, i, axis=0)
            mask = indices == i
            target = np.zeros_like(indices)
            if mask.any():
                nearest = apply_palette(np.ascontiguousarray(pixels[mask][None, :, :]), rest, color_space=color_space)[0]
                target[mask] = np.where(nearest >= i, nearest + 1, nearest)  # positions in the old palette
            palette, indices = _drop(palette, indices, i, target)
        elif kind == "merge":
            a, b = _find(palette, edit[1]), _find(palette, edit[2])
            if a < 0 or b < 0 or a == b:
                continue
            counts = np.bincount(indices.ravel(), minlength=len(palette))[[a, b]].astype(np.float64)
            w = counts / counts.sum() if counts.sum() else np.array([0.5, 0.5])
            palette[a] = np.rint(palette[a] * w[0] + palette[b] * w[1]).astype(np.uint8)
            palette, indices = _drop(palette, indices, b, np.full_like(indices, a))
        else:
            raise ValueError(f"unknown palette edit {kind!r}")
    return palette, indices


def describe(edit: Edit) -> str:
    """A short text for menus and the undo history ("Recolor #aa0000 to #ff0000")."""
    def hx(c: Color) -> str:
        return "#" + "".join(f"{int(v):02x}" for v in c[:3])

    if edit[0] == "recolor":
        return f"Recolor {hx(edit[1])} to {hx(edit[2])}"
    if edit[0] == "delete":
        return f"Delete {hx(edit[1])}"
    if edit[0] == "merge":
        return f"Merge {hx(edit[2])} into {hx(edit[1])}"
    return str(edit[0])
