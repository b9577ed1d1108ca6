"""The GUI batch's entry to the shared batch code (:mod:`core.batch`): plan, then run.

Same planning and guard as the command line: collisions, outputs that are inputs, existing
outputs and our own outputs are found before any work, and each refusal is one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from core.batch import Plan, collect, make_plan, other_files_line, run_plan
from core.pipeline import CompressOptions, CompressResult


def collect_images(paths: list[Path]) -> tuple[list[Path], str]:
    """Dropped files and folders -> the image files to compress (folders not recursed), and a
    line about the other files the folders held ("" if none), for the summary. What cannot be
    read (a broken link, a folder that cannot be listed) stays in the list: the batch reports it."""
    found = collect([str(p) for p in paths])
    files = [item.path for item in found.items]
    return files, other_files_line(found.other) if found.other else ""


def plan_batch(paths: list[Path], options: CompressOptions, out_dir: Path | None = None,
               recursive: bool = False) -> Plan:
    """What a batch would write and refuse, before any work (``Plan.lines()`` describes it).
    Two inputs that would share an output name (``photo.png``, ``photo.jpg``) both get one."""
    return make_plan(collect([str(p) for p in paths], recursive), options, out_dir=out_dir, rename_twins=True)


def run_batch(plan: Plan, options: CompressOptions, *, jobs: int | None = None,
              on_result: Callable[[int, CompressResult], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> list[CompressResult]:
    """Run a planned batch in worker processes (all cores by default); call from a worker
    thread, never the GUI thread. ``on_result`` is called in this thread as files finish."""
    return run_plan(plan, options, jobs=jobs or os.cpu_count() or 1, on_result=on_result, should_stop=should_stop)
