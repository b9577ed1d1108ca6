"""Typed seams between the controller and the workers: one frozen dataclass per job and result.

A job says everything its handler needs; a result says which job it answers. Nothing travels
as a string kind or an untyped dict, so a reader sees every field and every place it is used.
Every job carries a :class:`CancelToken`: the controller cancels exactly the jobs it means to,
and the core polls ``token.cancelled`` through its ``should_stop`` callback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from PySide6.QtGui import QImage

from core.io import LoadedImage
from core.pipeline import CompressOptions, CompressResult
from core.quantize import Quantized

Stage = Literal["draft", "preview", "full"]


class CancelToken:
    """A thread-safe "please stop" flag shared by the controller and one job."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


# ---------------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Document:
    """A loaded image and the copies the live loop renders from (read-only arrays)."""

    id: int
    loaded: LoadedImage
    draft_source: np.ndarray  # small copy: what a slider drag renders
    preview_source: np.ndarray  # view-sized copy: the sharper preview after a pause
    before: QImage  # the original at full resolution
    before_display: QImage  # the original for fit-to-window painting

    @property
    def path(self) -> Path | None:
        return self.loaded.path

    @property
    def name(self) -> str:
        return self.loaded.path.name if self.loaded.path else "pasted image"


@dataclass(frozen=True)
class LoadJob:
    request: int
    path: Path | None = None
    data: bytes | None = None  # clipboard or dropped bytes instead of a file
    image: QImage | None = None  # a clipboard or dropped image (encoded to PNG in the worker)
    name: str = "pasted image"
    token: CancelToken = field(default_factory=CancelToken, compare=False)


@dataclass(frozen=True)
class Loaded:
    request: int
    document: Document


@dataclass(frozen=True)
class LoadFailed:
    request: int
    message: str


# ---------------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class RenderJob:
    serial: int
    stage: Stage
    document: Document
    options: CompressOptions
    with_error_map: bool = False  # the error view is on: measure the map with the picture
    #: A result whose options differ only by edits appended since: apply those to it (no K-means).
    base: RenderResult | None = None
    token: CancelToken = field(default_factory=CancelToken, compare=False)


@dataclass(frozen=True, eq=False)
class ErrorMap:
    """The per-pixel color difference of a result, as a heat-map the view can paint."""

    image: QImage  # heat-map at the result's resolution
    display: QImage  # fit-to-window copy
    vmax: float  # deltaE at the top of the color bar
    ticks: tuple[float, ...]
    colors: np.ndarray  # (256, 3) uint8 color bar
    worst: tuple[int, int, int, int]  # (x, y, w, h) of the worst block, in full-image pixels
    mean: float


@dataclass(frozen=True, eq=False)
class RenderResult:
    """A rendered result, built in the worker so the GUI thread only shows it."""

    serial: int
    stage: Stage
    doc_id: int
    options: CompressOptions
    palette: np.ndarray  # (n, 3|4) uint8
    indices: np.ndarray  # (H, W) uint8, after dithering
    counts: np.ndarray  # pixels per palette entry, after dithering
    hex_codes: tuple[str, ...]
    orders: dict[str, np.ndarray]  # sort name -> palette order, for the palette view
    distinct_colors: int
    iterations: int
    seconds: float
    image: QImage
    display: QImage
    quantized: Quantized  # the core's result (its histogram gives exact figures cheaply)
    error_map: ErrorMap | None = None
    #: Encoded files of this very result, filled once by the writer (format -> bytes), so
    #: Save writes the bytes the figures counted instead of encoding again.
    encoded: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def k(self) -> int:
        return self.options.k


@dataclass(frozen=True)
class Figures:
    """What the Figures panel shows for one result."""

    stage: Stage
    size: tuple[int, int]  # (width, height) the figures were measured on
    colors: int
    distinct: int
    bitcount_ratio: float
    psnr: float
    delta_e: float
    ssim: float
    png_bytes: int
    #: "estimate" (from the preview), "fast" (quick encode, optimizing), "unoptimized" (quick
    #: encode, optimizing cancelled), "smallest" (the bytes Save writes)
    png_kind: Literal["estimate", "fast", "unoptimized", "smallest"]
    original_bytes: int | None
    raw_bytes: int
    iterations: int
    seconds: float


@dataclass(frozen=True)
class FiguresJob:
    """Measure ``result``; with ``previous`` (the quick figures), only the smallest PNG is added."""

    result: RenderResult
    document: Document
    previous: Figures | None = None
    token: CancelToken = field(default_factory=CancelToken, compare=False)


@dataclass(frozen=True)
class FiguresDone:
    serial: int
    figures: Figures


@dataclass(frozen=True)
class ErrorMapJob:
    result: RenderResult
    document: Document
    token: CancelToken = field(default_factory=CancelToken, compare=False)


@dataclass(frozen=True)
class ErrorMapDone:
    serial: int
    error_map: ErrorMap


# ---------------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class SaveJob:
    """Save the image rendered for (document, options); ``result`` if it is already known."""

    request: int
    path: Path
    fmt: str | None
    document: Document
    options: CompressOptions
    result: RenderResult | None
    skip_if_larger: bool = False
    token: CancelToken = field(default_factory=CancelToken, compare=False)


@dataclass(frozen=True)
class ExportJob:
    """Export the palette rendered for (document, options) in the format of ``path``."""

    request: int
    path: Path
    sort: str
    document: Document
    options: CompressOptions
    result: RenderResult | None
    token: CancelToken = field(default_factory=CancelToken, compare=False)


@dataclass(frozen=True)
class WriteDone:
    """One save or export request ended: ``error`` is empty when the file was written."""

    request: int
    path: Path
    message: str
    error: str = ""


@dataclass(frozen=True)
class BatchJob:
    files: tuple[Path, ...]
    out_dir: Path | None
    options: CompressOptions
    token: CancelToken = field(default_factory=CancelToken, compare=False)


@dataclass(frozen=True)
class BatchDone:
    results: tuple[CompressResult, ...]  # in input order; files not started (cancelled) left out
    cancelled: bool = False
    planned: int = 0  # files the batch had to do (results + those a Cancel left unstarted)


@dataclass(frozen=True)
class CallJob:
    """Run ``fn(should_stop, progress)`` (playground, Choose K) and return its payload."""

    tag: str
    fn: Callable
    token: CancelToken = field(default_factory=CancelToken, compare=False)


@dataclass(frozen=True)
class CallDone:
    job: CallJob
    payload: object

    @property
    def tag(self) -> str:
        return self.job.tag


# ---------------------------------------------------------------------------------- endings


@dataclass(frozen=True)
class JobCancelled:
    job: object


@dataclass(frozen=True)
class JobFailed:
    job: object
    message: str


Job = LoadJob | RenderJob | FiguresJob | ErrorMapJob | SaveJob | ExportJob | BatchJob | CallJob
