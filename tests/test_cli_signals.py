"""Ctrl-C, SIGTERM and a killed parent during a batch or a single write (subprocesses): the
run stops, says so in one line, leaves no temporary file, and writes nothing afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.atomic import TEMP_PREFIX

from .gui_helpers import big_photo

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def photos(tmp_path_factory, photo) -> Path:
    """Ten 2 MP photos: a batch of them takes seconds on two workers."""
    folder = tmp_path_factory.mktemp("signals") / "in"
    folder.mkdir()
    img = Image.fromarray(big_photo(photo, (1600, 1200)))
    for i in range(10):
        img.save(folder / f"p{i}.jpg", quality=90)
    return folder


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen([sys.executable, "-m", "kmeans_gui.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)


def _default_sigint() -> None:
    """Ctrl-C as at a terminal, even when pytest runs in the background (SIGINT ignored there,
    which the CLI would inherit and rightly keep)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_outputs(out: Path, n: int, timeout: float = 180.0) -> None:
    """Until ``n`` outputs exist; fails after ``timeout`` (it went on silently, and a signal sent
    after a slow batch had ended found nothing to stop)."""
    end = time.monotonic() + timeout
    while not out.is_dir() or len([p for p in out.iterdir() if p.suffix == ".png"]) < n:
        if time.monotonic() > end:
            pytest.fail(f"no {n} outputs in {out} after {timeout:g} s")
        time.sleep(0.02)


def listing(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir())


@pytest.mark.parametrize("sig, code, word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted"),
                                             (signal.SIGHUP, 129, "terminated")])
def test_a_signalled_batch_stops_its_workers_and_writes_nothing_after(photos, tmp_path, sig, code, word):
    out = tmp_path / "out"
    proc = start(str(photos), "-j", "2", "--out-dir", str(out), "-k", "16")
    wait_for_outputs(out, 1)  # mid-run: one file done, others in the workers
    assert proc.poll() is None, "the batch ended before the signal could be sent"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)  # the workers hold stderr too: this also waits for them
    assert proc.returncode == code
    assert err.splitlines()[-1] == f"kmeans-compress: {word}"
    assert "Traceback" not in err
    right_after = listing(out)
    time.sleep(2.0)
    assert listing(out) == right_after  # no worker went on writing
    assert not [n for n in right_after if n.startswith(TEMP_PREFIX)]
    reported = [line for line in err.splitlines() if " -> " in line]
    assert all(f"/{name}:" in "\n".join(reported) for name in right_after)  # every file written is reported
    assert 1 <= len(right_after) < 10  # stopped before the end


def test_a_killed_batch_leaves_no_orphan_writing(photos, tmp_path):
    """SIGKILL leaves no chance to clean up in the parent: the workers notice it is gone."""
    out = tmp_path / "out"
    proc = start(str(photos), "-j", "2", "--out-dir", str(out), "-k", "16")
    wait_for_outputs(out, 1)
    proc.kill()
    proc.communicate(timeout=30)  # returns once the workers have exited (they hold the pipes)
    right_after = listing(out)
    time.sleep(2.0)
    assert listing(out) == right_after
    assert not [n for n in right_after if n.startswith(TEMP_PREFIX)]
    assert len(right_after) < 10


def test_sigterm_during_a_single_write_leaves_no_temporary_file(tmp_path, photo):
    src = tmp_path / "big.png"
    Image.fromarray(big_photo(photo, (3000, 2000))).save(src, compress_level=1)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    outcomes = set()
    for delay in np.linspace(0.3, 4.0, 6):
        proc = start(str(src), "-o", str(out_dir / "out.png"), "--force", "-k", "16")
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        # -15: the signal came while Python was still starting, before the CLI set its handler
        # (the default action then ends the process; nothing had been written yet).
        assert proc.returncode in (0, 143, -signal.SIGTERM), err
        assert not [n for n in listing(out_dir) if n.startswith(TEMP_PREFIX)], (delay, err)
        if proc.returncode == 143:
            assert err.splitlines()[-1] == "kmeans-compress: terminated"
        outcomes.add(proc.returncode)
    assert 143 in outcomes  # at least one signal landed during the run


def test_a_second_ctrl_c_during_the_grace_still_reports_every_file_written(photos, tmp_path):
    """The first Ctrl-C starts the batch's grace, a second one cuts it short: the workers are
    still stopped, every file on disk is reported, and no traceback appears."""
    out = tmp_path / "out"
    proc = start(str(photos), "-j", "2", "--out-dir", str(out), "-k", "16")
    wait_for_outputs(out, 1)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)  # inside the 1.5 s grace
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == "kmeans-compress: interrupted"
    right_after = listing(out)
    time.sleep(2.0)
    assert listing(out) == right_after
    assert not [n for n in right_after if n.startswith(TEMP_PREFIX)]
    reported = "\n".join(line for line in err.splitlines() if " -> " in line)
    assert all(f"/{name}:" in reported for name in right_after)


@pytest.mark.parametrize("second", [signal.SIGINT, signal.SIGTERM])
def test_a_repeated_signal_on_one_file_never_shows_a_traceback(tmp_path, photo, second):
    """Two signals close together on a single 6 MP file: the run stops once, in one line."""
    src = tmp_path / "big.png"
    Image.fromarray(big_photo(photo, (3000, 2000))).save(src, compress_level=1)
    stopped = 0
    for delay in (0.6, 1.0, 1.4, 1.8):
        proc = start(str(src), "-o", str(tmp_path / "out.png"), "--force", "-k", "64")
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        for _ in range(3):
            time.sleep(0.01)
            proc.send_signal(second)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, (delay, err)
        # -SIGINT / -second: a signal that came while the interpreter was shutting down (it
        # puts the default handlers back then), after the run had stopped and cleaned up.
        assert proc.returncode in (0, 130, -signal.SIGINT, -second), (delay, err)
        if proc.returncode == 130:
            assert err.splitlines()[-1] == "kmeans-compress: interrupted", err
        # Stopped mid-way: it said so (the exit status is the signal's when one of the later
        # signals came during the interpreter's shutdown, after the stop and its clean-up: 2 of 4
        # runs on one machine, 4 of 4 on a faster one).
        stopped += proc.returncode != 0 and err.strip().splitlines()[-1:] == ["kmeans-compress: interrupted"]
        assert not [n for n in listing(tmp_path) if n.startswith(TEMP_PREFIX)]
    assert stopped  # at least one run was stopped mid-way


@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"),
                                             (signal.SIGTERM, 143, "terminated")])
def test_a_stop_while_the_command_is_still_loading_is_one_line(sig, code, word):
    """Ctrl-C in the first ~0.15 s (NumPy and the core still importing) printed a traceback.
    The signal is sent at the exact moment the command's module starts to load."""
    script = (
        "import builtins, os, sys\n"
        "from kmeans_gui import cli_entry\n"
        "assert 'numpy' not in sys.modules, 'the entry point loads NumPy before its handlers'\n"
        "real = builtins.__import__\n"
        "def loading(name, *a, **k):\n"
        f"    if name == 'cli': os.kill(os.getpid(), {int(sig)})\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = loading\n"
        "sys.argv = ['kmeans-compress', '--version']\n"
        "cli_entry.entry()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr, proc.stdout) == (code, f"kmeans-compress: {word}\n", "")


def test_the_installed_command_starts_from_the_quiet_entry_point():
    from importlib.metadata import entry_points

    (command,) = [e for e in entry_points(group="console_scripts") if e.name == "kmeans-compress"]
    assert command.value == "kmeans_gui.cli_entry:entry"


def test_ctrl_c_at_any_moment_of_a_batch_start_up_is_one_line(photos, tmp_path):
    """The terminal's Ctrl-C goes to the whole process group: the command, the fork server
    importing the core and the workers it is starting. Each of them printed a traceback when
    the Ctrl-C came in the first ~0.4 s; a sweep over that time must show one line only."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for i, delay in enumerate(np.linspace(0.05, 0.6, 12)):
        out = tmp_path / f"out{i}"
        proc = subprocess.Popen([sys.executable, "-m", "kmeans_gui.cli_entry", str(photos), "--out-dir", str(out),
                                 "-j", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, preexec_fn=_default_sigint, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130 and "Traceback" not in err and "Fatal" not in err, (delay, err)
        assert err.strip().splitlines()[-1] == "kmeans-compress: interrupted", (delay, err)
        if out.exists():
            assert not [p for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_nohup_keeps_a_batch_running_when_the_terminal_hangs_up(photos, tmp_path):
    """SIGHUP ignored by the parent (nohup) must stay ignored: the run used to stop on it."""
    def nohup() -> None:
        _default_sigint()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "kmeans_gui.cli_entry", str(photos), "--out-dir", str(out),
                             "-j", "2", "-q"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=nohup)
    wait_for_outputs(out, 1)
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert len([p for p in out.iterdir() if p.suffix == ".png"]) == 10
