"""One file in, one compressed file out: the job shared by the command line and the GUI batch.

Load -> quantize -> dither -> measure -> save atomically, returning a plain record that
serializes to the command line's JSON. Knows nothing about terminals or windows.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import metrics
from .dither import dither as apply_dither
from .io import SAVE_FORMATS, LoadedImage, format_for_path, load_image, save_indexed
from .palette import export_palette
from .quantize import Quantized, quantize


@dataclass(frozen=True)
class CompressOptions:
    k: int = 16
    seed: int = 0
    color_space: str = "rgb"
    dither: str = "none"
    init: str = "k-means++"
    n_init: int | None = None  # restarts; None lets the core choose
    format: str | None = None  # None: from the output extension
    skip_if_larger: bool = False
    overwrite: bool = False
    keep_metadata: bool = False
    suffix: str | None = None  # default "-k{k}"
    target_psnr: float | None = None
    target_delta_e: float | None = None
    effort: str = "smallest"  # PNG encoding: "smallest" (oxipng) or "fast" (one zlib pass)

    def output_suffix(self) -> str:
        return self.suffix if self.suffix is not None else f"-k{self.k}"


@dataclass
class CompressResult:
    """What happened to one input. ``error`` (the reason, without the input's name) is None
    when it worked."""

    input: str
    output: str | None = None
    k: int | None = None
    colors: int | None = None
    bytes_in: int | None = None
    bytes_out: int | None = None
    raw_bytes: int | None = None
    psnr: float | None = None
    delta_e: float | None = None
    bitcount_ratio: float | None = None
    seconds: float = 0.0
    written: bool = False
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict:
        d = asdict(self)
        if d["psnr"] is not None and not np.isfinite(d["psnr"]):
            d["psnr"] = None  # identical images: JSON has no infinity
        return d


IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".tga", ".ico"}
_OUTPUT_STEM = re.compile(r"-k\d+$")


def collect_images(inputs: list[str | Path], recursive: bool = False) -> list[Path]:
    """Files as given; folders expanded to the images inside (hidden files and our own
    ``-kN`` outputs skipped, so running twice does not compress the results again)."""
    out: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            walker = path.rglob("*") if recursive else path.iterdir()
            out.extend(sorted(
                p for p in walker
                if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and not _OUTPUT_STEM.search(p.stem)
                and not p.name.startswith(".")
            ))
        else:
            out.append(path)
    return out


def human_bytes(n: float | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def summarize(results: list[CompressResult], seconds: float | None = None) -> str:
    """One line: files written and failed, bytes before and after, ratio, time."""
    done = [r for r in results if r.written]
    failed = sum(1 for r in results if r.error)
    before = sum(r.bytes_in or 0 for r in done)
    after = sum(r.bytes_out or 0 for r in done)
    ratio = f"{before / after:.2f}x" if after else "-"
    took = seconds if seconds is not None else sum(r.seconds for r in results)
    return (f"{len(done)} of {len(results)} files written, {failed} failed: {human_bytes(before)} -> "
            f"{human_bytes(after)} ({ratio}) in {took:.1f} s")


def default_output(input_path: Path, options: CompressOptions, out_dir: Path | None = None) -> Path:
    """``photo.jpg`` -> ``photo-k16.png`` beside it, or inside ``out_dir``."""
    fmt = options.format or "png"
    ext = SAVE_FORMATS[fmt]
    folder = out_dir if out_dir is not None else input_path.parent
    return folder / f"{input_path.stem}{options.output_suffix()}{ext}"


def quantize_for(image: LoadedImage, options: CompressOptions,
                 should_stop: Callable[[], bool] | None = None) -> tuple[Quantized, np.ndarray]:
    """Quantize and dither; returns the result and the (possibly dithered) indices."""
    if options.target_psnr is not None or options.target_delta_e is not None:
        from .autok import smallest_k_for

        choice = smallest_k_for(image.pixels, psnr=options.target_psnr, delta_e=options.target_delta_e,
                                seed=options.seed, color_space=options.color_space, should_stop=should_stop)
        q = choice.result
    else:
        q = quantize(image.pixels, options.k, seed=options.seed, color_space=options.color_space,
                     init=options.init, n_init=options.n_init, should_stop=should_stop)
    indices = q.indices if options.dither == "none" else apply_dither(image.pixels, q.palette, options.dither)
    return q, indices


def compress_file(input_path: str | Path, output_path: str | Path | None = None, options: CompressOptions = CompressOptions(),
                  *, out_dir: Path | None = None, palette_out: Path | None = None,
                  palette_format: str | None = None) -> CompressResult:
    """Compress one image file. Never raises for a bad input: the error is in the result."""
    from .atomic import WriteRefused
    from .io import ImageLoadError, SaveError

    t0 = time.perf_counter()
    src = Path(input_path)
    res = CompressResult(input=str(src))
    try:
        out = Path(output_path) if output_path is not None else default_output(src, options, out_dir)
        fmt = format_for_path(out, options.format)
        image = load_image(src)
        res.notes += image.notes
        res.bytes_in = image.file_bytes
        res.raw_bytes = metrics.raw_rgb_bytes(image.height, image.width, image.pixels.shape[2])
        q, indices = quantize_for(image, options)
        res.k, res.colors = q.k, len(q.palette)
        saved = save_indexed(out, q.palette, indices, fmt=fmt, source=src, overwrite=options.overwrite,
                             skip_if_larger=options.skip_if_larger, original_bytes=image.file_bytes,
                             icc_profile=image.icc_profile, exif=image.exif, keep_metadata=options.keep_metadata,
                             effort=options.effort)
        res.notes += saved.notes
        res.bytes_out, res.written = saved.bytes, saved.written
        res.output = str(saved.path) if saved.written else None
        recon = np.take(q.palette, indices, axis=0)
        res.psnr = metrics.psnr(image.pixels, recon)
        res.delta_e = metrics.mean_delta_e(image.pixels, recon)
        res.bitcount_ratio = metrics.bitcount_ratio(image.width * image.height, len(q.palette))
        if saved.written and (palette_out is not None or palette_format is not None):
            target = palette_out or saved.path.with_suffix("." + palette_format)
            export_palette(target, q.palette, q.counts, overwrite=options.overwrite)
    except (ImageLoadError, SaveError, WriteRefused) as e:
        msg = str(e)
        res.error = msg[len(src.name) + 2:] if msg.startswith(src.name + ": ") else msg
    except ValueError as e:
        res.error = str(e)
    except MemoryError:
        res.error = "not enough memory"
    except OSError as e:
        res.error = str(e.strerror or e)
    res.seconds = time.perf_counter() - t0
    return res
