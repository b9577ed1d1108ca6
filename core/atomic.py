"""Atomic file writes that never replace what they must not, and clean up after a kill.

A write goes to a temporary file in the destination folder, is flushed to disk, then published
in one step: ``os.replace`` when replacing is allowed, else ``os.link`` (which fails if the
destination exists, so of two writers released together exactly one succeeds) followed by
removing the temporary name. Whatever was at the destination stays untouched until the new
file is complete; on any failure the temporary file is removed.

Temporary files are named ``.kmeans-tmp-<pid>-<host>-<random>-<name>``. A run killed
mid-write leaves one behind; the next write into that folder removes ours whose writer process
on this host is gone, or that are older than :data:`STALE_SECONDS` (the only rule for files
written from another host, on a shared folder, whose pids mean nothing here).
"""

from __future__ import annotations

import errno
import os
import re
import time
import zlib
from pathlib import Path

from .write_guard import WriteRefused, check_one, printable, same_file

__all__ = ["TEMP_PREFIX", "STALE_SECONDS", "WriteRefused", "atomic_write_bytes", "remove_stale_temps", "same_file"]

TEMP_PREFIX = ".kmeans-tmp-"
#: A temporary file of ours older than this is stale even if its pid is alive (pid reuse).
STALE_SECONDS = 600
_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-([0-9a-f]{8})-[0-9a-f]{8}-")


def _host_name() -> str:
    """This machine's name, as ``socket.gethostname()`` gives it (without importing socket,
    ~7 ms of every command-line run's start-up, where ``os.uname`` has it)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


_HOST = f"{zlib.crc32(_host_name().encode('utf-8', 'replace')) & 0xFFFFFFFF:08x}"


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: The mode new files get, read once at import: reading the umask means setting it for a moment,
#: which is not safe while other threads (the window's writer) create files.
_FILE_MODE = _umask_mode()
#: Folders already cleaned of stale temporary files by this process (a batch writes thousands
#: of files into one folder: one scan, not one per file).
_CLEANED: set[str] = set()


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there: rely on age only
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:
        return False
    return True


def remove_stale_temps(folder: str | os.PathLike, now: float | None = None) -> list[Path]:
    """Remove our temporary files left in ``folder`` by killed runs; returns what was removed."""
    removed: list[Path] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if not m:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            dead = m.group(2) == _HOST and not _pid_alive(int(m.group(1)))
            if age > STALE_SECONDS or dead:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def temp_name(dest: Path) -> Path:
    """``.kmeans-tmp-<pid>-<host>-<8 hex>-<name>`` beside ``dest`` (name cut under 255 bytes)."""
    name = dest.name.encode("utf-8", "surrogateescape")[:180].decode("utf-8", "ignore")
    return dest.with_name(f"{TEMP_PREFIX}{os.getpid()}-{_HOST}-{os.urandom(4).hex()}-{name}")


def _publish_no_replace(tmp: Path, dest: Path) -> None:
    """Make ``tmp`` appear as ``dest`` only if ``dest`` does not exist, atomically."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise WriteRefused(f"{printable(dest)}: already exists (use --force to replace it)") from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
            raise
        # No hard links here (FAT, some network shares): claim the name exclusively, then fill it.
        try:
            os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise WriteRefused(f"{printable(dest)}: already exists (use --force to replace it)") from None
        try:
            os.replace(tmp, dest)
        except OSError:
            os.unlink(dest)  # the empty placeholder we created a moment ago
            raise
        return
    try:
        os.unlink(tmp)
    except OSError:  # the file is published all the same; a folder that forbids removing
        pass  # (append-only, chattr +a) keeps the temporary name as a second link to it


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(
    path: str | os.PathLike,
    data: bytes,
    *,
    overwrite: bool = False,
    protect: list[str | os.PathLike] | tuple = (),
) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path written.

    Refuses (:class:`WriteRefused`, one line) a folder, any file in ``protect`` or in the
    enclosing :func:`core.write_guard.protected` block, and an existing file unless
    ``overwrite``. Other failures raise ``OSError`` and leave no temporary file.
    """
    dest = Path(path)
    check_one(dest, protect, overwrite)
    folder = dest.parent if str(dest.parent) else Path(".")
    key = os.path.abspath(folder)
    if key not in _CLEANED:
        remove_stale_temps(folder)
        _CLEANED.add(key)
    tmp = temp_name(dest)
    opened = False
    try:
        # Inside the try: a signal (SIGTERM, Ctrl-C) right after the file was created must
        # still remove it. Its name is unique, so only a collision on it is not ours to remove.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        opened = True
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _FILE_MODE)
        if overwrite:
            check_one(dest, protect, overwrite)  # again at the last moment: an input never
            os.replace(tmp, dest)
        else:
            _publish_no_replace(tmp, dest)
    except BaseException as e:
        if opened or not isinstance(e, FileExistsError):
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(e, OSError) and e.filename is not None and os.fspath(e.filename) == os.fspath(tmp):
            e.filename, e.filename2 = os.fspath(dest), None  # the user's file, not our hidden temp name
        raise
    _fsync_folder(folder)
    return dest
