"""The palette view on its own: locks, intents (signals and menu actions), keyboard, grid, sharpness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage

from kmeans_gui.widgets import palette_grid as grid
from kmeans_gui.widgets.palette_view import PaletteView

PALETTE = np.array([[200, 30, 30], [20, 20, 20], [240, 240, 240], [30, 90, 200], [250, 200, 0]], np.uint8)
ORDER = np.array([3, 1, 0, 4, 2])  # display order != palette order, so slot/index mix-ups show


def palette(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.permutation(np.stack(np.unravel_index(np.arange(n) * 97 % 4096, (16, 16, 16)), 1) * 16)[:n].astype(
        np.uint8)


@pytest.fixture
def view(qtbot):
    v = PaletteView()
    qtbot.addWidget(v)
    v.resize(300, 120)
    v.set_palette(PALETTE, np.array([5, 4, 3, 2, 1]), orders={"frequency": ORDER})
    v.show()
    qtbot.waitExposed(v)
    return v


def focused(qtbot, v: PaletteView) -> PaletteView:
    v.activateWindow()
    v.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(v.hasFocus)
    return v


def record(signal) -> list[tuple]:
    seen: list[tuple] = []
    signal.connect(lambda *args: seen.append(args))
    return seen


def test_set_locked_emits_once_and_set_locks_is_silent(view):
    toggles = record(view.lockToggled)
    view.set_locked(3, True)
    view.set_locked(3, True)  # no change, no signal
    assert view.locked() == [3] and toggles == [(3, True)]
    view.set_locks([0, 4, 99])  # the window's state: shown, not emitted; out-of-range ignored
    assert view.locked() == [0, 4] and toggles == [(3, True)]
    view.set_locked(4, False)
    assert view.locked() == [0] and toggles[-1] == (4, False)
    assert "(locked)" in view.swatch_tip(0) and "(locked)" not in view.swatch_tip(1)


def test_locks_follow_their_colors_into_a_new_palette(view):
    view.set_locks([0, 2])
    shuffled = PALETTE[[2, 4, 0, 1, 3]]  # red (0) is now 2, white (2) is now 0
    view.set_palette(shuffled, np.ones(5))
    assert view.locked() == [0, 2]
    view.set_palette(PALETTE[[1, 3]], np.ones(2))  # neither locked color is left
    assert view.locked() == []
    view.set_palette(PALETTE, np.ones(5), locked=[1])  # the window's word wins
    assert view.locked() == [1]


def test_key_l_toggles_the_focused_lock(qtbot, view):
    focused(qtbot, view)
    toggles = record(view.lockToggled)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.focus_slot == 1 and view.focused_index() == ORDER[1]
    qtbot.keyClick(view, Qt.Key.Key_L)
    qtbot.keyClick(view, Qt.Key.Key_L)
    assert toggles == [(ORDER[1], True), (ORDER[1], False)]
    qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # a chord stays the window's
    assert len(toggles) == 2


def test_double_click_changes_the_color_and_does_not_lock(qtbot, view):
    recolor = record(view.recolorRequested)
    toggles = record(view.lockToggled)
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=view.swatch_center(2))
    assert recolor == [(ORDER[2],)] and toggles == [] and view.locked() == []


def test_context_actions_emit_the_intents(qtbot, view):
    idx = int(ORDER[0])
    actions = view.context_actions(idx)
    assert list(actions) == ["copy", "lock", "recolor", "merge_with", "merge_selected", "delete"]
    assert [a.text() for a in actions.values()] == ["Copy hex code", "Lock color", "Change color…", "Merge with…",
                                                     "Merge selected", "Delete color"]
    assert not actions["merge_selected"].isEnabled()
    toggles, recolor, delete = record(view.lockToggled), record(view.recolorRequested), record(view.deleteRequested)
    actions["lock"].trigger()
    assert toggles == [(idx, True)] and view.context_actions(idx)["lock"].text() == "Unlock color"
    view.context_actions(idx)["lock"].trigger()
    assert toggles[-1] == (idx, False)
    actions["recolor"].trigger()
    actions["delete"].trigger()
    assert recolor == [(idx,)] and delete == [(idx,)]
    actions["copy"].trigger()
    assert QGuiApplication.clipboard().text() == view.colors()[0]


def test_merge_with_then_click_a_second_color(qtbot, view):
    merges, clicks = record(view.mergeRequested), record(view.colorClicked)
    view.context_actions(int(ORDER[0]))["merge_with"].trigger()
    assert view.merge_from == ORDER[0]
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.swatch_center(3))
    assert merges == [(ORDER[0], ORDER[3])] and clicks == [] and view.merge_from == -1
    view.start_merge(int(ORDER[1]))  # Escape cancels; the next click copies as usual
    focused(qtbot, view)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.swatch_center(4))
    assert len(merges) == 1 and clicks == [(ORDER[4],)]


def test_merge_with_from_the_keyboard(qtbot, view):
    focused(qtbot, view)
    merges = record(view.mergeRequested)
    view.context_actions(view.focused_index())["merge_with"].trigger()  # as from Shift+F10's menu
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert merges == [(ORDER[0], ORDER[1])]
    assert view.merge_from == -1 and view.selected == -1  # the Enter finished the merge; nothing copied


def test_escape_cancels_before_a_window_shortcut_and_passes_otherwise(qtbot, view):
    from PySide6.QtGui import QAction, QKeySequence

    fired = []
    cancel = QAction("Cancel", view.window())
    cancel.setShortcut(QKeySequence(Qt.Key.Key_Escape))
    cancel.triggered.connect(lambda: fired.append(1))
    view.window().addAction(cancel)
    focused(qtbot, view)
    view.start_merge(0)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.merge_from == -1 and fired == []  # the view's Escape: the pending merge ends
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert fired == [1]  # nothing pending: the window's Escape (cancel work) still works


def test_merge_selected_after_two_ctrl_clicks(qtbot, view):
    merges, clicks = record(view.mergeRequested), record(view.colorClicked)
    for slot in (4, 1):
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, view.swatch_center(slot))
    assert view.marked() == [ORDER[4], ORDER[1]] and clicks == []
    action = view.context_actions(0)["merge_selected"]
    assert action.isEnabled()
    action.trigger()
    assert merges == [(ORDER[4], ORDER[1])] and view.marked() == []


def test_merge_selected_from_the_keyboard(qtbot, view):
    focused(qtbot, view)
    merges = record(view.mergeRequested)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.keyClick(view, Qt.Key.Key_End)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    view.context_actions(view.focused_index())["merge_selected"].trigger()
    assert merges == [(ORDER[0], ORDER[4])]


def test_arrows_and_enter_copy_the_focused_color(qtbot, view):
    QGuiApplication.clipboard().setText("")
    focused(qtbot, view)
    clicks = record(view.colorClicked)
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Right):
        qtbot.keyClick(view, key)
    assert view.focus_slot == 3
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert QGuiApplication.clipboard().text() == view.colors()[3] == "#fac800"
    assert clicks == [(ORDER[3],)] and view.selected == ORDER[3]
    qtbot.keyClick(view, Qt.Key.Key_Enter)  # again: the highlight goes, as with a second click
    assert clicks[-1] == (-1,)
    assert view.colors()[3] in view.accessibleDescription()  # a screen reader hears the focused color
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.focus_slot == 0
    qtbot.keyClick(view, Qt.Key.Key_Left)  # stays at the edge
    assert view.focus_slot == 0


def test_up_and_down_move_by_a_row(qtbot, view):
    view.resize(3 + 2 * (grid.SWATCH + grid.GAP), 200)  # two columns
    focused(qtbot, view)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.focus_slot == 4
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.focus_slot == 2


def test_delete_and_f2_keys(qtbot, view):
    focused(qtbot, view)
    delete, recolor = record(view.deleteRequested), record(view.recolorRequested)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert delete == [(ORDER[1],)] and recolor == [(ORDER[1],)]
    view.set_palette(PALETTE[:1], np.ones(1))  # the last color cannot be deleted
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert len(delete) == 1 and not view.context_actions(0)["delete"].isEnabled()


def test_click_copies_and_highlights_as_before(qtbot, view):
    clicks = record(view.colorClicked)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.swatch_center(0))
    assert QGuiApplication.clipboard().text() == view.colors()[0] and clicks == [(ORDER[0],)]
    qtbot.mouseClick(view, Qt.MouseButton.RightButton, pos=view.swatch_center(1))  # the menu, not a copy
    assert clicks == [(ORDER[0],)]
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.swatch_center(0))
    assert clicks[-1] == (-1,)


def test_view_is_named_and_every_swatch_has_a_tooltip(view):
    assert view.accessibleName() == "paletteView" and view.toolTip()
    assert all(k in view.accessibleDescription() for k in ("Arrow", "Enter", "Delete", "F2", " L "))
    assert view.focusPolicy() & Qt.FocusPolicy.TabFocus
    for i in range(len(PALETTE)):
        assert view.swatch_tip(i).startswith(f"#{PALETTE[i][0]:02x}")


@given(n=st.integers(65, 256), width=st.integers(200, 700))
def test_compact_grid_fits_the_bound(n, width):
    swatch, gap = grid.cell(n, width)
    assert grid.COMPACT_MIN <= swatch <= grid.COMPACT_SWATCH
    assert grid.grid_height(n, width, swatch, gap) <= grid.BOUNDED_HEIGHT
    assert all(grid.slot_rect(s, width, swatch, gap).right() < width for s in range(n))


@given(n=st.integers(1, 256), slot=st.integers(0, 255), cols=st.integers(1, 20),
       step=st.sampled_from(["left", "right", "up", "down", "home", "end"]))
def test_arrow_moves_stay_on_a_swatch(n, slot, cols, step):
    slot = min(slot, n - 1)
    assert 0 <= grid.moved(slot, step, n, cols) < n


def test_swatches_are_sharp_at_device_pixel_ratio_2(view):
    img = QImage(view.width() * 2, view.height() * 2, QImage.Format.Format_RGB32)
    img.setDevicePixelRatio(2)
    img.fill(0)
    view.render(img)
    for slot, idx in enumerate(ORDER):
        r = view._rect(slot)
        inner = [(x, y) for x in range(2 * r.left() + 2, 2 * r.right()) for y in range(2 * r.top() + 2, 2 * r.bottom())]
        colors = {img.pixelColor(x, y).getRgb()[:3] for x, y in inner}
        assert colors == {tuple(int(v) for v in PALETTE[idx])}, slot  # every device pixel exact: no blurry edge
