"""``kmeans-compress``: K-means color quantization from the command line (no Qt imported).

Exit codes: 0 every input done (a quality target that was not reached is noted, not an
error), 1 some inputs failed or were refused (one ``path: reason`` line each on stderr, names
with control characters escaped; also nothing fitting ``--max-bytes``), 2 bad usage (one line,
before any work), 99 the only failures were results below the PSNR floor of ``--quality
MIN-MAX`` or ``--min-quality`` (not written, as pngquant), 98 nothing failed but
``--skip-if-larger`` left some results unwritten (as pngquant; with ``-o -`` nothing reached
stdout), 130 interrupted.
A traceback never reaches the user. Every write goes through :mod:`core.write_guard`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

from core import __version__
from core.batch import Collected, collect, make_plan, other_files_line, run_plan, same_file_line
from core.io import SAVE_FORMATS, SaveError, format_for_path
from core.palette import EXPORT_FORMATS, export_format_for
from core.pipeline import STDIO, CompressOptions, CompressResult, human_bytes, summarize
from core.write_guard import describe_os_error, printable

from . import cli_args
from .cli_args import number as _number


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not the whole usage text
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _quality(text: str) -> tuple[float | None, float]:
    """``35``, ``35dB`` -> (None, 35.0); ``30-40dB`` -> (30.0, 40.0): pngquant's min-max, where
    max is the target and a result below min is not written (exit 99)."""
    low, dash, high = text.partition("-") if re.match(r"\s*[0-9.]+\s*(?:db)?\s*-", text, re.I) else ("", "", text)
    top = _number(high, "the PSNR target", 0, 100, r"(?:db)?")
    floor = _number(low, "the PSNR minimum", 0, 100, r"(?:db)?") if dash else None
    if floor is not None and floor > top:
        raise argparse.ArgumentTypeError(f"the minimum {floor:g} is above the target {top:g}")
    return floor, top


def _delta_e(text: str) -> float:
    return _number(text, "the mean deltaE target", 0, 100)


def _whole(name: str, lo: int, hi: int | None = None):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, not {text!r}") from None
        if v < lo or (hi is not None and v > hi):
            span = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            raise argparse.ArgumentTypeError(f"{name} must be {span}, not {v}")
        return v
    return parse


def _path(text: str) -> Path:
    """A file or folder name; an empty one (``""``) is refused, not taken for the current folder."""
    if not text:
        raise argparse.ArgumentTypeError("an empty name is not a file or folder")
    return Path(text)


def _file_path(text: str) -> Path:
    """A file name for ``-o``: one ending in a slash names a folder (Path would drop the slash)."""
    if text != STDIO and text.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"{printable(text)} ends with a slash, which names a folder; "
                                         "give a file name, or use --out-dir")
    return _path(text)


def _input_name(text: str) -> str:
    _path(text)
    return text


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="kmeans-compress",
        description="Compress images by K-means color quantization into indexed PNG (or GIF, WebP, BMP, TIFF;\n"
                    "--format png24 and jpeg write full color).",
        epilog="Examples:\n  kmeans-compress photo.jpg -k 16 -o small.png\n"
               "  kmeans-compress -r shots/ --out-dir small/ -k 32 --dither fs -j 4\n"
               "  kmeans-compress photo.jpg --quality 35dB --json\n"
               "  kmeans-compress photo.jpg --max-bytes 200KB --min-quality 30dB\n"
               "  kmeans-compress logo.png --lock \"#ff0000,#ffffff\" -k 8\n"
               "  kmeans-compress sprite.png --palette pico-8.hex --dither fs --dither-strength 0.5\n"
               "  kmeans-compress - < in.png > out.png\n"
               "  kmeans-compress -- -weird-name.png\n"
               "Exit codes: 0 done, 1 some files failed or were refused (or nothing fits --max-bytes), 2 bad usage,\n"
               "98 some results not written by --skip-if-larger (not smaller than the original),\n"
               "99 below the PSNR minimum of --quality MIN-MAX or --min-quality (nothing written),\n"
               "130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung up (SIGHUP).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", type=_input_name, help="image files or folders; - reads standard input")
    # Clustering flags default to None: --preset fills what was not given (cli_args.resolve_settings).
    p.add_argument("-k", "--colors", dest="k", type=_whole("K", 1, 256), help="palette size K, 1..256 (default 16)")
    p.add_argument("--seed", type=_whole("the seed", 0), help="random seed >= 0 (default 0); same seed, same output")
    p.add_argument("--preset", metavar="NAME", help="start from a named preset (built-in or saved); flags given win")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", type=_file_path, help="output file (single input only); - writes standard output")
    where.add_argument("--out-dir", type=_path, help="folder for the outputs (created if missing; -r mirrors the tree)")
    p.add_argument("--format", choices=sorted(SAVE_FORMATS), help="output format (default: from -o, else png)")
    p.add_argument("--color-space", choices=["rgb", "oklab"], help="clustering space (default rgb)")
    p.add_argument("--dither", choices=["none", "fs", "ordered"], help="dithering (default none)")
    p.add_argument("--dither-strength", type=cli_args.strength, metavar="S",
                   help="dithering strength 0..1 or 0-100%% (default 1; alone it turns on --dither fs)")
    p.add_argument("--dither-flat", type=cli_args.levels, metavar="LEVELS",
                   help="leave flat areas undithered: no error diffused where a pixel's 5x5 neighborhood "
                        "spans at most LEVELS (0 = perfectly flat areas only; 2 also smooth gradients)")
    p.add_argument("--init", choices=["k-means++", "random"], help="initialization")
    colors = p.add_mutually_exclusive_group()
    colors.add_argument("--lock", type=cli_args.colors, metavar="COLORS",
                        help='colors kept exactly in the palette, counted in K, e.g. "#ff0000,#ffffff"')
    colors.add_argument("--palette", type=_path, metavar="FILE",
                        help="map to this palette file's colors, K-means off (-k ignored); "
                             ".gpl .ase .aco .act .pal .txt .hex or a swatch .png")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--quality", type=_quality, metavar="DB",
                        help="choose the smallest K reaching this PSNR, e.g. 35dB (overrides -k); "
                             "MIN-MAX (30-40dB) also writes nothing below MIN (exit 99)")
    target.add_argument("--max-delta-e", type=_delta_e, metavar="DE",
                        help="choose the smallest K whose mean deltaE is at most DE (overrides -k)")
    target.add_argument("--max-bytes", type=cli_args.byte_size, metavar="SIZE",
                        help="the best K (dithering off/on) whose PNG fits, e.g. 200KB, 1.5MB, 64KiB; "
                             "exit 1 if nothing fits")
    p.add_argument("--min-quality", type=cli_args.min_quality, metavar="DB",
                   help="write nothing below this PSNR, e.g. 30dB (exit 99, as --quality MIN-MAX)")
    p.add_argument("--palette-out", type=_path, metavar="FILE",
                   help="also write the palette (format from the extension: "
                        + " ".join(sorted(EXPORT_FORMATS.values())) + "); single input only")
    p.add_argument("--palette-format", choices=sorted(EXPORT_FORMATS),
                   help="write the palette next to each output in this format")
    p.add_argument("--suffix", help="output name suffix (default -k<K>, the K used); --suffix -small works")
    p.add_argument("-r", "--recursive", action="store_true", help="look into sub-folders of folder inputs")
    p.add_argument("-j", "--jobs", type=_whole("the number of jobs", 1), default=os.cpu_count() or 1,
                   help="files compressed at once, in worker processes (default: all cores)")
    p.add_argument("--dry-run", action="store_true", help="print what would be written or refused; do nothing")
    p.add_argument("--skip-if-larger", action="store_true", help="write nothing when the result is not smaller")
    p.add_argument("--effort", choices=["smallest", "fast"], default="smallest",
                   help="PNG encoding: smallest file (default) or fast (larger, for big batches of previews)")
    p.add_argument("--keep-metadata", action="store_true", help="keep EXIF metadata (stripped by default)")
    force = p.add_mutually_exclusive_group()
    force.add_argument("--force", action="store_true", help="replace existing output files (never an input)")
    force.add_argument("--skip-existing", action="store_true",
                       help="inputs whose output exists are skipped, not failures (idempotent reruns)")
    p.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on stderr")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def _join_dash_values(argv: list[str]) -> list[str]:
    """``--suffix -small`` -> ``--suffix=-small`` (argparse would take ``-small`` for an option)."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--":
            return out + argv[i:]
        if argv[i] == "--suffix" and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append("--suffix=" + argv[i + 1])
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


class Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled and total > 1 and sys.stderr.isatty()

    def show(self, done: int, name: str) -> None:
        if not self.enabled:
            return
        width = 24
        filled = int(width * done / self.total)
        sys.stderr.write(f"\r[{'#' * filled}{'-' * (width - filled)}] {done}/{self.total} {printable(name)[:40]:<40}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 80 + "\r")


def _describe(r: CompressResult) -> str:
    src = printable(r.input)
    if not r.written:
        return f"{src}: skipped, {printable('; '.join(r.notes[-1:]))}"
    ratio = f"{r.bytes_in / r.bytes_out:.2f}x" if r.bytes_in and r.bytes_out else "?"
    sampled = " (every 2nd pixel)" if (r.ssim_step or 1) > 1 else ""
    ssim = f", SSIM {r.ssim:.3f}{sampled}" if r.ssim is not None else ""
    sizes = f"{human_bytes(r.bytes_in)} -> {human_bytes(r.bytes_out)} ({ratio})"
    if r.psnr is None or r.delta_e is None:  # found written after a stop: no figures
        line = f"{src} -> {printable(r.output)}: {sizes}"
    else:
        colors = "1 color" if r.colors == 1 else f"{r.colors} colors"
        line = (f"{src} -> {printable(r.output)}: {colors}, {sizes}, PSNR {r.psnr:.1f} dB{ssim}, "
                f"deltaE {r.delta_e:.2f}")
    if r.palette:
        line += f", palette {printable(r.palette)}"
    if r.grew:
        line += " (larger than the original)"
    if r.target_met is False:
        line += f" (quality target not reached; best is K = {r.k})"
    return "\n".join([line, *(f"  note: {printable(n)}" for n in r.notes)])


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace, n_inputs: int) -> None:
    if args.output is not None and n_inputs > 1:
        parser.error("-o/--output takes a single input; use --out-dir for several")
    if args.output is not None and str(args.output) != STDIO and not args.format and not os.path.isdir(args.output):
        try:
            format_for_path(args.output)
        except SaveError as e:
            parser.error(f"-o {e}")
    if args.palette_out is not None and n_inputs > 1:
        parser.error("--palette-out takes a single input; use --palette-format for several")
    if args.palette_out is not None:
        try:
            named = export_format_for(args.palette_out)
        except ValueError as e:
            parser.error(f"--palette-out {printable(str(e))}")
        if args.palette_format is not None and args.palette_format != named:
            parser.error(f"--palette-out {printable(args.palette_out.name)} is a {named} file but --palette-format "
                         f"says {args.palette_format}; give one of them")
    image_ext = SAVE_FORMATS.get(args.format or "png")
    if args.palette_format is not None and args.output is None and "." + args.palette_format == image_ext:
        parser.error(f"--palette-format {args.palette_format} would write the palette over the image "
                     f"(both {image_ext}); choose another palette format")
    if args.suffix is not None and any(sep in args.suffix for sep in ("/", "\\", "\0")):
        parser.error("--suffix is part of a file name: it cannot contain / or \\")
    if args.inputs.count(STDIO) > 1:
        parser.error("standard input (-) can be read only once")
    if STDIO in args.inputs and args.output is None and args.out_dir is not None:
        parser.error("standard input (-) has no file name to write into --out-dir; name the output with -o FILE")
    to_stdout = str(args.output) == STDIO or (args.output is None and STDIO in args.inputs)
    if to_stdout and args.json:  # -o -, or standard input without -o: the image goes to stdout
        parser.error("--json and the image would both go to standard output; use -o FILE")
    if STDIO in args.inputs and sys.stdin is None:
        parser.error("standard input is closed; give an image file, or pipe one in")
    if STDIO in args.inputs and sys.stdin.isatty():
        parser.error("refusing to read an image from the terminal; pipe one in (< photo.png) or give its name")
    if args.json and sys.stdout is None:
        parser.error("standard output is closed: --json has nowhere to go")
    if to_stdout and sys.stdout is None:
        parser.error("standard output is closed; use -o FILE")
    if to_stdout and sys.stdout.isatty():
        parser.error("refusing to write an image to the terminal; redirect standard output or use -o FILE")
    if to_stdout and (args.palette_out is not None or args.palette_format is not None):
        parser.error("the palette is written beside the image file: with the image on standard output, "
                     "use -o FILE")


def _prepare_out_dir(args: argparse.Namespace) -> str | None:
    """Create ``--out-dir`` (not in a dry run); a one-line reason when that is impossible."""
    d = args.out_dir
    if d is None:
        return None
    if os.path.lexists(d) and not os.path.isdir(d):
        return f"--out-dir {printable(d)}: is a file, not a folder"
    if args.dry_run or os.path.isdir(d):
        return None
    folder = d
    while not os.path.lexists(folder) and folder != folder.parent:
        args.made_folders.append(folder)  # deepest first
        folder = folder.parent
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        _remove_empty_folders(args.made_folders)
        return f"--out-dir {printable(d)}: cannot create the folder ({describe_os_error(e)})"
    return None


def _remove_empty_folders(folders: list[Path]) -> None:
    """Remove the folders this run made (deepest first) when nothing is left in them, empty
    subfolders included (``-r`` mirrors the tree): a run that wrote nothing (a full disk,
    Ctrl-C) leaves no empty --out-dir behind."""
    for folder in folders:
        try:
            for root, _dirs, _files in os.walk(folder, topdown=False):
                os.rmdir(root)
        except OSError:  # something was written there (or it is gone already): it stays
            continue


def run(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_join_dash_values(list(sys.argv[1:] if argv is None else argv)))
    cli_args.resolve_settings(parser, args)
    notes = cli_args.check_features(parser, args)
    collected = collect(args.inputs, args.recursive)
    if not collected.items and collected.ours:
        print(f"kmeans-compress: nothing to compress: the {len(collected.ours)} images found are our own outputs",
              file=sys.stderr)
        return 0
    if not collected.items:
        others = f"; {other_files_line(collected.other)}" if collected.other else ""
        parser.error(f"no image files found in the given folders{others}")
    _check_usage(parser, args, len(collected.items))
    args.made_folders = []
    problem = _prepare_out_dir(args)
    if problem:
        print(f"kmeans-compress: {problem}", file=sys.stderr)
        return 1
    try:
        return _run_into(args, collected, notes)
    finally:
        _remove_empty_folders(args.made_folders)


def _run_into(args: argparse.Namespace, collected: Collected, notes: list[str]) -> int:
    """The run once its --out-dir exists: plan, compress, report; returns the exit code."""
    if notes and not args.quiet:  # after every usage check: a refused run prints one line
        print("\n".join(f"kmeans-compress: note: {printable(n)}" for n in notes), file=sys.stderr)
    if collected.same and not args.quiet and not args.dry_run:  # (a dry run lists them itself)
        print("\n".join(same_file_line(p, first) for p, first in collected.same), file=sys.stderr)
    if collected.other and not args.quiet and not args.dry_run:
        print(f"kmeans-compress: note: {other_files_line(collected.other)}", file=sys.stderr)
    options = CompressOptions(
        k=args.k, seed=args.seed, color_space=args.color_space, dither=args.dither, init=args.init,
        n_init=args.n_init, dither_strength=args.dither_strength, dither_flat=args.dither_flat,
        fixed=args.lock or (),
        palette=args.palette_colors, max_bytes=args.max_bytes,
        fit_dithers=(args.dither,) if args.dither_chosen else ("none", "fs"),
        format=args.format, skip_if_larger=args.skip_if_larger, overwrite=args.force,
        skip_existing=args.skip_existing,
        keep_metadata=args.keep_metadata, suffix=args.suffix,
        target_psnr=args.quality[1] if args.quality else None,
        min_psnr=args.quality[0] if args.quality and args.quality[0] is not None else args.min_quality,
        target_delta_e=args.max_delta_e, effort=args.effort,
    )
    plan = make_plan(collected, options, output=args.output, out_dir=args.out_dir,
                     palette_out=args.palette_out, palette_format=args.palette_format,
                     read_too=(args.palette,) if args.palette is not None else ())
    if args.dry_run:
        _out("\n".join(plan.lines()))
        return 0 if len(plan.runnable) == len(plan.jobs) else 1
    t0 = time.perf_counter()
    chatty = not args.quiet and not args.json
    progress = Progress(len(plan.jobs), chatty)
    finished = 0

    def report(_i: int, res: CompressResult) -> None:
        nonlocal finished
        finished += 1
        progress.close()
        if res.written and chatty:
            print(_describe(res), file=sys.stderr)
        if res.error:
            print(f"{printable(res.input)}: {printable(res.error)}", file=sys.stderr)
        elif not res.written and chatty:
            print(_describe(res), file=sys.stderr)
        progress.show(finished, Path(res.input).name)

    results = run_plan(plan, options, jobs=args.jobs, on_result=report, hurry=_repeated_stop,
                       stdin=sys.stdin.buffer if sys.stdin is not None else None,
                       stdout=sys.stdout.buffer if sys.stdout is not None else None)
    progress.close()
    if args.json:
        payload = [r.to_json() for r in results]
        _out(json.dumps(payload[0] if len(payload) == 1 else payload))  # one line: JSON Lines friendly
    elif not args.quiet and len(results) > 1:
        print(summarize(results, time.perf_counter() - t0), file=sys.stderr)
        for r in results:
            if r.grew:
                print(f"  grew: {printable(r.input)} ({human_bytes(r.bytes_in)} -> {human_bytes(r.bytes_out)})",
                      file=sys.stderr)
    failed = [r for r in results if r.error]
    if failed and all(r.below_min_quality for r in failed):
        return 99  # as pngquant: only quality floors were missed
    if failed:
        return 1
    return 98 if any(r.not_smaller for r in results) else 0  # as pngquant: --skip-if-larger skipped some


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the process is: the same clean-up as Ctrl-C (temp files
    removed, batch workers stopped), then exit 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: Stop signals received so far in this process (only the first one raises).
_signals_received = 0


def _raise_for_signal(signum: int, _frame) -> None:
    """The first stop signal raises where the process is: Ctrl-C KeyboardInterrupt, SIGTERM and
    SIGHUP :class:`Terminated`. Later ones only count (:func:`_repeated_stop` tells a batch to
    cut its grace short), so they can never interrupt the clean-up or print a traceback."""
    global _signals_received
    _signals_received += 1
    if _signals_received > 1:
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _repeated_stop() -> bool:
    """True once a second stop signal has arrived (the user insists: stop the workers now)."""
    return _signals_received > 1


#: The signals that stop a run (those this platform has).
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


def _on_stop_signals() -> dict[int, object]:
    """Route SIGINT, SIGTERM and SIGHUP through :func:`_raise_for_signal` (the default for
    SIGTERM would end the process without any clean-up: a temp file left beside the output,
    batch workers orphaned); returns the handlers they replace. A signal ignored by the parent
    (Ctrl-C for a shell's background job, SIGHUP under nohup) stays ignored."""
    global _signals_received
    _signals_received = 0
    previous: dict[int, object] = {}
    for sig in STOP_SIGNALS:
        try:
            old = signal.getsignal(sig)
            if old == signal.SIG_IGN:  # a background job's Ctrl-C, nohup's SIGHUP: stays ignored
                continue
            signal.signal(sig, _raise_for_signal)
            previous[sig] = old
        except ValueError:  # not the main thread (an embedding caller): keep the defaults
            break
    return previous


def _restore_signals(previous: dict[int, object]) -> None:
    for sig, handler in previous.items():
        try:
            signal.signal(sig, handler)  # type: ignore[arg-type]
        except (ValueError, TypeError):
            pass


class StdoutFailed(Exception):
    """Standard output refused the dry-run listing or the JSON (a full disk, /dev/full)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(describe_os_error(error))


def _out(text: str) -> None:
    """One line of the run's product (dry-run listing, JSON) on stdout, flushed at once so a
    failure is known here and said in one line, not an internal error at exit."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        raise
    except OSError as e:
        raise StdoutFailed(e) from None


class _ForgivingStream:
    """stderr that drops what it cannot write (``2>/dev/full``, a closed pipe): a message that
    cannot be shown must not turn a run whose files are written into a failure."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _to_devnull(stream) -> None:
    """Point ``stream``'s descriptor at /dev/null, so the interpreter's last flush cannot fail."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _fill_closed_std_streams() -> None:
    """Put /dev/null on a closed descriptor 0, 1 or 2 (``>&-``), so no file this run opens takes
    its number and receives text meant for it; without stderr, messages go to /dev/null, never
    into the image or JSON on stdout (``print(file=None)`` would write to stdout)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (default: the process's arguments) and return its exit
    code; the signal handlers it sets are put back on return (callable from Python)."""
    previous = _on_stop_signals()
    try:
        return _main(argv)
    finally:
        _restore_signals(previous)


def entry() -> None:
    """The ``kmeans-compress`` command. Unlike :func:`main` it leaves its signal handling in
    place to the end: after a stop, further signals only count while the interpreter waits for
    the pool's threads to finish their chunk, so a second Ctrl-C cannot print a traceback."""
    _on_stop_signals()
    sys.exit(_main(None))


def _main(argv: list[str] | None) -> int:
    _fill_closed_std_streams()
    stderr = sys.stderr
    sys.stderr = _ForgivingStream(stderr)
    try:
        return _run_reporting(argv)
    finally:
        sys.stderr.flush()
        sys.stderr = stderr


def _run_reporting(argv: list[str] | None) -> int:
    """:func:`run`, with every way it can stop turned into an exit code and at most one line."""
    try:
        return run(argv)
    except StdoutFailed as e:
        print(f"kmeans-compress: standard output: could not write ({e})", file=sys.stderr)
        _to_devnull(sys.stdout)  # the unflushed rest goes nowhere
        return 1
    except Terminated as e:
        print("kmeans-compress: terminated", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        print("kmeans-compress: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _to_devnull(sys.stdout)
        return 1
    except SystemExit as e:  # argparse: usage errors exit 2, --help exits 0
        return int(e.code or 0) if isinstance(e.code, int) else 2
    except Exception as e:  # noqa: BLE001 - never a traceback in the user's face
        print(f"kmeans-compress: internal error: {printable(e)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    entry()
