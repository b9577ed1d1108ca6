"""Issue 14: folders, parallel workers, stdin/stdout, usage errors, honest summaries."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kmeans_gui.cli import main

from .corpus import gradient

ROOT = Path(__file__).resolve().parent.parent


def photo(path: Path, seed: int = 1, w: int = 120, h: int = 90) -> Path:
    noisy = gradient(w, h).astype(int) + np.random.default_rng(seed).integers(-25, 25, size=(h, w, 3))
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path)
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "shots"
    (d / "sub").mkdir(parents=True)
    for i in range(3):
        photo(d / f"p{i}.png", i)
    photo(d / "sub" / "p0.png", 7)
    (d / "sub" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    return d


def files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_parallel_batch_is_byte_identical_and_reports_the_corrupt_file_once(folder, tmp_path, capsys):
    assert main(["-r", str(folder), "--out-dir", str(tmp_path / "j1"), "-j", "1", "-q"]) == 1
    capsys.readouterr()
    assert main(["-r", str(folder), "--out-dir", str(tmp_path / "j2"), "-j", "2"]) == 1
    err = capsys.readouterr().err
    one, two = files(tmp_path / "j1"), files(tmp_path / "j2")
    assert one == two and sorted(one) == ["p0-k16.png", "p1-k16.png", "p2-k16.png", "sub/p0-k16.png"]
    assert sum("broken.png" in line for line in err.splitlines()) == 1
    assert "4 of 5 files written, 1 failed" in err


def test_dry_run_writes_nothing_and_names_every_output(folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["-r", str(folder), "--out-dir", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert f"would write {out / 'sub' / 'p0-k16.png'}" in text and "5 to compress, 0 refused" in text
    assert not out.exists()


def test_stdin_to_stdout_round_trip(tmp_path):
    src = photo(tmp_path / "in.png")
    res = subprocess.run([sys.executable, "-m", "kmeans_gui.cli", "-", "-k", "8"], cwd=ROOT, input=src.read_bytes(),
                         capture_output=True)
    assert res.returncode == 0, res.stderr
    im = Image.open(__import__("io").BytesIO(res.stdout))
    assert im.mode == "P" and im.size == (120, 90) and len(im.getcolors()) <= 8
    res = subprocess.run([sys.executable, "-m", "kmeans_gui.cli", str(src), "-o", "-", "-k", "8"], cwd=ROOT,
                         capture_output=True)
    assert res.returncode == 0 and res.stdout.startswith(b"\x89PNG")
    assert not list(tmp_path.glob("*-k8.png"))


@pytest.mark.parametrize("args", [
    ["--seed", "-5"], ["--quality", "200dB"], ["--quality", "nan"], ["--max-delta-e", "0"],
    ["--max-delta-e", "nan"], ["--max-delta-e", "-1"], ["-k", "0"], ["-k", "300"], ["--jobs", "0"],
    ["-o", "-", "--json"], ["--dither", "wild"],
])
def test_usage_errors_exit_2_with_one_line_before_any_work(tmp_path, capsys, args):
    src = photo(tmp_path / "in.png")
    assert main([str(src), *args]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("kmeans-compress: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]


def test_suffix_starting_with_a_dash_is_accepted(tmp_path):
    src = photo(tmp_path / "in.png")
    assert main([str(src), "--suffix", "-small", "-k", "4", "-q"]) == 0
    assert (tmp_path / "in-small.png").exists()


def test_quality_target_names_the_output_with_the_chosen_k(tmp_path, capsys):
    src = photo(tmp_path / "in.png")
    assert main([str(src), "--quality", "30dB", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert Path(data["output"]).name == f"in-k{data['k']}.png" and data["target_met"] is True
    assert main([str(src), "--quality", "30dB", "-q"]) == 1  # the second run finds it before work


def test_unreachable_target_is_noted_in_text_and_json(tmp_path, capsys):
    src = photo(tmp_path / "in.png", w=60, h=40)
    assert main([str(src), "--quality", "99dB", "-o", str(tmp_path / "o.png")]) == 0
    assert "quality target not reached" in capsys.readouterr().err
    assert main([str(src), "--quality", "99dB", "-o", str(tmp_path / "o2.png"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["target_met"] is False and any("not reached" in n for n in data["notes"])


def test_files_that_grew_are_counted_and_listed(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    noise = np.random.default_rng(0).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    Image.fromarray(noise).save(d / "tiny.jpg", quality=5)
    photo(d / "big.png")
    assert main([str(d), "-k", "64", "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert "1 grew" in err and "grew: " in err and "tiny.jpg" in err.split("grew: ")[-1]


def test_skip_existing_makes_reruns_idempotent(folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["-r", str(folder), "--out-dir", str(out), "-q", "-j", "1"]) == 1  # broken.png fails
    before = files(out)
    (folder / "new.png").write_bytes((folder / "p1.png").read_bytes())
    capsys.readouterr()
    assert main(["-r", str(folder), "--out-dir", str(out), "--skip-existing", "--json", "-j", "1"]) == 1
    data = {Path(d["input"]).name: d for d in json.loads(capsys.readouterr().out)}
    assert data["new.png"]["written"] and not data["p0.png"]["written"] and data["p0.png"]["error"] is None
    assert {k: v for k, v in files(out).items() if k in before} == before


def test_unreadable_inputs_are_in_the_plan_and_duplicates_count_once(tmp_path, capsys):
    src = photo(tmp_path / "in.png")
    (tmp_path / "empty.png").write_bytes(b"")
    args = [str(src), str(src), str(tmp_path / "empty.png"), str(tmp_path / "missing.png")]
    assert main([*args, "--out-dir", str(tmp_path / "o"), "--dry-run"]) == 1
    text = capsys.readouterr().out
    assert "empty.png: refused: the file is empty" in text and "missing.png: refused: file not found" in text
    assert "1 to compress, 2 refused" in text


def test_quality_min_max_floor_writes_nothing_below_min_and_exits_99(tmp_path, capsys):
    src = photo(tmp_path / "in.png", w=60, h=40)
    assert main([str(src), "--quality", "95-99dB", "-o", str(tmp_path / "o.png")]) == 99
    assert "below the minimum 95 dB; not written" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()
    assert main([str(src), "--quality", "20-30dB", "-o", str(tmp_path / "o.png"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["psnr"] >= 30
    assert main([str(src), "--quality", "40-30"]) == 2


def test_an_output_named_by_the_chosen_k_never_replaces_another_input(tmp_path):
    """a.png compressed with --quality is named a-k<K>.png: an unrelated input of that name stays."""
    import hashlib

    import numpy as np
    from PIL import Image

    from kmeans_gui.cli import run

    rng = np.random.default_rng(1)
    for name in ("a.png", "a-k2.png"):
        Image.fromarray(rng.integers(0, 256, size=(24, 24, 3), dtype=np.uint8)).save(tmp_path / name)
    before = hashlib.sha256((tmp_path / "a-k2.png").read_bytes()).hexdigest()
    run([str(tmp_path), "--quality", "1dB", "--force", "-j", "1", "-q"])
    assert hashlib.sha256((tmp_path / "a-k2.png").read_bytes()).hexdigest() == before


class _EndlessZeros:
    """Standard input that never ends (``cat /dev/zero |``); reading it all at once is a bug."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        assert n is not None and n > 0, "standard input read without a bound"
        self.read_bytes += n
        return bytes(n)


def test_endless_standard_input_is_refused_at_the_cap_in_one_line(monkeypatch):
    import core.load
    from core.pipeline import CompressOptions, compress_file

    monkeypatch.setattr(core.load, "MAX_STREAM_BYTES", 8 << 20)
    stream = _EndlessZeros()
    res = compress_file("-", "-", CompressOptions(k=8), stdin=stream, stdout=io.BytesIO())
    assert res.error == "more than 8 MB of data; give the image as a file"
    assert stream.read_bytes <= (8 << 20) + (1 << 20)
    assert not res.written


def _unlistable(monkeypatch, blocked: Path) -> None:
    """Listing ``blocked`` fails with EACCES, as for another user's folder (these tests run as root)."""
    import errno
    import os

    real_scandir = os.scandir

    def scandir(path="."):
        if Path(os.fsdecode(path)).resolve() == blocked.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    real_iterdir = Path.iterdir

    def iterdir(self):
        if self.resolve() == blocked.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)


def test_a_folder_that_cannot_be_listed_is_one_refusal_line_not_an_internal_error(folder, tmp_path, monkeypatch,
                                                                                  capsys):
    _unlistable(monkeypatch, folder)
    assert main([str(folder), "--out-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{folder}: cannot list this folder (permission denied)" in err.splitlines()
    assert "internal error" not in err


def test_recursion_reports_a_subfolder_it_cannot_list_and_does_the_rest(folder, tmp_path, monkeypatch, capsys):
    _unlistable(monkeypatch, folder / "sub")
    assert main(["-r", str(folder), "--out-dir", str(tmp_path / "out"), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert f"{folder / 'sub'}: cannot list this folder (permission denied)" in err.splitlines()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["p0-k16.png", "p1-k16.png", "p2-k16.png"]


def test_files_of_other_types_in_a_folder_are_said_in_one_line_not_dropped_silently(folder, tmp_path, capsys):
    """A folder holding a PDF and a QOI next to the photos: they were skipped without a word."""
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "scan.qoi").write_bytes(b"qoif" + bytes(20))
    (folder / ".hidden.txt").write_text("not counted")
    out = tmp_path / "out"
    assert main([str(folder), "-k", "4", "--out-dir", str(out)]) == 0
    err = capsys.readouterr().err
    assert "note: 2 other files ignored (not an image type this app reads: .pdf, .qoi)" in err
    assert sorted(p.name for p in out.iterdir()) == ["p0-k4.png", "p1-k4.png", "p2-k4.png"]
    assert main([str(folder), "-k", "4", "--out-dir", str(tmp_path / "out2"), "--dry-run"]) == 0
    assert "2 other files ignored" in capsys.readouterr().out


def test_a_folder_with_no_images_names_what_it_held(tmp_path, capsys):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "notes.pdf").write_bytes(b"%PDF-1.4\n")
    assert main([str(d), "-k", "4"]) == 2
    assert "no image files found in the given folders; 1 other file ignored (not an image type this app reads: .pdf)" \
        in capsys.readouterr().err


def test_a_broken_image_link_in_a_folder_is_reported_not_skipped(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(gradient(32, 24)).save(src / "a.png")
    (src / "gone.png").symlink_to(tmp_path / "nowhere" / "x.png")
    assert main([str(src), "--out-dir", str(tmp_path / "out"), "-k", "4"]) == 1  # one file failed
    err = capsys.readouterr().err
    assert "gone.png: a broken link" in err and "1 of 2 files written" in err
    assert (tmp_path / "out" / "a-k4.png").is_file()
