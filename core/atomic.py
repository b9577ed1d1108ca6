"""Atomic file writes: a temp file in the destination folder, fsync, then ``os.replace``.

Whatever was at the destination stays untouched until the new file is complete; on any
failure the temp file is removed. Used by every writer in the product.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class WriteRefused(Exception):
    """A write that was not attempted, with a one-line reason for the user."""


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def atomic_write_bytes(
    path: str | os.PathLike,
    data: bytes,
    *,
    overwrite: bool = False,
    protect: list[str | os.PathLike] | tuple = (),
) -> Path:
    """Write ``data`` to ``path`` atomically.

    ``overwrite=False`` refuses an existing destination; ``protect`` lists files (such as
    the source image) that must never be replaced, whatever ``overwrite`` says.
    """
    dest = Path(path)
    for p in protect:
        if same_file(dest, p):
            raise WriteRefused(f"{dest}: refusing to overwrite the original image")
    if dest.exists():
        if dest.is_dir():
            raise WriteRefused(f"{dest}: is a folder")
        if not overwrite:
            raise WriteRefused(f"{dest}: already exists (use --force to replace it)")
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        raise WriteRefused(f"{dest}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return dest
