"""How hard the quantizer works: the one place that decides, per mode and per K.

Three modes share one pipeline and differ only in a :class:`Plan`:

- **full** (:data:`FULL_PLAN`): K-means on the exact distinct colors, reached through coarser
  binned levels. Lloyd updates are over-relaxed (centroids move 1.8x the way to their
  cluster's mean; the inertia still never increases, and a run always ends on a plain update),
  which reaches a lower inertia in the same number of updates. Coarse levels stop once an
  update lowers the inertia by less than ``coarse_min_gain`` (1e-3) of its value, the exact
  level at ``final_min_gain`` (3e-4) or the loose tolerance (above K = 128: 3e-3 and 1e-3,
  see ``large_k``). Measured on scikit-image's photos
  (K = 16, 64, 256, one process, one thread): plain updates converged on every level took 169
  updates and 6.2 s at 12 MP K = 256 (MSE 9.473); plain with a 3e-4 gain rule 37 updates, 1.7 s
  (MSE 9.532); relaxed with 1e-3 / 3e-4, 28 updates, 1.2 s (MSE 9.524). On the five 0.25 MP
  photos the mean MSE against scikit-learn went 0.997 -> 0.993 and the worst 1.016 -> 1.012 at
  about the same number of updates; a 1e-3 rule on the exact level as well saved 10-30 % more
  updates at K >= 64 but let the worst case reach 1.018 (rocket, K = 64).
  Photos with more than :data:`SEVEN_BIT_MIN_COLORS` colors go through a level of 7-bit bins
  instead, where Lloyd converges; the exact colors then get one plain update
  (``polish_after_fine_bins``), and none above :data:`POLISH_MAX_COLORS` (where the 7-bit level
  stops by the finest level's rules), unless the bins hide
  too much of the inertia for that (``max_fine_bins_share``): then Lloyd converges on them too.
- **preview** (:data:`PREVIEW_PLAN`, :data:`PREVIEW_PLAN_SMALL_K` up to
  :data:`PREVIEW_FINE_BINS_ABOVE_K`): bins instead of exact colors, answered within a slider drag.
- **draft** (:data:`DRAFT_PLAN`): a rougher first look the GUI shows before the preview when
  :func:`draft_first` says K is large enough to need one.

Restarts (:func:`default_n_init`) run on the coarsest usable level, where they are cheap; few
clusters have few, far-apart local optima, so small K gets more restarts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """How hard each stage works.

    base_bits: bits per channel of the finest level (8 = exact colors).
    coarse_bits: coarser levels visited on the way (4-bit bins first).
    coarse_tol_factor: multiplies the tolerance on coarse levels.
    final_max_iter: cap on Lloyd updates at the finest level (None = the caller's max_iter).
    init_points_per_cluster: initialization runs on the coarsest level with at least this many
        points per cluster (k-means++ seeds better with more points, but costs more).
    final_tol_factor: multiplies the tolerance on the finest level.
    coarse_min_gain, final_min_gain: stop a level once one update lowers the inertia by less
        than this fraction (0 = only the tolerance stops it).
    polish_after_fine_bins: after a level of 7-bit bins, the exact colors get one plain
        Lloyd update instead of a converged run (:func:`core.cluster.polish`): they are
        assigned to the converged centroids, which then move to their clusters' exact means.
        Above :data:`POLISH_MAX_COLORS` distinct colors not even that: the labels come from
        the bins and the palette stage assigns the exact colors.
    relax: over-relaxation of the Lloyd update (see :func:`core.lloyd.lloyd`; 1 = plain).
    lone_start_min_gain: with a single run (no restarts to rank), the level it starts on stops
        at this gain instead (0 = ``coarse_min_gain``): the finer levels converge anyway.
        At K = 256 on the five 0.25 MP photos, 3e-2 instead of 1e-3 gave the same MSE
        (mean -0.02 %) for ~7 % less time.
    large_k, large_k_final_min_gain: above ``large_k`` clusters the finest level stops at
        this gain instead of ``final_min_gain``. Only photos whose exact colors are clustered
        directly (no 7-bit level) are affected: at K = 256, 1e-3 instead of 3e-4 took chelsea
        from 19 to 13 updates in all, MSE +0.19 % (0.991 -> 0.993 x scikit-learn's), and
        rocket from 31 to 25, MSE +0.25 % (1.008 -> 1.011 x), for 10-30 % less time; the
        other three photos converge on 7-bit bins and did not change. At K = 64 the same rule
        let rocket reach 1.018 x, so it starts above 128 (where one run is made, no restarts).
    large_k_coarse_min_gain: above ``large_k`` the levels between the start and the finest
        stop at this gain instead of ``coarse_min_gain`` (0 = no change): the finest level
        converges anyway. At K = 256, 3e-3 instead of 1e-3 cut the updates on the five
        0.25 MP photos from 22/25/13/25/23 to 17/17/13/20/16 and the time by 7-17 % (chelsea,
        which has no level in between, unchanged), for a mean MSE against scikit-learn of
        1.0032 -> 1.0055 x (worst 1.011 -> 1.012, rocket); 1e-2 cost more (mean 1.0085,
        worst 1.014).
    max_hidden_share: the level the restarts start on is too coarse when its bins hide more
        than this share of the estimated inertia beyond one average cluster's worth each (a
        bin's hidden spread: its base points' squared distances to its mean; the estimate:
        the level's inertia plus all bins' spread): each bin gets at most one seed there. The
        restarts then run again one level finer (0 = never; see
        :func:`core.cluster.hides_clusters`). Photos with a large, noisy, nearly uniform
        region need it. Against scikit-learn's MSE, 0 -> 0.2: scikit-image's Hubble deep field
        (a dark noisy sky) 1.045 / 1.083 / 1.081 -> 1.008 / 0.990 / 1.001 at K = 64 / 128 /
        256; a synthetic sky (noise around 12, a twelfth of the pixels random colors) 1.046 /
        1.148 / 1.306 -> 0.999 / 1.009 / 1.018; a noisy two-tone page at K = 16 1.045 / 1.021
        -> 1.007 / 0.969. Of the five benchmark photos only rocket at K = 64 changed (1.007 ->
        1.004, ~10 % more time). 0.15 also refined rocket at K = 256 (1.012 -> 1.000, ~25 %
        more time) and the sky at K = 256 a second time (-> 0.997); a rule on the largest bin
        alone could not tell the page at K = 16 (4 clusters' worth) from astronaut at K = 256
        (4.4, where refining cost 50 % more time and 0.5 % MSE). Up to ``large_k`` it is 0.1
        (``large_k_max_hidden_share`` keeps 0.2 above): a synthetic UI screenshot (flat panels,
        anti-aliased text, 8,373 colors) at K = 64 went from 1.004x scikit-learn's MSE on
        average over seeds 0-2 (worst 1.033x) to 0.932x (worst 0.959x); on eleven 0.25 MP
        photos at K = 16 and 64 only hubble at K = 16 changed (1.003 -> 0.997); at K = 256 it
        would refine rocket again (see 0.15 above), hence 0.2 there.
    max_fine_bins_share: after a level of 7-bit bins, the exact colors get a converged run
        instead of one polish update when the bins hide more than this share of the inertia
        (:func:`core.cluster.bins_too_coarse`; 0 = always polish). Clusters then are only a
        few bins wide and the bins misplace their boundaries. Measured against scikit-learn's
        MSE on photos the engine was not tuned on: scikit-image's retina (downscaled to 512 x
        512, smooth gradients, the bins hide 2.3 % / 5.8 % of the inertia at K = 64 / 256) went
        1.025 / 1.024 -> 1.009 / 1.005 for 82 -> 138 ms and 96 -> 165 ms. Above ``large_k``
        the limit is ``large_k_max_fine_bins_share`` (0.04): converging there costs ~50 % more
        time, and at 0.02 the rule also took coffee at K = 256 (3.1 %: 1.010 -> 0.998 for
        121 -> 187 ms, 1.34x libimagequant's time). Astronaut and both motorcycles at K = 256
        hide 1.8-2.0 %, and at K <= 64 every other photo hides < 1.5 % (converging bought
        0-0.7 % there): they keep the polish.
    mid_k, mid_k_init_points_per_cluster: for K in the range ``mid_k`` (both ends included)
        the restarts start on a level with at least this many points per cluster instead of
        ``init_points_per_cluster`` (there two restarts are run). Against scikit-learn's
        seed-0 MSE on eight cases at K = 40, 48 and 56 (coffee, motorcycle, chelsea, rocket,
        astronaut), 8 -> 32 took the worst from 1.027x (coffee K = 56) to 1.016x and the mean
        from 1.014x to 1.007x (one case rose, rocket K = 56, 1.000 -> 1.006). Relative to 8 on
        six photos, the MSE changed by -1.4 % to 0 % at K = 32 and 96, and by -1.25 % to
        +0.67 % at K = 64 (mean -0.16 %), for -25 % to +50 % time (at K = 64, in fresh
        processes: chelsea 0.086 -> 0.120 s, astronaut 0.138 -> 0.163 s, against 0.08 and
        0.15 s for libimagequant). At K = 24 it was mixed (coffee +3.8 %, rocket -2.2 %) and
        at K = 256 it cost up to 2.2x the time, so it applies from K = 33 to 63 only, where it
        bought the most; K = 64-128 (the K = 96 cases gained up to 1.3 %) keep 8.
    ward_seeds: on histograms with a few colors per cluster (:func:`core.ward.worth_trying`),
        Ward's agglomerative seeds run as one more restart on the exact colors. Full mode only:
        at 1,024 colors and K = 256 it costs ~0.15 s, too much for a slider drag.
    """

    base_bits: int
    coarse_bits: tuple[int, ...]
    coarse_tol_factor: float
    final_max_iter: int | None
    init_points_per_cluster: int
    final_tol_factor: float = 1.0
    coarse_min_gain: float = 0.0
    final_min_gain: float = 0.0
    polish_after_fine_bins: bool = False
    relax: float = 1.0
    lone_start_min_gain: float = 0.0
    large_k: int = 0
    large_k_final_min_gain: float = 0.0
    large_k_coarse_min_gain: float = 0.0
    max_hidden_share: float = 0.0
    large_k_max_hidden_share: float = 0.0
    max_fine_bins_share: float = 0.0
    large_k_max_fine_bins_share: float = 0.0
    ward_seeds: bool = False
    mid_k: tuple[int, int] = (0, 0)
    mid_k_init_points_per_cluster: int = 0

    def init_points(self, k: int) -> int:
        """Points per cluster the start level needs for ``k`` clusters (see ``mid_k``)."""
        mid = self.mid_k[0] <= k <= self.mid_k[1] and self.mid_k_init_points_per_cluster
        return self.mid_k_init_points_per_cluster if mid else self.init_points_per_cluster

    def final_gain(self, k: int) -> float:
        """The finest level's stopping gain for ``k`` clusters (see ``large_k_final_min_gain``)."""
        return self.large_k_final_min_gain if self.large_k and k > self.large_k else self.final_min_gain

    def hidden_share(self, k: int) -> float:
        """The most the start level's bins may hide for ``k`` clusters (see ``max_hidden_share``)."""
        large = self.large_k and k > self.large_k and self.large_k_max_hidden_share
        return self.large_k_max_hidden_share if large else self.max_hidden_share

    def fine_bins_share(self, k: int) -> float:
        """The most the 7-bit bins may hide before ``k`` clusters converge on the exact colors."""
        large = self.large_k and k > self.large_k and self.large_k_max_fine_bins_share
        return self.large_k_max_fine_bins_share if large else self.max_fine_bins_share

    def coarse_gain(self, k: int) -> float:
        """The coarser levels' stopping gain for ``k`` clusters (see ``large_k_coarse_min_gain``)."""
        large = self.large_k and k > self.large_k and self.large_k_coarse_min_gain
        return self.large_k_coarse_min_gain if large else self.coarse_min_gain


FULL_PLAN = Plan(base_bits=8, coarse_bits=(4, 5, 6), coarse_tol_factor=0.1, final_max_iter=None,
                 init_points_per_cluster=8, final_tol_factor=10.0, coarse_min_gain=1e-3,
                 final_min_gain=3e-4, polish_after_fine_bins=True, relax=1.8,
                 lone_start_min_gain=3e-2, large_k=128, large_k_final_min_gain=1e-3,
                 large_k_coarse_min_gain=3e-3, max_hidden_share=0.1, large_k_max_hidden_share=0.2,
                 max_fine_bins_share=0.02,
                 large_k_max_fine_bins_share=0.04, ward_seeds=True, mid_k=(33, 63), mid_k_init_points_per_cluster=32)
#: The GUI's live path: bin centers, loosely converged coarse levels, few final iterations.
PREVIEW_PLAN = Plan(base_bits=7, coarse_bits=(4, 5, 6), coarse_tol_factor=10.0, final_max_iter=3,
                    init_points_per_cluster=4)
#: Small K needs less resolution: 6-bit bins keep the preview within a slider drag.
PREVIEW_PLAN_SMALL_K = Plan(base_bits=6, coarse_bits=(4, 5), coarse_tol_factor=1.0, final_max_iter=3,
                            init_points_per_cluster=4)
#: A first, rougher look for large K (6-bit bins): the GUI shows it while PREVIEW_PLAN runs.
DRAFT_PLAN = Plan(base_bits=6, coarse_bits=(4, 5), coarse_tol_factor=30.0, final_max_iter=1,
                  init_points_per_cluster=2)

#: Preview above this K clusters 7-bit bins instead of 6-bit ones.
PREVIEW_FINE_BINS_ABOVE_K = 32
#: Above this K the GUI shows a draft before the preview (the preview takes > ~150 ms there).
DRAFT_ABOVE_K = 48
#: Restarts refined one level further before the best is kept: the coarsest level ranks them
#: only roughly at small K. Above FINALISTS_MAX_K the ranking is already stable. Three, not
#: six: on the five 0.25 MP photos at K = 8-64 the MSE was the same in 13 of 15 cases
#: (chelsea K = 16 0.8 % lower, mean 0.9966 -> 0.9962) for ~15 ms less per photo at K = 16;
#: two cost rocket K = 16 2 %.
FINALISTS = 3
FINALISTS_MAX_K = 64
#: Finalists are ranked after at most this many updates on the finer level; the winner then
#: continues. Measured against ranking fully converged finalists (K = 16, 64, five photos):
#: the same MSE in 8 of 10 cases, coffee K = 16 0.3 % lower, motorcycle K = 16 0.8 % higher
#: (still below libimagequant's), 10-30 % less time at K = 16; 3 updates cost chelsea K = 16 3.5 %.
FINALIST_ITERS = 5
#: An exact histogram of more than SEVEN_BIT_MIN_COLORS colors gets an extra level of 7-bit
#: bins (2 levels per channel per bin; 1.4-3x fewer points than exact colors on photos):
#: Lloyd converges there, and the exact colors get one update (``polish_after_fine_bins``).
#: Measured on the five 0.25 MP photos, K = 8-256, against converging on the exact colors:
#: 1.5-2.5x less time at K = 64 and 256, mean MSE against scikit-learn 0.994 -> 0.996, worst
#: 1.013 -> 1.017 (rocket). Converging on the exact colors after the 7-bit level bought
#: < 0.2 % more for 2-3 more updates there.
SEVEN_BIT_MIN_K = 1
SEVEN_BIT_MIN_COLORS = 20_000
#: ... and, above SEVEN_BIT_SHARE_ABOVE_K, only when its bins are at most this share of the
#: exact colors. Where they are not (chelsea 68 %, rocket 73 %), Lloyd on the bins costs about
#: what it costs on the colors, and at large K (one or two runs, clusters of a few hundred
#: colors) converging on the exact colors buys the most: rocket K = 256 went 1.019x -> 1.009x
#: scikit-learn's MSE, chelsea K = 256 0.996x -> 0.991x, for 0-65 ms more. At K <= 64 the
#: restarts decide more of the quality and the converged run cost chelsea K = 16 1.6x the time
#: (0.069 -> 0.112 s) for 1.010x -> 1.001x, so the level stays there.
SEVEN_BIT_MAX_SHARE = 0.6
SEVEN_BIT_SHARE_ABOVE_K = 64


def seven_bit_max_points(distinct: int, k: int) -> int | None:
    """The most 7-bit bins worth a level for ``distinct`` exact colors at ``k`` (None: any)."""
    return int(SEVEN_BIT_MAX_SHARE * distinct) if k > SEVEN_BIT_SHARE_ABOVE_K else None
#: Above this many exact colors even the one update is skipped (labels come from the 7-bit
#: bins and the palette stage assigns the exact colors). At 12 MP, K = 16: 0.84 -> 0.61 s CPU
#: for MSE +0.04 % against converging on the exact colors. The 7-bit level then stops by the
#: finest level's rules (``final_min_gain``, not ``coarse_min_gain``): with the coarse 1e-3 it
#: stopped after one update on scikit-image's color photo upscaled 3x (1.2 MP, K = 64: the
#: first update gained 7.5e-4, and six updates later the relaxed ones gained 1.2e-3 again),
#: 1.023x scikit-learn's MSE; now 1.006x for 0.19 -> 0.31 s. Elsewhere 0-0.4 % lower MSE for
#: 0-20 % more time (astronaut at 12 MP: K = 16 unchanged, K = 64 0.70 -> 0.67 s, K = 256 0.71 ->
#: 0.79 s, 0.3 % lower MSE).
POLISH_MAX_COLORS = 300_000


def plan_for(k: int, preview: bool) -> Plan:
    """The plan for ``k`` colors in full or preview mode."""
    if not preview:
        return FULL_PLAN
    return PREVIEW_PLAN if k > PREVIEW_FINE_BINS_ABOVE_K else PREVIEW_PLAN_SMALL_K


def draft_first(k: int) -> bool:
    """Whether the GUI should show a :data:`DRAFT_PLAN` result before the preview."""
    return k > DRAFT_ABOVE_K


def default_n_init(k: int, preview: bool) -> int:
    """Restarts: 10 for k <= 8, 6 for k <= 16, 4 for k <= 32, 2 for k <= 128, then 1; 1 in
    preview mode. At K = 256 a second restart changed the MSE by -0.5 % to +0.4 % on the five
    0.25 MP photos (mean unchanged) for 10-30 % of the time, so it is not run. A third restart
    above K = 32 found the same MSE on the five photos at K = 48 and 64 except motorcycle
    K = 48 (0.6 % lower), for 14-17 % more time; at K = 24 it found 0.7-2.4 % lower MSE on two
    of five, so it stays up to K = 32. A fourth there: on chelsea, rocket, coffee, astronaut
    and motorcycle at K = 18, 20, 22, 24, 26, 28 and 32 (35 cases, against scikit-learn's
    seed-0 MSE) the cases above 1.02x went from three (coffee and motorcycle K = 20, 1.028x
    and 1.029x; rocket K = 24, 1.024x) to one (rocket K = 24), the mean from 0.9969x to
    0.9951x; two cases rose (chelsea K = 18 1.010 -> 1.018, K = 22 1.002 -> 1.007), since the
    finalists are chosen on a coarse level. It costs 3-16 % more time (K = 24: chelsea
    35 -> 36 ms, astronaut 81 -> 94 ms). Five restarts were not better (astronaut K = 32
    1.011 -> 1.029)."""
    if preview:
        return 1
    return 10 if k <= 8 else 6 if k <= 16 else 4 if k <= 32 else 2 if k <= 128 else 1


def finalists(k: int) -> int:
    """How many of the best restarts are refined one level further before choosing."""
    return FINALISTS if k <= FINALISTS_MAX_K else 1


def coarse_bits(plan: Plan, base_bits: int, distinct: int, k: int) -> list[int]:
    """Coarser levels worth visiting above a histogram of ``distinct`` points at ``base_bits``."""
    bits = [b for b in plan.coarse_bits if b < base_bits]
    if base_bits == 8 and k >= SEVEN_BIT_MIN_K and distinct > SEVEN_BIT_MIN_COLORS:
        bits.append(7)
    return bits
