"""One file in, one compressed file out: the job shared by the command line and the batches.

Load -> quantize -> dither -> save atomically (through the write guard) -> measure, returning a
plain record that serializes to the command line's JSON. Knows nothing about terminals or
windows. Many files at once (planning, collisions, worker processes) live in :mod:`core.batch`.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np

from . import metrics, parallel
from .compress import edited, quantize_with
from .encode import SAVE_FORMATS, SaveError, extension_mismatch, format_for_path, stored_palette
from .load import ImageLoadError, LoadedImage, load_image, load_image_bytes, read_stream
from .pipeline_steps import check_fits, fit_failure, fit_image, fit_note, fixed_for, limited_palette
from .quantize import Quantized
from .save import encode_for_save, save_indexed
from .ssim import ssim, ssim_indexed
from .write_guard import (
    WriteRefused,
    describe_os_error,
    file_key,
    printable,
    protected,
    without_surrogates,
)

#: The name that means standard input (as an input) or standard output (as ``-o``).
STDIO = "-"
#: SSIM is measured on every pixel up to this size, on every 2nd pixel each way above it.
SSIM_FULL_PIXELS = 4_000_000


@dataclass(frozen=True)
class CompressOptions:
    k: int = 16
    seed: int = 0
    color_space: str = "rgb"
    dither: str = "none"
    dither_strength: float = 1.0  # Floyd-Steinberg error diffusion, 0..1 (1 = classic)
    dither_flat: float | None = None  # no dithering where the 5x5 neighborhood spans <= this many levels
    fixed: tuple[tuple[int, ...], ...] = ()  # locked colors: kept exactly, counted toward K
    palette: tuple[tuple[int, ...], ...] | None = None  # map to these colors; K-means off
    edits: tuple[tuple, ...] = ()  # hand edits of the palette (core.palette_edit), in order
    init: str = "k-means++"
    n_init: int | None = None  # restarts; None lets the core choose
    format: str | None = None  # None: from the output extension
    skip_if_larger: bool = False
    overwrite: bool = False
    skip_existing: bool = False  # an existing output is a skip (idempotent reruns), not a failure
    keep_metadata: bool = False
    suffix: str | None = None  # default "-k{K}" (the chosen K with a quality target)
    target_psnr: float | None = None
    target_delta_e: float | None = None
    min_psnr: float | None = None  # pngquant's "--quality min-max" floor: below it, nothing is written
    effort: str = "smallest"  # PNG encoding: "smallest" (libdeflate) or "fast" (one zlib pass)
    max_bytes: int | None = None  # fit the PNG in this many bytes: K (and dithering) searched
    fit_dithers: tuple[str, ...] = ("none", "fs")  # dithering choices the size search compares

    @property
    def has_target(self) -> bool:
        return self.target_psnr is not None or self.target_delta_e is not None

    @property
    def chooses_k(self) -> bool:
        """K is found by the run (quality target or size limit), so outputs are named after it."""
        return self.has_target or self.max_bytes is not None

    def output_suffix(self, k: int | None = None) -> str:
        """The name suffix; ``k`` is the K actually used (chosen by a quality target)."""
        return self.suffix if self.suffix is not None else f"-k{self.k if k is None else k}"


@dataclass
class CompressResult:
    """What happened to one input. ``error`` (the reason, without the input's name) is None
    when everything worked; an image can be written (``written``) while its palette failed."""

    input: str
    output: str | None = None
    palette: str | None = None
    k: int | None = None
    colors: int | None = None
    bytes_in: int | None = None
    bytes_out: int | None = None
    raw_bytes: int | None = None
    psnr: float | None = None
    delta_e: float | None = None
    ssim: float | None = None  # luma SSIM; on every ``ssim_step``-th pixel each way
    ssim_step: int | None = None  # 1 up to SSIM_FULL_PIXELS, then 2 (an estimate, said so)
    dither: str | None = None
    dither_strength: float | None = None
    max_bytes: int | None = None
    ks_tried: list[int] | None = None  # the K values a size search measured exactly
    bitcount_ratio: float | None = None
    seconds: float = 0.0
    written: bool = False
    grew: bool = False
    target_met: bool | None = None  # None: no quality target was asked for
    below_min_quality: bool = False  # not written: the quality floor (min_psnr) was not reached
    not_smaller: bool = False  # not written: no smaller than the original (skip_if_larger)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict:
        """The result as JSON values. A file name that is not valid UTF-8 (held with Python's
        surrogate escapes) gets ``\\xNN`` for each bad byte, so the output is valid UTF-8."""
        d = asdict(self)
        if d["psnr"] is not None and not np.isfinite(d["psnr"]):
            d["psnr"] = None  # identical images: JSON has no infinity
        return _utf8_clean(d)


def _utf8_clean(value):
    """``value`` (JSON values) with every lone surrogate in its strings escaped
    (:func:`core.write_guard.without_surrogates`, as messages spell them)."""
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, dict):
        return {k: _utf8_clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_utf8_clean(v) for v in value]
    return value


def collect_images(inputs: list[str | Path], recursive: bool = False) -> list[Path]:
    """Files as given; folders expanded to the images inside (hidden files, our temporary
    files and our own outputs, recognized by their marker, are skipped)."""
    from .batch import collect

    return [item.path for item in collect(inputs, recursive).items]


def human_bytes(n: float | None) -> str:
    """``273695`` -> ``273.7 KB``: decimal units (1 KB = 1000 bytes), the ones sizes are asked in
    (``--max-bytes 200KB``, Fit in Size's KB) and file managers show."""
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def summarize(results: list[CompressResult], seconds: float | None = None) -> str:
    """One line: files written, failed and grown; bytes before and after what was written."""
    done = [r for r in results if r.written]
    failed = sum(1 for r in results if r.error)
    grew = sum(1 for r in done if r.grew)
    skipped = sum(1 for r in results if not r.written and not r.error)
    before = sum(r.bytes_in or 0 for r in done)
    after = sum(r.bytes_out or 0 for r in done)
    ratio = f"{before / after:.2f}x" if after else "-"
    took = seconds if seconds is not None else sum(r.seconds for r in results)
    extra = (f", {skipped} skipped" if skipped else "") + (f", {grew} grew" if grew else "")
    return (f"{len(done)} of {len(results)} files written, {failed} failed{extra}: {human_bytes(before)} -> "
            f"{human_bytes(after)} ({ratio}) in {took:.1f} s")


def default_output(input_path: Path, options: CompressOptions, out_dir: Path | None = None,
                   k: int | None = None) -> Path:
    """``photo.jpg`` -> ``photo-k16.png`` beside it, or inside ``out_dir``."""
    ext = SAVE_FORMATS[options.format or "png"]
    folder = out_dir if out_dir is not None else input_path.parent
    return folder / f"{input_path.stem}{options.output_suffix(k)}{ext}"


def quantize_for(image: LoadedImage, options: CompressOptions,
                 should_stop: Callable[[], bool] | None = None) -> tuple[Quantized, np.ndarray, bool | None]:
    """Quantize and dither; returns the result, the (possibly dithered) indices and whether
    the quality target was met (None without a target)."""
    met = None
    if options.has_target:
        from .autok import smallest_k_for

        choice = smallest_k_for(image.pixels, psnr=options.target_psnr, delta_e=options.target_delta_e,
                                seed=options.seed, color_space=options.color_space, should_stop=should_stop)
        q, met = choice.result, choice.reached
        q, indices = edited(image.pixels, q, options.edits, options)  # edits and dithering, as everywhere
        return q, indices, met

    q, indices = quantize_with(image.pixels, options, should_stop=should_stop)
    return q, indices, met


def _decoded_like(data: bytes, pixels: np.ndarray) -> np.ndarray:
    """An encoded full-color file's pixels, with ``pixels``' channel count (alpha 255)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        rgb = np.asarray(im.convert("RGB"))
    if pixels.shape[2] == 4:
        rgb = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    return rgb


def _strip_name(msg: str, name: str) -> str:
    return msg[len(name) + 2:] if msg.startswith(name + ": ") else msg


def compress_file(input_path: str | Path, output_path: str | Path | None = None,
                  options: CompressOptions = CompressOptions(), *, out_dir: Path | None = None,
                  palette_out: Path | None = None, palette_format: str | None = None,
                  protect: tuple | list = (), stdin: BinaryIO | None = None,
                  stdout: BinaryIO | None = None) -> CompressResult:
    """Compress one image file (or ``-``: standard input). Never raises for a bad input: the
    error is in the result. ``output_path`` ``-`` writes the image to ``stdout``. Nothing in
    ``protect`` (the run's other inputs) is ever replaced, ``--force`` or not."""
    t0 = time.perf_counter()
    from_stdin = str(input_path) == STDIO
    src = Path(input_path)
    name = "stdin" if from_stdin else src.name
    res = CompressResult(input=str(src))
    to_stdout = output_path is not None and str(output_path) == STDIO
    try:
        out = Path(output_path) if output_path is not None else None
        if out is None and not options.chooses_k:
            out = default_output(src, options, out_dir)
        fmt = options.format or "png" if (to_stdout or out is None) else format_for_path(out, options.format)
        mismatch = extension_mismatch(out, fmt) if (out is not None and not to_stdout and options.format) else None
        if mismatch:
            res.notes.append(mismatch)
        if from_stdin:
            stdin_file = _regular_file_behind(stdin)
            image = load_image_bytes(read_stream(stdin, name) if stdin else b"", name)
        else:
            image = load_image(src)
        res.notes += image.notes
        res.bytes_in = image.file_bytes
        res.raw_bytes = metrics.raw_rgb_bytes(image.height, image.width, image.pixels.shape[2])
        if options.palette:
            options = limited_palette(options, image.pixels, res.notes)
        if options.fixed:
            options = fixed_for(options, image.pixels.shape[2], res.notes)
        res.dither, res.dither_strength = options.dither, options.dither_strength
        if options.max_bytes is not None:
            fit = fit_image(image, options, fmt)
            res.max_bytes, res.ks_tried, res.dither = fit.max_bytes, fit.ks_tried, fit.dither
            res.below_min_quality = fit.below_quality
            failure = fit_failure(fit, options.min_psnr)
            if failure:
                res.k, res.psnr = fit.k, fit.psnr
                raise ValueError(failure)
            res.notes.append(fit_note(fit))
            q, indices = fit.quantized, fit.indices
        else:
            q, indices, res.target_met = quantize_for(image, options)
        if res.target_met is False:
            res.notes.append("quality target not reached even at K = 256")
        res.k, res.colors = q.k, len(q.palette)
        if out is None:
            out = default_output(src, options, out_dir, k=q.k)
            fmt = format_for_path(out, options.format)
        # The figures describe the file written: a format without (partial) alpha shows some
        # colors opaque (stored_palette), and JPEG's own pixels differ from the palette image.
        exif_out = image.exif if options.keep_metadata else None
        encoded: tuple[bytes, list[str]] | None = None
        if fmt == "jpeg":
            encoded = encode_for_save(out if out is not None else "stdout.jpg", q.palette, indices, fmt=fmt,
                                      icc_profile=image.icc_profile, exif=exif_out, effort=options.effort)
            decoded = _decoded_like(encoded[0], image.pixels)
            figs = metrics.figures_between(image.pixels, decoded)
        else:
            shown = replace(q, palette=stored_palette(q.palette, fmt))
            figs = metrics.quantized_figures(image.pixels, shown, indices)  # histogram-based when not dithered
        res.psnr, res.delta_e = figs.psnr, figs.delta_e
        res.bitcount_ratio = metrics.bitcount_ratio(image.width * image.height, len(q.palette))
        if options.min_psnr is not None and options.max_bytes is None and res.psnr < options.min_psnr:
            res.below_min_quality = True  # (a size search applied the floor to its candidates)
            raise ValueError(f"quality {res.psnr:.1f} dB is below the minimum {options.min_psnr:g} dB; not written")
        # SSIM is only reported: it runs on the pool beside the encoding (0.3 s at 12 MP), on
        # every ``s``-th pixel each way above SSIM_FULL_PIXELS (what ``ssim(step=s)`` compares).
        s = res.ssim_step = 1 if image.width * image.height <= SSIM_FULL_PIXELS else 2
        similarity = parallel.start(lambda: ssim(image.pixels, decoded, step=s) if encoded is not None
                                    else ssim_indexed(image.pixels, shown.palette, indices, step=s))
        if from_stdin and stdin_file is not None and out is not None and not to_stdout \
                and file_key(out) == ("inode", *stdin_file):
            raise WriteRefused(f"{printable(out)}: is the file standard input was read from; "
                               "refusing to overwrite it")
        try:
            with protected([None if from_stdin else src, *protect]):
                if to_stdout:
                    data, notes = encoded or encode_for_save(out, q.palette, indices, fmt=fmt,
                                                             icc_profile=image.icc_profile, exif=exif_out,
                                                             effort=options.effort)
                    check_fits(len(data), options.max_bytes)
                    if options.skip_if_larger and image.file_bytes is not None and len(data) >= image.file_bytes:
                        res.bytes_out, res.not_smaller = len(data), True  # as for a file: nothing on stdout
                        res.notes += [*notes, f"not written: {len(data):,} bytes is not smaller than the "
                                              f"original {image.file_bytes:,}"]
                        raise _NothingWritten
                    write_all(stdout if stdout is not None else sys.stdout.buffer, data)
                    res.notes += notes
                    res.bytes_out, res.written, res.output = len(data), True, STDIO
                else:
                    saved = save_indexed(out, q.palette, indices, fmt=fmt, source=None if from_stdin else src,
                                         overwrite=options.overwrite, skip_if_larger=options.skip_if_larger,
                                         original_bytes=image.file_bytes, icc_profile=image.icc_profile,
                                         exif=image.exif, keep_metadata=options.keep_metadata,
                                         effort=options.effort,
                                         encode=(lambda *_a, **_k: encoded) if encoded is not None else None)
                    res.notes += saved.notes
                    res.bytes_out, res.written = saved.bytes, saved.written
                    res.not_smaller = not saved.written  # (skip_if_larger is its only reason)
                    res.output = str(saved.path) if saved.written else None
                    if saved.written:
                        check_fits(saved.bytes, options.max_bytes, saved.path)
        except BaseException:
            with contextlib.suppress(Exception):  # the save's own error is the one to report
                similarity.result()
            raise
        try:
            res.ssim = similarity.result()
        except Exception as e:  # noqa: BLE001 - the file is written; only a figure is missing
            res.notes.append(f"SSIM not computed ({'not enough memory' if isinstance(e, MemoryError) else e})")
        res.grew = bool(res.written and res.bytes_in and res.bytes_out and res.bytes_out > res.bytes_in)
        if res.written and not to_stdout and (palette_out is not None or palette_format is not None):
            target = palette_out or Path(res.output).with_suffix("." + palette_format)
            if os.path.abspath(target) == os.path.abspath(res.output):
                raise _PaletteFailed(f"palette not written: it would replace the image {printable(target)}; "
                                     "choose another --palette-format")
            res.palette = _export_palette(target, q, options, [None if from_stdin else src, *protect], res.notes)
    except _NothingWritten:
        pass
    except _PaletteFailed as e:
        res.error = str(e)
    except (ImageLoadError, SaveError, WriteRefused) as e:
        res.error = _strip_name(str(e), name)
    except ValueError as e:
        res.error = str(e)
    except MemoryError:
        res.error = "not enough memory"
    except OSError as e:
        res.error = describe_os_error(e)
    except Exception as e:  # noqa: BLE001 - a codec's own failure: this file fails, the batch goes on
        res.error = f"could not be compressed ({type(e).__name__}: {printable(str(e))})"
    res.seconds = time.perf_counter() - t0
    return res


def _regular_file_behind(stream: BinaryIO | None) -> tuple[int, int] | None:
    """(device, inode) of the file ``stream`` reads (``< photo.png``), None for a pipe or terminal."""
    try:
        st = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's BytesIO), or closed
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def write_all(stream: BinaryIO, data: bytes) -> None:
    """Write every byte of ``data`` to ``stream`` and flush: an unbuffered stream (``python -u``)
    may take only part of it per call; one that takes nothing is an error, not a short file."""
    view = memoryview(data)
    while view:
        n = stream.write(view)
        if not n:  # None: a non-blocking stream would block; 0: it takes nothing more
            raise SaveError(f"standard output took no more bytes after {len(data) - len(view)} of "
                            f"{len(data)}: the image is incomplete")
        view = view[n:]
    stream.flush()


class _NothingWritten(Exception):
    """Nothing to write, by the user's own rule (``--skip-if-larger``): not an error."""


class _PaletteFailed(Exception):
    """The image was written; its palette file was not. The message names the palette."""


def _export_palette(target: Path, q: Quantized, options: CompressOptions, inputs: list, notes: list[str]) -> str:
    from .palette import export_palette

    try:
        with protected(inputs):  # notes: what the format lost; unlabeled swatches read back exactly
            return str(export_palette(target, q.palette, q.counts, overwrite=options.overwrite, labels=False,
                                      notes=notes))
    except WriteRefused as e:
        raise _PaletteFailed(f"palette not written: {e}") from None
    except OSError as e:
        raise _PaletteFailed(f"palette {printable(target)}: could not write ({describe_os_error(e)})") from None
    except ValueError as e:
        raise _PaletteFailed(f"palette not written: {e}") from None
