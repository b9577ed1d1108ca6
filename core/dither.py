"""Dithering onto a fixed palette: none, Floyd-Steinberg and ordered Bayer, with a strength.

Dithering trades flat bands for fine noise that the eye averages out. Full-strength
Floyd-Steinberg comes from Pillow's C loop (what this app always did); a weaker diffusion,
or one that skips flat areas, runs in :mod:`core.diffusion`. Ordered dithering is done here
because it also handles alpha and gives the same pattern for the same image.

Every mode keeps a pixel whose color is exactly a palette entry: an image that already has
only palette colors comes back unchanged, whatever the dithering.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .diffusion import diffuse
from .remap import apply_palette

DITHER_MODES = ("none", "fs", "ordered")


def bayer_matrix(n: int = 8) -> np.ndarray:
    """Normalized Bayer threshold matrix of size ``n`` (a power of two), values in (0, 1)."""
    m = np.zeros((1, 1), dtype=np.int64)
    while len(m) < n:
        m = np.block([[4 * m, 4 * m + 2], [4 * m + 3, 4 * m + 1]])
    return (m + 0.5) / m.size


def _palette_spread(palette: np.ndarray) -> float:
    """Typical distance between neighboring palette colors: how much noise to add."""
    rgb = palette[:, :3].astype(np.float64)
    if len(rgb) < 2:
        return 0.0
    d = np.sqrt(((rgb[:, None, :] - rgb[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    return float(np.median(d.min(axis=1)))


def _codes(colors: np.ndarray) -> np.ndarray:
    """(..., C) uint8 -> one int64 per color, equal exactly when the colors are equal."""
    c = colors.astype(np.int64)
    code = c[..., 0] << 16 | c[..., 1] << 8 | c[..., 2]
    return code << 8 | c[..., 3] if colors.shape[-1] == 4 else code


def exact_entries(pixels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """(H, W) int16: the palette entry equal to each pixel's color, or -1.

    Colors are compared as :func:`core.remap.apply_palette` sees them: RGB only against a
    3-channel palette, opaque against a 4-channel one when the image has no alpha.
    """
    palette = np.asarray(palette, np.uint8)
    h, w = pixels.shape[:2]
    pal_codes = _codes(palette)
    order = np.argsort(pal_codes, kind="stable")
    sorted_codes = pal_codes[order]
    out = np.empty(h * w, np.int16)
    flat = pixels.reshape(-1, pixels.shape[2])
    step = 1 << 20
    for start in range(0, len(flat), step):
        chunk = flat[start : start + step]
        if palette.shape[1] == 3:
            chunk = chunk[:, :3]
        elif chunk.shape[1] == 3:
            chunk = np.concatenate([chunk, np.full((len(chunk), 1), 255, np.uint8)], axis=1)
        codes = _codes(chunk)
        pos = np.minimum(np.searchsorted(sorted_codes, codes), len(sorted_codes) - 1)
        out[start : start + len(chunk)] = np.where(sorted_codes[pos] == codes, order[pos], -1)
    return out.reshape(h, w)


def _window(a: np.ndarray, radius: int, op) -> np.ndarray:
    """Running ``op`` (np.maximum or np.minimum) over a (2r+1) x (2r+1) window, clipped at
    the borders, of an (H, W, C) array."""
    out = a.copy()
    for axis in (0, 1):
        src = out.copy()
        n = a.shape[axis]
        for d in range(1, min(radius, n - 1) + 1):
            head = (slice(None),) * axis + (slice(0, n - d),)
            tail = (slice(None),) * axis + (slice(d, n),)
            op(out[head], src[tail], out=out[head])
            op(out[tail], src[head], out=out[tail])
    return out


def flat_mask(pixels: np.ndarray, threshold: float, radius: int = 2) -> np.ndarray:
    """(H, W) bool: pixels whose (2 radius + 1)-square neighborhood spans at most
    ``threshold`` levels in every channel (alpha included) -- the areas where dithering
    noise shows and nothing needs it. Threshold 0 means exactly uniform."""
    h, w = pixels.shape[:2]
    out = np.empty((h, w), bool)
    rows = max(1, (1 << 20) // max(w, 1))
    for top in range(0, h, rows):
        lo, hi = max(0, top - radius), min(h, top + rows + radius)
        band = pixels[lo:hi]
        spread = (_window(band, radius, np.maximum) - _window(band, radius, np.minimum)).max(axis=2)
        n = min(rows, h - top)
        out[top : top + n] = spread[top - lo : top - lo + n] <= threshold
    return out


def ordered_dither(pixels: np.ndarray, palette: np.ndarray, *, strength: float = 1.0,
                   calm: np.ndarray | None = None, color_space: str = "rgb") -> np.ndarray:
    """Map ``pixels`` onto ``palette`` with an 8x8 Bayer pattern; returns (H, W) uint8 indices.

    ``strength`` 0..1 scales the pattern (0 = plain nearest color). Pixels marked in ``calm``
    (H, W) bool get no pattern. Fully transparent pixels are never dithered into visible ones.
    """
    spread = _palette_spread(palette) * float(np.clip(strength, 0.0, 1.0))
    if spread == 0.0:
        return apply_palette(pixels, palette, color_space=color_space)
    h, w = pixels.shape[:2]
    threshold = bayer_matrix(8) - 0.5
    out = np.empty((h, w), dtype=np.uint8)
    rows = max(8, (1 << 20) // max(w, 1) // 8 * 8)
    for top in range(0, h, rows):
        block = pixels[top : top + rows]
        bh = block.shape[0]
        tile = np.rint(np.tile(threshold, (bh // 8 + 1, w // 8 + 1))[:bh, :w] * spread).astype(np.int16)
        if calm is not None:
            tile[calm[top : top + bh]] = 0
        noisy = block.astype(np.int16)
        noisy[..., :3] += tile[..., None]
        noisy = np.clip(noisy, 0, 255).astype(np.uint8)
        if pixels.shape[2] == 4:
            noisy[..., 3] = block[..., 3]
        out[top : top + bh] = apply_palette(noisy, palette, color_space=color_space)
    return out


def _pillow_fs(rgb: np.ndarray, rgb_pal: np.ndarray) -> np.ndarray:
    """Pillow's full-strength Floyd-Steinberg: (H, W) indices into ``rgb_pal``."""
    padded = np.concatenate([rgb_pal, np.repeat(rgb_pal[-1:], 256 - len(rgb_pal), axis=0)])
    pal_img = Image.new("P", (1, 1))
    pal_img.putpalette(padded.tobytes())
    src = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    idx = np.asarray(src.quantize(palette=pal_img, dither=Image.Dither.FLOYDSTEINBERG)).astype(np.intp)
    return np.minimum(idx, len(rgb_pal) - 1)  # padded entries repeat the last color


def _fill_hidden(rgb: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """``rgb`` (H, W, 3) with each ``hidden`` pixel given the color of the nearest visible pixel
    to its left in its row, else to its right; a row with none visible is mid grey."""
    h, w = hidden.shape
    out = np.ascontiguousarray(rgb).copy()
    cols = np.arange(w, dtype=np.int32)
    todo = np.flatnonzero(hidden.any(axis=1))  # only rows with hidden pixels are touched
    step = max(1, (1 << 20) // max(w, 1))
    for start in range(0, len(todo), step):
        rows = todo[start : start + step]
        hid = hidden[rows]
        left = np.maximum.accumulate(np.where(hid, np.int32(-1), cols), axis=1)
        right = np.minimum.accumulate(np.where(hid, np.int32(w), cols)[:, ::-1], axis=1)[:, ::-1]
        src = np.where(left >= 0, left, right)
        block = out[rows]
        filled = block[np.arange(len(rows))[:, None], np.minimum(src, w - 1)]
        filled[src >= w] = 128
        block[hid] = filled[hid]
        out[rows] = block
    return out


def floyd_steinberg(pixels: np.ndarray, palette: np.ndarray, *, strength: float = 1.0,
                    calm: np.ndarray | None = None, color_space: str = "rgb") -> np.ndarray:
    """Error-diffusion dithering; returns (H, W) uint8 indices.

    At strength 1 with no ``calm`` pixels this is Pillow's loop (RGB nearest, as it always
    was; see :func:`_fill_hidden` for transparent pixels); otherwise
    :func:`core.diffusion.diffuse`. Only RGB is dithered: transparent pixels
    go to the transparent entry, and palettes with half-transparent entries fall back to
    ordered dithering.
    """
    palette = np.asarray(palette, np.uint8)
    alpha_entries = palette[:, 3] if palette.shape[1] == 4 else np.full(len(palette), 255)
    if np.any((alpha_entries > 0) & (alpha_entries < 255)):
        return ordered_dither(pixels, palette, strength=strength, calm=calm, color_space=color_space)
    opaque = np.flatnonzero(alpha_entries == 255)
    if opaque.size == 0:
        return apply_palette(pixels, palette)
    rgb_pal = palette[opaque, :3]
    hidden = pixels[..., 3] == 0 if pixels.shape[2] == 4 and opaque.size < len(palette) else None
    if hidden is not None and not hidden.any():
        hidden = None
    if strength >= 1.0 and calm is None:
        # Pillow's loop diffuses every pixel's error, so the RGB hidden under transparent
        # pixels would reach visible ones: they get their row's nearest visible color instead
        # (as if the picture went on), which no hidden data can change. (The NumPy loop, which
        # holds them still, took 5.5x Pillow's time.)
        rgb = pixels[..., :3] if hidden is None else _fill_hidden(pixels[..., :3], hidden)
        idx = _pillow_fs(rgb, rgb_pal)
    else:
        if hidden is not None:
            calm = hidden if calm is None else calm | hidden
        idx = diffuse(pixels[..., :3], rgb_pal, strength, calm, color_space=color_space)
    out = opaque[idx].astype(np.uint8)
    if hidden is not None:
        out[hidden] = np.flatnonzero(alpha_entries == 0)[0]
    return out


def dither(pixels: np.ndarray, palette: np.ndarray, mode: str, *, color_space: str = "rgb",
           strength: float = 1.0, flat_threshold: float | None = None) -> np.ndarray:
    """Indices (H, W) uint8 of ``pixels`` on ``palette`` with the chosen dithering mode.

    ``strength`` 0..1 scales the diffused error ("fs") or the pattern ("ordered"); 0 is
    exactly ``mode="none"``, 1 is the classic algorithm. ``flat_threshold`` (levels, 0..255)
    leaves pixels undithered whose 5x5 neighborhood spans at most that much (see
    :func:`flat_mask`): flat areas stay clean instead of speckled. 0 touches only exactly
    uniform areas (screenshots, logos); 1-2 also the smooth parts of photos, which may then
    show bands again. Pixels whose color is a palette entry always keep it.
    """
    if mode not in DITHER_MODES:
        raise ValueError(f"dither must be one of {DITHER_MODES}, not {mode!r}")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"dither strength must be from 0 to 1 (got {strength})")
    if flat_threshold is not None and not 0.0 <= flat_threshold <= 255.0:
        raise ValueError(f"flat threshold must be from 0 to 255 levels (got {flat_threshold})")
    if mode == "none" or strength == 0.0:
        return apply_palette(pixels, palette, color_space=color_space)
    exact = exact_entries(pixels, palette)
    pinned = exact >= 0
    calm = flat_mask(pixels, flat_threshold) if flat_threshold is not None else None
    if mode == "fs":
        # Exact pixels take no error only in the NumPy loop; Pillow's is left as it was.
        out = floyd_steinberg(pixels, palette, strength=strength, calm=_merge(calm, pinned, strength),
                              color_space=color_space)
    else:
        out = ordered_dither(pixels, palette, strength=strength, calm=calm, color_space=color_space)
    out[pinned] = exact[pinned]
    return out


def _merge(calm: np.ndarray | None, pinned: np.ndarray, strength: float) -> np.ndarray | None:
    """Pixels the NumPy diffusion must hold still; None keeps Pillow's loop at strength 1."""
    if calm is None:
        return None if strength >= 1.0 else (pinned if pinned.any() else None)
    return calm | pinned
