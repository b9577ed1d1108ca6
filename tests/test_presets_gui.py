"""The Presets menu: built-ins apply in one click; saved presets land in the file the CLI reads."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings

from core.presets import find_preset, load_presets
from kmeans_gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    win = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_builtin_presets_are_in_the_menu_and_apply(window):
    names = [a.text() for a in window.presets_menu.actions() if a.text()]
    for expected in ("Web small", "Icons", "Print", "Pixel art"):
        assert any(expected.lower() == n.lower() for n in names), names
    assert "Save Current Settings as Preset…" in names
    web = next(a for a in window.presets_menu.actions() if a.text().lower() == "web small")
    web.trigger()
    o = window.controller.options
    assert (o.k, o.dither) == (32, "fs")
    assert window.controls.k_spin.value() == 32 and window.controls.dither_box.currentData() == "fs"
    print_ = next(a for a in window.presets_menu.actions() if a.text().lower() == "print")
    print_.trigger()
    assert (window.controller.options.k, window.controller.options.color_space) == (256, "oklab")


def test_saved_preset_is_shared_with_the_command_line(window, tmp_path, monkeypatch):
    window.controls.k_spin.setValue(48)
    window.controls.space_box.setCurrentIndex(window.controls.space_box.findData("oklab"))
    monkeypatch.setattr(window, "_ask_preset_name", lambda: "My web 48")
    save = next(a for a in window.presets_menu.actions() if a.text().startswith("Save Current"))
    save.trigger()
    data = json.loads((tmp_path / "config" / "kmeans-gui" / "presets.json").read_text())
    assert data["presets"][0]["name"] == "My web 48"
    preset = find_preset("my web 48", load_presets()[0])
    assert preset is not None and preset.k == 48 and preset.color_space == "oklab"
    window.controls.k_spin.setValue(8)
    window.presets.rebuild()
    mine = next(a for a in window.presets_menu.actions() if a.text() == "My web 48")
    mine.trigger()
    assert window.controller.options.k == 48


def test_a_preset_whose_seed_the_window_cannot_hold_is_refused_and_changes_nothing(window, tmp_path):
    """Presets are shared with kmeans-compress, whose seeds reach 2**32 - 1; the seed box stops
    at 2**31 - 1. Applying such a preset raised OverflowError half-way (K box changed, image not)."""
    from core.presets import Preset, save_user_presets

    save_user_presets([Preset(name="Big seed", k=8, seed=3_000_000_000)],
                      tmp_path / "config" / "kmeans-gui" / "presets.json")
    window.presets.rebuild()
    before = window.controller.options
    k_shown = window.controls.k_spin.value()
    assert window.presets.apply("Big seed") is False
    assert window.controller.options == before and window.controls.k_spin.value() == k_shown
    assert "3000000000" in window.banner.text() and "kmeans-compress" in window.banner.text()


def test_saving_under_an_existing_name_asks_first(window, tmp_path, monkeypatch):
    """"Web small" is a built-in; saving over it changes kmeans-compress --preset too."""
    asked = []
    monkeypatch.setattr(window, "_ask_preset_name", lambda: "web SMALL")
    monkeypatch.setattr(window, "_confirm_replace_preset", lambda name: asked.append(name) or False)
    window.controls.k_spin.setValue(5)
    window.presets.save_dialog()
    assert asked == ["Web small"]
    assert not (tmp_path / "config" / "kmeans-gui" / "presets.json").exists()
    monkeypatch.setattr(window, "_confirm_replace_preset", lambda name: True)
    window.presets.save_dialog()
    assert find_preset("web small", load_presets()[0]).k == 5


@pytest.mark.parametrize("content", [
    '{"version":1,"presets":[{"name":"Mine A","k":12},{"name":"Mine B","k":40},]}',  # trailing comma
    '{"version":2,"presets":[{"name":"Mine A","k":12}]}',  # a newer version's file
    '{"version":1,"presets":[{"name":"Mine A","k":12},{"name":"Mine B","k":300}]}',  # one bad entry
])
def test_saving_a_preset_never_drops_the_presets_of_a_file_it_could_not_fully_read(window, tmp_path,
                                                                                   monkeypatch, content):
    path = tmp_path / "config" / "kmeans-gui" / "presets.json"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    monkeypatch.setattr(window, "_ask_preset_name", lambda: "New one")
    window.presets.save_dialog()
    assert path.read_text() == content
    assert "Preset not saved" in window.banner.text() and "fix or move" in window.banner.text()


def test_a_saved_preset_keeps_flat_areas_clean_and_applies_it(window, tmp_path, monkeypatch):
    controls = window.controls
    controls.dither_box.setCurrentIndex(controls.dither_box.findData("fs"))
    controls.flat_box.setChecked(True)
    assert window.controller.options.dither_flat == 0.0
    assert window.presets.save_current("Clean & sharp")
    preset = find_preset("clean & sharp", load_presets()[0])
    assert preset is not None and preset.dither_flat == 0.0
    controls.flat_box.setChecked(False)
    assert window.controller.options.dither_flat is None
    window.presets.rebuild()
    # A single & in a menu text marks a shortcut key and vanishes: the entry doubles it.
    entry = next(a for a in window.presets_menu.actions() if a.text() == "Clean && sharp")
    entry.trigger()
    assert window.controller.options.dither_flat == 0.0 and controls.flat_box.isChecked()
    # And a preset saved with it off turns it off.
    controls.flat_box.setChecked(False)
    assert window.presets.save_current("Speckled")
    controls.flat_box.setChecked(True)
    window.presets.rebuild()
    assert window.presets.apply("Speckled")
    assert window.controller.options.dither_flat is None and not controls.flat_box.isChecked()


def test_the_command_line_uses_a_presets_flat_areas_setting(window, tmp_path, monkeypatch):
    import argparse

    from kmeans_gui import cli_args
    from kmeans_gui.cli import build_parser

    window.controls.dither_box.setCurrentIndex(window.controls.dither_box.findData("fs"))
    window.controls.flat_box.setChecked(True)
    assert window.presets.save_current("Clean")
    parser = build_parser()
    for argv, expected in ((["in.png", "--preset", "Clean"], 0.0),
                           (["in.png", "--preset", "Clean", "--dither-flat", "3"], 3.0)):
        args = parser.parse_args(argv)
        cli_args.resolve_settings(parser, args)
        assert isinstance(args, argparse.Namespace) and args.dither_flat == expected
