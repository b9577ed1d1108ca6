"""Many files: collect, plan every write before any work, then run in worker processes.

Shared by the command line and the GUI batch (Qt-free). The plan finds, before a single image
is decoded: outputs that collide within the run (two inputs mapping to one output, an image
and its palette on one file), outputs that are inputs, outputs that exist (without
``--force``) and inputs that are our own outputs (recognized by their marker, not their name).
A ``--dry-run`` prints it. With ``-r`` and an output folder, the input tree is mirrored, so
``shots/copy.png`` and ``shots/sub/copy.png`` never collide.

Workers are processes, each quantizing with one thread (``KMEANS_THREADS=1``), so N workers do
not oversubscribe the cores; each decodes one image at a time, so at most N images are in
memory. Results do not depend on the number of workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .encode import SaveError, format_for_path
from .k_named import KNamedFiles
from .load import IMAGE_EXTENSIONS, ImageLoadError, check_readable
from .pipeline import STDIO, CompressOptions, CompressResult, compress_file, default_output
from .pngchunks import is_our_output
from .write_guard import describe_os_error, file_key, printable


@dataclass(frozen=True)
class Item:
    path: Path
    subdir: Path = Path(".")  # folder relative to the folder input it was found in (for -r)
    refusal: str | None = None  # a folder that could not be listed, a broken link: reported, never skipped silently


@dataclass
class Collected:
    items: list[Item]
    ours: list[Path] = field(default_factory=list)  # our own outputs, skipped
    same: list[tuple[Path, Path]] = field(default_factory=list)  # (name, first name) of one file named twice
    other: list[Path] = field(default_factory=list)  # files in a folder that are not an image type we read


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def collect(inputs: list[str | Path], recursive: bool = False) -> Collected:
    """Files as given (and ``-``); folders expanded to the images inside, skipping hidden
    files and folders and our own outputs (by marker)."""
    found = Collected([])
    seen: dict[tuple, Path] = {}

    def add(item: Item) -> None:
        key = ("stdin",) if str(item.path) == STDIO else file_key(item.path)
        if key not in seen:  # the same file named twice (or hard-linked) is compressed once
            seen[key] = item.path
            found.items.append(item)
        elif os.path.abspath(item.path) != os.path.abspath(seen[key]):  # another name: say so
            found.same.append((item.path, seen[key]))

    for raw in inputs:
        path = Path(raw)
        if str(raw) == STDIO or not os.path.isdir(path):
            add(Item(Path(STDIO) if str(raw) == STDIO else path))
            continue
        unlisted: list[tuple[Path, OSError]] = []
        for p in _files_in(path, recursive, unlisted):
            rel = p.relative_to(path)
            if _hidden(rel):
                continue
            if os.path.islink(p) and not os.path.exists(p) and p.suffix.lower() in IMAGE_EXTENSIONS:
                found.items.append(Item(p, rel.parent, refusal="a broken link (what it points to does not exist)"))
                continue
            if not os.path.isfile(p):
                continue
            if p.suffix.lower() not in IMAGE_EXTENSIONS:  # said in one line, never silently dropped
                found.other.append(p)
                continue
            if is_our_output(p):
                found.ours.append(p)
            else:
                add(Item(p, rel.parent))
        for folder, err in unlisted:
            found.items.append(Item(folder, refusal=f"cannot list this folder ({describe_os_error(err)})"))
    return found


def other_files_line(paths: list[Path]) -> str:
    """One line for the files a folder held that are not an image type this app reads."""
    exts = sorted({p.suffix.lower() or "(no extension)" for p in paths})
    shown = ", ".join(exts[:6]) + (", ..." if len(exts) > 6 else "")
    files = "1 other file" if len(paths) == 1 else f"{len(paths)} other files"
    return f"{files} ignored (not an image type this app reads: {shown})"


def _files_in(folder: Path, recursive: bool, unlisted: list[tuple[Path, OSError]]) -> list[Path]:
    """The files in ``folder`` (and below it with ``recursive``, hidden folders pruned, folder
    symlinks not followed), sorted; each folder that cannot be listed goes to ``unlisted``."""
    if not recursive:
        try:
            return sorted(folder.iterdir())
        except OSError as e:
            unlisted.append((folder, e))
            return []

    def failed(e: OSError) -> None:
        unlisted.append((Path(e.filename) if e.filename else folder, e))

    files: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=failed):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files += [Path(root) / n for n in names]
    return sorted(files)


@dataclass
class Job:
    input: Path
    output: Path | None  # None: named after the work (a quality target chooses K); "-": stdout
    folder: Path | None  # where a named-after-the-work output goes (None: beside the input)
    palette: Path | None = None
    palette_format: str | None = None  # for an output named after the work: beside it, once named
    refusal: str | None = None  # a failure known before any work
    skip: str | None = None  # nothing to do (the output exists and --skip-existing was given)
    single: bool = False  # -o FILE (or -o -): the run's only job, so its folders are its own


@dataclass
class Plan:
    jobs: list[Job]
    ours: list[Path] = field(default_factory=list)
    same: list[tuple[Path, Path]] = field(default_factory=list)  # see Collected.same
    other: list[Path] = field(default_factory=list)  # see Collected.other

    @property
    def runnable(self) -> list[Job]:
        return [j for j in self.jobs if j.refusal is None and j.skip is None]

    def lines(self) -> list[str]:
        """The dry-run text: one line per input, then the totals."""
        out = []
        for j in self.jobs:
            dest = "(named with the chosen K)" if j.output is None else ("stdout" if str(j.output) == STDIO else j.output)
            pal = f" + {printable(j.palette)}" if j.palette else ""
            if j.refusal or j.skip:
                out.append(f"{printable(j.input)}: {'refused: ' + j.refusal if j.refusal else 'skipped: ' + j.skip}")
            else:
                out.append(f"{printable(j.input)}: would write {printable(dest)}{pal}")
        out += [f"{printable(p)}: skipped, one of our outputs" for p in self.ours]
        out += [same_file_line(p, first) for p, first in self.same]
        out += [other_files_line(self.other)] if self.other else []
        refused = sum(1 for j in self.jobs if j.refusal)
        skipped = sum(1 for j in self.jobs if j.skip and not j.refusal)
        out.append(f"{len(self.runnable)} to compress, {refused} refused, "
                   + (f"{skipped} already done, " if skipped else "") + f"{len(self.ours)} of our outputs skipped")
        return out


def same_file_line(path: Path, first: Path) -> str:
    """What is said of an input that is another name (a hard link) for an earlier one."""
    return f"{printable(path)}: skipped, the same file as {printable(first)} (compressed once)"


def _existing_targets(folder: Path, stem: str, ext: str, names: KNamedFiles) -> list[Path]:
    """Our outputs of an earlier run with a quality target (``stem-k<K>``, K unknown in advance)."""
    return [p for p in names.find(folder, stem, ext) if is_our_output(p)]


def make_plan(collected: Collected, options: CompressOptions, *, output: Path | None = None,
              out_dir: Path | None = None, palette_out: Path | None = None,
              palette_format: str | None = None, read_too: tuple[Path, ...] = (),
              rename_twins: bool = False) -> Plan:
    """Decide every destination and every refusal before any work. ``read_too``: other files
    the run reads (a ``--palette`` file), never written over either, ``--force`` or not.
    ``rename_twins`` (the window, which has no ``-o`` or ``--suffix``): inputs whose default
    outputs would collide (``photo.png`` and ``photo.jpg``) after the first get their type in
    the name (``photo-jpg-k16.png``) instead of a refusal."""
    from .palette import export_format_for

    plan = Plan([], list(collected.ours), list(collected.same), list(collected.other))
    named: set[tuple] = set()
    for item in collected.items:
        if item.refusal is not None:  # a folder that could not be listed
            plan.jobs.append(Job(item.path, None, None, refusal=item.refusal))
            continue
        folder = out_dir / item.subdir if out_dir is not None else None
        stdin = str(item.path) == STDIO
        if output is not None:
            out = Path(output)
        elif stdin:
            out = Path(STDIO)
        else:
            named_after_work = options.chooses_k and options.suffix is None  # "-k<chosen K>"
            out = None if named_after_work else default_output(item.path, options, folder)
            if rename_twins and out is not None:
                if file_key(out) in named and item.path.suffix:
                    twin = item.path.with_name(f"{item.path.stem}-{item.path.suffix[1:].lower()}{item.path.suffix}")
                    out = default_output(twin, options, folder)
                named.add(file_key(out))
        job = Job(item.path, out, folder if folder is not None else (None if stdin else item.path.parent),
                  single=output is not None)
        if palette_out is not None:
            job.palette = Path(palette_out)
        elif palette_format and out is not None and str(out) != STDIO:
            job.palette = out.with_suffix("." + palette_format)
        elif palette_format and out is None:
            job.palette_format = palette_format
        try:
            if not stdin:
                check_readable(item.path)  # missing, empty, unreadable: known before any work
            if out is not None and os.path.isdir(out):
                raise ValueError(f"{printable(out)} is a folder; give a file name, or use --out-dir")
            if out is not None and str(out) != STDIO:
                format_for_path(out, options.format)
            if job.palette is not None:
                export_format_for(job.palette)
        except ImageLoadError as e:
            job.refusal = str(e).removeprefix(item.path.name + ": ")
        except (SaveError, ValueError) as e:
            job.refusal = str(e)
        plan.jobs.append(job)
    _refuse_conflicts(plan, options, read_too)
    return plan


def _dests(job: Job, options: CompressOptions) -> list[tuple[tuple, Path]]:
    """(key, path) for each file the job writes; a target-mode output is keyed by its name pattern."""
    out: list[tuple[tuple, Path]] = []
    if job.output is None and job.folder is not None:
        ext = os.path.splitext(default_output(job.input, options, job.folder).name)[1]
        out.append((("pattern", os.path.realpath(job.folder), job.input.stem, ext), job.folder / job.input.stem))
    elif job.output is not None and str(job.output) != STDIO:
        out.append((file_key(job.output), job.output))
    if job.palette is not None:
        out.append((file_key(job.palette), job.palette))
    return out


def _refuse_conflicts(plan: Plan, options: CompressOptions, read_too: tuple[Path, ...] = ()) -> None:
    names = KNamedFiles()  # each output folder listed once, however many inputs
    inputs = {file_key(j.input): j.input for j in plan.jobs if str(j.input) != STDIO}
    for path in read_too:
        if os.path.lexists(path):
            inputs.setdefault(file_key(path), Path(path))
    owner: dict[tuple, Job] = {}
    for job in plan.jobs:
        for key, dest in _dests(job, options):
            other = owner.get(key)
            if key in inputs:
                job.refusal = job.refusal or (f"{printable(dest)} is the same file as the input "
                                              f"{printable(inputs[key])}; refusing to overwrite it")
            elif other is not None:
                why = "as its image and its palette" if other is job else f"for both {printable(other.input)} and {printable(job.input)}"
                msg = f"{printable(dest)} would be written {why}; choose other names (-o, --suffix, -r)"
                job.refusal = job.refusal or msg
                other.refusal = other.refusal or msg
            owner.setdefault(key, job)
            if job.refusal is None and job.skip is None:
                found = _existing(dest, key, job, options, names)
                if found and options.skip_existing and "exists" in found:
                    job.skip = found.split(" (use --force")[0]
                else:
                    job.refusal = found


def _existing(dest: Path, key: tuple, job: Job, options: CompressOptions, names: KNamedFiles) -> str | None:
    if key[0] == "pattern":
        found = _existing_targets(Path(key[1]), key[2], key[3], names)
        if found and not options.overwrite:
            return f"{printable(found[0])} already exists (use --force to make it again)"
        return None
    if os.path.isdir(dest):
        return f"{printable(dest)} is a folder; give a file name"
    if os.path.exists(dest) and not os.path.isfile(dest):  # a pipe or device: never written, --force or not
        return f"{printable(dest)}: is not a regular file (a pipe, socket or device)"
    if os.path.lexists(dest) and not options.overwrite:
        return f"{printable(dest)} already exists (use --force to replace it)"
    return None


#: In a worker process: told to stop (SIGTERM), and whether a job is running there now.
_stopping = False
_in_job = False


def _stop_worker(_signum: int, _frame) -> None:
    """SIGTERM in a worker: unwind the job in progress (its temp file is removed on the way),
    or leave at once when idle."""
    global _stopping
    _stopping = True
    if not _in_job:
        os._exit(128 + signal.SIGTERM)
    raise KeyboardInterrupt


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a killed parent nobody reaped yet is a zombie: gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but not ours to signal
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):  # no /proc here: the signal check is all there is
        return True


def _watch_parent(parent: int) -> None:
    """Stop this worker when the process that started the batch is gone (killed outright, say),
    so no orphan goes on writing files nobody asked for any more."""
    while _alive(parent):
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _init_worker(parent: int | None = None) -> None:
    """One thread per worker process: N workers on N cores, no oversubscription. Ctrl-C is the
    parent's to handle (it stops the workers); SIGTERM stops a worker cleanly."""
    os.environ["KMEANS_THREADS"] = "1"
    from . import parallel

    parallel.set_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    if parent is not None and os.name == "posix":  # on Windows os.kill(pid, 0) would end the parent
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()


def _run_job_in_worker(job: Job, options: CompressOptions, protect: tuple[Path, ...]) -> CompressResult:
    """:func:`run_job` in a worker process; a worker told to stop exits once its job unwound."""
    global _in_job
    if _stopping:
        os._exit(128 + signal.SIGTERM)
    _in_job = True
    try:
        return run_job(job, options, None, None, protect)
    except KeyboardInterrupt:
        if _stopping:
            os._exit(128 + signal.SIGTERM)  # the job's clean-up ran while unwinding
        raise
    finally:
        _in_job = False


#: Seconds the jobs running when a batch is interrupted get to finish before they are stopped.
STOP_GRACE_S = 1.5
#: How often a batch on the pool looks at ``should_stop`` while its jobs run.
STOP_POLL_S = 0.1


@contextlib.contextmanager
def _stop_signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP back during the block, then hand them to the handlers
    that were in place, in the order they came.

    ``pool.submit`` may start a worker: a stop raised half-way through left a process that the
    pool did not know yet (so nobody stopped it), which then failed to start once this process
    had exited and printed a traceback. Python handlers only (the main thread's; default or
    ignored dispositions are left alone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[tuple[int, object]] = []
    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        handler = signal.getsignal(sig) if sig is not None else None
        if callable(handler):
            previous[sig] = signal.signal(sig, lambda signum, frame: held.append((signum, frame)))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        first: BaseException | None = None
        for signum, frame in held:  # every one counts (a second Ctrl-C cuts the grace short)
            try:
                previous[signum](signum, frame)
            except BaseException as e:  # noqa: BLE001 - raised below, after the others counted
                first = first or e
        if first is not None:
            raise first


def _stop_workers(procs: list, timeout: float = 10.0) -> None:
    """SIGTERM the worker processes ``procs`` and wait for them to exit (SIGKILL after ``timeout``)."""
    for p in procs:
        if p.is_alive():
            p.terminate()
    end = time.monotonic() + timeout
    for p in procs:
        p.join(max(0.0, end - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(1.0)


def _grace(running: list, hurry: Callable[[], bool] | None) -> None:
    """Wait up to STOP_GRACE_S for the ``running`` futures, in 0.1 s steps so that ``hurry()``
    (a second Ctrl-C) ends the wait at once."""
    end = time.monotonic() + STOP_GRACE_S
    pending = set(running)
    while pending and time.monotonic() < end and not (hurry and hurry()):
        _, pending = wait(pending, timeout=min(0.1, max(0.0, end - time.monotonic())))


def _context():
    """Workers forked from a fresh single-threaded server with the core preloaded (POSIX), so
    no lock held by a thread of this process is copied into them; spawned elsewhere."""
    import multiprocessing as mp

    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["core.pipeline"])
        _start_fork_server_deaf_to_ctrl_c()
        return ctx
    return mp.get_context("spawn")


def _start_fork_server_deaf_to_ctrl_c() -> None:
    """Start the fork server with Ctrl-C blocked: it and every worker it forks inherit the
    blocked signal, so the terminal's Ctrl-C (sent to the whole process group) never reaches
    them. The server imports the core (~0.2 s) before it ignores Ctrl-C itself, and each worker
    restores the default handler until its initializer runs: a Ctrl-C then printed their
    KeyboardInterrupt tracebacks. This process handles Ctrl-C (it stops the workers); one that
    comes meanwhile stays pending and is delivered here when the mask is restored.

    multiprocessing's resource tracker is started first: starting it unblocks Ctrl-C in the
    calling thread, which would undo the mask. Only from the main thread (the command line)."""
    from multiprocessing import forkserver, resource_tracker

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        return
    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def run_job(job: Job, options: CompressOptions, stdin: BinaryIO | None = None,
            stdout: BinaryIO | None = None, protect: tuple[Path, ...] = ()) -> CompressResult:
    """One planned job (also the worker processes' entry point); nothing in ``protect`` (other
    inputs of the run) is replaced, even by an output named only once its K is chosen."""
    if job.refusal is not None:
        return CompressResult(input=str(job.input), error=job.refusal)
    # -o FILE: the run's only input. (A batch job has an output name too when K is fixed, but
    # the folders it makes are shared: another job may be writing into them.)
    named = job.single and job.output is not None and str(job.output) != STDIO
    created: list[Path] = []  # the folders this job made, deepest first
    # The mirrored tree under --out-dir, the folder of -o FILE and that of --palette-out FILE.
    for target_folder in (job.output.parent if named else job.folder, job.palette.parent if job.palette else None):
        if target_folder is None or os.path.isdir(target_folder):
            continue
        folder, new = target_folder, []
        while not os.path.lexists(folder) and folder != folder.parent:
            new.append(folder)
            folder = folder.parent
        try:
            target_folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            from .write_guard import describe_os_error

            _remove_empty(new + created)  # also what mkdir made before it failed
            return CompressResult(input=str(job.input),
                                  error=f"cannot create folder {printable(target_folder)} ({describe_os_error(e)})")
        created = new + created  # deepest first, across both
    result = compress_file(job.input, job.output, options, out_dir=job.folder if job.output is None else None,
                           palette_out=job.palette, palette_format=job.palette_format, protect=protect,
                           stdin=stdin, stdout=stdout)
    if named and not result.written:  # nothing written: the folders made for -o go again
        _remove_empty(created)  # (a batch's shared folders stay: another job may be writing there)
    return result


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (made by this job, deepest first) while they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty, or not ours to remove any more
            continue


def _inputs_near(plan: Plan, job: Job, options: CompressOptions) -> tuple[Path, ...]:
    """The run's inputs an output named after the chosen K could land on: those in its folder.

    Outputs named in advance were checked against every input when the plan was made; an
    output named only once K is chosen (``--quality``, ``--max-bytes``) is checked at write time.
    """
    if not options.chooses_k or job.output is not None:
        return ()
    folder = (job.folder or job.input.parent).resolve()
    return tuple(j.input for j in plan.jobs if str(j.input) != STDIO and j.input.parent.resolve() == folder)


def _worker_failure(e: BaseException) -> str:
    """One line for a job whose worker process failed."""
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(e, BrokenProcessPool):
        return "not written: its worker process ended abruptly, also when run alone (killed, or out of memory)"
    return f"worker failed ({e})"


def run_plan(plan: Plan, options: CompressOptions, *, jobs: int = 1,
             on_result: Callable[[int, CompressResult], None] | None = None,
             should_stop: Callable[[], bool] | None = None, hurry: Callable[[], bool] | None = None,
             stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> list[CompressResult]:
    """Run every job of ``plan`` (refused ones become failed results at once), in input order
    in the returned list; ``on_result(index, result)`` is called as each one finishes.
    ``should_stop`` is polled between files: when it says so, files not started are dropped
    (those in flight finish, atomically) and the results so far are returned. After Ctrl-C or
    SIGTERM the running jobs get STOP_GRACE_S to finish, cut short once ``hurry()`` says so
    (the user pressed Ctrl-C again)."""
    stop = should_stop or (lambda: False)
    results: list[CompressResult | None] = [None] * len(plan.jobs)

    def done(i: int, r: CompressResult) -> None:
        # Recorded and reported as one step: a Ctrl-C between the two kept a result nobody was
        # told about (its file on disk, its line never printed; seen once in CI).
        with _stop_signals_deferred():
            results[i] = r
            if on_result is not None:
                on_result(i, r)

    todo = []
    for i, job in enumerate(plan.jobs):
        if job.refusal is not None:
            done(i, CompressResult(input=str(job.input), error=job.refusal))
        elif job.skip is not None:
            done(i, CompressResult(input=str(job.input), notes=[f"not written: {job.skip}"]))
        else:
            todo.append(i)
    workers = max(1, min(jobs, len(todo)))
    piped = any(str(plan.jobs[i].input) == STDIO or str(plan.jobs[i].output) == STDIO for i in todo)
    if workers == 1 or piped:
        from .batch_written import found_result, snapshot

        for i in todo:
            if stop():
                break
            job = plan.jobs[i]
            before = snapshot({i: job}, options)
            try:
                done(i, run_job(job, options, stdin, stdout, _inputs_near(plan, job, options)))
            except BaseException:  # Ctrl-C or SIGTERM: a file already published is still reported
                found = found_result({i: job}, options, before).get(i) if results[i] is None else None
                if found is not None:
                    done(i, found)
                raise
    else:
        # Imported here: multiprocessing costs ~30 ms of every one-file run's start-up.
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        from .batch_written import found_result, snapshot

        before = snapshot({i: plan.jobs[i] for i in todo}, options)  # to find files whose result was lost

        def report_the_rest() -> None:
            """After a stop: each job that wrote its files is reported, with its figures when its
            result came back, found by its files when not (stopped, or its worker died)."""
            found = found_result({i: plan.jobs[i] for i in todo if results[i] is None}, options, before)
            for fut, i in futures.items():
                if results[i] is not None:
                    continue
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    done(i, fut.result())
                elif i in found:
                    done(i, found[i])

        futures: dict = {}
        waiting = deque(todo)
        # A worker that dies (killed, out of memory) breaks the whole pool, and the pool then
        # ends every job in flight, the healthy ones too. So those jobs become suspects: each
        # runs again, alone, on a new pool; one that breaks the pool while alone fails (it is
        # the one that kills its worker), the others are compressed after all. ``returned``
        # holds a job whose hand-over met the break (it never started).
        returned: list[int] = []
        suspects: deque[int] = deque()
        alone: set[int] = set()  # suspects that ran by themselves
        broken = True
        while broken and (returned or suspects or waiting) and not stop():
            broken = False
            with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(os.getpid(),),
                                     mp_context=_context()) as pool:
                # Only as many jobs as workers are handed to the pool at a time: a job handed over
                # sits in the pool's queue and can no longer be cancelled, so a Cancel would still
                # write it. The next job is handed over as one finishes, unless the user stopped.
                running: set = set()

                def hand_over(pool: ProcessPoolExecutor = pool, running: set = running) -> bool:
                    """Give the pool the next job; False when none is left, stopped, the pool
                    broke, or a suspect must run alone."""
                    nonlocal broken
                    if stop() or broken:
                        return False
                    if suspects:
                        if running:
                            return False
                        i = suspects.popleft()
                        alone.add(i)
                    elif returned or waiting:
                        i = returned.pop() if returned else waiting.popleft()
                    else:
                        return False
                    try:
                        with _stop_signals_deferred():  # a worker half started would be left behind
                            fut = pool.submit(_run_job_in_worker, plan.jobs[i], options,
                                              _inputs_near(plan, plan.jobs[i], options))
                            futures[fut] = i
                            running.add(fut)
                    except BrokenProcessPool:
                        (suspects.appendleft if i in alone else returned.append)(i)
                        alone.discard(i)
                        broken = True
                        return False
                    return True

                try:
                    while len(running) < workers and hand_over():
                        pass
                    while running:
                        finished, _ = wait(running, timeout=STOP_POLL_S, return_when=FIRST_COMPLETED)
                        for fut in finished:
                            running.discard(fut)
                            i = futures[fut]
                            try:
                                done(i, fut.result())
                            except Exception as e:  # noqa: BLE001 - a worker that died (out of memory, killed)
                                broken = broken or isinstance(e, BrokenProcessPool)
                                found = found_result({i: plan.jobs[i]}, options, before).get(i)
                                if found is None and isinstance(e, BrokenProcessPool) and i not in alone:
                                    suspects.append(i)  # maybe only in flight with the one that died
                                    continue
                                done(i, found or CompressResult(input=str(plan.jobs[i].input),
                                                                error=_worker_failure(e)))
                        if stop():  # the GUI's Cancel: jobs running finish, the others never start
                            pool.shutdown(wait=True, cancel_futures=True)
                            report_the_rest()
                            broken = False
                            break
                        while len(running) < workers and hand_over():
                            pass
                except BaseException:
                    # Ctrl-C or SIGTERM here: no job starts any more; the running ones get a short
                    # grace to finish (and are reported), then are stopped (each removes its temp
                    # file) and waited for, so nothing is written after the run ends.
                    procs = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
                    pool.shutdown(wait=False, cancel_futures=True)
                    _grace([f for f in futures if not f.done()], hurry)
                    _stop_workers(procs)
                    report_the_rest()
                    raise
    return [r for r in results if r is not None]
