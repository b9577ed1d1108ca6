"""The quantizer's policy lives in core.plan: one place for modes, K cut-offs and restarts."""

from __future__ import annotations

import core.quantize as quantize_module
from core import plan


def test_draft_first_above_the_cut_off():
    assert not plan.draft_first(plan.DRAFT_ABOVE_K)
    assert plan.draft_first(plan.DRAFT_ABOVE_K + 1)
    assert quantize_module.draft_first is plan.draft_first  # the GUI may import it from either


def test_plan_for_modes():
    assert plan.plan_for(256, preview=False) is plan.FULL_PLAN
    assert plan.plan_for(plan.PREVIEW_FINE_BINS_ABOVE_K, preview=True) is plan.PREVIEW_PLAN_SMALL_K
    assert plan.plan_for(plan.PREVIEW_FINE_BINS_ABOVE_K + 1, preview=True) is plan.PREVIEW_PLAN
    assert quantize_module.DRAFT_PLAN is plan.DRAFT_PLAN


def test_restart_ladder_shrinks_with_k_and_preview_uses_one():
    ladder = [plan.default_n_init(k, preview=False) for k in (2, 8, 9, 16, 17, 32, 33, 128, 129, 256)]
    assert ladder == [10, 10, 6, 6, 4, 4, 2, 2, 1, 1]
    assert plan.default_n_init(16, preview=True) == 1


def test_seven_bit_level_only_for_large_histograms():
    p = plan.FULL_PLAN
    assert plan.coarse_bits(p, 8, plan.SEVEN_BIT_MIN_COLORS + 1, max(2, plan.SEVEN_BIT_MIN_K)) == [4, 5, 6, 7]
    assert plan.coarse_bits(p, 8, plan.SEVEN_BIT_MIN_COLORS, 256) == [4, 5, 6]
    assert plan.coarse_bits(plan.PREVIEW_PLAN, 7, 10**6, 256) == [4, 5, 6]


def test_full_mode_stops_on_small_gains_and_previews_do_not_look_at_gains():
    assert 0 < plan.FULL_PLAN.coarse_min_gain <= 1e-3 and 0 < plan.FULL_PLAN.final_min_gain <= 1e-3
    assert 1 < plan.FULL_PLAN.relax < 2  # over-relaxation below 2 never increases the inertia
    for p in (plan.PREVIEW_PLAN, plan.PREVIEW_PLAN_SMALL_K, plan.DRAFT_PLAN):
        assert p.coarse_min_gain == 0 and p.final_min_gain == 0 and p.relax == 1


def test_a_seven_bit_level_that_saves_little_is_dropped_only_at_large_k():
    assert plan.seven_bit_max_points(100_000, plan.SEVEN_BIT_SHARE_ABOVE_K) is None
    assert plan.seven_bit_max_points(100_000, plan.SEVEN_BIT_SHARE_ABOVE_K + 1) == int(
        plan.SEVEN_BIT_MAX_SHARE * 100_000)


def test_large_k_loosens_only_its_own_levels_and_only_in_full_mode():
    p = plan.FULL_PLAN
    assert p.coarse_gain(p.large_k) == p.coarse_min_gain and p.final_gain(p.large_k) == p.final_min_gain
    assert p.coarse_min_gain < p.coarse_gain(p.large_k + 1) <= 1e-2
    assert p.final_min_gain < p.final_gain(p.large_k + 1) <= 1e-2
    for preview in (plan.PREVIEW_PLAN, plan.PREVIEW_PLAN_SMALL_K, plan.DRAFT_PLAN):
        assert preview.coarse_gain(256) == 0 and preview.final_gain(256) == 0


def test_large_k_converges_after_7_bit_bins_only_when_they_hide_more():
    p = plan.FULL_PLAN
    assert 0 < p.fine_bins_share(p.large_k) == p.max_fine_bins_share < p.fine_bins_share(p.large_k + 1)
    assert plan.PREVIEW_PLAN.fine_bins_share(256) == 0  # previews never converge on exact colors


def test_the_start_level_is_refined_more_readily_up_to_large_k():
    p = plan.FULL_PLAN
    assert 0 < p.hidden_share(p.large_k) == p.max_hidden_share < p.hidden_share(p.large_k + 1)
    assert p.hidden_share(p.large_k + 1) == p.large_k_max_hidden_share


def test_the_restarts_start_finer_only_for_k_33_to_63():
    p = plan.FULL_PLAN
    assert [p.init_points(k) for k in (32, 33, 48, 63, 64, 256)] == [8, 32, 32, 32, 8, 8]
    assert plan.PREVIEW_PLAN.init_points(48) == plan.PREVIEW_PLAN.init_points_per_cluster
