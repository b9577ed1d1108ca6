"""The smallest indexed PNG, or a fast one: palette + index map -> PNG bytes.

``effort="fast"``: one zlib pass through Pillow at the smallest bit depth (~0.15 s for 12 MP),
for previews and size estimates. ``effort="smallest"``: libdeflate's near-optimal parser, on
all cores (:mod:`core.png_write`). Measured on the benchmark photos (see ``benchmarks/README.md``):

- Filter type 0 (none) on every row was as small as oxipng's level-2 filter search on every
  photo and K, at a fraction of the time: palette indices of photos are not smooth, so
  prediction does not help. Only "none" is tried; the fast encoding (Pillow's filters) is
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

from . import parallel, png_write, pngchunks

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


def _row_sample(indices: np.ndarray, band: int = 32, every: int = 16) -> np.ndarray:
    """Bands of ``band`` rows, one in ``every``, stacked: 1/16 of a large image, with its texture."""
    h = indices.shape[0]
    starts = range(0, h, band * every)
    return np.concatenate([indices[a:a + band] for a in starts], axis=0)


def _quick_may_win(palette: np.ndarray, indices: np.ndarray) -> bool:
    """Whether the fast encoding could be the smaller file, judged on a sample of row bands.

    On a large image the fast encoding costs 0.2-0.6 s at 12 MP and loses to filter "none"
    at level 11 on photos by ~25 %. It is made in full only when, on the sample, it comes
    within 2 % of filter "none" at level 9 (weaker than the level used for the file):
    patterns that row filters predict, and dithered noise that the smallest bit depth packs.
    """
    sample = _row_sample(indices)
    quick = len(_pil_png(palette, sample, None, None))
    plain = len(png_write.indexed_png(palette, sample, depth=8, level=9))
    return quick <= plain * 1.02


def encode_png(palette: np.ndarray, indices: np.ndarray, *, effort: str = "smallest",
               icc_profile: bytes | None = None, exif: bytes | None = None) -> bytes:
    """Indexed PNG bytes for ``palette`` (K x 3 or K x 4 uint8) and ``indices`` (H x W uint8)."""
    if effort not in EFFORTS:
        raise ValueError(f"effort must be one of {', '.join(EFFORTS)}, not {effort!r}")
    palette = np.asarray(palette, np.uint8)
    indices = np.asarray(indices, np.uint8)
    if effort == "fast" or not png_write.have_libdeflate():
        return pngchunks.add_marker(_pil_png(palette, indices, icc_profile, exif))
    large = indices.size > LARGE_PIXELS
    quick = None
    if large and _quick_may_win(palette, indices):
        # Pillow's encoder releases the GIL: the fast encoding runs beside the deflate pieces.
        quick = parallel.start(lambda: _pil_png(palette, indices, icc_profile, exif))
    level = 11 if large else 12
    depths = [8]  # usually the smallest file
    if smallest_depth(len(palette)) < 8 and (not large or len(palette) <= 4):
        depths.append(smallest_depth(len(palette)))
    candidates = [png_write.indexed_png(palette, indices, depth=depth, level=level,
                                        icc_profile=icc_profile, exif=exif) for depth in depths]
    # Row filters and the smallest bit depth can win on synthetic or dithered images.
    if quick is not None:
        candidates.append(quick.result())
    elif not large:
        candidates.append(_pil_png(palette, indices, icc_profile, exif))
    return pngchunks.add_marker(min(candidates, key=len))
