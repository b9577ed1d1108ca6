"""The worker: one QObject on one QThread that runs the core, one job at a time, newest wins.

Jobs carry a generation number. A job whose generation is no longer the newest is skipped
before it starts, and a running one stops at the core's next ``should_stop`` poll. Results
carry the parameters they were made for, so the controller can drop anything stale.
"""

from __future__ import annotations

import io
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from core import metrics
from core.dither import dither as apply_dither
from core.io import SaveError, encode_indexed, save_indexed
from core.kmeans import Cancelled
from core.palette import export_palette
from core.quantize import DRAFT_PLAN, Quantized, quantize

from .qt_images import array_to_qimage, display_copy, indexed_to_qimage

#: Above this K the preview is shown twice: a quick draft, then the real preview.
DRAFT_ABOVE_K = 48


@dataclass(frozen=True)
class Params:
    """Everything a result depends on (with the image): same params, same pixels, same output."""

    k: int = 16
    seed: int = 0
    init: str = "k-means++"
    n_init: int = 0  # 0 = the core's automatic choice
    color_space: str = "rgb"
    dither: str = "none"


@dataclass
class Job:
    generation: int
    kind: str  # "preview" | "full" | "save" | "export" | "batch" | "call" | "load"
    params: Params = field(default_factory=Params)
    pixels: np.ndarray | None = None
    full_pixels: int = 0  # pixel count of the full image (for size estimates)
    original_bytes: int | None = None
    path: Path | None = None
    extra: dict = field(default_factory=dict)
    always: bool = False  # never skipped as stale (saves, exports, batches)


@dataclass
class RenderResult:
    """A rendered result, built in the worker so the GUI thread only shows it."""

    generation: int
    kind: str  # "draft" | "preview" | "full"
    params: Params
    quantized: Quantized
    indices: np.ndarray  # after dithering
    counts: np.ndarray  # pixels per palette entry, after dithering
    image: QImage
    display: QImage
    seconds: float
    stats: dict = field(default_factory=dict)

    @property
    def palette(self) -> np.ndarray:
        return self.quantized.palette


class Worker(QObject):
    """Runs jobs from the controller's queue; emits results, progress and failures."""

    rendered = Signal(object)  # RenderResult (image ready; stats may follow)
    statsReady = Signal(int, object)  # generation, dict
    progress = Signal(int, float, str)  # generation, fraction, stage
    failed = Signal(int, str, str)  # generation, kind, one-line message
    cancelled = Signal(int, str)
    done = Signal(int, str, object)  # generation, kind, payload (save/export/batch/call results)
    finished = Signal(int)  # every job ends with this, whatever happened

    def __init__(self, latest: Callable[[], int]) -> None:
        super().__init__()
        self._latest = latest
        self._cancel_always = False

    def cancel_running_always_job(self) -> None:
        """Ask a running save/batch job to stop at its next checkpoint (thread-safe flag)."""
        self._cancel_always = True

    def _stale(self, job: Job) -> bool:
        return not job.always and job.generation != self._latest()

    @Slot(object)
    def run(self, job: Job) -> None:
        if self._stale(job):
            self.cancelled.emit(job.generation, job.kind)
            self.finished.emit(job.generation)
            return
        if job.always:
            self._cancel_always = False
        try:
            handler = getattr(self, f"_run_{job.kind}")
            handler(job)
        except Cancelled:
            self.cancelled.emit(job.generation, job.kind)
        except (SaveError, OSError, ValueError, MemoryError) as e:
            self.failed.emit(job.generation, job.kind, str(e) or type(e).__name__)
        except Exception as e:  # noqa: BLE001 - the GUI shows one line, never a traceback
            traceback.print_exc()
            self.failed.emit(job.generation, job.kind, f"internal error: {e}")
        finally:
            self.finished.emit(job.generation)

    # -- rendering ---------------------------------------------------------------------------

    def _should_stop(self, job: Job) -> Callable[[], bool]:
        if job.always:
            return lambda: self._cancel_always
        return lambda: job.generation != self._latest()

    def _quantize(self, job: Job, preview: bool, plan=None) -> tuple[Quantized, np.ndarray]:
        p = job.params
        stop = self._should_stop(job)

        def progress(fraction: float, stage: str) -> None:
            self.progress.emit(job.generation, fraction * (0.6 if not preview else 1.0), stage)

        q = quantize(job.pixels, p.k, seed=p.seed, init=p.init, n_init=p.n_init or None,
                     color_space=p.color_space, preview=preview, plan=plan, should_stop=stop, on_progress=progress)
        if stop():
            raise Cancelled()
        indices = q.indices if p.dither == "none" else apply_dither(job.pixels, q.palette, p.dither)
        return q, indices

    @staticmethod
    def _result(job: Job, kind: str, q: Quantized, indices: np.ndarray, t0: float) -> RenderResult:
        """Everything the GUI needs to show a result, computed here, off the GUI thread."""
        image = indexed_to_qimage(indices, q.palette)
        display = display_copy(image) if kind == "full" else image
        dithered = job.params.dither != "none"
        counts = np.bincount(indices.ravel(), minlength=len(q.palette)) if dithered else q.counts
        return RenderResult(job.generation, kind, job.params, q, indices, counts, image, display,
                            time.perf_counter() - t0)

    def _run_preview(self, job: Job) -> None:
        t0 = time.perf_counter()
        if job.params.k > DRAFT_ABOVE_K:
            # Large K: show a rougher draft first, then the real preview (progressive refinement).
            q, indices = self._quantize(job, preview=True, plan=DRAFT_PLAN)
            self.rendered.emit(self._result(job, "draft", q, indices, t0))
            if self._stale(job):
                raise Cancelled()
        q, indices = self._quantize(job, preview=True)
        result = self._result(job, "preview", q, indices, t0)
        self.rendered.emit(result)
        if self._stale(job):
            return
        self.statsReady.emit(job.generation, self._stats(job, q, indices, sampled=True, seconds=result.seconds))

    def _run_full(self, job: Job) -> None:
        t0 = time.perf_counter()
        q, indices = self._quantize(job, preview=False)
        self.progress.emit(job.generation, 0.7, "rendering")
        result = self._result(job, "full", q, indices, t0)
        if self._stale(job):
            raise Cancelled()
        self.progress.emit(job.generation, 0.8, "measuring")
        result.stats = self._stats(job, q, indices, sampled=False, seconds=result.seconds)
        if self._stale(job):
            raise Cancelled()
        self.progress.emit(job.generation, 1.0, "done")
        self.rendered.emit(result)
        self.statsReady.emit(job.generation, result.stats)

    def _stats(self, job: Job, q: Quantized, indices: np.ndarray, *, sampled: bool, seconds: float) -> dict:
        px = job.pixels
        h, w = px.shape[:2]
        step = max(1, int(np.sqrt(h * w / 250_000))) if sampled else 1
        a = px[::step, ::step]
        b = q.palette[indices[::step, ::step]]  # metrics composite alpha over grey
        buf = io.BytesIO()
        if sampled:
            _fast_png(buf, q.palette, indices)
        else:
            encode_indexed(buf, q.palette, indices, "png")
        png = buf.tell()
        scale = job.full_pixels / float(h * w) if sampled and job.full_pixels else 1.0
        return {
            "preview": sampled,
            "size": (w, h),
            "colors": len(q.palette),
            "distinct": q.distinct_colors,
            "bitcount_ratio": metrics.bitcount_ratio(job.full_pixels or h * w, len(q.palette)),
            "psnr": metrics.psnr(a, b),
            "delta_e": metrics.mean_delta_e(a, b),
            "png_bytes": int(png * scale),
            "png_estimated": sampled,
            "original_bytes": job.original_bytes,
            "raw_bytes": metrics.raw_rgb_bytes(*(job.extra.get("full_size") or (h, w)), 3),
            "iterations": q.n_iter,
            "seconds": seconds,
            "history": q.inertia_history,
        }

    # -- loading -----------------------------------------------------------------------------

    def _run_load(self, job: Job) -> None:
        from core.io import load_image, load_image_bytes

        data = job.extra.get("data")
        loaded = load_image_bytes(data, job.extra.get("name", "pasted image")) if data is not None else load_image(job.path)
        if self._stale(job):
            raise Cancelled()
        preview = preview_pixels(loaded.pixels)
        before = array_to_qimage(loaded.pixels)
        self.done.emit(job.generation, "load", (loaded, preview, before, display_copy(before)))

    # -- writing -----------------------------------------------------------------------------

    def _run_save(self, job: Job) -> None:
        result: RenderResult = job.extra["result"]
        loaded = job.extra.get("loaded")
        res = save_indexed(job.path, result.palette, result.indices, fmt=job.extra.get("fmt"),
                           source=getattr(loaded, "path", None), overwrite=True,
                           icc_profile=getattr(loaded, "icc_profile", None))
        self.done.emit(job.generation, "save", res)

    def _run_export(self, job: Job) -> None:
        out = export_palette(job.path, job.extra["palette"], job.extra.get("counts"), sort=job.extra.get("sort", "frequency"),
                             overwrite=True)
        self.done.emit(job.generation, "export", out)

    def _run_batch(self, job: Job) -> None:
        from core.pipeline import compress_file

        files: list[Path] = job.extra["files"]
        results = []
        for i, path in enumerate(files):
            if self._cancel_always:
                raise Cancelled()
            self.progress.emit(job.generation, i / max(1, len(files)), path.name)
            results.append(compress_file(path, None, job.extra["options"], out_dir=job.extra.get("out_dir")))
        self.progress.emit(job.generation, 1.0, "done")
        self.done.emit(job.generation, "batch", results)

    def _run_call(self, job: Job) -> None:
        """Run an arbitrary core function (playground, choose-K) with cancel and progress."""
        fn = job.extra["fn"]
        stop = self._should_stop(job)
        payload = fn(stop, lambda f, s="": self.progress.emit(job.generation, f, s))
        if stop():
            raise Cancelled()
        self.done.emit(job.generation, job.extra.get("tag", "call"), payload)


def preview_pixels(pixels: np.ndarray, max_pixels: int = 1_000_000) -> np.ndarray:
    """The live preview's copy: the image downscaled (area-averaged) to at most ~1 MP."""
    h, w = pixels.shape[:2]
    if h * w <= max_pixels:
        return pixels
    from PIL import Image

    s = (max_pixels / (h * w)) ** 0.5
    size = (max(1, int(w * s)), max(1, int(h * s)))
    mode = "RGBA" if pixels.shape[2] == 4 else "RGB"
    small = np.asarray(Image.fromarray(np.ascontiguousarray(pixels), mode).resize(size, Image.Resampling.BOX))
    small.flags.writeable = False
    return small


def _fast_png(buf, palette: np.ndarray, indices: np.ndarray) -> None:
    """A quick PNG encode (no optimize pass) for the preview's size estimate."""
    from core.io import to_pil_indexed

    to_pil_indexed(palette, indices).save(buf, "PNG", compress_level=6)


def with_params(job: Job, **changes) -> Job:
    return replace(job, params=replace(job.params, **changes))
