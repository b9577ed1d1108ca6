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


def test_a_sampled_ssim_says_so_in_the_result_and_the_summary_line(tmp_path, capsys, photo):
    """Above 4 MP SSIM is measured on every 2nd pixel: an estimate, named as one."""
    import json

    import numpy as np

    from core.ssim import ssim_indexed
    from kmeans_gui.cli import main

    from .gui_helpers import big_photo

    small, big = tmp_path / "small.png", tmp_path / "big.png"
    Image.fromarray(gradient(64, 48)).save(small)
    pixels = big_photo(photo, (2400, 1800))  # 4.3 MP
    Image.fromarray(pixels).save(big)
    assert main([str(small), str(big), "-k", "8", "--out-dir", str(tmp_path / "out"), "--json"]) == 0
    captured = capsys.readouterr()
    by_name = {r["input"].rsplit("/", 1)[-1]: r for r in json.loads(captured.out)}
    assert by_name["small.png"]["ssim_step"] == 1 and by_name["big.png"]["ssim_step"] == 2
    with Image.open(tmp_path / "out" / "big-k8.png") as im:
        written = np.asarray(im.convert("RGB"))
    palette, indices = np.unique(written.reshape(-1, 3), axis=0, return_inverse=True)
    sampled = ssim_indexed(pixels, palette, indices.reshape(written.shape[:2]).astype(np.uint8), step=2)
    assert by_name["big.png"]["ssim"] == pytest.approx(sampled, abs=1e-9)
    assert main([str(big), "-k", "8", "-o", str(tmp_path / "again.png")]) == 0
    assert "(every 2nd pixel)" in capsys.readouterr().err
