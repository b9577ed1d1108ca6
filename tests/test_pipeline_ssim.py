"""SSIM is only reported: its failure never fails the file, nor hides the save's own error."""

from __future__ import annotations

import pytest
from PIL import Image

from core import parallel, pipeline
from core.pipeline import CompressOptions, compress_file

from .corpus import gradient


@pytest.fixture(params=[1, 2], ids=["1 thread", "2 threads"])
def threads(request):
    parallel.set_threads(request.param)
    yield request.param
    parallel.set_threads(None)


def _no_memory(*_args, **_kwargs):
    raise MemoryError


def test_a_failed_ssim_leaves_the_file_written_and_says_so(tmp_path, monkeypatch, threads):
    src = tmp_path / "in.png"
    Image.fromarray(gradient(64, 48)).save(src)
    monkeypatch.setattr(pipeline, "ssim_indexed", _no_memory)
    res = compress_file(src, tmp_path / "out.png", CompressOptions(k=8))
    assert res.error is None and res.written
    assert (tmp_path / "out.png").is_file()
    assert res.ssim is None
    assert "SSIM not computed (not enough memory)" in res.notes


def test_the_saves_own_error_is_reported_when_ssim_fails_too(tmp_path, monkeypatch, threads):
    src = tmp_path / "in.png"
    Image.fromarray(gradient(64, 48)).save(src)
    out = tmp_path / "out.png"
    out.write_bytes(b"someone's file")
    monkeypatch.setattr(pipeline, "ssim_indexed", _no_memory)
    res = compress_file(src, out, CompressOptions(k=8))  # no --force: the save refuses
    assert not res.written
    assert res.error and "memory" not in res.error
    assert out.read_bytes() == b"someone's file"


def test_ssim_is_reported_when_it_works(tmp_path, threads):
    src = tmp_path / "in.png"
    Image.fromarray(gradient(64, 48)).save(src)
    res = compress_file(src, tmp_path / "out.png", CompressOptions(k=8))
    assert res.error is None and 0.0 < res.ssim <= 1.0
