"""The ``kmeans-compress`` command's first code: a quiet stop while the real command loads.

Loading the command (NumPy, Pillow, the core) takes 0.1-0.2 s, and a Ctrl-C or SIGTERM in
that time printed a KeyboardInterrupt traceback. Until :mod:`kmeans_gui.cli` puts its own
handlers in place, a stop signal ends the process with one line and the command's usual exit
code (128 + the signal); nothing has been read or written yet.
"""

from __future__ import annotations

import os
import signal


def _quiet_stop(signum: int, _frame) -> None:
    word = "interrupted" if signum == signal.SIGINT else "terminated"
    try:
        os.write(2, f"kmeans-compress: {word}\n".encode())
    except OSError:  # no usable standard error: the exit code still says it
        pass
    os._exit(128 + signum)


def entry() -> None:
    """Stop quietly on SIGINT, SIGTERM or SIGHUP, then run :func:`kmeans_gui.cli.entry`
    (which replaces these handlers with its own before any work)."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None or signal.getsignal(sig) == signal.SIG_IGN:
            continue  # ignored by the parent (a background job's Ctrl-C, nohup's SIGHUP): stays so
        signal.signal(sig, _quiet_stop)
    from .cli import entry as command

    command()


if __name__ == "__main__":
    entry()
