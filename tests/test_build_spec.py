"""build_app.spec on paper: what it asks PyInstaller for on Linux, Windows and macOS.

Only the Linux build is really built here (CI: `make app` and the self-test). This runs the
spec against recording stand-ins for PyInstaller's Analysis/PYZ/EXE/COLLECT/BUNDLE with
``sys.platform`` set to each system, so a slip in the Windows or macOS branch (a missing
icon, an Info.plist that cannot be written, a dropped platform plugin) fails here too.
"""

from __future__ import annotations

import plistlib
import sys
import types
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build_app.spec"
PLUGINS = [  # where PyInstaller puts Qt's platform plugins, per system
    "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6/Qt/plugins/platforms/libqwayland.so", "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6\\plugins\\platforms\\qwindows.dll", "PySide6\\plugins\\platforms\\qdirect2d.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib", "PySide6/Qt/translations/qt_de.qm",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so", "PySide6/Qt/plugins/imageformats/libqjpeg.so",
]
KEPT = {"libqxcb.so", "libqoffscreen.so", "libqwayland.so", "libqminimalegl.so", "qwindows.dll", "libqcocoa.dylib",
        "libqjpeg.so"}


class Recorder:
    """Stands in for one PyInstaller build class and remembers how it was called."""

    calls: dict[str, list] = {}

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        Recorder.calls.setdefault(type(self).__name__, []).append(self)


class Analysis(Recorder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.binaries = [(p, "/src/" + p, "BINARY") for p in PLUGINS]
        self.datas = list(kwargs["datas"])
        self.pure, self.scripts = [], []


PYZ, EXE, COLLECT, BUNDLE = (type(n, (Recorder,), {}) for n in ("PYZ", "EXE", "COLLECT", "BUNDLE"))


def fake_versioninfo() -> types.ModuleType:
    """PyInstaller.utils.win32.versioninfo needs pywin32 and pefile, so it only imports on
    Windows; its classes are plain records, stood in for here (with the real module, the same
    calls were checked by hand to build and serialize)."""
    mod = types.ModuleType("PyInstaller.utils.win32.versioninfo")
    for name in ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct", "VarFileInfo",
                 "VarStruct"):
        setattr(mod, name, type(name, (), {"__init__": lambda self, *a, **k: setattr(self, "a", (a, k))}))
    return mod


def run_spec(monkeypatch, platform: str, onefile: bool = False) -> dict:
    Recorder.calls = {}
    real_platform = sys.platform
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("KMEANS_ONEFILE", "1" if onefile else "0")
    parent = None
    for name in ("PyInstaller", "PyInstaller.utils", "PyInstaller.utils.win32"):
        mod = types.ModuleType(name)
        mod.__path__ = []  # a package, so the import system looks no further
        if parent is not None:
            setattr(parent, name.rsplit(".", 1)[1], mod)
        monkeypatch.setitem(sys.modules, name, mod)
        parent = mod
    parent.versioninfo = fake_versioninfo()
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.win32.versioninfo", parent.versioninfo)
    namespace = {"SPECPATH": str(ROOT), "Analysis": Analysis, "PYZ": PYZ, "EXE": EXE, "COLLECT": COLLECT,
                 "BUNDLE": BUNDLE, "__file__": str(SPEC)}
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    monkeypatch.undo()  # the real platform and PyInstaller modules again
    assert sys.platform == real_platform
    return Recorder.calls


def kept_names(calls: dict) -> set[str]:
    return {Path(dest.replace("\\", "/")).name for dest, _src, _kind in calls["Analysis"][0].binaries}


@pytest.mark.parametrize("onefile", [False, True])
def test_linux_build_is_unchanged_one_folder_or_one_file(monkeypatch, onefile):
    calls = run_spec(monkeypatch, "linux", onefile)
    exe = calls["EXE"][0].kwargs
    assert exe["icon"] is None and exe["version"] is None and "argv_emulation" not in exe
    assert exe["name"] == ("kmeans-gui-onefile" if onefile else "kmeans-gui")
    assert ("COLLECT" in calls) != onefile and "BUNDLE" not in calls
    datas = calls["Analysis"][0].kwargs["datas"]
    names = {Path(src).name for src, _dest in datas}
    assert {"sample.jpg", "kmeans-gui.desktop", "kmeans-gui.svg", "kmeans-gui-256.png"} <= names
    assert not names & {"kmeans-gui.ico", "kmeans-gui.icns", "__init__.py"}
    assert kept_names(calls) == KEPT  # each system's own platform plugin survives the trimming


def test_windows_exe_gets_the_ico_and_version_details(monkeypatch):
    calls = run_spec(monkeypatch, "win32")
    exe = calls["EXE"][0].kwargs
    ico = Path(exe["icon"])
    assert ico.suffix == ".ico" and ico.is_file() and ico.stat().st_size < 64_000
    with Image.open(ico) as im:
        assert im.format == "ICO" and {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(im.info["sizes"])
    assert type(exe["version"]).__name__ == "VSVersionInfo" and "BUNDLE" not in calls
    assert exe["console"] is False


def test_macos_app_bundle_with_icns_and_image_document_types(monkeypatch):
    calls = run_spec(monkeypatch, "darwin")
    assert calls["EXE"][0].kwargs["argv_emulation"] is True  # a file opened from Finder reaches sys.argv
    bundle = calls["BUNDLE"][0]
    assert bundle.args == (calls["COLLECT"][0],)
    kw = bundle.kwargs
    assert kw["name"].endswith(".app") and kw["bundle_identifier"]
    icns = Path(kw["icon"])
    assert icns.suffix == ".icns" and icns.is_file() and icns.stat().st_size < 200_000
    with Image.open(icns) as im:
        assert im.format == "ICNS" and (512, 512, 2) in im.info["sizes"]  # the 1024-px Retina image
    plist = plistlib.loads(plistlib.dumps(kw["info_plist"]))  # writable as a real Info.plist
    assert plist["CFBundleShortVersionString"] == kw["version"]
    (doc,) = plist["CFBundleDocumentTypes"]
    assert doc["CFBundleTypeRole"] == "Viewer" and doc["LSHandlerRank"] == "Alternate"
    assert {"public.png", "public.jpeg", "com.compuserve.gif", "public.tiff"} <= set(doc["LSItemContentTypes"])


def test_macos_one_file_build_makes_no_app_bundle(monkeypatch):
    calls = run_spec(monkeypatch, "darwin", onefile=True)
    assert "BUNDLE" not in calls and calls["EXE"][0].kwargs["name"] == "kmeans-gui-onefile"
