"""Named compression settings ("Web small", "Icons", ...) shared by the window and the command line.

Built-in presets live here; the user's own are a small JSON file in the user's config folder,
so both front-ends read the same file without Qt::

    {"version": 1, "presets": [{"name": "Web 64", "k": 64, "dither": "fs", "color_space": "oklab"}]}

A field left out (or null) means "keep what the user has", except ``k``, which every preset sets.
A broken file never stops the app: loading returns the presets it could read and a one-line reason.
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from .atomic import WriteRefused, atomic_write_bytes
from .dither import DITHER_MODES
from .quantize import COLOR_SPACES, MAX_K

APP_FOLDER = "kmeans-gui"
FILE_NAME = "presets.json"
FORMAT_VERSION = 1
MIN_K = 2  # the window's slider starts at 2; a preset must work in both front-ends
MAX_N_INIT = 20  # the window's restarts box goes up to 20
INITS = ("k-means++", "random")
MAX_NAME = 60


class PresetError(ValueError):
    """A preset, or the presets file, that cannot be used, with a one-line reason."""


@dataclass(frozen=True)
class Preset:
    """Settings to apply together. ``None`` leaves the current value alone.

    ``dither_strength`` (0..1) scales Floyd-Steinberg error diffusion (1 = classic).
    ``dither_flat`` leaves flat areas undithered: levels 0..255 (see ``core.dither.dither``'s
    ``flat_threshold``; the window's "Keep flat areas clean" is 0), or ``False`` for off.
    """

    name: str
    k: int
    dither: str | None = None
    color_space: str | None = None
    seed: int | None = None
    init: str | None = None
    n_init: int | None = None
    dither_strength: float | None = None
    dither_flat: float | bool | None = None

    def __post_init__(self) -> None:
        _check(self)
        object.__setattr__(self, "name", self.name.strip())  # " Web 64 " and "Web 64" are one preset


def _encodable(text: str) -> bool:
    """Whether ``text`` can be saved as UTF-8 (a lone surrogate from a bad file cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: A presets file is a few kilobytes; anything past this is not one (and is not read whole).
MAX_PRESETS_BYTES = 4 * 1024 * 1024

#: The most presets read from the file: a menu of thousands would take seconds to open and
#: could not be used anyway.
MAX_PRESETS = 500


def _check(p: Preset) -> None:
    """Raise PresetError naming the first field out of range."""
    if (not isinstance(p.name, str) or not p.name.strip() or len(p.name) > MAX_NAME
            or not p.name.isprintable() or not _encodable(p.name)):  # one line, no control codes
        raise PresetError(f"a preset needs a one-line name of 1..{MAX_NAME} characters, not {p.name!r}")
    label = f"preset {p.name!r}"
    if not _is_int(p.k) or not MIN_K <= p.k <= MAX_K:
        raise PresetError(f"{label}: k must be a whole number {MIN_K}..{MAX_K}, not {p.k!r}")
    if p.dither is not None and p.dither not in DITHER_MODES:
        raise PresetError(f"{label}: dither must be one of {', '.join(DITHER_MODES)}, not {p.dither!r}")
    if p.color_space is not None and p.color_space not in COLOR_SPACES:
        raise PresetError(f"{label}: color_space must be one of {', '.join(COLOR_SPACES)}, not {p.color_space!r}")
    if p.seed is not None and (not _is_int(p.seed) or not 0 <= p.seed < 2**32):
        raise PresetError(f"{label}: seed must be a whole number 0..{2**32 - 1}, not {p.seed!r}")
    if p.init is not None and p.init not in INITS:
        raise PresetError(f"{label}: init must be one of {', '.join(INITS)}, not {p.init!r}")
    if p.n_init is not None and (not _is_int(p.n_init) or not 1 <= p.n_init <= MAX_N_INIT):
        raise PresetError(f"{label}: n_init must be a whole number 1..{MAX_N_INIT}, not {p.n_init!r}")
    s = p.dither_strength
    if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s)
                          or not 0.0 <= s <= 1.0):
        raise PresetError(f"{label}: dither_strength must be a number 0..1, not {s!r}")
    f = p.dither_flat
    if f is not None and f is not False and (f is True or not isinstance(f, (int, float)) or not math.isfinite(f)
                                             or not 0.0 <= f <= 255.0):
        raise PresetError(f"{label}: dither_flat must be false or levels 0..255, not {f!r}")


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)  # JSON true is not K = 1


# The built-ins set dithering and color space too, so choosing one gives the same picture
# whatever was set before (the seed and restarts stay the user's).
BUILTIN_PRESETS: tuple[Preset, ...] = (
    Preset("Web small", k=32, dither="fs", color_space="rgb"),
    Preset("Icons", k=16, dither="none", color_space="rgb"),
    Preset("Print", k=256, dither="none", color_space="oklab"),
    Preset("Pixel art", k=8, dither="none", color_space="rgb"),
)

_FIELDS = tuple(f.name for f in fields(Preset))


def preset_to_dict(p: Preset) -> dict:
    """The JSON object for one preset: its name, K and every field it sets."""
    return {name: getattr(p, name) for name in _FIELDS if getattr(p, name) is not None}


def preset_from_dict(d: object) -> Preset:
    """Build a preset from a JSON object; unknown keys are ignored (a newer app may write them)."""
    if not isinstance(d, Mapping):
        raise PresetError(f"a preset must be a JSON object, not {type(d).__name__}")
    if "name" not in d or "k" not in d:
        raise PresetError("a preset needs at least \"name\" and \"k\"")
    return Preset(**{name: d[name] for name in _FIELDS if name in d})


def config_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """The user's config folder for this app.

    Windows: ``%APPDATA%\\kmeans-gui``; macOS: ``~/Library/Application Support/kmeans-gui``;
    elsewhere ``$XDG_CONFIG_HOME/kmeans-gui`` (an absolute path, per the XDG spec), else
    ``~/.config/kmeans-gui``.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "win32":
        base = Path(env["APPDATA"]) if env.get("APPDATA") else home / "AppData" / "Roaming"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_CONFIG_HOME", "")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".config"
    return base / APP_FOLDER


def presets_path(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    return config_dir(env, platform) / FILE_NAME


def load_user_presets(path: str | os.PathLike | None = None) -> tuple[list[Preset], str | None]:
    """The user's presets and, if the file is unreadable or partly broken, a one-line reason.

    A missing file is not an error (no presets saved yet). Bad entries are skipped; the good
    ones are still returned.
    """
    path = Path(path) if path is not None else presets_path()
    try:
        # Without blocking (a FIFO would wait for a writer forever), a regular file, capped.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return [], f"{path}: is not a regular file; presets not read"
            raw = fh.read(MAX_PRESETS_BYTES + 1)
    except FileNotFoundError:
        return [], None
    except OSError as e:
        return [], f"{path}: cannot read ({e.strerror or e})"
    if len(raw) > MAX_PRESETS_BYTES:
        return [], f"{path}: over {MAX_PRESETS_BYTES // (1024 * 1024)} MB, too large to be a presets file; not read"
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        where = f" (line {e.lineno})" if isinstance(e, json.JSONDecodeError) else ""
        return [], f"{path}: not a valid JSON presets file{where}"
    except RecursionError:  # lists in lists thousands deep: no presets file looks like that
        return [], f"{path}: nested too deeply to be a presets file"
    except ValueError:  # a number of thousands of digits (Python's int limit)
        return [], f"{path}: holds a number too long to be a setting; not read"
    if not isinstance(doc, dict) or not isinstance(doc.get("presets"), list):
        return [], f"{path}: expected {{\"version\": 1, \"presets\": [...]}}"
    version = doc.get("version", FORMAT_VERSION)
    if not _is_int(version) or version < 1:
        return [], f"{path}: \"version\" must be a whole number (1), not {version!r}; not read"
    if version > FORMAT_VERSION:
        return [], f"{path}: written by a newer version of the app (format {version!r}); not read"
    if len(doc["presets"]) > MAX_PRESETS:
        return [], (f"{path}: holds {len(doc['presets']):,} presets, more than the {MAX_PRESETS} "
                    "this app reads; not read")
    presets: list[Preset] = []
    problems: list[str] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["presets"], 1):
        try:
            p = preset_from_dict(entry)
        except (PresetError, TypeError) as e:
            problems.append(f"entry {i}: {e}")
            continue
        if p.name.casefold() in seen:
            problems.append(f"entry {i}: a second preset named {p.name!r}")
            continue
        seen.add(p.name.casefold())
        presets.append(p)
    if not problems:
        return presets, None
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return presets, f"{path}: skipped {problems[0]}{more}"


def save_user_presets(presets: Iterable[Preset], path: str | os.PathLike | None = None) -> Path:
    """Write the user's presets atomically (the folder is created); PresetError on failure."""
    path = Path(path) if path is not None else presets_path()
    doc = {"version": FORMAT_VERSION, "presets": [preset_to_dict(p) for p in presets]}
    try:
        data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    except (UnicodeEncodeError, ValueError) as e:  # a name no check let through: say so, save nothing
        raise PresetError(f"{path}: cannot save presets ({e})") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write_bytes(path, data, overwrite=True)
    except WriteRefused as e:
        raise PresetError(str(e)) from None
    except OSError as e:
        raise PresetError(f"{path}: cannot save presets ({e.strerror or e})") from None


def add_user_preset(preset: Preset, path: str | os.PathLike | None = None) -> Path:
    """Add ``preset`` to the user's file (replacing one of the same name); PresetError on failure.

    Refused while the file cannot be read in full (damaged, a newer version, a bad entry):
    rewriting it from what could be read would silently drop the user's other presets.
    """
    user, problem = load_user_presets(path)
    if problem is not None:
        raise PresetError(f"{problem}; saving would lose the presets it holds: fix or move that file")
    updated = with_preset(user, preset)
    if len(updated) > MAX_PRESETS:  # the file would no longer be read at all
        raise PresetError(f"{MAX_PRESETS} presets is the most this app keeps: remove one from "
                          f"{Path(path) if path is not None else presets_path()} first, or replace one by its name")
    return save_user_presets(updated, path)


def all_presets(user: Iterable[Preset] = ()) -> list[Preset]:
    """Built-ins first, then the user's; a user preset with a built-in's name replaces it."""
    user = list(user)
    taken = {p.name.casefold() for p in user}
    return [p for p in BUILTIN_PRESETS if p.name.casefold() not in taken] + user


def load_presets(path: str | os.PathLike | None = None) -> tuple[list[Preset], str | None]:
    """Built-ins plus the user's file, and the file's one-line problem if it has one."""
    user, problem = load_user_presets(path)
    return all_presets(user), problem


def with_preset(presets: Iterable[Preset], preset: Preset) -> list[Preset]:
    """``presets`` with ``preset`` added, replacing one of the same name (any case) in place."""
    out, replaced = [], False
    for p in presets:
        if p.name.casefold() == preset.name.casefold():
            if not replaced:
                out.append(preset)
                replaced = True
        else:
            out.append(p)
    return out if replaced else [*out, preset]


def find_preset(name: str, presets: Iterable[Preset] | None = None) -> Preset | None:
    """The preset called ``name`` (case and surrounding spaces ignored), or None.

    Without ``presets`` it looks in the built-ins and the user's file (a broken file counts as
    empty here; call :func:`load_presets` to show its problem).
    """
    wanted = name.strip().casefold()
    pool = load_presets()[0] if presets is None else presets
    return next((p for p in pool if p.name.casefold() == wanted), None)


def resolve_preset(name: str, path: str | os.PathLike | None = None) -> Preset:
    """Like :func:`find_preset` over built-ins and the user's file, but raises PresetError with
    a one-line message listing the names there are (and the file's problem, if any)."""
    presets, problem = load_presets(path)
    found = find_preset(name, presets)
    if found is not None:
        return found
    msg = f"unknown preset {name!r} (available: {', '.join(p.name for p in presets)})"
    raise PresetError(msg + (f"; {problem}" if problem else ""))


def preset_to_options_changes(preset: Preset) -> dict:
    """The ``core.pipeline.CompressOptions`` fields this preset sets, for ``dataclasses.replace``.

    Keys among ``k, seed, color_space, dither, init, n_init, dither_strength, dither_flat``;
    fields the preset leaves out are absent, so the caller's values (or command-line flags)
    stay. A ``dither_flat`` of ``False`` gives ``None`` (off), as the options spell it.
    """
    changes = {"k": preset.k, "seed": preset.seed, "color_space": preset.color_space,
               "dither": preset.dither, "init": preset.init, "n_init": preset.n_init,
               "dither_strength": preset.dither_strength}
    changes = {key: value for key, value in changes.items() if value is not None}
    if preset.dither_flat is not None:
        changes["dither_flat"] = None if preset.dither_flat is False else float(preset.dither_flat)
    return changes
