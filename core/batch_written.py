"""Which files a batch job wrote, told from the files themselves, when its result is lost.

A worker can publish its output and be stopped (Ctrl-C, SIGTERM) before its result reaches the
parent, or die (out of memory) just after; the pool then reports an error, or nothing, for a
file that is on disk all the same, and the user must be told about it. So the parent notes,
before any work, the identity (device, inode, mtime, size) of every file each job may write;
a file whose identity changed since (an atomic write always makes a new inode) was written by
the run, and becomes a result without figures.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .k_named import KNamedFiles
from .pipeline import STDIO, CompressOptions, CompressResult, default_output

Identity = tuple[int, int, int, int]
Snapshot = dict[Path, Identity | None]

#: Said of a file found written whose result never came back (its figures are lost).
FOUND_NOTE = "written, but its worker stopped before sending its figures"


def _identity(path: Path) -> Identity | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def _image_ext(job, options: CompressOptions) -> str:
    return os.path.splitext(default_output(job.input, options, job.folder).name)[1]


def candidates(job, names: KNamedFiles) -> list[Path]:
    """Every file ``job`` may write: its named output and palette, or, named after the chosen
    K, its folder's ``<stem>-k<K>.*`` files (nothing for standard output)."""
    if job.output is None:
        return names.find(job.folder if job.folder is not None else job.input.parent, job.input.stem)
    if str(job.output) == STDIO:
        return []
    return [p for p in (job.output, job.palette) if p is not None]


def snapshot(jobs: Mapping[int, object], options: CompressOptions) -> dict[int, Snapshot]:
    """For each job, the identities of the files it may write, before it runs (None: no file);
    each folder is listed once."""
    names = KNamedFiles()
    return {i: {p: _identity(p) for p in candidates(job, names)} for i, job in jobs.items()}


def found_result(jobs: Mapping[int, object], options: CompressOptions,
                 before: Mapping[int, Snapshot]) -> dict[int, CompressResult]:
    """A result for each of ``jobs`` that wrote files since ``before`` (the others are left out)."""
    names = KNamedFiles()
    found: dict[int, CompressResult] = {}
    for i, job in jobs.items():
        then = before.get(i, {})
        now = {p: _identity(p) for p in {*then, *candidates(job, names)}}
        changed = [p for p, ident in now.items() if ident is not None and ident != then.get(p)]
        if not changed:
            continue
        ext = _image_ext(job, options) if job.output is None else None
        images = sorted(p for p in changed if (p == job.output if ext is None else p.suffix == ext))
        palettes = sorted(p for p in changed if p not in images)
        source = _identity(job.input)
        found[i] = CompressResult(input=str(job.input), output=str(images[0]) if images else None,
                                  palette=str(palettes[0]) if palettes else None,
                                  bytes_in=source[3] if source else None,
                                  bytes_out=now[images[0]][3] if images else None,
                                  written=bool(images), notes=[FOUND_NOTE])
    return found
