"""The smallest indexed PNG, or a fast one: palette + index map -> PNG bytes.

``effort="fast"``: one zlib pass through Pillow at the smallest bit depth (~0.15 s for 12 MP),
for previews and size estimates. ``effort="smallest"``: pyoxipng (libdeflate's near-optimal
parser). Measured on the benchmark photos (see ``benchmarks/README.md``):

- Filter type 0 (none) on every row was as small as oxipng's level-2 filter search on every
  photo and K, at a fraction of the time: palette indices of photos are not smooth, so
  prediction does not help. oxipng tries only "none"; the fast encoding (Pillow's filters) is
  kept when it is smaller, which happens on synthetic patterns.
- The smallest bit depth is not the smallest file: K=16 at 8 bits was 0.3-4 % smaller than
  at 4 bits on every photo. Both are tried where that is cheap; 8 bits only on large images
  unless K <= 4.
- libdeflate level 12 made the 12 MP photo 4 % smaller than level 11 at ~2x the time: 12 is
  used up to 4 MP, 11 above.

The palette and indices are written exactly as given (no palette sorting or trimming), with
a ``tRNS`` chunk as long as the last see-through entry, and our marker chunk
(``Software=kmeans-compress``) before the pixel data.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from . import pngchunks

#: Above this many pixels the slower deflate level and the extra bit-depth trial cost seconds.
LARGE_PIXELS = 4_000_000
EFFORTS = ("fast", "smallest")


def smallest_depth(k: int) -> int:
    """The fewest bits per index that hold ``k`` palette entries."""
    return 1 if k <= 2 else 2 if k <= 4 else 4 if k <= 16 else 8


def _pil_png(palette: np.ndarray, indices: np.ndarray, icc_profile: bytes | None, exif: bytes | None) -> bytes:
    """Pillow's zlib encoder at the smallest bit depth (quick, larger files)."""
    im = Image.fromarray(np.ascontiguousarray(indices, np.uint8), "P")
    im.putpalette(palette[:, :3].tobytes(), rawmode="RGB")
    extra: dict = {}
    if palette.shape[1] == 4 and np.any(palette[:, 3] != 255):
        last = int(np.flatnonzero(palette[:, 3] != 255).max()) + 1
        extra["transparency"] = palette[:last, 3].tobytes()
    if icc_profile:
        extra["icc_profile"] = icc_profile
    if exif:
        extra["exif"] = exif
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=6, **extra)
    return buf.getvalue()


def _oxipng(palette: np.ndarray, indices: np.ndarray, *, reduce_depth: bool, level: int,
            icc_profile: bytes | None, exif: bytes | None) -> bytes:
    import oxipng

    h, w = indices.shape
    rgba = palette if palette.shape[1] == 4 else np.column_stack([palette, np.full(len(palette), 255, np.uint8)])
    entries = [tuple(int(v) for v in row) for row in rgba]
    raw = oxipng.RawImage(np.ascontiguousarray(indices, np.uint8).tobytes(), w, h,
                          color_type=oxipng.ColorType.indexed(entries), bit_depth=8)
    if icc_profile:
        raw.add_icc_profile(icc_profile)
    if exif:
        raw.add_png_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif)
    return raw.create_optimized_png(
        level=2, filter=[oxipng.RowFilter.NoOp], deflate=oxipng.Deflaters.libdeflater(level),
        bit_depth_reduction=reduce_depth, palette_reduction=False, color_type_reduction=False,
        grayscale_reduction=False, strip=oxipng.StripChunks.none(),
    )


def _have_oxipng() -> bool:
    """pyoxipng is a dependency; without it (a broken install) saves still work, larger."""
    try:
        import oxipng  # noqa: F401
    except ImportError:
        return False
    return True


def encode_png(palette: np.ndarray, indices: np.ndarray, *, effort: str = "smallest",
               icc_profile: bytes | None = None, exif: bytes | None = None) -> bytes:
    """Indexed PNG bytes for ``palette`` (K x 3 or K x 4 uint8) and ``indices`` (H x W uint8)."""
    if effort not in EFFORTS:
        raise ValueError(f"effort must be one of {', '.join(EFFORTS)}, not {effort!r}")
    palette = np.asarray(palette, np.uint8)
    indices = np.asarray(indices, np.uint8)
    quick = _pil_png(palette, indices, icc_profile, exif)
    if effort == "fast" or not _have_oxipng():
        return pngchunks.add_marker(quick)
    large = indices.size > LARGE_PIXELS
    level = 11 if large else 12
    depths = [False]  # 8 bits first: usually the smallest file
    if smallest_depth(len(palette)) < 8 and (not large or len(palette) <= 4):
        depths.append(True)
    candidates = [quick]  # row filters can win on synthetic images: never larger than "fast"
    for reduce in depths:
        try:
            candidates.append(_oxipng(palette, indices, reduce_depth=reduce, level=level,
                                      icc_profile=icc_profile, exif=exif))
        except Exception:  # noqa: BLE001 - oxipng refusing (odd metadata) leaves the fast file
            break
    return pngchunks.add_marker(min(candidates, key=len))
