"""Issue 11's reproductions: every write path guarded, refusals before any work, one line each."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from core import pngchunks
from kmeans_gui.cli import main

from .corpus import gradient


def photo(path, seed: int = 1, size=(90, 120)):
    noisy = gradient(size[1], size[0]).astype(int) + np.random.default_rng(seed).integers(-25, 25, size=(*size, 3))
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path)
    return path


def err_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_palette_onto_the_input_is_refused_even_with_force(tmp_path, capsys):
    src = photo(tmp_path / "in.png")
    before = src.read_bytes()
    assert main([str(src), "-o", str(tmp_path / "out.png"), "--palette-out", str(src), "--force"]) == 1
    assert src.read_bytes() == before
    assert listing(tmp_path) == ["in.png"]  # refused before any work: nothing written at all
    lines = err_lines(capsys)
    assert len(lines) == 1 and "same file as the input" in lines[0]


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_palette_onto_the_output_is_refused_before_any_work(tmp_path, capsys, force):
    src = photo(tmp_path / "in.png")
    out = tmp_path / "out.png"
    assert main([str(src), "-o", str(out), "--palette-out", str(out), *force]) == 1
    assert listing(tmp_path) == ["in.png"]
    assert "its image and its palette" in err_lines(capsys)[0]
    assert main([str(src), "-o", str(out), "--palette-format", "png", *force]) == 1
    assert listing(tmp_path) == ["in.png"]


def test_hard_link_and_symlink_to_the_input_are_the_input(tmp_path, capsys):
    src = photo(tmp_path / "in.png")
    before = src.read_bytes()
    (tmp_path / "hard.png").hardlink_to(src)
    (tmp_path / "soft.png").symlink_to(src)
    for name in ("hard.png", "soft.png"):
        assert main([str(src), "-o", str(tmp_path / name), "--force"]) == 1
        assert "same file as the input" in err_lines(capsys)[0]
    assert src.read_bytes() == before


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_same_stem_in_one_out_dir_is_a_collision_named_before_work(tmp_path, capsys, force):
    shots = tmp_path / "shots"
    shots.mkdir()
    photo(shots / "photo.png")
    Image.open(shots / "photo.png").convert("RGB").save(shots / "photo.jpg", quality=95)
    out = tmp_path / "small"
    assert main([str(shots), "--out-dir", str(out), *force]) == 1
    assert not out.exists()  # nothing written: the folder made for the run is gone again
    lines = err_lines(capsys)
    assert sum("would be written for both" in line for line in lines) == 2


def test_recursive_mirrors_the_tree_and_never_recompresses_its_outputs(tmp_path, capsys):
    shots = tmp_path / "shots"
    (shots / "sub").mkdir(parents=True)
    photo(shots / "copy.png", 1)
    photo(shots / "sub" / "copy.png", 2)
    out = shots / "small"  # inside the input folder
    assert main(["-r", str(shots), "--out-dir", str(out), "--suffix", "-small", "-j", "1"]) == 0
    assert (out / "copy-small.png").exists() and (out / "sub" / "copy-small.png").exists()
    capsys.readouterr()
    assert main(["-r", str(shots), "--out-dir", str(out), "--suffix", "-small", "--dry-run"]) == 1
    plan = capsys.readouterr().out
    assert "2 of our outputs skipped" in plan and "already exists" in plan
    assert not list(out.rglob("*-small-small.png"))


def test_an_original_named_like_our_output_is_processed(tmp_path, capsys):
    folder = tmp_path / "music"
    folder.mkdir()
    photo(folder / "track-k2.png")
    assert main([str(folder), "-k", "2"]) == 0
    assert (folder / "track-k2-k2.png").exists()
    assert pngchunks.is_our_output(folder / "track-k2-k2.png")
    assert not pngchunks.is_our_output(folder / "track-k2.png")


def test_output_onto_a_folder_and_out_dir_onto_a_file(tmp_path, capsys):
    src = photo(tmp_path / "in.png")
    (tmp_path / "dir.png").mkdir()
    assert main([str(src), "-o", str(tmp_path / "dir.png")]) == 1
    lines = err_lines(capsys)
    assert len(lines) == 1 and "is a folder" in lines[0] and "unknown file type" not in lines[0]
    (tmp_path / "afile").write_bytes(b"x")
    assert main([str(src), "--out-dir", str(tmp_path / "afile")]) == 1
    lines = err_lines(capsys)
    assert lines == [f"kmeans-compress: --out-dir {tmp_path / 'afile'}: is a file, not a folder"]


def test_control_characters_in_names_stay_on_one_line(tmp_path, capsys):
    bad = tmp_path / "evil\nname\x1b[31m.png"
    bad.write_bytes(b"not an image")
    good = photo(tmp_path / "good.png")
    assert main([str(bad), str(good), "--out-dir", str(tmp_path / "o"), "-q", "-j", "1"]) == 1
    lines = err_lines(capsys)
    assert len(lines) == 1 and "evil\\nname\\x1b[31m.png" in lines[0]


def test_keep_metadata_after_rotation_resets_orientation(tmp_path):
    tall = Image.fromarray(np.zeros((30, 20, 3), np.uint8) + np.arange(20, dtype=np.uint8)[None, :, None] * 10)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "TestCam"
    src = tmp_path / "rot.jpg"
    tall.save(src, exif=exif.tobytes(), quality=95)
    out = tmp_path / "out.png"
    assert main([str(src), "-o", str(out), "--keep-metadata", "-k", "4"]) == 0
    im = Image.open(out)
    assert im.size == (30, 20)
    assert im.getexif().get(0x0112, 1) == 1 and im.getexif().get(0x010F) == "TestCam"


def test_existing_output_refused_before_any_compression(tmp_path, capsys, monkeypatch):
    import core.pipeline as pipeline

    src = photo(tmp_path / "in.png")
    (tmp_path / "in-k16.png").write_bytes(b"old")
    calls = []
    monkeypatch.setattr(pipeline, "quantize_for", lambda *a, **k: calls.append(1))
    assert main([str(src)]) == 1
    assert calls == [] and (tmp_path / "in-k16.png").read_bytes() == b"old"
    assert "already exists" in err_lines(capsys)[0]


def test_json_lists_the_palette_written(tmp_path, capsys):
    src = photo(tmp_path / "in.png")
    assert main([str(src), "-o", str(tmp_path / "o.png"), "--palette-out", str(tmp_path / "p.gpl"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["palette"] == str(tmp_path / "p.gpl") and data["written"] and data["error"] is None
