"""Save policy: encode in memory, then write through the write guard, atomically.

What is refused (the source, an existing file without ``overwrite``, a folder) is decided in
:mod:`core.write_guard` and :mod:`core.atomic`; this module adds the image-specific choices:
metadata kept or dropped, and ``skip_if_larger``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import WriteRefused, atomic_write_bytes
from .encode import SaveError, encode_indexed, format_for_path
from .write_guard import check_one, describe_os_error, printable


@dataclass
class SaveResult:
    path: Path
    format: str
    bytes: int
    written: bool
    notes: list[str] = field(default_factory=list)


def encode_for_save(path: str | os.PathLike, palette: np.ndarray, indices: np.ndarray, *, fmt: str,
                    icc_profile: bytes | None = None, exif: bytes | None = None,
                    effort: str = "smallest") -> tuple[bytes, list[str]]:
    """The bytes :func:`save_indexed` would write (``exif`` already chosen), and the notes."""
    buf = io.BytesIO()
    try:
        notes = encode_indexed(buf, palette, indices, fmt, icc_profile=icc_profile, exif=exif, effort=effort)
    except SaveError:
        raise
    except (OSError, ValueError, KeyError) as e:
        raise SaveError(f"{printable(Path(path).name)}: could not encode as {fmt.upper()} ({e})") from None
    return buf.getvalue(), notes


def save_indexed(
    path: str | os.PathLike,
    palette: np.ndarray,
    indices: np.ndarray,
    *,
    fmt: str | None = None,
    source: str | os.PathLike | None = None,
    overwrite: bool = False,
    force_source: bool = False,
    skip_if_larger: bool = False,
    original_bytes: int | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    keep_metadata: bool = False,
    effort: str = "smallest",
    protect: list[str | os.PathLike] | tuple = (),
    encode: Callable[..., tuple[bytes, list[str]]] | None = None,
) -> SaveResult:
    """Encode in memory, then write atomically through the write guard.

    ``encode`` replaces :func:`encode_for_save` (same arguments and result): the window passes
    one that runs in a helper process, for encoders that hold the GIL.

    Never replaces ``source`` (unless ``force_source``) nor any file in ``protect`` (the other
    inputs of the run, the document open in the GUI), nor a file protected by an enclosing
    :func:`core.write_guard.protected`; refuses an existing file unless ``overwrite``. With
    ``skip_if_larger`` writes nothing when the result would not be smaller than
    ``original_bytes``. Metadata (EXIF) is dropped unless ``keep_metadata``; an ICC profile
    that could not be converted to sRGB is always carried. Raises :class:`SaveError` with one
    line naming the file and the reason ("disk full", "permission denied", ...).
    """
    fmt = format_for_path(path, fmt)
    guarded = [*protect, *([source] if (source is not None and not force_source) else [])]
    replace = overwrite or (force_source and source is not None)
    try:
        check_one(path, guarded, replace)  # before the encoding work; again when publishing
    except WriteRefused as e:
        raise SaveError(str(e)) from None
    data, notes = (encode or encode_for_save)(path, palette, indices, fmt=fmt, icc_profile=icc_profile,
                                              exif=exif if keep_metadata else None, effort=effort)
    if skip_if_larger and original_bytes is not None and len(data) >= original_bytes:
        return SaveResult(Path(path), fmt, len(data), False,
                          notes + [f"not written: {len(data):,} bytes is not smaller than the original {original_bytes:,}"])
    try:
        written = atomic_write_bytes(path, data, overwrite=replace, protect=guarded)
    except WriteRefused as e:
        raise SaveError(str(e)) from None
    except OSError as e:
        raise SaveError(f"{printable(path)}: could not write ({describe_os_error(e)})") from None
    return SaveResult(written, fmt, len(data), True, notes)
