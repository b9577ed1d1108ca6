"""Save and export requests, done in the writer thread: each ends in one :class:`WriteDone`.

A request is bound to the document and settings shown when the user made it. When its
full-resolution result is not ready yet, it is rendered here; the open document may have
changed since, which does not matter: the job carries its own document.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from core.atomic import atomic_write_bytes
from core.io import SaveError, format_for_path, save_indexed
from core.kmeans import Cancelled
from core.palette import export_palette
from core.pipeline import human_bytes
from core.write_guard import (
    FileIdentity,
    WriteRefused,
    check_one,
    describe_os_error,
    printable,
    protected,
)

from . import encoder_process
from .jobs import Document, ExportJob, RenderResult, SaveJob, WriteDone
from .render import Progress, encoded_png, full_result


def _result_for(job: SaveJob | ExportJob, progress: Progress | None = None) -> RenderResult:
    """The job's full result: the one it carries, or rendered here (seconds at 12 MP: with progress)."""
    result = job.result if job.result is not None else full_result(job.document, job.options, job.token,
                                                                   progress=progress)
    if job.token.cancelled:
        raise Cancelled()
    return result


def check_destination(path: Path, document: Document) -> None:
    """The write guard's checks before any work: never the opened image (whatever the dialog
    said), never a folder; an existing unrelated file may be replaced (the dialog asked)."""
    check_one(path, _protect(document), overwrite=True)


def save(job: SaveJob, progress: Progress | None = None) -> WriteDone:
    """Write the compressed image; the PNG bytes counted by the figures are reused as they are."""
    fmt = format_for_path(job.path, job.fmt)
    check_destination(job.path, job.document)
    result = _result_for(job, progress)
    loaded = job.document.loaded
    original = loaded.file_bytes
    if progress is not None:
        progress(1.0, "encoding")
    if fmt == "png":
        data = encoded_png(result, job.document, job.token)
        if job.skip_if_larger and original is not None and len(data) >= original:
            return _larger(job, len(data), original)
        if job.token.cancelled:
            raise Cancelled()
        with protected(_protect(job.document)), _named_write_errors(job.path):
            written = atomic_write_bytes(job.path, data, overwrite=True)
        return WriteDone(job.request, written, f"Saved {written.name}: {human_bytes(len(data))}")
    with protected(_protect(job.document)):
        saved = save_indexed(job.path, result.palette, result.indices, fmt=fmt, source=loaded.path, overwrite=True,
                             skip_if_larger=job.skip_if_larger, original_bytes=original,
                             icc_profile=loaded.icc_profile, encode=_encoder(fmt, job))
    if not saved.written:
        return _larger(job, saved.bytes, original or 0)
    notes = f" ({'; '.join(saved.notes)})" if saved.notes else ""
    return WriteDone(job.request, saved.path, f"Saved {saved.path.name}: {human_bytes(saved.bytes)}{notes}")


#: Formats whose Pillow encoder holds the GIL for its whole run (TIFF ~0.3 s, WebP up to 2 s at
#: 12 MP): encoded in the helper process. PNG goes there already (the figures' smallest
#: encode); BMP and GIF take < 0.1 s and let the event loop run.
HELPER_FORMATS = ("tiff", "webp")


def _encoder(fmt: str, job: SaveJob):
    """The encode for ``save_indexed``: in the helper process for :data:`HELPER_FORMATS`."""
    if fmt not in HELPER_FORMATS:
        return None
    return partial(encoder_process.encode_for_save, should_stop=lambda: job.token.cancelled)


def _larger(job: SaveJob, size: int, original: int) -> WriteDone:
    return WriteDone(job.request, job.path, "",
                     f"Not saved: {job.path.name} would be {human_bytes(size)}, not smaller than the original "
                     f"({human_bytes(original)}); turn off \"Don't save files larger than the original\" to keep it")


def _protect(document: Document) -> list[Path | FileIdentity]:
    """The opened image: by its file's identity (renamed or moved since, it is still refused)
    and by the name it was opened under."""
    loaded = document.loaded
    return [p for p in (loaded.identity, loaded.path) if p is not None]


def export(job: ExportJob, progress: Progress | None = None) -> WriteDone:
    """Write the palette of the requested settings in the format the file name asks for."""
    check_destination(job.path, job.document)
    result = _result_for(job, progress)
    with protected(_protect(job.document)), _named_write_errors(job.path):
        notes: list[str] = []  # what the format could not keep (alpha in .gpl, Paint.NET's 96 colors)
        written = export_palette(job.path, result.palette, result.counts, sort=job.sort, overwrite=True,
                                 notes=notes)  # a swatch PNG keeps its hex labels and reads back exactly
    said = f" ({'; '.join(notes)})" if notes else ""
    return WriteDone(job.request, written, f"Palette of {len(result.palette)} colors exported to {written.name}{said}")


@contextlib.contextmanager
def _named_write_errors(path: Path) -> Iterator[None]:
    """An OSError while writing ``path`` becomes the core's one line, naming the file: "a.png:
    could not write (disk full)", as every format's save says (PNG said "could not write the
    file: No space left on device")."""
    try:
        yield
    except OSError as e:
        raise SaveError(f"{printable(path)}: could not write ({describe_os_error(e)})") from None


def describe_failure(exc: BaseException) -> str:
    """One line for a failed write, in the words of the window (never a command-line flag)."""
    if isinstance(exc, (SaveError, WriteRefused, ValueError)):
        return str(exc).replace(" (use --force to replace it)", "")
    if isinstance(exc, OSError):
        name = Path(exc.filename).name if getattr(exc, "filename", None) else "the file"
        return f"could not write {name}: {exc.strerror or exc}"
    if isinstance(exc, MemoryError):
        return "not enough memory to write the file"
    return f"internal error: {exc}"

