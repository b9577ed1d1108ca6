"""Time from launching the app to its window being shown, warm and cold (for the README).

Run under a display, e.g.
    xvfb-run -a .venv/bin/python scripts/measure_startup.py --runs 5 -- .venv/bin/kmeans-gui
    xvfb-run -a .venv/bin/python scripts/measure_startup.py --cold -- make -s run ARGS=--exit-when-shown
The command must accept ``--exit-when-shown`` (added unless already there), which makes the app
print "window shown after X s" on the first event-loop turn after ``show()`` and quit.
"Cold" drops the kernel's page cache before each launch (root only; it slows every process on
the machine for a moment), so Python, Qt and NumPy are read from disk again as after a reboot.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time


def drop_caches() -> bool:
    """Empty the page cache; False when not allowed (not root, or a read-only /proc)."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as fh:
            fh.write("3\n")
        return True
    except OSError:
        return False


def launch(cmd: list[str]) -> tuple[float, float | None]:
    """Seconds from exec to the "window shown" line, and the app's own figure (after Python started)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    shown, inner = None, None
    for line in proc.stdout:
        m = re.search(r"window shown after ([0-9.]+) s", line)
        if m:
            shown, inner = time.perf_counter() - t0, float(m.group(1))
            break
    proc.stdout.read()
    if proc.wait() != 0 or shown is None:
        sys.exit(f"measure_startup: {' '.join(cmd)} failed (exit {proc.returncode}) or never showed its window")
    return shown, inner


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cold", action="store_true", help="drop the page cache before every launch")
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="the command after --")
    args = p.parse_args()
    cmd = [c for c in args.cmd if c != "--"] or [".venv/bin/kmeans-gui"]
    if not any("--exit-when-shown" in c for c in cmd):
        cmd.append("--exit-when-shown")
    if not args.cold:
        launch(cmd)  # one unmeasured start fills the page cache
    totals, inners = [], []
    for _ in range(args.runs):
        if args.cold and not drop_caches():
            sys.exit("measure_startup: --cold needs root (writes /proc/sys/vm/drop_caches)")
        total, inner = launch(cmd)
        totals.append(total)
        inners.append(inner)
    kind = "cold" if args.cold else "warm"
    print(f"{kind} x{args.runs}: {' '.join(cmd)}")
    print(f"  launch -> window shown: median {statistics.median(totals):.2f} s "
          f"(min {min(totals):.2f}, max {max(totals):.2f})")
    print(f"  of which after Python started: median {statistics.median(inners):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
