"""Which files an interrupted batch job wrote, told from the files themselves.

When a batch is stopped (Ctrl-C, SIGTERM), a worker can publish its output and be stopped
before its result reaches the parent, or the pool can give up on the result once another
worker died. The file is on disk all the same, and the user must be told about it. So the
parent notes, before any work, the identity (device, inode, mtime, size) of every file each job
may write; after the stop, a file whose identity changed (atomic writes always make a new
inode) was written by the run, and becomes a result without figures.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .atomic import TEMP_PREFIX
from .pipeline import STDIO, CompressOptions, CompressResult, default_output

Identity = tuple[int, int, int, int]
Snapshot = dict[Path, Identity | None]

#: Said of a file found written after a stop, its figures lost with its worker.
FOUND_NOTE = "written just as the run stopped; its figures were not received"


def _identity(path: Path) -> Identity | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def _image_ext(job, options: CompressOptions) -> str:
    return os.path.splitext(default_output(job.input, options, job.folder).name)[1]


def _named_after_k(job, options: CompressOptions) -> list[Path]:
    """The files in the job's folder named ``<stem>-k<K>`` (its image and palette, K unknown yet)."""
    folder = job.folder if job.folder is not None else job.input.parent
    pattern = re.compile(re.escape(job.input.stem) + r"-k\d+\.")
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [folder / n for n in names if pattern.match(n) and not n.startswith(TEMP_PREFIX)]


def candidates(job, options: CompressOptions) -> list[Path]:
    """Every file ``job`` may write (nothing for standard output)."""
    if job.output is None:
        return _named_after_k(job, options)
    if str(job.output) == STDIO:
        return []
    return [p for p in (job.output, job.palette) if p is not None]


def snapshot(job, options: CompressOptions) -> Snapshot:
    """The identities of the files ``job`` may write, before it runs (None: no such file)."""
    return {p: _identity(p) for p in candidates(job, options)}


def found_result(job, options: CompressOptions, before: Snapshot) -> CompressResult | None:
    """A result for the files ``job`` wrote since ``before`` (None when it wrote nothing)."""
    now = {p: _identity(p) for p in {*before, *candidates(job, options)}}
    changed = [p for p, ident in now.items() if ident is not None and ident != before.get(p)]
    if not changed:
        return None
    ext = _image_ext(job, options) if job.output is None else None
    images = [p for p in changed if (p == job.output if ext is None else p.suffix == ext)]
    palettes = [p for p in changed if p not in images]
    source = _identity(job.input)
    return CompressResult(input=str(job.input), output=str(images[0]) if images else None,
                          palette=str(palettes[0]) if palettes else None,
                          bytes_in=source[3] if source else None,
                          bytes_out=now[images[0]][3] if images else None,
                          written=bool(images), notes=[FOUND_NOTE])
