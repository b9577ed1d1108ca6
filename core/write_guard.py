"""One guard for every write: what a run may not write, decided before any work.

Every writer (CLI, batch, GUI Save, GUI Export, palette export) asks the same questions:

- Is the destination an input of this run? Same file by ``os.path.samefile``: a hard link or a
  symlink to an input counts. Refused always, ``--force`` or not.
- Do two destinations of one run name the same file (image vs palette, two inputs mapping to
  one output)? Refused: one result would silently replace the other.
- Is the destination an existing folder? Refused.
- Does it exist? Refused unless ``overwrite`` (``--force``), which allows replacing an
  unrelated existing file and nothing else.

Each refusal is a :class:`WriteRefused` whose message is one line naming the real reason.
:func:`check_destinations` runs these checks for a whole run up front; :func:`protected` makes
the inputs known to every write made inside it (including :func:`core.palette.export_palette`,
which goes through :func:`core.atomic.atomic_write_bytes`), so the last check happens again at
the moment of writing. "Do not replace" itself is enforced atomically by the writer.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PathLike = str | os.PathLike

_PROTECTED: contextvars.ContextVar[tuple[Path | FileIdentity, ...]] = contextvars.ContextVar("kmeans_protected", default=())


class WriteRefused(Exception):
    """A write that was not attempted, with a one-line reason for the user."""


def _surrogate(code: int) -> str:
    """How a lone surrogate is spelled: a byte of a name that is not UTF-8 (Python's
    surrogateescape, U+DC80..U+DCFF) as that byte, ``\\xNN``; any other as ``\\uXXXX``."""
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate escaped (see :func:`_surrogate`): valid UTF-8."""
    return "".join(_surrogate(ord(c)) if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def printable(text: object) -> str:
    """``text`` with control characters escaped, so a message about it stays on one line.

    Backslashes are left alone (Windows paths stay readable), so ``\\n`` in a name and an
    escaped newline look alike; what matters is that one message is one line."""
    out = []
    for ch in str(text):
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:  # a name that is not UTF-8: spelled as in the JSON output
            out.append(_surrogate(code))
        elif code < 0x20 or 0x7F <= code < 0xA0 or code in (0x2028, 0x2029):
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"))
        else:
            out.append(ch)
    return "".join(out)


def describe_os_error(e: OSError) -> str:
    """A few words for a failed write: "disk full", "permission denied", ..."""
    import errno

    words = {errno.ENOSPC: "disk full", errno.EACCES: "permission denied", errno.EPERM: "permission denied",
             errno.EROFS: "read-only file system", errno.EDQUOT: "disk quota exceeded",
             errno.ENAMETOOLONG: "file name too long", errno.EIO: "input/output error"}
    return words.get(e.errno, str(e.strerror or e))


@dataclass(frozen=True)
class FileIdentity:
    """An opened file: its name then, and its device, inode, size and modification time, which
    follow it when it is renamed or its folder moves (the window keeps an image open for hours)."""

    path: Path
    dev: int
    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: PathLike, st: os.stat_result) -> FileIdentity:
        return cls(Path(path), int(st.st_dev), int(st.st_ino), int(st.st_size), int(st.st_mtime_ns))

    def matches(self, st: os.stat_result) -> bool:
        """The same file: device and inode, and (a freed inode number is soon given to a new
        file) the same size and modification time, which a rename keeps. Inode 0 (some
        network or Windows file systems) identifies nothing."""
        return bool(self.ino) and (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) == (
            self.dev, self.ino, self.size, self.mtime_ns)

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __str__(self) -> str:
        return str(self.path)


def same_file(a: PathLike, b: PathLike | FileIdentity) -> bool:
    """True when both exist and are one file (symlinks followed, hard links included); a
    :class:`FileIdentity` ``b`` also matches its file under any later name."""
    if isinstance(b, FileIdentity):
        try:
            if b.matches(os.stat(a)):
                return True
        except (OSError, ValueError):
            pass
        b = b.path
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def file_key(path: PathLike) -> tuple:
    """A key equal for two names of one file: the inode if it exists, else the real path."""
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except (OSError, ValueError):
        p = Path(path)
        return ("path", os.path.join(os.path.realpath(p.parent if str(p.parent) else "."), p.name))


@contextlib.contextmanager
def protected(paths: Iterable[PathLike | FileIdentity | None]) -> Iterator[None]:
    """Within this block (this thread or task only), no write may replace any of ``paths``
    (a :class:`FileIdentity` under any name it has now)."""
    extra = tuple(p if isinstance(p, FileIdentity) else Path(p) for p in paths if p is not None)
    token = _PROTECTED.set(_PROTECTED.get() + extra)
    try:
        yield
    finally:
        _PROTECTED.reset(token)


def protected_now() -> tuple[Path | FileIdentity, ...]:
    """The inputs protected by the enclosing :func:`protected` blocks."""
    return _PROTECTED.get()


def check_one(dest: PathLike, inputs: Iterable[PathLike | FileIdentity] = (), overwrite: bool = False) -> None:
    """Refuse ``dest`` if it is a folder, an input, or exists without ``overwrite``."""
    dest = Path(dest)
    for src in (*inputs, *protected_now()):
        if same_file(dest, src):
            raise WriteRefused(f"{printable(dest)}: is the same file as the original {printable(src)}; "
                               "refusing to overwrite it")
    try:
        st = os.stat(dest)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise WriteRefused(f"{printable(dest)}: cannot be written ({e.strerror or e})") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise WriteRefused(f"{printable(dest)}: is a folder; give a file name")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise WriteRefused(f"{printable(dest)}: is not a regular file (a pipe, socket or device)")
    if st is not None and not overwrite:
        raise WriteRefused(f"{printable(dest)}: already exists (use --force to replace it)")
    folder = dest.parent if str(dest.parent) else Path(".")
    if not os.path.isdir(folder):
        raise WriteRefused(f"{printable(dest)}: folder {printable(folder)} does not exist")


def find_collisions(dests: Iterable[PathLike | None]) -> dict[int, int]:
    """Positions of destinations that name a file already named earlier: ``{later: first}``."""
    seen: dict[tuple, int] = {}
    clashes: dict[int, int] = {}
    for i, d in enumerate(dests):
        if d is None:
            continue
        key = file_key(d)
        if key in seen:
            clashes[i] = seen[key]
        else:
            seen[key] = i
    return clashes


def check_destinations(dests: list[PathLike], inputs: list[PathLike], overwrite: bool = False) -> None:
    """The whole run's checks before any work; raises :class:`WriteRefused` for the first problem.

    ``dests`` are every file the run will write (images and palettes), ``inputs`` every file
    it reads. Collisions are checked first, so a clash is named as a clash even when the
    file also exists.
    """
    clashes = find_collisions(dests)
    if clashes:
        later, first = next(iter(clashes.items()))
        raise WriteRefused(f"{printable(dests[later])}: would be written twice in one run "
                           f"(also as {printable(dests[first])}); choose different names")
    for d in dests:
        check_one(d, inputs, overwrite)
