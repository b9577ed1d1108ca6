"""Palette control through the window: lock, recolor, delete, merge, eyedropper, import, undo, Save."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from .gui_helpers import open_and_wait, saved_colors, wait_settled


@pytest.fixture
def opened(qtbot, window, tmp_path, photo):
    p = tmp_path / "photo.png"
    Image.fromarray(photo).save(p)
    window.controls.k_spin.setValue(8)
    open_and_wait(qtbot, window, p)
    return window


def palette_rows(win) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in c[:3]) for c in win.controller.full.palette}


def test_lock_keeps_the_color_and_kmeans_reruns_around_it(qtbot, opened):
    win = opened
    color = tuple(int(v) for v in win.controller.shown.palette[2][:3])
    win.palette_view.set_locked(2, True)
    assert win.controller.options.fixed == (color,)
    wait_settled(qtbot, win)
    assert color in palette_rows(win)
    i = next(i for i, c in enumerate(win.controller.shown.palette) if tuple(int(v) for v in c[:3]) == color)
    assert win.palette_view.locked() == [i]
    assert "1 locked" in win.stats.text()
    win.undo_stack.undo()
    wait_settled(qtbot, win)
    assert win.controller.options.fixed == () and win.palette_view.locked() == []


def test_recolor_keeps_indices_and_save_writes_what_is_shown(qtbot, opened, tmp_path):
    win = opened
    before = win.controller.full
    win.set_palette_color(0, "#ff00aa")
    wait_settled(qtbot, win)
    after = win.controller.full
    np.testing.assert_array_equal(after.indices, before.indices)  # no re-clustering visible: same indices
    assert tuple(after.palette[0][:3]) == (255, 0, 170)
    out = tmp_path / "edited.png"
    done = []
    win.saveFinished.connect(lambda p, e: done.append(e))
    win.save_to(out)
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    assert done == [""]
    np.testing.assert_array_equal(saved_colors(out), np.unique(after.palette[:, :3], axis=0))


def test_delete_and_merge_then_undo_and_redo(qtbot, opened):
    win = opened
    n = len(win.controller.full.palette)
    gone = tuple(int(v) for v in win.controller.full.palette[1][:3])
    win.delete_color(1)
    wait_settled(qtbot, win)
    assert len(win.controller.full.palette) == n - 1 and gone not in palette_rows(win)
    win.palette_view.mergeRequested.emit(0, 1)
    wait_settled(qtbot, win)
    assert len(win.controller.full.palette) == n - 2
    win.undo_stack.undo()
    win.undo_stack.undo()
    wait_settled(qtbot, win)
    assert len(win.controller.full.palette) == n and gone in palette_rows(win)
    win.undo_stack.redo()
    wait_settled(qtbot, win)
    assert len(win.controller.full.palette) == n - 1
    assert win.act_undo.isEnabled() and win.act_redo.isEnabled()


def test_undo_and_redo_of_an_edit_keep_later_k_and_dithering(qtbot, opened):
    """Undo of a recolor also put K and dithering back to the edit's time, and redo did not
    bring them back (GUI review): undo and redo change the palette settings only."""
    win = opened
    win.set_palette_color(0, "#ff00aa")
    wait_settled(qtbot, win)
    edits = win.controller.options.edits
    assert len(edits) == 1
    win.controls.k_spin.setValue(12)
    win.controls.dither_box.setCurrentIndex(win.controls.dither_box.findData("fs"))
    wait_settled(qtbot, win)
    win.undo_stack.undo()
    wait_settled(qtbot, win)
    o = win.controller.options
    assert o.edits == () and o.k == 12 and o.dither == "fs"
    assert win.controls.k_spin.value() == 12 and win.controls.dither_box.currentData() == "fs"
    win.undo_stack.redo()
    wait_settled(qtbot, win)
    o = win.controller.options
    assert o.edits == edits and o.k == 12 and o.dither == "fs"
    assert win.controller.shown.options == o


def test_undoing_an_unlock_below_the_locked_count_brings_k_back(qtbot, opened):
    win = opened
    for i in range(4):
        win.palette_view.set_locked(i, True)
    wait_settled(qtbot, win)
    locked = win.controller.options.fixed
    assert len(locked) == 4
    for _ in range(4):
        win.palette_view.set_locked(win.palette_view.locked()[0], False)
        wait_settled(qtbot, win)
    win.controls.k_spin.setValue(3)  # possible now that nothing is locked
    wait_settled(qtbot, win)
    win.undo_stack.undo()  # the last unlock: 1 color locked again, K = 3 holds it
    wait_settled(qtbot, win)
    assert len(win.controller.options.fixed) == 1 and win.controller.options.k == 3
    for _ in range(3):
        win.undo_stack.undo()
    wait_settled(qtbot, win)
    assert win.controller.options.fixed == locked and win.controller.options.k == 8  # K 3 could not hold 4


def test_eyedropper_adds_the_original_color_locked(qtbot, opened, photo):
    win = opened
    win.editing.start_eyedropper()
    assert win.view.picking()
    win.view.pointPicked.emit(10, 20)
    expected = tuple(int(v) for v in photo[20, 10])
    assert expected in win.controller.options.fixed
    wait_settled(qtbot, win)
    assert expected in palette_rows(win)


def test_import_palette_maps_to_its_colors_exactly(qtbot, opened, tmp_path):
    win = opened
    gpl = tmp_path / "five.gpl"
    gpl.write_text("GIMP Palette\nName: five\n#\n255 0 0 red\n0 255 0 green\n0 0 255 blue\n255 255 255 white\n"
                   "0 0 0 black\n")
    assert win.import_palette(gpl)
    wait_settled(qtbot, win)
    allowed = {(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0)}
    assert palette_rows(win) <= allowed
    assert "palette file (5 colors)" in win.stats.text()
    bad = tmp_path / "bad.gpl"
    bad.write_text("not a palette")
    assert not win.import_palette(bad)
    assert "bad.gpl" in win.banner.text() and "\n" not in win.banner.text()
    win.undo_stack.undo()
    wait_settled(qtbot, win)
    assert win.controller.options.palette is None


def test_recolor_on_the_full_result_is_instant_no_reclustering(qtbot, opened):
    win = opened
    stages = []
    win.controller.resultShown.connect(lambda r: stages.append(r.stage))
    win.set_palette_color(3, "#00ff00")
    wait_settled(qtbot, win)
    assert stages == ["full"]  # the shown result was edited, not rendered again from a draft


def test_an_edit_made_on_the_preview_reaches_the_full_result_and_the_file(qtbot, window, tmp_path, photo):
    from .gui_helpers import big_photo

    path = tmp_path / "medium.jpg"
    Image.fromarray(big_photo(photo, (1600, 1200))).save(path, quality=90)
    window.controls.k_spin.setValue(12)
    window.open_path(path)
    qtbot.waitUntil(lambda: window.controller.shown is not None and window.controller.shown.stage == "preview",
                    timeout=30_000)
    window.set_palette_color(0, "#ff00ff")
    wait_settled(qtbot, window)
    assert (255, 0, 255) in palette_rows(window)
    out = tmp_path / "magenta.png"
    done = []
    window.saveFinished.connect(lambda p, e: done.append(e))
    window.save_to(out)
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    assert done == [""] and (255, 0, 255) in {tuple(c) for c in saved_colors(out)}


def test_a_palette_file_with_more_than_256_colors_keeps_the_most_used(qtbot, opened, tmp_path):
    win = opened
    rng = np.random.default_rng(3)
    colors = rng.integers(0, 256, size=(300, 3))
    gpl = tmp_path / "big.gpl"
    gpl.write_text("GIMP Palette\nName: big\n#\n" + "".join(f"{r} {g} {b} c\n" for r, g, b in colors))
    assert win.import_palette(gpl)
    qtbot.waitUntil(lambda: win.controller.options.palette is not None, timeout=30_000)
    wait_settled(qtbot, win)
    assert len(win.controller.options.palette) == 256
    assert palette_rows(win) <= {tuple(int(v) for v in c) for c in colors}
    assert "256" in win.banner.text() or "256" in win.statusBar().currentMessage()


def test_ctrl_shift_z_and_ctrl_y_both_redo_from_the_keyboard(qtbot, opened):
    """The platform's Redo keys are several (Ctrl+Y, Ctrl+Shift+Z); only the first was bound."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    win = opened
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    n = len(win.controller.full.palette)
    for redo_key in ((Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier), (Qt.Key_Y, Qt.ControlModifier)):
        win.delete_color(1)
        wait_settled(qtbot, win)
        QTest.keyClick(win, Qt.Key_Z, Qt.ControlModifier)
        wait_settled(qtbot, win)
        assert len(win.controller.full.palette) == n
        QTest.keyClick(win, *redo_key)
        wait_settled(qtbot, win)
        assert len(win.controller.full.palette) == n - 1
        win.undo_stack.undo()
        wait_settled(qtbot, win)


def test_no_two_actions_share_a_shortcut(opened):
    from PySide6.QtGui import QAction

    seen: dict[str, str] = {}
    for act in opened.findChildren(QAction):
        for seq in act.shortcuts():
            key = seq.toString()
            assert key not in seen, f"{key} is bound to both {seen[key]!r} and {act.text()!r}"
            seen[key] = act.text()


def test_merging_a_locked_color_is_refused_with_one_message(qtbot, opened):
    """The merged color is neither of the two: a lock on one stayed in K-means ("2 locked")
    with no swatch showing it, so it could not be undone from the palette."""
    win = opened
    win.palette_view.set_locked(0, True)
    wait_settled(qtbot, win)
    locked = tuple(win.controller.options.fixed)
    i = win.palette_view.locked()[0]
    other = 1 if i != 1 else 2
    before = win.undo_stack.count()
    win.palette_view.mergeRequested.emit(other, i)
    wait_settled(qtbot, win)
    assert "locked" in win.banner.text() and "unlock" in win.banner.text()
    assert win.undo_stack.count() == before and win.controller.options.fixed == locked
    assert win.controller.options.edits == ()


def test_recoloring_a_color_to_itself_changes_nothing_and_adds_no_undo_step(qtbot, opened):
    win = opened
    color = win.controller.shown.palette[0]
    before = win.undo_stack.count()
    win.set_palette_color(0, "#{:02x}{:02x}{:02x}".format(*(int(v) for v in color[:3])))
    assert win.undo_stack.count() == before and win.controller.options.edits == ()


@pytest.fixture
def opened_big(qtbot, window, tmp_path, photo):
    from .gui_helpers import big_photo

    p = tmp_path / "big.jpg"
    Image.fromarray(big_photo(photo)).save(p, quality=90)
    window.controls.k_spin.setValue(16)
    open_and_wait(qtbot, window, p, timeout=120_000)
    return window


def _hex(color) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in color[:3])


def test_recoloring_a_locked_color_changes_that_color_only(qtbot, opened_big, tmp_path):
    """The lock moved to the new color, K-means re-ran around it, and the recolor then matched
    a neighbor too: two magenta entries, 15 colors in the file (GUI review, 12 MP)."""
    win = opened_big
    pal = win.controller.full.palette[:, :3].astype(float)
    d = np.sqrt(((pal[:, None] - pal[None]) ** 2).sum(-1))
    np.fill_diagonal(d, 1e9)
    i = int(np.argmin(d.min(1)))  # the color with the closest neighbor
    old = tuple(int(v) for v in pal[i])
    win.editing.set_locked(i, True)
    wait_settled(qtbot, win, timeout=120_000)
    before = {_hex(c) for c in win.controller.full.palette}
    j = [k for k, c in enumerate(win.controller.shown.palette) if tuple(int(v) for v in c[:3]) == old][0]
    win.set_palette_color(j, "#ff00ff")
    wait_settled(qtbot, win, timeout=120_000)
    after = [_hex(c) for c in win.controller.full.palette]
    assert after.count("#ff00ff") == 1 and len(after) == 16
    assert set(after) == (before - {_hex(old)}) | {"#ff00ff"}  # nothing else changed
    m = after.index("#ff00ff")
    assert win.palette_view.locked() == [m]  # the padlock follows the swatch
    win.editing.set_locked(m, False)  # and unlocking the swatch unlocks it
    assert win.controller.options.fixed == ()
    out = tmp_path / "recolored.png"
    win.undo_stack.undo()  # back to locked and recolored
    wait_settled(qtbot, win, timeout=120_000)
    done = []
    win.saveFinished.connect(lambda p, e: done.append(e))
    win.save_to(out)
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    assert done == [""] and len(saved_colors(out)) == 16


def test_pressing_delete_twice_on_a_swatch_deletes_one_color(qtbot, opened_big):
    """The swatches show the old palette for a few hundred ms after an edit on 12 MP: a second
    Delete hit the neighbor of the color already deleted (16 -> 14 colors; GUI review)."""
    from PySide6.QtCore import Qt

    win = opened_big
    pv = win.palette_view
    pv.setFocus()
    pv.focus_slot = 0
    gone = _hex(win.controller.shown.palette[pv._order[0]])
    qtbot.keyClick(pv, Qt.Key.Key_Delete)
    qtbot.keyClick(pv, Qt.Key.Key_Delete)  # at once: the palette shown is still the old one
    assert len(win.controller.options.edits) == 1
    wait_settled(qtbot, win, timeout=120_000)
    colors = [_hex(c) for c in win.controller.full.palette]
    assert len(colors) == 15 and gone not in colors
    assert win.undo_stack.count() == 1


def test_a_deleted_or_recolored_lock_does_not_come_back_on_the_next_image(qtbot, opened, tmp_path, photo):
    """The lock stays on the color K-means keeps while its edit is pending; when the edits go
    (another image), the locks become what the user saw: deleted gone, recolored moved."""
    win = opened
    a = tuple(int(v) for v in win.controller.shown.palette[1][:3])
    b = tuple(int(v) for v in win.controller.shown.palette[2][:3])
    win.palette_view.set_locked(1, True)
    win.palette_view.set_locked(2, True)
    wait_settled(qtbot, win)
    index = {tuple(int(v) for v in c[:3]): i for i, c in enumerate(win.controller.shown.palette)}
    win.delete_color(index[a])
    wait_settled(qtbot, win)
    index = {tuple(int(v) for v in c[:3]): i for i, c in enumerate(win.controller.shown.palette)}
    win.set_palette_color(index[b], "#ff00ff")
    wait_settled(qtbot, win)
    other = tmp_path / "other.png"
    Image.fromarray(np.ascontiguousarray(photo[::-1])).save(other)
    open_and_wait(qtbot, win, other)
    assert win.controller.options.fixed == ((255, 0, 255),) and win.controller.options.edits == ()
    assert "#ff00ff" in [h.lower() for h in win.controller.full.hex_codes]
