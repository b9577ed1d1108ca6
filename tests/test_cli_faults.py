"""Faults named for what failed: permissions (as an unprivileged user), disk full (small tmpfs),
SIGKILL during a write, and two writers released together."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.atomic import TEMP_PREFIX, WriteRefused, atomic_write_bytes, remove_stale_temps

from .corpus import gradient

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534


def photo(path: Path, w: int = 120, h: int = 90, seed: int = 1) -> Path:
    noisy = gradient(w, h).astype(int) + np.random.default_rng(seed).integers(-25, 25, size=(h, w, 3))
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path)
    return path


def cli(*args: str, as_nobody: bool = False, **kw) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "kmeans_gui.cli", *args]
    if as_nobody and os.geteuid() == 0:
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    env = {**os.environ, "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120, **kw)


@pytest.fixture(scope="module")
def nobody_can_run_the_cli() -> None:
    if os.geteuid() != 0:
        return  # already unprivileged: permissions apply as they are
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is missing: cannot run as an unprivileged user")
    probe = cli("--version", as_nobody=True)
    if probe.returncode != 0:  # e.g. the checkout or the interpreter under a private home folder
        pytest.skip(f"the unprivileged user cannot run this checkout's Python: {probe.stderr.strip()[:120]}")


@pytest.fixture
def shared_dir(nobody_can_run_the_cli):
    """A folder an unprivileged user can reach (pytest's tmp_path is private to root)."""
    d = Path(tempfile.mkdtemp(prefix="kmeans-perm-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _writable_by_nobody(d: Path) -> Path:
    d.mkdir()
    if os.geteuid() == 0:
        os.chown(d, NOBODY, NOBODY)
    return d


def _read_only(d: Path) -> Path:
    d.mkdir()
    d.chmod(0o555)
    return d


def test_palette_that_cannot_be_written_is_named_as_the_palette(shared_dir):
    src = photo(shared_dir / "in.png")
    src.chmod(0o644)
    out = _writable_by_nobody(shared_dir / "out") / "o.png"
    pal = _read_only(shared_dir / "locked") / "p.gpl"
    res = cli(str(src), "-o", str(out), "--palette-out", str(pal), as_nobody=True)
    assert res.returncode == 1, res.stderr
    lines = res.stderr.splitlines()
    assert any(str(out) in line and "->" in line for line in lines)  # the image is listed as written
    assert any(line.startswith(f"{src}: palette {pal}: could not write (permission denied)") for line in lines)
    assert out.exists() and not pal.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_out_dir_that_cannot_be_created_is_permission_denied(shared_dir):
    src = photo(shared_dir / "in.png")
    src.chmod(0o644)
    parent = _read_only(shared_dir / "ro")
    res = cli(str(src), "--out-dir", str(parent / "new"), as_nobody=True)
    assert res.returncode == 1
    assert res.stderr.strip() == f"kmeans-compress: --out-dir {parent / 'new'}: cannot create the folder (permission denied)"


def test_read_only_output_folder_names_the_image(shared_dir):
    src = photo(shared_dir / "in.png")
    src.chmod(0o644)
    folder = _read_only(shared_dir / "ro")
    res = cli(str(src), "-o", str(folder / "o.png"), as_nobody=True)
    assert res.returncode == 1
    assert res.stderr.strip() == f"{src}: {folder / 'o.png'}: could not write (permission denied)"


@pytest.fixture
def tiny_disk():
    """A 256 KB tmpfs, mounted for the test and unmounted after it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    d = Path(tempfile.mkdtemp(prefix="kmeans-full-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(d)], capture_output=True).returncode:
        d.rmdir()
        pytest.skip("cannot mount a tmpfs here (no CAP_SYS_ADMIN)")
    yield d
    subprocess.run(["umount", str(d)], check=False)
    shutil.rmtree(d, ignore_errors=True)


def test_disk_full_names_the_file_keeps_the_old_one_and_leaves_no_temp(tiny_disk, tmp_path):
    src = photo(tmp_path / "big.png", 900, 700)
    out = tiny_disk / "o.bmp"  # an uncompressed 630 KB BMP cannot fit in 256 KB
    out.write_bytes(b"old output")
    res = cli(str(src), "-o", str(out), "--force")
    assert res.returncode == 1
    assert res.stderr.strip() == f"{src}: {out}: could not write (disk full)"
    assert out.read_bytes() == b"old output"
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["o.bmp"]


def test_disk_full_on_the_palette_after_the_image(tiny_disk, tmp_path):
    src = photo(tmp_path / "in.png", 300, 200)
    out = tiny_disk / "o.png"
    args = (str(src), "-o", str(out), "-k", "4", "--effort", "fast")
    assert cli(*args).returncode == 0
    page = os.statvfs(tiny_disk).f_frsize
    image_pages = -(-out.stat().st_size // page)
    out.unlink()
    free = os.statvfs(tiny_disk).f_bavail * page
    (tiny_disk / "filler").write_bytes(b"\0" * (free - image_pages * page))  # room for the image only
    res = cli(*args, "--palette-out", str(tiny_disk / "p.json"))
    assert res.returncode == 1
    lines = res.stderr.splitlines()
    assert any(str(out) in line and "->" in line for line in lines)  # the image was written, and listed
    assert lines[-1] == f"{src}: palette {tiny_disk / 'p.json'}: could not write (disk full)"
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "o.png"]


_FORKER = """
import os, sys
from kmeans_gui.cli import main  # imported once; each run is a fork, so a run costs no start-up
for _line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        os._exit(main(sys.argv[1:]))
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("done", flush=True)
"""


def _complete_bmp(data: bytes, size: tuple[int, int]) -> bool:
    import io

    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except Exception:  # noqa: BLE001 - anything unreadable is a broken file
        return False
    return im.size == size


def test_sigkill_while_writing_never_leaves_a_broken_output(tmp_path):
    size = (800, 600)
    src = photo(tmp_path / "in.png", *size)
    out = tmp_path / "out.bmp"  # uncompressed (480 KB): written for a measurable time
    old = b"BM old complete file"
    forker = subprocess.Popen([sys.executable, "-c", _FORKER, str(src), "-o", str(out), "--force", "-k", "8", "-q"],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def temps() -> set[str]:
        return {e.name for e in os.scandir(tmp_path) if e.name.startswith(TEMP_PREFIX)}

    def run(kill: str | None, delay: float = 0.0) -> set[str]:
        """One CLI run, killed ``delay`` s after the start ("time") or once its temp file exists
        ("write"); returns the temporary files it left."""
        before = temps()  # left by earlier killed runs
        forker.stdin.write("go\n")
        forker.stdin.flush()
        pid = int(forker.stdout.readline())
        if kill == "write":
            deadline = time.perf_counter() + 30
            while not temps() - before and time.perf_counter() < deadline:
                time.sleep(0.0005)
        if kill is not None:
            time.sleep(delay)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert forker.stdout.readline().strip() == "done"
        return temps() - before

    try:
        run(None)  # warm: the first run in a process pays one-time costs
        t = time.perf_counter()
        run(None)
        full = time.perf_counter() - t
        assert _complete_bmp(out.read_bytes(), size)
        rng = random.Random(0)
        left = 0
        for i in range(20):  # half at any moment of the run, half while the output is being written
            out.write_bytes(old)
            if i % 2 == 0:
                left += len(run("time", rng.uniform(0, 1.05) * full))
            else:
                left += len(run("write", rng.uniform(0, 0.003)))
            data = out.read_bytes()
            assert data == old or _complete_bmp(data, size)
        for _ in range(40):  # on a loaded machine the write window can be missed: kill on sight
            if left:
                break
            out.write_bytes(old)
            left += len(run("write", 0.0))
            data = out.read_bytes()
            assert data == old or _complete_bmp(data, size)
        assert left  # some kills did land mid-write, leaving their temporary files
        run(None)  # the next run into the folder cleans up after the killed ones
        assert _complete_bmp(out.read_bytes(), size)
        assert not temps()
    finally:
        forker.stdin.close()
        forker.wait(timeout=30)


def test_stale_temp_files_of_ours_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    from core.atomic import _HOST

    stale = tmp_path / f"{TEMP_PREFIX}{dead.pid}-{_HOST}-0123abcd-x.png"
    live = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-{_HOST}-0123abcd-y.png"
    old_live = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-{_HOST}-4567abcd-z.png"
    elsewhere = tmp_path / f"{TEMP_PREFIX}{dead.pid}-00000000-89abcdef-w.png"  # another host: age only
    other = tmp_path / ".x.png.tmp"  # not ours: never touched
    for p in (stale, live, old_live, elsewhere, other):
        p.write_bytes(b"partial")
    os.utime(old_live, (time.time() - 3600, time.time() - 3600))
    atomic_write_bytes(tmp_path / "new.png", b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, elsewhere.name, other.name, "new.png"])
    assert sorted(remove_stale_temps(tmp_path, now=time.time() + 7200)) == sorted([live, elsewhere])


def _race(dest: Path, payloads: list[bytes]) -> list[str]:
    """Writers released together by a barrier; returns each one's outcome."""
    barrier = threading.Barrier(len(payloads))
    outcomes: list[str] = []

    def write(payload: bytes) -> None:
        barrier.wait()
        try:
            atomic_write_bytes(dest, payload)
            outcomes.append("ok")
        except WriteRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return outcomes


def test_two_writers_released_together_exactly_one_wins(tmp_path):
    payloads = [b"\0" * 100_000, b"\1" * 100_000]
    for round_ in range(50):
        dest = tmp_path / f"r{round_}.png"
        assert sorted(_race(dest, payloads)) == ["ok", "refused"]
        assert dest.read_bytes() in payloads
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_two_cli_writers_released_together_exactly_one_wins(tmp_path):
    src = photo(tmp_path / "in.png")
    for round_ in range(3):
        out = tmp_path / f"o{round_}.png"
        go = tmp_path / f"go{round_}"
        script = ("import os, sys, time\n"
                  "from kmeans_gui.cli import main\n"
                  f"while not os.path.exists({str(go)!r}): time.sleep(0.001)\n"
                  f"sys.exit(main([{str(src)!r}, '-o', {str(out)!r}, '-q']))\n")
        procs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        time.sleep(1.0)  # both waiting with the CLI imported
        go.touch()
        codes = sorted(p.wait(timeout=60) for p in procs)
        errors = [p.stderr.read() for p in procs]
        assert codes == [0, 1], errors
        assert any("already exists" in e for e in errors)


def test_read_only_media_is_named_as_such(tiny_disk, tmp_path):
    src = photo(tmp_path / "in.png")
    (tiny_disk / "old.png").write_bytes(b"old")
    if subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], capture_output=True).returncode:
        pytest.skip("cannot remount the tmpfs read-only here")
    try:
        res = cli(str(src), "-o", str(tiny_disk / "old.png"), "--force")
        assert res.returncode == 1
        assert res.stderr.strip() == f"{src}: {tiny_disk / 'old.png'}: could not write (read-only file system)"
        assert (tiny_disk / "old.png").read_bytes() == b"old"
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=False)


def test_an_out_dir_made_for_a_run_that_wrote_nothing_is_removed(tiny_disk, tmp_path):
    """--out-dir full/a/b on a full disk left the empty folders a/b behind (-o's folders were
    removed already); a folder that received a file stays."""
    src = photo(tmp_path / "big.png", 900, 700)
    res = cli(str(src), "--out-dir", str(tiny_disk / "a" / "b"), "--format", "bmp")
    assert res.returncode == 1 and "disk full" in res.stderr
    assert list(tiny_disk.iterdir()) == []
    small = photo(tmp_path / "small.png", 30, 20)
    assert cli(str(small), "--out-dir", str(tiny_disk / "a" / "b")).returncode == 0
    assert [p.name for p in (tiny_disk / "a" / "b").iterdir()] == ["small-k16.png"]


def test_an_out_dir_left_empty_by_a_recursive_run_goes_with_its_empty_subfolders(tmp_path):
    """-r mirrors the tree: a run that wrote nothing left new/sub (and so new) behind."""
    tree = tmp_path / "in" / "sub"
    tree.mkdir(parents=True)
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(tree / "a.png")  # any result is larger
    res = cli(str(tmp_path / "in"), "-r", "--out-dir", str(tmp_path / "new"), "--skip-if-larger")
    assert res.returncode == 98, res.stderr
    assert not (tmp_path / "new").exists()
