"""A batch stopped between a worker's write and its report still reports the file: the files
a job may write are told apart by their identity before and after (core/batch_written.py)."""

from __future__ import annotations

import os
from pathlib import Path

from core.batch import Job
from core.batch_written import FOUND_NOTE, found_result, snapshot
from core.pipeline import CompressOptions


def _replace(path: Path, data: bytes) -> None:
    """As the atomic writer does: a new file renamed over the name (a new inode)."""
    tmp = path.with_name(".tmp-" + path.name)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_a_named_output_written_after_the_snapshot_is_found_with_its_palette(tmp_path):
    src = tmp_path / "a.jpg"
    src.write_bytes(b"x" * 1000)
    job = Job(src, tmp_path / "out" / "a-k16.png", tmp_path / "out", palette=tmp_path / "out" / "a-k16.gpl")
    (tmp_path / "out").mkdir()
    before = snapshot(job, CompressOptions(k=16))
    assert found_result(job, CompressOptions(k=16), before) is None  # nothing written yet
    _replace(job.output, b"p" * 300)
    _replace(job.palette, b"GIMP Palette\n")
    found = found_result(job, CompressOptions(k=16), before)
    assert found is not None and found.written
    assert (found.output, found.palette) == (str(job.output), str(job.palette))
    assert (found.bytes_in, found.bytes_out) == (1000, 300)
    assert found.notes == [FOUND_NOTE]


def test_an_existing_output_counts_only_once_replaced(tmp_path):
    """With --force the output exists before the run: untouched it was not written; replaced
    (same size, even) it was."""
    src = tmp_path / "a.jpg"
    src.write_bytes(b"x")
    job = Job(src, tmp_path / "a-k16.png", tmp_path)
    job.output.write_bytes(b"old!")
    before = snapshot(job, CompressOptions(k=16))
    assert found_result(job, CompressOptions(k=16), before) is None
    _replace(job.output, b"new!")
    assert found_result(job, CompressOptions(k=16), before).output == str(job.output)


def test_an_output_named_after_the_chosen_k_is_found_among_its_folder(tmp_path):
    src = tmp_path / "in" / "cat.jpg"
    src.parent.mkdir()
    src.write_bytes(b"x" * 10)
    out = tmp_path / "out"
    out.mkdir()
    (out / "cat-k12.png").write_bytes(b"from an earlier run")
    (out / "dog-k40.png").write_bytes(b"another input's")
    options = CompressOptions(target_psnr=35.0)
    job = Job(src, None, out, palette_format="gpl")
    before = snapshot(job, options)
    (out / ".kmeans-tmp-cat-k31.png").write_bytes(b"a temp file is not an output")
    (out / "dog-k41.png").write_bytes(b"not this job's")
    assert found_result(job, options, before) is None
    _replace(out / "cat-k31.png", b"i" * 77)
    _replace(out / "cat-k31.gpl", b"GIMP Palette\n")
    found = found_result(job, options, before)
    assert (found.output, found.palette, found.bytes_out) == (str(out / "cat-k31.png"), str(out / "cat-k31.gpl"), 77)


def test_standard_output_has_no_file_to_find(tmp_path):
    src = tmp_path / "a.jpg"
    src.write_bytes(b"x")
    job = Job(src, Path("-"), None)
    assert snapshot(job, CompressOptions(k=8)) == {}
    assert found_result(job, CompressOptions(k=8), {}) is None
