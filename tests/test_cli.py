"""kmeans-compress against the hostile corpus: exit codes, messages, outputs, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kmeans_gui.cli import main

from .corpus import gradient, make_bad, make_good

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def photo_file(tmp_path):
    p = tmp_path / "photo.png"
    noisy = gradient(120, 90).astype(int) + np.random.default_rng(1).integers(-25, 25, size=(90, 120, 3))
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(p)
    return p


def test_single_input_explicit_output(photo_file, tmp_path, capsys):
    out = tmp_path / "small.png"
    assert main([str(photo_file), "-k", "16", "-o", str(out)]) == 0
    im = Image.open(out)
    assert im.mode == "P" and len(im.getcolors()) <= 16
    assert "small.png" in capsys.readouterr().err


def test_console_script_runs_as_a_real_process(photo_file, tmp_path):
    out = tmp_path / "small.png"
    res = subprocess.run([sys.executable, "-m", "kmeans_gui.cli", str(photo_file), "-k", "8", "-o", str(out)],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert out.exists()


def test_refuses_to_overwrite_without_force(photo_file, tmp_path, capsys):
    out = tmp_path / "small.png"
    out.write_bytes(b"precious")
    assert main([str(photo_file), "-o", str(out)]) == 1
    assert out.read_bytes() == b"precious"
    assert "already exists" in capsys.readouterr().err
    assert main([str(photo_file), "-o", str(out), "--force"]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")


def test_never_overwrites_the_input_even_with_force(photo_file):
    before = photo_file.read_bytes()
    assert main([str(photo_file), "-o", str(photo_file), "--force"]) == 1
    assert photo_file.read_bytes() == before


def test_many_inputs_json_and_exit_code(tmp_path, capsys):
    (tmp_path / "g").mkdir()
    (tmp_path / "b").mkdir()
    good, bad = make_good(tmp_path / "g"), make_bad(tmp_path / "b")
    inputs = [good["rgb.png"], good["la.png"], bad["truncated.png"], bad["pipe.png"], bad["folder.png"]]
    out_dir = tmp_path / "out"
    code = main([*map(str, inputs), "--out-dir", str(out_dir), "--json", "-k", "4"])
    captured = capsys.readouterr()
    assert code == 1
    data = json.loads(captured.out)
    assert isinstance(data, list)
    by_name = {Path(d["input"]).name: d for d in data}
    for key in ("input", "output", "k", "colors", "bytes_in", "bytes_out", "psnr", "delta_e", "seconds", "error"):
        assert key in data[0]
    assert by_name["rgb.png"]["error"] is None and by_name["rgb.png"]["colors"] <= 4
    assert Path(by_name["rgb.png"]["output"]).parent == out_dir
    assert "truncated" in by_name["truncated.png"]["error"]
    err_lines = [line for line in captured.err.splitlines() if line]
    assert any(line.startswith(str(bad["truncated.png"]) + ": ") for line in err_lines)
    assert "Traceback" not in captured.err
    # Bad inputs leave no output behind.
    assert sorted(p.name for p in out_dir.iterdir()) == ["la-k4.png", "rgb-k4.png"]


def test_folder_input_with_suffix_and_summary(tmp_path, capsys):
    folder = tmp_path / "shots"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.roll(gradient(), i, axis=1)).save(folder / f"s{i}.png")
    assert main([str(folder), "-k", "8"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["s0-k8.png", "s0.png", "s1-k8.png", "s1.png", "s2-k8.png", "s2.png"]
    assert "3 of 3 files written" in capsys.readouterr().err
    # Running again skips our own outputs and refuses to overwrite.
    assert main([str(folder), "-k", "8", "-q"]) == 1


def test_dash_file_name_after_double_dash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Image.fromarray(gradient()).save(tmp_path / "-odd.png")
    assert main(["-k", "4", "--", "-odd.png"]) == 0
    assert (tmp_path / "-odd-k4.png").exists()


@pytest.mark.parametrize(
    "argv",
    [["x.png", "-k", "0"], ["x.png", "-k", "300"], ["x.png", "--dither", "wild"], [], ["a.png", "b.png", "-o", "c.png"],
     ["x.png", "--quality", "loud"]],
)
def test_bad_usage_exits_2(argv, capsys):
    assert main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_palette_out_and_formats(photo_file, tmp_path):
    out = tmp_path / "o.gif"
    pal = tmp_path / "o.ase"
    assert main([str(photo_file), "-o", str(out), "--palette-out", str(pal), "--dither", "fs", "-k", "8"]) == 0
    assert Image.open(out).format == "GIF"
    assert pal.read_bytes()[:4] == b"ASEF"


@pytest.mark.parametrize(("extra", "said"), [
    (["--palette-out", "p.xyz"], "unknown palette type"),
    (["--palette-out", "p.gpl", "--palette-format", "hex"], "is a gpl file but --palette-format says hex"),
])
def test_a_palette_file_the_run_cannot_write_is_a_usage_error(photo_file, tmp_path, capsys, monkeypatch, extra, said):
    monkeypatch.chdir(tmp_path)
    assert main([str(photo_file), "-o", "o.png", *extra]) == 2  # refused before any work, like -o x.xyz
    assert said in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()


def test_skip_if_larger(tmp_path, capsys):
    from core.io import save_indexed

    src = tmp_path / "flat.png"  # already an optimized indexed PNG: we cannot beat it
    save_indexed(src, np.array([[0, 0, 0], [255, 255, 255]], np.uint8), np.eye(50, dtype=np.uint8))
    assert main([str(src), "--skip-if-larger", "--json"]) == 98  # as pngquant
    data = json.loads(capsys.readouterr().out)
    assert data["output"] is None and not data["written"] and data["not_smaller"]
    assert not (tmp_path / "flat-k16.png").exists()


def test_quality_target_reports_chosen_k(photo_file, tmp_path, capsys):
    out = tmp_path / "q.png"
    assert main([str(photo_file), "--quality", "30dB", "-o", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["psnr"] >= 30 and 2 <= data["k"] <= 256
