"""Command-line requests that cannot be done as asked are refused in one line (exit 2), and
formats that cannot hold what the image has say so in a note (from a hostile-input QA pass)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "kmeans_gui.cli", *args], cwd=cwd, env=env,
                          capture_output=kw.pop("capture_output", True), text=True, timeout=120, **kw)


def see_through(path: Path) -> Path:
    im = Image.new("LA", (40, 30))
    im.putdata([(i % 255, 0 if i % 3 else 255) for i in range(40 * 30)])
    im.save(path)
    return path


def test_jpeg_output_of_a_see_through_image_says_so_without_a_python_warning(tmp_path):
    src = see_through(tmp_path / "la.png")
    r = cli(str(src), "--format", "jpeg", "-o", "out.jpg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "note: JPEG has no transparency" in r.stderr
    assert "Warning" not in r.stderr and "warn(" not in r.stderr


def test_an_orientation_outside_2_to_8_is_not_reported_as_a_rotation(tmp_path):
    im = Image.fromarray(np.random.default_rng(0).integers(0, 255, (30, 40, 3), dtype=np.uint8))
    exif = im.getexif()
    exif[0x0112] = 99
    im.save(tmp_path / "odd.jpg", exif=exif.tobytes())
    r = cli("odd.jpg", "-o", "out.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "rotated" not in r.stderr
    with Image.open(tmp_path / "out.png") as out:
        assert out.size == (40, 30)


def test_a_palette_with_the_image_on_standard_output_is_refused_not_dropped(tmp_path):
    src = see_through(tmp_path / "in.png")
    for args in (["in.png", "-o", "-", "--palette-out", "p.gpl"], ["-", "--palette-format", "gpl"]):
        with open(src, "rb") as stdin:
            r = cli(*args, cwd=tmp_path, stdin=stdin)
        assert r.returncode == 2
        assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
        assert "palette" in r.stderr and not (tmp_path / "p.gpl").exists()


def test_a_suffix_with_a_path_in_it_is_refused_and_creates_nothing(tmp_path):
    see_through(tmp_path / "in.png")
    before = sorted(os.listdir(tmp_path))
    for suffix in ("/../../escaped", "-a/b", "\\x"):
        r = cli("in.png", f"--suffix={suffix}", cwd=tmp_path)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert sorted(os.listdir(tmp_path)) == before
    assert not (tmp_path.parent.parent / "escaped.png").exists()


def test_a_closed_standard_output_is_named(tmp_path):
    see_through(tmp_path / "in.png")
    r = subprocess.run(f'"{sys.executable}" -m kmeans_gui.cli in.png -o - >&-', shell=True, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=False,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == ["kmeans-compress: standard output is closed; use -o FILE (see --help)"]


def test_k_with_a_quality_target_is_said_to_be_ignored(tmp_path):
    see_through(tmp_path / "in.png")
    for target in (["--quality", "30dB"], ["--max-delta-e", "5"]):
        r = cli("in.png", "-k", "8", *target, "--force", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert f"-k ignored: {target[0]} chooses K" in r.stderr


def test_an_extension_that_contradicts_the_format_is_noted(tmp_path):
    see_through(tmp_path / "in.png")
    r = cli("in.png", "-o", "a.jpg", "--format", "png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "a.jpg holds PNG data (--format png), not what its extension .jpg says" in r.stderr
    assert (tmp_path / "a.jpg").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = cli("in.png", "-o", "b.png", "--format", "png", cwd=tmp_path)
    assert "holds" not in r.stderr  # a matching extension says nothing


def test_bad_swatch_images_are_named_in_our_words(tmp_path):
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    see_through(tmp_path / "in.png")
    (tmp_path / "text.png").write_text("hello, not an image\n")
    bomb = chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
    (tmp_path / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bomb + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    for name, words in (("text.png", "not a readable PNG image (not an image)"), ("bomb.png", "too large for a swatch image")):
        r = cli("in.png", "--palette", name, cwd=tmp_path)
        assert r.returncode == 2
        assert r.stderr.strip().splitlines() == [f"kmeans-compress: --palette {name}: {words} (see --help)"]


def test_a_failed_run_leaves_no_folder_it_made_for_its_output(tmp_path):
    (tmp_path / "text.png").write_text("not an image\n")
    r = cli("text.png", "-o", "new/sub/out.png", cwd=tmp_path)
    assert r.returncode == 1
    assert not (tmp_path / "new").exists()
    see_through(tmp_path / "in.png")
    r = cli("in.png", "-o", "new/sub/out.png", cwd=tmp_path)  # a run that writes keeps them
    assert r.returncode == 0 and (tmp_path / "new" / "sub" / "out.png").is_file()
