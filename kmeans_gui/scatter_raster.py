"""Antialiased dots for the playground's scatter plots, drawn in NumPy in one pass per stamp offset.

QPainter drew each point as its own antialiased ellipse: 11 ms for the 3,000 colors of an
image in one small plot, ~90 ms for the eight plots of "Compare 8 seeds", all on the GUI
thread. Here every point covers the pixels within ``radius + 0.5`` of its center, with a
coverage that falls off linearly over the last pixel (the usual one-pixel antialiasing ramp),
and the whole plot becomes one image to draw.
"""

from __future__ import annotations

import numpy as np


def dot_offsets(radius: float) -> np.ndarray:
    """Integer (dx, dy) offsets from a point's pixel whose centers can lie within
    ``radius + 0.5`` of the point (the point is somewhere inside its own pixel)."""
    reach = int(np.ceil(radius + 1.0))
    d = np.arange(-reach, reach + 1)
    dx, dy = (g.ravel() for g in np.meshgrid(d, d))
    # The nearest a pixel center at offset (dx, dy) can be to a point in pixel (0, 0).
    near = np.hypot(np.maximum(np.abs(dx) - 0.5, 0.0), np.maximum(np.abs(dy) - 0.5, 0.0))
    keep = near < radius + 0.5
    return np.column_stack([dx[keep], dy[keep]])


def draw_dots(width: int, height: int, xy: np.ndarray, colors: np.ndarray, radius: float,
              background: tuple[int, int, int] = (250, 250, 250)) -> np.ndarray:
    """(height, width, 3) uint8: ``background`` with a filled, antialiased dot per point.

    ``xy`` is (n, 2) float pixel coordinates (x right, y down; pixel (i, j) spans
    [i, i+1) x [j, j+1)), ``colors`` (n, 3) uint8. A pixel's coverage is
    ``clip(radius + 0.5 - distance from its center to the point, 0, 1)``; dots are blended
    over what is already there, one stamp offset at a time, so overlapping dots mix rather
    than cut each other off.
    """
    width, height = max(0, int(width)), max(0, int(height))
    planes = [np.full(height * width, float(v), np.float32) for v in background]
    xy = np.asarray(xy, np.float64).reshape(-1, 2)
    ok = np.isfinite(xy).all(axis=1) & (np.abs(xy) < 1e9).all(axis=1)
    xy, col = xy[ok], np.asarray(colors, np.float32).reshape(-1, 3)[ok].T.copy()
    if len(xy) and width and height:
        off = dot_offsets(radius)
        base = np.floor(xy).astype(np.int64)
        ix = off[:, :1] + base[:, 0]  # (offsets, n): one contiguous row per stamp offset
        iy = off[:, 1:] + base[:, 1]
        # Offsets from each point to the pixel centers, small numbers: float32 is exact enough.
        fx = (base[:, 0] + 0.5 - xy[:, 0]).astype(np.float32)
        fy = (base[:, 1] + 0.5 - xy[:, 1]).astype(np.float32)
        dx = off[:, :1].astype(np.float32) + fx
        dy = off[:, 1:].astype(np.float32) + fy
        cover = np.sqrt(dx * dx + dy * dy)
        np.subtract(np.float32(radius + 0.5), cover, out=cover)
        np.clip(cover, 0.0, 1.0, out=cover)
        hit = (cover > 0) & (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
        pix = iy * width + ix
        for j in np.flatnonzero(hit.any(axis=1)):
            rows = np.flatnonzero(hit[j])
            p, a = pix[j, rows], cover[j, rows]
            for plane, c in zip(planes, col, strict=True):
                under = plane[p]
                plane[p] = under + (c[rows] - under) * a
    out = np.empty((height, width, 3), np.uint8)
    for i, plane in enumerate(planes):
        plane += 0.5
        out[:, :, i] = plane.reshape(height, width)
    return out
