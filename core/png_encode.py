"""The smallest indexed PNG, or a fast one: palette + index map -> PNG bytes.

``effort="fast"``: one zlib pass through Pillow at the smallest bit depth (~0.15 s for 12 MP),
for previews and size estimates. ``effort="smallest"``: libdeflate's near-optimal parser, on
all cores (:mod:`core.png_write`). Measured on the benchmark photos (see ``benchmarks/README.md``):

- Filter type 0 (none) on every row was as small as oxipng's level-2 filter search on every
  photo and K, at a fraction of the time: palette indices of photos are not smooth, so
  prediction does not help. Only "none" is tried here (Pillow's fast encoding filters its
  rows at depths below 8, and "none" at 8).
- The smallest bit depth is not the smallest file: K=16 at 8 bits was 0.3-4 % smaller than
  at 4 bits on every photo at levels 11-12 (at levels 9-10 the ranking often flips). Both are
  tried where that is cheap; on large images a sample of the rows picks one
  (:func:`large_image_plan`).
- libdeflate level 12 made the 12 MP photo 4 % smaller than level 11 at ~2x the time: 12 is
  used up to 4 MP, 11 above.
- The fast encoding is a candidate too, so "smallest" is never larger than "fast": always up
  to 4 MP, and above when a sample says it may win (its filters at low depths and zlib's parse
  occasionally beat libdeflate; a wrong sample costs the difference).

The palette and indices are written exactly as given (no palette sorting or trimming), with
a ``tRNS`` chunk as long as the last see-through entry, and our marker chunk
(``Software=kmeans-compress``) before the pixel data.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np
from PIL import Image

from . import parallel, png_write, pngchunks

#: Above this many pixels the slower deflate level and the extra bit-depth trial cost seconds.
LARGE_PIXELS = 4_000_000
#: A row sample compressing below this share of its pixel count is "easy": try every encoding.
EASY_SHARE = 0.01
#: deflate's window: matches reach back at most this many bytes.
DEFLATE_WINDOW = 32_768
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


class _SampleSizes(NamedTuple):
    """Pixel data sizes of a sample of the rows, in bytes, and its pixel count."""

    fast: int  # as the fast encoding writes it: Pillow, smallest depth, its row filters, zlib 6
    packed: int  # smallest depth, filter none, libdeflate level 6
    plain: int  # 8 bits, filter none, libdeflate level 9
    pixels: int


def _sample_sizes(palette: np.ndarray, indices: np.ndarray) -> _SampleSizes:
    """Encodings of ~1/16 of the rows (20-110 ms at 12 MP), to choose the full ones."""
    sample = _row_sample(indices)
    # Pillow's encoder releases the GIL: the fast encoding runs on the pool beside the others.
    pil = parallel.start(lambda: _pil_png(palette, sample, None, None))
    packed = len(png_write.zlib_stream(png_write.filtered_rows(sample, smallest_depth(len(palette))), 6))
    plain = len(png_write.zlib_stream(png_write.filtered_rows(sample, 8), 9))
    fast = sum(len(data) for kind, data, _ in pngchunks.iter_chunks(pil.result()) if kind == b"IDAT")
    return _SampleSizes(fast, packed, plain, sample.size)


def large_image_plan(palette: np.ndarray, indices: np.ndarray) -> tuple[list[int], bool]:
    """For an image above LARGE_PIXELS: the bit depths to encode at level 11, and whether the
    fast encoding is a candidate too, from encodings of a sample of the rows.

    One depth (each costs 0.6-2 s at 12 MP), unless K <= 4: the smallest when rows at 8 bits
    are longer than deflate's 32 KB window, or when the sample packed at the smallest depth
    (level 6) is 1 % smaller than at 8 bits (level 9), else 8 bits. Measured at 12 MP, K = 16
    (sample packed / 8 bits -> the depth that was smaller at level 11): astronaut 1.13 -> 8
    (by 2.5 %), chelsea with noise 1.03 -> 8 (2.7 %), coffee with noise 1.01 -> 8 (2.3 %),
    Floyd-Steinberg dithered coffee 1.01 -> 8 (3.1 %); rocket 0.988 -> 8 by 0.2 % (4 bits is
    picked, at half the time), random indices 0.982 -> 4 (1.3 %), ordered dithering 0.977 ->
    4 (3.2 %). A wrong pick costs at most ~3 %; trying both, 0.6-1.1 s more.

    The fast encoding joins (on the pool, beside the others) when it is smaller than 8 bits at
    level 9 on the sample: only then can it beat level 11 (on the photos above it was 0.5-25 %
    larger; on random indices 1.7 % smaller). A sample that compresses below
    :data:`EASY_SHARE` of its pixel count (flat or periodic synthetic images, where a few
    hundred bytes predict nothing) gets every depth and the fast encoding: on such data each
    costs 0.03-0.25 s at 12 MP. Photos compress to 4-12 %.
    """
    k = len(palette)
    small = smallest_depth(k)
    sizes = _sample_sizes(palette, indices)
    if sizes.plain < EASY_SHARE * sizes.pixels:
        return sorted({8, small}, reverse=True), True
    if small == 8:
        depths = [8]
    elif k <= 4:
        depths = [8, small]
    elif indices.shape[1] + 1 > DEFLATE_WINDOW or sizes.packed < sizes.plain * 0.99:
        depths = [small]
    else:
        depths = [8]
    return depths, sizes.fast < sizes.plain


def encode_png(palette: np.ndarray, indices: np.ndarray, *, effort: str = "smallest",
               icc_profile: bytes | None = None, exif: bytes | None = None) -> bytes:
    """Indexed PNG bytes for ``palette`` (K x 3 or K x 4 uint8) and ``indices`` (H x W uint8)."""
    if effort not in EFFORTS:
        raise ValueError(f"effort must be one of {', '.join(EFFORTS)}, not {effort!r}")
    palette = np.asarray(palette, np.uint8)
    indices = np.asarray(indices, np.uint8)
    if effort == "fast" or not png_write.have_libdeflate():
        return pngchunks.add_marker(_pil_png(palette, indices, icc_profile, exif))
    if indices.size > LARGE_PIXELS:
        level = 11
        depths, with_fast = large_image_plan(palette, indices)
    else:
        level = 12
        depths, with_fast = sorted({8, smallest_depth(len(palette))}, reverse=True), True
    # Pillow's encoder releases the GIL: the fast encoding runs beside the deflate pieces.
    fast = parallel.start(lambda: _pil_png(palette, indices, icc_profile, exif)) if with_fast else None
    candidates = [png_write.indexed_png(palette, indices, depth=depth, level=level,
                                        icc_profile=icc_profile, exif=exif) for depth in depths]
    if fast is not None:
        candidates.append(fast.result())
    return pngchunks.add_marker(min(candidates, key=len))
