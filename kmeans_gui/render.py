"""What the workers compute for the window: documents, rendered stages, figures, files.

Plain functions over the typed jobs (Qt is used only for ``QImage``, which is safe off the GUI
thread). Each one polls its job's cancel token through the core's ``should_stop`` callback.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from core import errormap, metrics
from core.compress import edited, quantize_with
from core.dither import dither as apply_dither
from core.io import LoadedImage, encode_indexed
from core.kmeans import Cancelled
from core.palette import hex_color, sort_order
from core.quantize import DRAFT_PLAN, Quantized, draft_first, plan_for
from core.remap import apply_palette
from core.ssim import ssim_indexed

from .encoder_process import smallest_png
from .jobs import CancelToken, Document, ErrorMap, Figures, RenderJob, RenderResult, Stage
from .qt_images import DISPLAY_MAX_PIXELS, array_to_qimage, indexed_to_qimage

#: A slider drag renders this many pixels at most: small enough for >= 10 pictures a second.
DRAFT_PIXELS = 200_000
#: After a pause the preview is re-rendered sharper, at about what a window shows.
PREVIEW_PIXELS = 1_000_000
SORTS = ("frequency", "luminance", "hue")

Progress = Callable[[float, str], None]


def downscaled(pixels: np.ndarray, max_pixels: int) -> np.ndarray:
    """``pixels`` area-averaged down to at most ``max_pixels`` (the array itself if smaller)."""
    h, w = pixels.shape[:2]
    if h * w <= max_pixels:
        return pixels
    s = (max_pixels / (h * w)) ** 0.5
    size = (max(1, int(w * s)), max(1, int(h * s)))
    mode = "RGBA" if pixels.shape[2] == 4 else "RGB"
    small = np.asarray(Image.fromarray(np.ascontiguousarray(pixels), mode).resize(size, Image.Resampling.BOX))
    small.flags.writeable = False
    return small


def display_image(pixels: np.ndarray) -> QImage:
    """The fit-to-window copy (at most ~1 MP), scaled by Pillow off the GUI thread's GIL."""
    return array_to_qimage(downscaled(pixels, DISPLAY_MAX_PIXELS))


def make_document(doc_id: int, loaded: LoadedImage) -> Document:
    """The loaded image with its draft and preview copies and its QImages (worker side)."""
    before = array_to_qimage(loaded.pixels)
    preview = downscaled(loaded.pixels, PREVIEW_PIXELS)
    display = before if preview is loaded.pixels else array_to_qimage(preview)
    return Document(doc_id, loaded, downscaled(preview, DRAFT_PIXELS), preview, before, display)


def stage_pixels(document: Document, stage: Stage) -> np.ndarray:
    if stage == "draft":
        return document.draft_source
    if stage == "preview":
        return document.preview_source
    return document.loaded.pixels


def stage_plan(stage: Stage, k: int):
    """The core's plan for a stage: coarse and quick while dragging, exact at full size."""
    if stage == "full":
        return None
    if stage == "draft" and draft_first(k):  # the core's policy: large K drags on coarse bins
        return DRAFT_PLAN
    return plan_for(k, preview=True)


def quantize_stage(pixels: np.ndarray, stage: Stage, options, token: CancelToken,
                   progress: Progress | None = None) -> tuple[Quantized, np.ndarray]:
    """Quantize (locks, palette file, edits) and dither as ``options`` say; raises ``Cancelled``."""
    stop = lambda: token.cancelled  # noqa: E731 - the core's should_stop callback
    q, indices = quantize_with(pixels, options, preview=stage != "full", plan=stage_plan(stage, options.k),
                               should_stop=stop, on_progress=progress)
    if stop():
        raise Cancelled()
    return q, indices


def render(job: RenderJob, progress: Progress | None = None) -> RenderResult:
    """One stage of the live loop: quantize, dither, and build what the GUI will show."""
    t0 = time.perf_counter()
    pixels = stage_pixels(job.document, job.stage)
    if job.base is not None:  # an edit of the result on screen: no re-clustering
        new_edits = job.options.edits[len(job.base.options.edits):]
        q, indices = edited(pixels, job.base.quantized, new_edits, job.options, lambda: job.token.cancelled)
    else:
        q, indices = quantize_stage(pixels, job.stage, job.options, job.token, progress)
    result = build_result(job, q, indices, time.perf_counter() - t0)
    if job.token.cancelled:  # building the picture takes ~0.3 s at 12 MP: Esc then drops it
        raise Cancelled()
    if job.with_error_map:
        result = replace(result, error_map=error_map(result, job.document))
    return result


def error_map(result: RenderResult, document: Document) -> ErrorMap:
    """Per-pixel deltaE (CIE76) of ``result`` against the pixels it was made from, as a heat-map."""
    px = stage_pixels(document, result.stage)
    delta = errormap.delta_e_map_indexed(px, result.palette, result.indices)
    vmax = errormap.suggest_vmax(delta)
    rgb = errormap.heatmap_rgb(delta, vmax)
    image = array_to_qimage(rgb)
    display = display_image(rgb) if rgb.shape[0] * rgb.shape[1] > DISPLAY_MAX_PIXELS else image
    h, w = delta.shape
    scale = document.loaded.width / float(w)
    x, y, bw, bh = errormap.worst_region(delta, max(8, int(64 / scale)))
    worst = (int(x * scale), int(y * scale), max(1, int(bw * scale)), max(1, int(bh * scale)))
    return ErrorMap(image, display, vmax, tuple(errormap.legend_ticks(vmax)), errormap.COLORMAP, worst,
                    float(delta.mean()))


def build_result(job: RenderJob, q: Quantized, indices: np.ndarray, seconds: float) -> RenderResult:
    """Everything the GUI needs to show a result, computed off the GUI thread."""
    counts = q.counts if job.options.dither == "none" else np.bincount(indices.ravel(), minlength=len(q.palette))
    image = indexed_to_qimage(indices, q.palette)
    big = indices.size > DISPLAY_MAX_PIXELS
    display = display_image(np.take(q.palette, indices, axis=0)) if big else image
    orders = {by: sort_order(q.palette, counts, by) for by in SORTS}
    hexes = tuple(hex_color(c) for c in q.palette)
    return RenderResult(job.serial, job.stage, job.document.id, job.options, q.palette, indices, counts, hexes,
                        orders, q.distinct_colors, q.n_iter, seconds, image, display, q)


def full_result(document: Document, options, token: CancelToken, serial: int = -1,
                progress: Progress | None = None) -> RenderResult:
    """The full-resolution result for a save or export whose settings are no longer rendered."""
    return render(RenderJob(serial, "full", document, options, token=token), progress)


# ---------------------------------------------------------------------------------- figures


def encoded_png(result: RenderResult, document: Document, token: CancelToken) -> bytes:
    """The smallest indexed PNG of this result (what Save writes), encoded once and kept on it."""
    data = result.encoded.get("png")
    if data is None:
        data = smallest_png(result.palette, result.indices, document.loaded.icc_profile,
                            lambda: token.cancelled)
        result.encoded["png"] = data
    return data


def _fast_png_bytes(result: RenderResult) -> int:
    """Bytes of a quick PNG encode (one zlib pass, Pillow releases the GIL while it runs)."""
    buf = io.BytesIO()
    encode_indexed(buf, result.palette, result.indices, "png", effort="fast")
    return buf.tell()


#: Pixels of the full-resolution sample behind a preview's size estimate.
ESTIMATE_SAMPLE_PIXELS = 1_000_000
ESTIMATE_STRIPS = 8


def estimate_png_bytes(result: RenderResult, document: Document,
                       token: CancelToken | None = None) -> int:
    """The saved PNG's size, estimated while only a preview exists.

    A downscaled preview compresses worse per pixel than the photo itself, so the estimate
    does not scale the preview's file: it maps evenly spaced full-resolution strips (about
    1 MP in all) to the preview's palette, encodes them as Save would, and scales bytes per
    pixel to the whole image. Within 25 % of the real file on the benchmark photos
    (``benchmarks/bench_estimate.py``).
    """
    token = token or CancelToken()
    px = document.loaded.pixels
    h, w = px.shape[:2]
    rows = max(8, ESTIMATE_SAMPLE_PIXELS // (ESTIMATE_STRIPS * w))
    if rows * ESTIMATE_STRIPS >= h:
        sample = px
    else:
        starts = np.linspace(0, h - rows, ESTIMATE_STRIPS).astype(int)
        sample = np.concatenate([px[a:a + rows] for a in starts], axis=0)
    o = result.options
    palette = result.palette
    if o.dither == "none":
        indices = apply_palette(sample, palette, color_space=o.color_space)
    else:
        indices = apply_dither(sample, palette, o.dither, color_space=o.color_space, strength=o.dither_strength,
                               flat_threshold=o.dither_flat)
    if token.cancelled:
        raise Cancelled()
    data = smallest_png(palette, indices, None, lambda: token.cancelled)
    return int(len(data) * (h * w) / float(indices.size))


def figures(result: RenderResult, document: Document, token: CancelToken) -> Figures:
    """Quality figures and a quick size: exact at full resolution, the size estimated for previews.

    PSNR and mean deltaE come from the quantizer's histogram when the indices are its own
    (exact, per distinct color), else from one pass over the pixels on the core's pool.
    """
    px = stage_pixels(document, result.stage)
    h, w = px.shape[:2]
    loaded = document.loaded
    full_pixels = loaded.width * loaded.height
    quality = metrics.quantized_figures(px, result.quantized, result.indices)
    if token.cancelled:
        raise Cancelled()
    # Every pixel (0.5 s at 12 MP, in the worker): every 2nd pixel read 0.03 high on dithered photos.
    structural = ssim_indexed(px, result.palette, result.indices)
    if token.cancelled:
        raise Cancelled()
    if result.stage == "full":
        png_bytes, kind = _fast_png_bytes(result), "fast"
    else:
        png_bytes, kind = estimate_png_bytes(result, document, token), "estimate"
    if token.cancelled:
        raise Cancelled()
    return Figures(result.stage, (w, h), len(result.palette), result.distinct_colors,
                   metrics.bitcount_ratio(full_pixels, len(result.palette)), quality.psnr, quality.delta_e,
                   structural, png_bytes, kind, loaded.file_bytes, metrics.raw_rgb_bytes(loaded.height, loaded.width, 3),
                   result.iterations, result.seconds)


def smallest_figures(previous: Figures, result: RenderResult, document: Document, token: CancelToken) -> Figures:
    """``previous`` with the size of the smallest PNG, the very bytes Save will write."""
    return replace(previous, png_bytes=len(encoded_png(result, document, token)), png_kind="smallest")
