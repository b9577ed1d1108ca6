"""Coarse-to-fine weighted K-means over histogram levels: the clustering stage of quantize.

Restarts (k-means++ and Lloyd) run on the coarsest level with enough points, where they are
cheap, unless one of its bins hides too much spread for a single seed (:func:`hides_clusters`:
then they run again one level finer); histograms with a few colors per cluster also get
Ward's agglomerative seeds as one more restart (:mod:`core.ward`). The best few are refined one level further and the winner continues level by level
down to the finest, each time with Hamerly bounds inherited from the parent bins (a point's
distance to its parent is added to the bounds). After a level of 7-bit bins the exact colors
get a single update (:func:`polish`), or none on very large histograms, or a converged run when
the bins hide too much of the inertia (:func:`bins_too_coarse`; see :mod:`core.plan`).
Independent runs (restarts, finalists) go to the shared pool; their seeds are drawn in order
first, so the pool never changes the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import parallel
from .distances import CentroidNeighbors, nearest_two, sq_distance_to_assigned
from .gray import optimal_runs
from .histogram import Level
from .kmeans import initial_centroids, tolerance
from .lloyd import LloydResult, bounded_reassign, lloyd, shrink_lower
from .plan import FINALIST_ITERS, POLISH_MAX_COLORS, Plan, finalists
from .seeds import SeedStream
from .ward import ward_seeds, worth_trying

ProgressFn = Callable[[float, str], None]


@dataclass
class Clustering:
    """What :func:`coarse_to_fine` leaves on the finest level: centroids, labels and Hamerly bounds."""

    centroids: np.ndarray
    labels: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    n_iter: int = 0
    history: list[float] = field(default_factory=list)
    converged: bool = True

    @classmethod
    def exact(cls, X: np.ndarray) -> Clustering:
        """Every point is its own centroid (no more distinct colors than K)."""
        n = len(X)
        return cls(X, np.arange(n), np.zeros(n), np.full(n, np.inf))


def exact_on_gray_axis(X: np.ndarray, w: np.ndarray, k: int) -> Clustering:
    """The optimal clustering of gray points (``X`` rows with R = G = B, see :mod:`core.gray`),
    with exact Hamerly bounds for the palette stage."""
    order = np.argsort(X[:, 0], kind="stable")
    labels = np.empty(len(X), dtype=np.intp)
    labels[order] = optimal_runs(X[order, 0], w[order], k)
    m = int(labels.max()) + 1
    W = np.bincount(labels, weights=w, minlength=m)
    C = np.stack([np.bincount(labels, weights=w * X[:, j], minlength=m) for j in range(X.shape[1])], axis=1)
    C = np.rint(C / W[:, None])  # the whole-number centers the runs were chosen for
    upper = np.sqrt(sq_distance_to_assigned(X, C, labels))
    nearest, d1, d2 = nearest_two(X, C)
    lower = np.where(nearest == labels, d2, d1)  # the nearest other centroid is at least this far
    inertia = float(np.sum(w * upper * upper))
    return Clustering(C, labels, upper, lower, 0, [inertia], True)


def _refine(prev: LloydResult | Clustering, lv: Level, **kw) -> LloydResult:
    """Lloyd on a finer level, starting from ``prev``'s centroids with inherited bounds."""
    return lloyd(lv.X, lv.w, prev.centroids, labels=prev.labels[lv.parent],
                 upper=prev.upper[lv.parent] + lv.radius, lower=prev.lower[lv.parent] - lv.radius, **kw)


#: Independent runs (restarts, finalists) go to the pool only on levels with at least this many
#: points: below it NumPy keeps the GIL for most of a run, so threads would only take turns.
POOL_MIN_POINTS = 1 << 14


def _each(fn: Callable[[int], LloydResult], n: int, points: int) -> list[LloydResult]:
    """``[fn(0), ..., fn(n - 1)]``, on the pool when the runs are big enough to gain from it."""
    if points < POOL_MIN_POINTS:
        return [fn(i) for i in range(n)]
    return parallel.map_chunks(lambda i, _: fn(i), n, 1)


def _inherit(prev: LloydResult, lv: Level, n_iter: int, history: list[float], converged: bool) -> Clustering:
    """The finer level's labels and bounds taken from the parent bins, without a Lloyd update."""
    p = lv.parent
    return Clustering(prev.centroids, prev.labels[p], prev.upper[p] + lv.radius, prev.lower[p] - lv.radius,
                      n_iter, history, converged)


def polish(prev: LloydResult, lv: Level, n_iter: int, history: list[float], converged: bool,
           n_fixed: int = 0) -> Clustering:
    """One plain Lloyd update on the finer level ``lv``: its points are assigned to ``prev``'s
    centroids (bounds inherited from the parent bins), then every centroid moves to its
    cluster's exact mean (fixed centroids and those of empty clusters stay). The bounds are
    carried over the move, so the palette stage's assignment still starts from valid ones;
    the inertia of the update is appended to ``history``."""
    cl = _inherit(prev, lv, n_iter, list(history), converged)
    X, w, C, labels = lv.X, lv.w, cl.centroids, cl.labels
    bounded_reassign(X, C, labels, cl.upper, cl.lower)
    k = len(C)
    W = np.bincount(labels, weights=w, minlength=k)
    S = np.stack([np.bincount(labels, weights=w * X[:, j], minlength=k) for j in range(X.shape[1])], axis=1)
    new_C = C.copy()
    moving = W > 0
    moving[:n_fixed] = False
    new_C[moving] = S[moving] / W[moving, None]
    delta = np.sqrt(np.sum((new_C - C) ** 2, axis=1))
    cl.upper += delta[labels]
    shrink_lower(cl.lower, labels, delta, cl.upper, CentroidNeighbors(new_C) if k >= 2 else None)
    cl.centroids = new_C
    # Inertia after the move, from the cluster sums: sum w|x|^2 - 2 C.S + W |C|^2.
    q = float(np.sum(w * np.einsum("ij,ij->i", X, X)))
    inertia = q - 2.0 * float(np.sum(new_C * S)) + float(np.sum(W * np.einsum("ij,ij->i", new_C, new_C)))
    cl.history.append(max(inertia, 0.0))
    cl.n_iter += 1
    return cl


def bins_too_coarse(exact: Level, bins_inertia: float, limit: float) -> bool:
    """Whether a clustering converged on 7-bit bins needs to converge again on the exact colors.

    The exact colors' squared distances to their bins' means (``exact.radius``) are what the
    bins hide; when that is more than ``limit`` of the inertia on the exact colors (the bins'
    inertia plus the hidden spread), clusters are only a few bins wide and one update cannot
    repair where the bins put their boundaries. ``limit`` 0 never says so.
    """
    if not limit or exact.radius is None:
        return False
    hidden = float(np.sum(exact.w * exact.radius * exact.radius))
    total = bins_inertia + hidden
    return total > 0.0 and hidden > limit * total


def hides_clusters(lv: Level, inertia: float, k: int, limit: float) -> bool:
    """Whether the bins of ``lv`` hide too much spread for one seed each.

    A coarse level gets at most one seed per bin, and Lloyd on the finer levels rarely pulls
    centroids away from where they settled, so heavy bins with a wide spread inside them (the
    dark, noisy sky of an astronomical photo, the paper of a scanned page) stay under-served.
    ``inertia`` is the level's clustering inertia; with every bin's hidden spread added, it
    estimates the inertia on the base points, and ``est / k`` is an average cluster's share.
    True when what the bins hide beyond one average cluster each is more than ``limit`` of
    the estimate. ``limit`` 0 never says so.
    """
    if not limit or lv.spread is None or not len(lv.spread):
        return False
    estimate = inertia + float(lv.spread.sum())
    if estimate <= 0.0:
        return False
    beyond = np.maximum(lv.spread - estimate / k, 0.0)
    return float(beyond.sum()) > limit * estimate


def coarse_to_fine(
    levels: list[Level], k: int, *, seed: int, init: str, n_init: int, max_iter: int, tol: float,
    should_stop: Callable[[], bool] | None, progress: ProgressFn, plan: Plan,
    fixed: np.ndarray | None = None,
) -> Clustering:
    """Weighted K-means over ``levels`` (coarsest first), each level starting where the coarser
    one stopped; the result is on the finest.

    Restarts run on the coarsest usable level; its inertia ranks them only roughly, so the
    best few (finalists) get a few Lloyd updates one level further before the winner is
    chosen; the winner then goes on to convergence there.
    ``fixed`` centroids (features) are the first ones everywhere and never move.
    """
    n_fixed = 0 if fixed is None else len(fixed)
    usable = [i for i, lv in enumerate(levels) if len(lv.X) >= max(plan.init_points(k) * k, 64)]
    start = usable[0] if usable else len(levels) - 1
    last = len(levels) - 1
    # Above POLISH_MAX_COLORS the exact colors get no update after a level of 7-bit bins: that
    # level is where the clustering ends, so it stops by the finest level's rules.
    bins_final = (last > 0 and plan.polish_after_fine_bins and levels[last - 1].bits == 7
                  and len(levels[last].X) > POLISH_MAX_COLORS)

    def args(i: int) -> dict:
        lv, final = levels[i], i == last or (bins_final and i == last - 1)
        return {
            "max_iter": (plan.final_max_iter or max_iter) if final else max_iter,
            "tol_abs": tolerance(lv.X, lv.w, tol * (plan.final_tol_factor if final else plan.coarse_tol_factor)),
            "min_gain": plan.final_gain(k) if final else (
                plan.lone_start_min_gain if i == start and n_init == 1 and plan.lone_start_min_gain
                else plan.coarse_gain(k)),
            "should_stop": should_stop,
            "n_fixed": n_fixed,
            "relax": plan.relax,
        }

    rng = SeedStream(seed)  # seeds drawn in order, so the pool cannot change them

    def restarts(i: int) -> list[LloydResult]:
        """The ``n_init`` seeded runs on level ``i``, best first."""
        lv = levels[i]
        seeds = [initial_centroids(lv.X, k, lv.w, rng, init, fixed=fixed) for _ in range(n_init)]
        if plan.ward_seeds and i == last and not n_fixed and init == "k-means++" and worth_trying(len(lv.X), k):
            seeds.append(ward_seeds(lv.X, lv.w, k))  # few colors per cluster: one more restart
        runs = _each(lambda r: lloyd(lv.X, lv.w, seeds[r], **args(i)), len(seeds), len(lv.X))
        return sorted(runs, key=lambda r: r.inertia)  # stable: ties keep the restart order

    runs = restarts(start)
    while start < last and hides_clusters(levels[start], runs[0].inertia, k, plan.hidden_share(k)):
        start += 1  # seeded again one level finer, where the heavy bins are split
        runs = restarts(start)
    level = start
    if len(runs) > 1 and finalists(k) > 1 and start < last - 1:  # compare on the next (cheap) level
        level = start + 1
        runs = runs[: finalists(k)]
        quick = {**args(level), "max_iter": FINALIST_ITERS}
        runs = _each(lambda i: _refine(runs[i], levels[level], **quick), len(runs), len(levels[level].X))
        runs.sort(key=lambda r: r.inertia)
        if not runs[0].converged:  # the winner goes on where it stopped
            lv, w0 = levels[level], runs[0]
            runs[0] = lloyd(lv.X, lv.w, w0.centroids, labels=w0.labels, upper=w0.upper, lower=w0.lower,
                            **args(level))
            runs[0].n_iter += w0.n_iter
            runs[0].inertia_history[:0] = w0.inertia_history[:-1]
    best = runs[0]
    n_iter, history, converged = best.n_iter, list(best.inertia_history), best.converged
    for i in range(level + 1, len(levels)):
        progress(0.3 + 0.5 * (i - start) / max(1, len(levels) - start), "refining")
        if i == last and i > 0 and plan.polish_after_fine_bins and levels[i - 1].bits == 7:
            if len(levels[i].X) > POLISH_MAX_COLORS:
                return _inherit(best, levels[i], n_iter, history, converged)
            if not bins_too_coarse(levels[i], best.inertia, plan.fine_bins_share(k)):
                return polish(best, levels[i], n_iter, history, converged, n_fixed)
        best = _refine(best, levels[i], **args(i))
        n_iter += best.n_iter
        history += best.inertia_history
        converged = best.converged
    return Clustering(best.centroids, best.labels, best.upper, best.lower, n_iter, history, converged)
