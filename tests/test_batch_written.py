"""A batch stopped between a worker's write and its report still reports the file: the files
a job may write are told apart by their identity before and after (core/batch_written.py),
and the GUI's Cancel reports every file its running jobs finished (core/batch.run_plan)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.batch import Job, collect, make_plan, run_plan
from core.batch_written import FOUND_NOTE, found_result, snapshot
from core.k_named import KNamedFiles
from core.pipeline import CompressOptions


def _replace(path: Path, data: bytes) -> None:
    """As the atomic writer does: a new file renamed over the name (a new inode)."""
    tmp = path.with_name(".tmp-" + path.name)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_a_named_output_written_after_the_snapshot_is_found_with_its_palette(tmp_path):
    src = tmp_path / "a.jpg"
    src.write_bytes(b"x" * 1000)
    (tmp_path / "out").mkdir()
    jobs = {0: Job(src, tmp_path / "out" / "a-k16.png", tmp_path / "out", palette=tmp_path / "out" / "a-k16.gpl")}
    options = CompressOptions(k=16)
    before = snapshot(jobs, options)
    assert found_result(jobs, options, before) == {}  # nothing written yet
    _replace(jobs[0].output, b"p" * 300)
    _replace(jobs[0].palette, b"GIMP Palette\n")
    found = found_result(jobs, options, before)[0]
    assert found.written and (found.output, found.palette) == (str(jobs[0].output), str(jobs[0].palette))
    assert (found.bytes_in, found.bytes_out) == (1000, 300)
    assert found.notes == [FOUND_NOTE]


def test_an_existing_output_counts_only_once_replaced(tmp_path):
    """With --force the output exists before the run: untouched it was not written; replaced
    (same size, even) it was."""
    src = tmp_path / "a.jpg"
    src.write_bytes(b"x")
    jobs = {3: Job(src, tmp_path / "a-k16.png", tmp_path)}
    jobs[3].output.write_bytes(b"old!")
    before = snapshot(jobs, CompressOptions(k=16))
    assert found_result(jobs, CompressOptions(k=16), before) == {}
    _replace(jobs[3].output, b"new!")
    assert found_result(jobs, CompressOptions(k=16), before)[3].output == str(jobs[3].output)


def test_outputs_named_after_the_chosen_k_are_found_among_their_folder(tmp_path):
    (tmp_path / "in").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    jobs = {}
    for i, stem in enumerate(("cat", "my-kitten", "dog")):
        (tmp_path / "in" / f"{stem}.jpg").write_bytes(b"x" * 10)
        jobs[i] = Job(tmp_path / "in" / f"{stem}.jpg", None, out, palette_format="gpl")
    (out / "cat-k12.png").write_bytes(b"from an earlier run")
    options = CompressOptions(target_psnr=35.0)
    before = snapshot(jobs, options)
    (out / "dog-k41.txt").write_bytes(b"not a name this run writes")  # (a palette, it would be)
    (out / "cat-k31x.png").write_bytes(b"no K")
    (out / "cats-k31.png").write_bytes(b"another stem")
    _replace(out / "cat-k31.png", b"i" * 77)
    _replace(out / "cat-k31.gpl", b"GIMP Palette\n")
    _replace(out / "my-kitten-k7.png", b"k" * 5)
    found = found_result(jobs, options, before)
    assert (found[0].output, found[0].palette, found[0].bytes_out) == (str(out / "cat-k31.png"),
                                                                       str(out / "cat-k31.gpl"), 77)
    assert found[1].output == str(out / "my-kitten-k7.png") and found[1].palette is None
    assert not found[2].written and found[2].palette == str(out / "dog-k41.txt")


def test_k_named_files_are_listed_once_per_folder(tmp_path, monkeypatch):
    for name in ("a-k1.png", "a-k22.gpl", "a-b-k3.png", "a.png", "a-kx.png", "b-k4.png"):
        (tmp_path / name).write_bytes(b"")
    calls = []
    real = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p: calls.append(p) or real(p))
    names = KNamedFiles()
    assert names.find(tmp_path, "a") == [tmp_path / "a-k1.png", tmp_path / "a-k22.gpl"]
    assert names.find(tmp_path, "a", ".png") == [tmp_path / "a-k1.png"]
    assert names.find(tmp_path, "a-b") == [tmp_path / "a-b-k3.png"]
    assert names.find(tmp_path, "c") == [] and len(calls) == 1


def test_standard_output_has_no_file_to_find(tmp_path):
    src = tmp_path / "a.jpg"
    src.write_bytes(b"x")
    jobs = {0: Job(src, Path("-"), None)}
    assert snapshot(jobs, CompressOptions(k=8)) == {0: {}}
    assert found_result(jobs, CompressOptions(k=8), {0: {}}) == {}


def test_cancel_while_the_first_jobs_run_starts_no_other(tmp_path):
    """Cancel pressed when the first of the two files being compressed (two workers) is done:
    only those two are written (the pool used to have the next ones queued already, and wrote
    them too), and both are reported: the one that finished alongside the stop as well."""
    (tmp_path / "in").mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(tmp_path / "in" / f"p{i}.png")
    options = CompressOptions(k=32)
    plan = make_plan(collect([tmp_path / "in"]), options, out_dir=tmp_path / "out")
    (tmp_path / "out").mkdir()
    reported = []
    results = run_plan(plan, options, jobs=2, on_result=lambda _i, r: reported.append(r),
                       should_stop=lambda: len(reported) >= 1)  # Cancel pressed as the first file is done
    on_disk = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert on_disk == ["p0-k32.png", "p1-k32.png"]
    assert sorted(Path(r.output).name for r in results if r.written) == on_disk
    assert len(reported) == len(results) == 2


@pytest.mark.skipif(os.name != "posix", reason="kill -9 and /proc are POSIX")
def test_a_worker_killed_mid_batch_loses_no_file(tmp_path):
    """A worker killed (the out-of-memory killer, a user's kill -9) broke the pool, and the run
    ended with "internal error" and the other files never tried. The pool also ends the healthy
    job in flight with the dead one; both now run again, one at a time (a file that kills its
    worker even alone is the one that fails), and the rest follow on a new pool."""
    import multiprocessing
    import signal
    import threading
    import time

    (tmp_path / "in").mkdir()
    rng = np.random.default_rng(1)
    for i in range(5):
        Image.fromarray(rng.integers(0, 255, (700, 700, 3), dtype=np.uint8)).save(tmp_path / "in" / f"p{i}.png")
    options = CompressOptions(k=256)
    plan = make_plan(collect([tmp_path / "in"]), options, out_dir=tmp_path / "out")
    (tmp_path / "out").mkdir()
    reported: list = []
    killed: list[int] = []

    def kill_one_worker() -> None:
        deadline = time.monotonic() + 60
        while not multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # both workers are busy with their first file
        if not reported:
            victim = multiprocessing.active_children()[0]
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(victim.pid)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    results = run_plan(plan, options, jobs=2, on_result=lambda _i, r: reported.append(r))
    killer.join()
    assert killed, "the first files finished before the kill: make them slower"
    assert len(results) == len(reported) == 5 and all(r.written and r.error is None for r in results)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"p{i}-k256.png" for i in range(5)]


def test_a_stop_after_the_image_was_written_still_reports_it_on_one_worker(tmp_path, monkeypatch):
    """Ctrl-C while the palette of a single file was being written: the image was on disk but
    the run said only "interrupted". The file found written is reported before the stop goes on."""
    import pytest

    from core import pipeline

    src = tmp_path / "a.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(src)

    def ctrl_c(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "_export_palette", ctrl_c)
    options = CompressOptions(k=8)
    plan = make_plan(collect([src]), options, output=tmp_path / "o.png", palette_out=tmp_path / "o.gpl")
    reported = []
    with pytest.raises(KeyboardInterrupt):
        run_plan(plan, options, jobs=1, on_result=lambda _i, r: reported.append(r))
    assert [Path(r.output).name for r in reported if r.written] == ["o.png"]
    assert (tmp_path / "o.png").exists() and not (tmp_path / "o.gpl").exists()


def test_a_job_that_writes_nothing_never_removes_a_folder_another_job_writes_into(tmp_path):
    """-r --out-dir with a fixed K: a tiny file in sub/ that would grow was skipped, and its job
    removed the mirrored folder new/sub while b.png (same folder, other worker) was still being
    compressed: "new/sub does not exist" (in 2 runs of 3). Three runs here."""
    big = np.random.default_rng(3).integers(0, 255, (500, 600, 3), dtype=np.uint8)
    options = CompressOptions(k=64, skip_if_larger=True)
    for run in range(3):
        sub = tmp_path / f"in{run}" / "sub"
        sub.mkdir(parents=True)
        Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(sub / "a.png")
        Image.fromarray(big).save(sub / "b.png")
        plan = make_plan(collect([tmp_path / f"in{run}"], True), options, out_dir=tmp_path / f"new{run}")
        by_name = {Path(r.input).name: r for r in run_plan(plan, options, jobs=2)}
        assert not by_name["a.png"].written and not by_name["a.png"].error
        assert by_name["b.png"].error is None and by_name["b.png"].written
        assert (tmp_path / f"new{run}" / "sub" / "b-k64.png").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_stop_signal_while_a_result_is_reported_waits_for_the_report(tmp_path, jobs):
    """Ctrl-C arriving while a finished file is being reported: the report completes (the line is
    printed) and the stop follows; before, the result was kept but never reported."""
    import signal

    (tmp_path / "in").mkdir()
    rng = np.random.default_rng(1)
    for i in range(2):
        Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(tmp_path / "in" / f"p{i}.png")
    options = CompressOptions(k=8)
    plan = make_plan(collect([tmp_path / "in"]), options, out_dir=tmp_path / "out")
    (tmp_path / "out").mkdir()
    reported = []

    def on_result(_i, r) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the report is under way
        reported.append(r)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_plan(plan, options, jobs=jobs, on_result=on_result)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(reported) >= 1
    on_disk = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert sorted(Path(r.output).name for r in reported if r.written) == on_disk
