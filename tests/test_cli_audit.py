"""Hostile command lines from a second QA pass: each gets a one-line message, loses no other
file of the run and never writes where the user did not ask (subprocesses, as a user runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
LONG = "x" * 300  # more than the 255 bytes a file name may have


def cli(*args: str, cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1", **kw.pop("env", {})}
    return subprocess.run([sys.executable, "-m", "kmeans_gui.cli", *args], cwd=cwd, env=env,
                          capture_output=kw.pop("capture_output", True), timeout=120, **kw)


def noise(path: Path, w: int = 40, h: int = 30, seed: int = 0) -> Path:
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path)
    return path


def lines(r: subprocess.CompletedProcess) -> list[str]:
    return r.stderr.decode().strip().splitlines()


def test_a_name_too_long_fails_that_file_alone(tmp_path):
    noise(tmp_path / "a.png")
    noise(tmp_path / "b.png", seed=1)
    r = cli("a.png", "-o", LONG + ".png", cwd=tmp_path)
    assert r.returncode == 1 and b"internal error" not in r.stderr
    assert lines(r) == [f"a.png: {LONG}.png: cannot be written (File name too long)"]
    r = cli(LONG + ".png", "a.png", "--out-dir", "out", cwd=tmp_path)  # the other input is still done
    assert r.returncode == 1 and b"internal error" not in r.stderr
    assert b"File name too long" in r.stderr and (tmp_path / "out" / "a-k16.png").is_file()
    r = cli("a.png", "b.png", "--out-dir", LONG, cwd=tmp_path)
    assert r.returncode == 1 and lines(r) == [f"kmeans-compress: --out-dir {LONG}: cannot create the folder "
                                              "(file name too long)"]


def test_an_image_too_wide_for_gif_fails_alone_in_one_line(tmp_path):
    noise(tmp_path / "wide.png", w=70_000, h=2)
    noise(tmp_path / "a.png")
    r = cli("wide.png", "a.png", "--format", "gif", "--out-dir", "out", "-k", "4", cwd=tmp_path)
    assert r.returncode == 1
    assert "wide.png: GIF cannot hold 70000 x 2 pixels (at most 65535 per side); save as PNG" in lines(r)
    assert sorted(os.listdir(tmp_path / "out")) == ["a-k4.gif"]


def test_json_is_refused_whenever_the_image_goes_to_standard_output(tmp_path):
    src = noise(tmp_path / "a.png")
    for args in (["-", "--json"], ["a.png", "-o", "-", "--json"]):
        with open(src, "rb") as stdin:
            r = cli(*args, cwd=tmp_path, stdin=stdin)
        assert r.returncode == 2 and r.stdout == b""
        assert len(lines(r)) == 1 and "--json" in r.stderr.decode()


def test_a_palette_swatch_never_replaces_the_image_it_describes(tmp_path):
    noise(tmp_path / "a.png")
    for target in (["--quality", "20"], ["-k", "8"], ["--max-bytes", "5000"]):
        r = cli("a.png", *target, "--palette-format", "png", "--force", cwd=tmp_path)
        assert r.returncode == 2 and len(lines(r)) == 1 and "palette over the image" in r.stderr.decode()
    assert os.listdir(tmp_path) == ["a.png"]


def test_the_core_also_refuses_a_palette_named_like_its_image(tmp_path):
    """The GUI batch and other callers go through compress_file without the CLI's usage check."""
    from core.pipeline import CompressOptions, compress_file

    src = noise(tmp_path / "a.png")
    res = compress_file(src, None, CompressOptions(target_psnr=20.0, overwrite=True), palette_format="png")
    assert res.written and res.error.startswith("palette not written: it would replace the image")
    with Image.open(res.output) as im:
        assert im.size == (40, 30) and im.mode == "P"  # the image, not a swatch


class _Trickle:
    """A raw stream that takes at most ``per_call`` bytes per write (an unbuffered pipe can)."""

    def __init__(self, per_call: int) -> None:
        self.per_call, self.got, self.flushed = per_call, bytearray(), False

    def write(self, data) -> int:
        part = bytes(data)[: self.per_call]
        self.got += part
        return len(part)

    def flush(self) -> None:
        self.flushed = True


def test_an_image_on_a_stream_that_takes_part_of_each_write_arrives_whole(tmp_path):
    from core.pipeline import CompressOptions, compress_file

    src = noise(tmp_path / "a.png", w=200, h=150)
    whole = compress_file(src, tmp_path / "ref.png", CompressOptions(k=8))
    out = _Trickle(1000)
    res = compress_file(src, "-", CompressOptions(k=8), stdout=out)
    assert res.written and res.bytes_out == len(out.got) > 3000 and out.flushed
    assert bytes(out.got) == (tmp_path / "ref.png").read_bytes() and whole.bytes_out == len(out.got)
    stuck = _Trickle(0)
    res = compress_file(src, "-", CompressOptions(k=8), stdout=stuck)
    assert not res.written and res.error and "no more bytes" in res.error


def test_the_file_behind_standard_input_is_never_overwritten(tmp_path):
    original = noise(tmp_path / "victim.png").read_bytes()
    os.link(tmp_path / "victim.png", tmp_path / "alias.png")
    for target in ("victim.png", "alias.png"):
        with open(tmp_path / "victim.png", "rb") as stdin:
            r = cli("-", "-o", target, "--force", cwd=tmp_path, stdin=stdin)
        assert r.returncode == 1 and "standard input was read from" in r.stderr.decode()
        assert (tmp_path / "victim.png").read_bytes() == original
    with open(tmp_path / "victim.png", "rb") as stdin:  # another name is written as usual
        assert cli("-", "-o", "copy.png", cwd=tmp_path, stdin=stdin).returncode == 0


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m kmeans_gui.cli`` run through a shell (for ``>&-`` and friends)."""
    return subprocess.run(f'"{sys.executable}" -m kmeans_gui.cli {command}', shell=True, cwd=cwd, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)


def test_closed_standard_streams_get_one_line_and_never_mix_text_into_the_image(tmp_path):
    noise(tmp_path / "a.png")
    r = shell("- -o z.png <&-", tmp_path)
    assert r.returncode == 2 and lines(r) == ["kmeans-compress: standard input is closed; give an image file, "
                                              "or pipe one in (see --help)"]
    r = shell("a.png -o z.png --json >&-", tmp_path)
    assert r.returncode == 2 and "--json has nowhere to go" in r.stderr.decode()
    assert not (tmp_path / "z.png").exists()
    r = shell("a.png -o - 2>&- > piped.png", tmp_path)  # no stderr: its lines must not land in the image
    assert r.returncode == 0
    with Image.open(tmp_path / "piped.png") as im:
        im.load()
        assert im.size == (40, 30)
    assert (tmp_path / "piped.png").read_bytes().endswith(b"IEND\xaeB`\x82")
    r = shell("a.png -o j.png --json 2>&-", tmp_path)
    assert r.returncode == 0 and r.stdout.decode().startswith('{"input": "a.png"') and r.stdout.count(b"\n") == 1


def test_reading_an_image_from_a_terminal_is_refused_instead_of_waiting(tmp_path):
    import pty

    main_fd, terminal = pty.openpty()
    try:
        r = cli("-", "-o", "z.png", cwd=tmp_path, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(main_fd)
    assert r.returncode == 2 and len(lines(r)) == 1 and "from the terminal" in r.stderr.decode()


def _tiff_with_directory_last(path: Path, cut: int = 0) -> np.ndarray:
    """An uncompressed RGB TIFF whose directory follows the pixels (as libtiff writes), with the
    last ``cut`` bytes of the directory missing."""
    import struct

    h, w = 30, 40
    pixels = np.random.default_rng(3).integers(0, 255, (h, w, 3), dtype=np.uint8)
    data = pixels.tobytes()
    tags = [(256, 3, w), (257, 3, h), (258, 3, 8), (259, 3, 1), (262, 3, 2), (273, 4, 8), (277, 3, 3),
            (278, 3, h), (279, 4, len(data))]
    ifd = struct.pack("<H", len(tags)) + b"".join(
        struct.pack("<HHI", tag, kind, 1) + (struct.pack("<HH", v, 0) if kind == 3 else struct.pack("<I", v))
        for tag, kind, v in tags) + struct.pack("<I", 0)
    whole = b"II*\x00" + struct.pack("<I", 8 + len(data)) + data + ifd
    path.write_bytes(whole[: len(whole) - cut])
    return pixels


def test_decoder_warnings_become_notes_never_python_warning_text(tmp_path):
    from core.load import load_image

    pixels = _tiff_with_directory_last(tmp_path / "cut.tif", cut=10)
    loaded = load_image(tmp_path / "cut.tif")
    assert np.array_equal(loaded.pixels, pixels)  # the pixels are whole: only a tag was cut
    assert any(n.startswith("the decoder warned: ") for n in loaded.notes)
    Image.fromarray(pixels).resize((64, 64)).save(tmp_path / "x.ico", sizes=[(64, 64)])
    data = bytearray((tmp_path / "x.ico").read_bytes())
    data[6] = 32  # the directory says 32 pixels wide; the image inside is 64
    (tmp_path / "odd.ico").write_bytes(bytes(data))
    for name in ("cut.tif", "odd.ico"):
        r = cli(name, "-o", name + ".png", cwd=tmp_path)
        err = r.stderr.decode()
        assert r.returncode == 0, err
        assert "note: the decoder warned" in err and "Warning" not in err and "warnings.warn" not in err


def test_an_empty_name_is_refused_not_taken_for_the_current_folder(tmp_path):
    noise(tmp_path / "a.png")
    for args in ([""], ["a.png", "--out-dir", ""], ["a.png", "-o", ""], ["a.png", "--palette-out", ""]):
        r = cli(*args, cwd=tmp_path)
        assert r.returncode == 2 and len(lines(r)) == 1 and "an empty name" in r.stderr.decode(), args
    assert os.listdir(tmp_path) == ["a.png"]


def test_the_folder_of_palette_out_is_made_like_that_of_the_output(tmp_path):
    noise(tmp_path / "a.png")
    r = cli("a.png", "-o", "img/out.png", "--palette-out", "pal/sub/p.gpl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "img" / "out.png").is_file()
    assert (tmp_path / "pal" / "sub" / "p.gpl").read_text().startswith("GIMP Palette")
    (tmp_path / "bad.png").write_text("not an image")
    r = cli("bad.png", "-o", "img2/out.png", "--palette-out", "pal2/sub/p.gpl", cwd=tmp_path)
    assert r.returncode == 1 and not (tmp_path / "img2").exists() and not (tmp_path / "pal2").exists()


def test_skip_if_larger_also_holds_for_standard_output(tmp_path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(
        tmp_path / "q.jpg", quality=10)  # a tiny JPEG: its PNG is larger
    r = cli("q.jpg", "-o", "-", "--skip-if-larger", cwd=tmp_path)
    assert r.returncode == 98 and r.stdout == b""  # a pipeline can tell it got no image
    assert "not written" in r.stderr.decode() and "not smaller than the original" in r.stderr.decode()
    r = cli("q.jpg", "-o", "-", cwd=tmp_path)  # without it, the image is on stdout
    assert r.stdout.startswith(b"\x89PNG")


def test_hard_linked_inputs_are_compressed_once_and_said_to_be_one_file(tmp_path):
    (tmp_path / "in").mkdir()
    noise(tmp_path / "in" / "p1.png")
    os.link(tmp_path / "in" / "p1.png", tmp_path / "in" / "p2.png")
    r = cli("in", "--dry-run", cwd=tmp_path)  # the plan is on stdout
    assert "in/p2.png: skipped, the same file as in/p1.png (compressed once)" in r.stdout.decode().splitlines()
    r = cli("in", "--out-dir", "out", cwd=tmp_path)
    assert r.returncode == 0
    assert "in/p2.png: skipped, the same file as in/p1.png (compressed once)" in lines(r)
    assert os.listdir(tmp_path / "out") == ["p1-k16.png"]


def test_formats_that_drop_kept_metadata_say_so_and_png24_in_a_png_is_no_mismatch(tmp_path):
    im = Image.fromarray(np.random.default_rng(0).integers(0, 255, (30, 40, 3), dtype=np.uint8))
    exif = im.getexif()
    exif[0x010F] = "Camera maker"
    im.save(tmp_path / "e.jpg", exif=exif.tobytes())
    for ext, says in (("gif", True), ("tif", True), ("bmp", True), ("png", False), ("webp", False)):
        r = cli("e.jpg", "-o", f"out.{ext}", "--keep-metadata", cwd=tmp_path)
        assert r.returncode == 0
        assert ("keeps no EXIF" in r.stderr.decode()) == says, ext
    r = cli("e.jpg", "-o", "p.png", "--format", "png24", cwd=tmp_path)
    assert r.returncode == 0 and "holds" not in r.stderr.decode()


def test_a_float_image_with_an_infinity_keeps_its_scale(tmp_path):
    """A 0..1 float TIFF with one +inf pixel is still read as 0..1 (not as 0..255: all black)."""
    from core.load import load_image

    values = np.linspace(0.0, 1.0, 40 * 30, dtype=np.float32).reshape(30, 40)
    values[0, 0], values[0, 1], values[0, 2] = np.inf, -np.inf, np.nan
    Image.fromarray(values, "F").save(tmp_path / "f.tif")
    px = load_image(tmp_path / "f.tif").pixels[..., 0].astype(int)
    assert px[0, 0] == 255 and px[0, 1] == 0 and px[0, 2] == 0
    assert px[-1, -1] == 255 and abs(px[15, 20] - round(values[15, 20] * 255)) <= 1


def test_a_full_standard_output_is_one_line_and_a_full_stderr_fails_nothing(tmp_path):
    noise(tmp_path / "a.png")
    for command in ("a.png --dry-run >/dev/full", "a.png -o b.png --json -q >/dev/full"):
        r = shell(command, tmp_path)
        assert r.returncode == 1, command
        assert lines(r) == ["kmeans-compress: standard output: could not write (disk full)"], command
    r = subprocess.run(f'"{sys.executable}" -m kmeans_gui.cli a.png -o c.png 2>/dev/full; echo "rc=$?"',
                       shell=True, cwd=tmp_path, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       capture_output=True)
    assert r.stdout.decode().strip() == "rc=0"  # written, only its report could not be shown
    assert Image.open(tmp_path / "c.png").size == (40, 30)


def test_standard_input_with_an_output_folder_is_refused_before_any_work(tmp_path):
    data = noise(tmp_path / "a.png").read_bytes()
    r = cli("-", "--out-dir", "out", cwd=tmp_path, input=data)
    assert r.returncode == 2 and r.stdout == b""
    assert lines(r) == ["kmeans-compress: standard input (-) has no file name to write into --out-dir; "
                        "name the output with -o FILE (see --help)"]


def test_a_bad_output_name_is_a_usage_error_before_any_work(tmp_path):
    noise(tmp_path / "a.png")
    cases = {
        "x.xyz": "kmeans-compress: -o x.xyz: unknown file type '.xyz'; use .png, .gif, .webp, .bmp, .tif or .jpg "
                 "(see --help)",
        "x.": "kmeans-compress: -o x.: the name ends with a dot and has no file type; use .png, .gif, .webp, .bmp, "
              ".tif or .jpg (see --help)",
        "o1/x.png/": "kmeans-compress: argument -o/--output: o1/x.png/ ends with a slash, which names a folder; "
                     "give a file name, or use --out-dir (see --help)",
    }
    for name, message in cases.items():
        r = cli("a.png", "-o", name, cwd=tmp_path)
        assert r.returncode == 2 and lines(r) == [message], name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]  # nothing written, no folder made
