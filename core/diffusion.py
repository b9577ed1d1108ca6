"""Floyd-Steinberg error diffusion with a strength and pixels that neither take nor pass error.

Pillow's C loop has no strength setting, and a per-pixel Python loop takes minutes on 12 MP.
The trick here is a wavefront: pixel (y, x) only needs the errors of (y, x-1), (y-1, x-1),
(y-1, x) and (y-1, x+1), so all pixels with the same ``t = x + 2y`` are independent and are
processed together as one NumPy vector (one entry per active row). The image takes
``W + 2H`` steps, and the state between steps is just the errors of the last three steps,
one per row. The result is the same as the serial loop, in the same scan order.
"""

from __future__ import annotations

import numpy as np

from .distances import nearest_two
from .quantize import to_features

_LUT_SIZE = 1 << 24  # one entry per 24-bit color: the nearest palette entry, -1 = not yet known


class NearestLUT:
    """Nearest palette entry of 24-bit colors, filled lazily (each color searched once).

    In RGB, the 8x8x8 cells of colors that one palette entry owns outright (its lead over the
    runner-up at the cell's center exceeds the cell's diameter) are filled up front, so most
    lookups never search; the rest are searched when first met.
    """

    def __init__(self, palette_rgb: np.ndarray, color_space: str) -> None:
        self.key: tuple[bytes, str] | None = None
        self.features = to_features(palette_rgb.astype(np.float64), color_space)
        self.color_space = color_space
        self.table = np.full(_LUT_SIZE, -1, np.int16)
        if color_space == "rgb" and len(palette_rgb) > 1:
            self._fill_owned_cells()

    def _fill_owned_cells(self) -> None:
        c = np.arange(32, dtype=np.float64) * 8 + 3.5
        centers = np.stack(np.meshgrid(c, c, c, indexing="ij"), axis=-1).reshape(-1, 3)
        labels, d1, d2 = nearest_two(centers, self.features)
        owner = np.where(d2 - d1 > 2 * np.sqrt(3) * 3.5, labels, -1).astype(np.int16)
        cells = self.table.reshape(32, 8, 32, 8, 32, 8)
        cells[...] = owner.reshape(32, 1, 32, 1, 32, 1)

    def _nearest(self, rgb: np.ndarray) -> np.ndarray:
        if len(self.features) == 1:
            return np.zeros(len(rgb), np.int16)
        if self.color_space != "rgb":
            return nearest_two(to_features(rgb.astype(np.float64), self.color_space), self.features)[0]
        x = rgb.astype(np.float32)  # exact: squared integer distances stay below 2**24
        c = self.features.astype(np.float32)
        d = np.square(x[:, 0:1] - c[:, 0])
        d += np.square(x[:, 1:2] - c[:, 1])
        d += np.square(x[:, 2:3] - c[:, 2])
        return d.argmin(axis=1)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        found = self.table[codes]
        if found.min() < 0:
            missing = np.unique(codes[found < 0])
            rgb = np.stack([missing >> 16, (missing >> 8) & 255, missing & 255], axis=1)
            self.table[missing] = self._nearest(rgb)
            found = self.table[codes]
        return found


_last: list[NearestLUT] = []  # the previous call's table: a strength slider keeps its palette


def _lut_for(palette_rgb: np.ndarray, color_space: str) -> NearestLUT:
    """A table for this palette, reusing the last one when the palette is the same (its
    entries stay valid; two threads filling it write the same values)."""
    key = (palette_rgb.tobytes(), color_space)
    if _last and _last[0].key == key:
        return _last[0]
    lut = NearestLUT(palette_rgb, color_space)
    lut.key = key
    _last[:] = [lut]
    return lut


def diffuse(
    rgb: np.ndarray,
    palette_rgb: np.ndarray,
    strength: float,
    calm: np.ndarray | None = None,
    *,
    color_space: str = "rgb",
) -> np.ndarray:
    """Floyd-Steinberg on ``rgb`` (H, W, 3) uint8 with the error scaled by ``strength``.

    ``calm`` (H, W) bool marks pixels that get their own nearest color: they take no incoming
    error and pass none on (flat areas, exact palette colors, transparent pixels). Returns
    (H, W) uint8 indices into ``palette_rgb`` (n, 3) uint8. "Nearest" uses ``color_space``;
    the error itself is an RGB difference, as in Pillow.
    """
    h, w = rgb.shape[:2]
    flat = np.ascontiguousarray(rgb).reshape(-1, 3)
    calm_flat = None if calm is None else np.ascontiguousarray(calm).reshape(-1)
    out = np.empty(h * w, np.uint8)
    lut = _lut_for(np.ascontiguousarray(palette_rgb, np.uint8), color_space)
    pal = palette_rgb.astype(np.float32)
    base = np.arange(h, dtype=np.intp) * (w - 2)  # flat index of (y, t - 2y) is base[y] + t
    # errs[t % 4][y + 1] is the error left by row y at step t (row -1 is the zero row 0).
    errs = [np.zeros((h + 1, 3), np.float32) for _ in range(4)]
    s = np.float32(strength / 16.0)
    w7, w3, w5, w1 = s * 7, s * 3, s * 5, s * 1
    for t in range(w + 2 * (h - 1)):
        ya = max(0, (t - w) // 2 + 1)
        yb = min(h, t // 2 + 1)
        e0, e1, e2, e3 = errs[t % 4], errs[(t - 1) % 4], errs[(t - 2) % 4], errs[(t - 3) % 4]
        if ya >= yb:  # only when the image is one pixel wide: every other step is empty
            e0.fill(0.0)
            continue
        idx = base[ya:yb] + t
        want = flat[idx].astype(np.float32)
        incoming = e1[ya + 1 : yb + 1] * w7
        incoming += e1[ya:yb] * w3  # (y-1, x+1)
        incoming += e2[ya:yb] * w5  # (y-1, x)
        incoming += e3[ya:yb] * w1  # (y-1, x-1)
        quiet = None
        if calm_flat is not None:
            quiet = calm_flat[idx]
            incoming[quiet] = 0.0
        want += incoming
        np.clip(want, 0.0, 255.0, out=want)
        q = np.rint(want).astype(np.int32)
        codes = (q[:, 0] << 16) | (q[:, 1] << 8) | q[:, 2]
        chosen = lut.lookup(codes)
        out[idx] = chosen
        want -= pal[chosen]
        if quiet is not None:
            want[quiet] = 0.0
        e0[: ya + 1] = 0.0  # rows finished since this buffer was last written
        e0[ya + 1 : yb + 1] = want
    return out.reshape(h, w)
