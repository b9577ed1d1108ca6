"""Compress Files (a dialog, or several files / a folder dropped): progress, cancel, summary.

The work is ``core.pipeline.compress_file`` per file, in the writer thread. The summary speaks
of what the window offers (never of command-line flags) and lists every file that was not
written, including those skipped because the result would be larger than the original.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QProgressDialog

from core.pipeline import CompressResult, human_bytes

from . import dialogs, settings_store
from .batch import collect_images
from .jobs import BatchDone

if TYPE_CHECKING:
    from .main_window import MainWindow


def summary_text(results: tuple[CompressResult, ...] | list[CompressResult]) -> str:
    """Totals first (computed over what was written), then one line per file not written."""
    written = [r for r in results if r.written]
    larger = [r for r in results if not r.written and not r.error]
    failed = [r for r in results if r.error]
    before = sum(r.bytes_in or 0 for r in written)
    after = sum(r.bytes_out or 0 for r in written)
    ratio = f" ({before / after:.2f}x smaller)" if after and before > after else ""
    lines = [f"{len(written)} of {len(results)} images written: {human_bytes(before)} -> {human_bytes(after)}{ratio}"]
    grew = [r for r in written if r.bytes_in and r.bytes_out and r.bytes_out >= r.bytes_in]
    if grew:
        lines.append(f"{len(grew)} written files are larger than their originals:")
        lines += [f"  {Path(r.input).name}: {human_bytes(r.bytes_in)} -> {human_bytes(r.bytes_out)}" for r in grew]
    if larger:
        lines.append(f"{len(larger)} skipped because the result would be larger than the original:")
        lines += [f"  {Path(r.input).name}: {human_bytes(r.bytes_out)} vs {human_bytes(r.bytes_in)}" for r in larger]
    if failed:
        lines.append(f"{len(failed)} failed:")
        lines += [f"  {Path(r.input).name}: {gui_words(r.error or '')}" for r in failed]
    return "\n".join(lines)


def gui_words(message: str) -> str:
    """A core message with command-line advice replaced by what the window offers."""
    return (message.replace(" (use --force to replace it)", " (choose another folder, or move the old file)")
            .replace(" (use --force to make it again)", " (choose another folder, or move the old file)")
            .replace("; choose other names (-o, --suffix, -r)", "; rename one of them, or compress them one by one")
            .replace("--force", "another output folder"))


class BatchUI(QObject):
    """Runs a batch for the window and shows its progress dialog and summary."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.dialog: QProgressDialog | None = None
        self.last_results: tuple[CompressResult, ...] = ()
        self.ignored = ""  # the running batch's line about files that were not images
        win.controller.batchFinished.connect(self._done)
        win.controller.batchProgress.connect(self.progress)
        win.controller.batchCancelled.connect(self._cancelled)

    def choose_and_run(self) -> None:
        paths = dialogs.ask_open_paths(self.win, settings_store.text_value(self.win.settings, "lastFolder", str(Path.home())))
        if paths:
            self.run(paths)

    def run(self, paths: list[Path]) -> None:
        win = self.win
        if self.dialog is not None:
            win.show_error("A batch is already running: wait for it or cancel it first")
            return
        files, ignored = collect_images([Path(p) for p in paths])
        if not files:
            win.show_error("No image files found in what was dropped" + (f"; {ignored}" if ignored else ""))
            return
        choice = win._ask_batch_destination(len(files))
        if choice is None:
            win._notify("Compress Files cancelled")
            return
        options = replace(win.controller.options, skip_if_larger=win.act_batch_never_larger.isChecked())
        self.ignored = ignored
        self.dialog = QProgressDialog(f"Compressing {len(files)} images…", "Cancel", 0, 100, win)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(win.controller.cancel_batch)  # the batch only, not the user's saves
        self.dialog.show()
        win.controller.run_batch(files, choice if isinstance(choice, Path) else None, options)

    def progress(self, fraction: float, stage: str) -> None:
        dialog = self.dialog  # setValue may process events that finish the batch
        if dialog is not None:
            dialog.setLabelText(f"Compressing… {stage}")
            dialog.setValue(min(99, int(fraction * 100)))

    def _close_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.canceled.disconnect()
            dialog.close()
            dialog.deleteLater()

    @Slot(object)
    def _done(self, out: BatchDone) -> None:
        self._close_dialog()
        self.last_results = out.results
        self.win.last_batch = list(out.results)
        text = summary_text(out.results) + (f"\n{self.ignored}" if self.ignored else "")
        if out.cancelled:
            left = max(0, out.planned - len(out.results))
            files = "1 file" if left == 1 else f"{left} files"
            text = f"Cancelled: {files} not started, left alone.\n" + text
        self.win._show_summary(text)

    @Slot()
    def _cancelled(self) -> None:
        self._close_dialog()
        self.win._notify("Compress Files cancelled: files already written are kept")
