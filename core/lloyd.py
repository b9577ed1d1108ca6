"""Weighted Lloyd iterations with Hamerly's distance bounds, vectorized in NumPy.

Every point keeps an upper bound ``u`` on the distance to its own centroid and a lower bound
``lo`` on the distance to any other centroid. When centroids move by ``delta``, ``u`` grows by
its own centroid's move and ``lo`` shrinks by the largest other move, or less where a tighter
bound holds (the largest move among the own centroid's nearest neighbors, with the triangle
inequality for the rest: :func:`shrink_lower`); a point whose ``u`` is still below
``max(lo, s)`` (``s`` = half the distance to the nearest other centroid) cannot change
cluster and is skipped. After the first few iterations almost every point is skipped,
so an iteration costs O(N) cheap bound updates plus full distances for the few points near a
boundary. The result is exactly standard Lloyd's algorithm (same labels, same centroids), just
faster; cluster sums are updated incrementally from the points that changed. Small problems
(coarse levels, restarts) skip the bounds and compute every distance (:func:`_lloyd_dense`).

This is the kernel under both front doors: :func:`core.kmeans.kmeans` (the tutorial's API,
any points) and, for images, :func:`core.quantize.quantize` -> :mod:`core.cluster`, which
runs it level by level on the color histogram.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .distances import CentroidNeighbors, nearest, nearest_two, sq_distance_to_assigned

#: Below this many point-centroid pairs an iteration computes every distance: bounds cost
#: more bookkeeping than they save on small problems (coarse levels, restarts).
DENSE_MAX_ENTRIES = 1 << 18
#: ... and above LARGE_K_DENSE centroids up to this many: there a bounded update also pays for
#: the centroids' neighbor table (~1-2 ms at K = 256), and the matrix-product search is cheap.
#: Rocket's 2,751 colors at K = 256: 6.2 ms dense against 8.3 ms bounded for the same 4
#: updates; chelsea's 5,663: 11.8 against 10.5 ms.
DENSE_MAX_ENTRIES_LARGE_K = 1 << 20
LARGE_K_DENSE = 128
#: Up to this many centroids a point that may move is compared with all of them (cheaper than
#: gathering its neighbors). 64 since the searches use a matrix product (:mod:`core.distances`):
#: at K = 64 that took rocket 0.80-0.92x and coffee 0.90-0.92x the time of the neighbor
#: search; at K = 256 it cost 1.3-1.5x.
DENSE_SEARCH_MAX_K = 64

#: Slack for floating-point rounding in the bound tests; points this close to a tie are recomputed.
_EPS = 1e-9


class Cancelled(Exception):
    """Raised inside the core when ``should_stop()`` returns True."""


@dataclass
class LloydResult:
    """Outcome of one Lloyd run (one restart)."""

    centroids: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    converged: bool
    inertia_history: list[float]
    centroid_history: list[np.ndarray] = field(default_factory=list)
    upper: np.ndarray | None = None
    lower: np.ndarray | None = None


class _ClusterSums:
    """Per-cluster weight, weighted sum and weighted sum of squares, updated incrementally."""

    def __init__(self, X: np.ndarray, w: np.ndarray, labels: np.ndarray, k: int) -> None:
        self.X, self.w, self.k = X, w, k
        self.wq = w * np.einsum("ij,ij->i", X, X)
        self.recompute(labels)

    def recompute(self, labels: np.ndarray) -> None:
        """Sums from scratch (exact), for a fresh start or the final answer."""
        k = self.k
        self.W = np.bincount(labels, weights=self.w, minlength=k)
        self.Q = np.bincount(labels, weights=self.wq, minlength=k)
        self.S = np.stack(
            [np.bincount(labels, weights=self.w * self.X[:, j], minlength=k) for j in range(self.X.shape[1])],
            axis=1,
        )

    def move(self, Xm: np.ndarray, wm: np.ndarray, old: np.ndarray, new: np.ndarray) -> None:
        """Move points (given by value) from clusters ``old`` to clusters ``new``."""
        wq = wm * np.einsum("ij,ij->i", Xm, Xm)
        for labels, sign in ((old, -1.0), (new, 1.0)):
            self.W += sign * np.bincount(labels, weights=wm, minlength=self.k)
            self.Q += sign * np.bincount(labels, weights=wq, minlength=self.k)
            for j in range(Xm.shape[1]):
                self.S[:, j] += sign * np.bincount(labels, weights=wm * Xm[:, j], minlength=self.k)
        self.W[self.W < 1e-12 * max(1.0, self.w.max())] = 0.0

    def inertia(self, C: np.ndarray) -> float:
        """Weighted sum of squared distances to ``C`` for the current labels, in O(K D)."""
        val = self.Q.sum() - 2.0 * np.sum(C * self.S) + np.sum(self.W * np.einsum("ij,ij->i", C, C))
        return float(max(val, 0.0))

    def means(self, previous: np.ndarray) -> np.ndarray:
        out = previous.copy()
        nz = self.W > 0
        out[nz] = self.S[nz] / self.W[nz, None]
        return out


def bounded_reassign(
    X: np.ndarray, C: np.ndarray, labels: np.ndarray, u: np.ndarray, lo: np.ndarray,
    neighbors: CentroidNeighbors | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Move points to their nearest centroid, touching only those the bounds cannot rule out.

    Updates ``labels``, ``u`` and ``lo`` in place and returns the indices of the points that
    changed cluster and their previous labels. ``neighbors`` may pass in the centroids'
    sorted neighbor table when the caller already built it for ``C``.
    """
    none = np.empty(0, dtype=np.intp)
    k = len(C)
    if k < 2:
        return none, none
    nb = neighbors if neighbors is not None else CentroidNeighbors(C)
    bound = np.maximum(lo, nb.half_gap[labels])
    cand = np.flatnonzero(u * (1 + _EPS) + _EPS > bound)
    if cand.size == 0:
        return none, none
    ua = np.sqrt(sq_distance_to_assigned(X[cand], C, labels[cand]))
    u[cand] = ua
    cand = cand[ua * (1 + _EPS) + _EPS > bound[cand]]
    if cand.size == 0:
        return none, none
    old = labels[cand]
    if k <= DENSE_SEARCH_MAX_K or cand.size * k <= DENSE_MAX_ENTRIES:
        new, d1, d2 = nearest_two(X[cand], C)  # few centroids or few points: search them all
    else:
        new, d1, d2 = nb.nearest_two(X[cand], old, u[cand])
    labels[cand] = new
    u[cand] = d1
    lo[cand] = d2
    moved = new != old
    return cand[moved], old[moved]


#: Neighborhood sizes tried by :func:`shrink_lower` (each gives a valid bound; the best is kept).
NEIGHBORHOODS = (4, 16, 64)


def shrink_lower(lo: np.ndarray, labels: np.ndarray, delta: np.ndarray,
                 u: np.ndarray | None = None, neighbors: CentroidNeighbors | None = None) -> None:
    """Lower the lower bounds ``lo`` (in place) after centroids moved by ``delta``.

    Hamerly's rule subtracts the largest move of any other centroid. At large K a few
    centroids move 10-20x more than the median, so that rule soon puts half the points back
    in play although ~1 % change cluster. Given the points' upper bounds ``u`` (already grown
    by their own centroid's move) and ``neighbors`` (the moved centroids' sorted neighbor
    table), a tighter valid bound is also kept for each neighborhood of the M nearest
    centroids of the point's own ``a``: centroids inside it moved at most ``m_a``, so they are
    at least ``lo - m_a`` away; those outside are at least ``F_a - u`` away (``F_a`` = distance
    from ``a`` to the nearest centroid outside; triangle inequality). The largest of these
    valid bounds is kept.
    """
    k = len(delta)
    if k < 2:
        return
    top = int(np.argmax(delta))
    rest = np.delete(delta, top)
    shrunk = lo - np.where(labels == top, rest.max(), delta[top])
    usable = u is not None and neighbors is not None
    sizes = [m for m in NEIGHBORHOODS if m + 1 < neighbors.prefix] if usable else []
    if sizes:
        moves = delta[neighbors.order]  # row a: the moves of a's nearest centroids, nearest first
        for m in sizes:
            # Columns 0..m: a itself and its m nearest others. An exact duplicate of a may sort
            # before a, so a's own move is counted too (it only makes the bound smaller).
            near_max = moves[:, : m + 1].max(axis=1)
            local = np.minimum(lo - near_max[labels], neighbors.sorted_dist[labels, m + 1] - u)
            np.maximum(shrunk, local, out=shrunk)
    lo[:] = shrunk


def _relocate_empty(
    X: np.ndarray, w: np.ndarray, C: np.ndarray, labels: np.ndarray, empty: np.ndarray
) -> bool:
    """Put each empty cluster's centroid on the worst-served point (largest w*d^2).

    A point within rounding of its centroid (a billionth of the data's scale) counts as served:
    with fewer distinct points than clusters, the means of identical non-integer points differ
    from them in the last bit, and relocating onto such "distant" points never ended (300
    updates with nothing moving, in the playground on a two-color image).
    """
    d2 = sq_distance_to_assigned(X, C, labels)
    scale = float(np.abs(X).max()) if X.size else 0.0
    d2[d2 <= (1e-9 * max(scale, 1.0)) ** 2] = 0.0
    cost = w * d2
    order = np.argsort(-cost, kind="stable")
    taken: list[int] = []
    for e in empty:
        for p in order:
            if cost[p] <= 0:
                return bool(taken)
            if p not in taken and not any(np.array_equal(X[p], X[q]) for q in taken):
                taken.append(int(p))
                C[e] = X[p]
                break
    return bool(taken)


class _ActiveSet:
    """The points whose bounds are maintained every iteration; the rest are frozen.

    A frozen point's margin ``lo - u`` can shrink by at most twice the running sum of the
    largest centroid move, so it cannot change cluster before that sum reaches half its
    margin at freeze time. Frozen points are never touched: their bounds are brought up to
    date only when the threshold grows past them (a handful of O(N) passes per run), which
    makes an iteration cost O(active points) instead of O(N).
    """

    def __init__(self, X, w, labels, u, lo, k):
        self.X, self.w, self.labels, self.u, self.l = X, w, labels, u, lo
        self.slack0 = lo - u
        self.cum_delta = np.zeros(k)
        self.cum_max = 0.0
        self.threshold = -np.inf
        self.idx = np.empty(0, dtype=np.intp)
        self.mask = np.zeros(len(X), dtype=bool)
        self.activate(0.0)

    def activate(self, needed: float) -> None:
        """Make every point whose initial margin is below ``needed`` active."""
        self.flush()
        self.threshold = max(needed, 2.0 * self.threshold if self.threshold > 0 else needed)
        new = np.flatnonzero((self.slack0 <= self.threshold) & ~self.mask)
        if new.size:
            self.u[new] += self.cum_delta[self.labels[new]]
            self.l[new] -= self.cum_max
            self.mask[new] = True
            self.idx = np.flatnonzero(self.mask)
        i = self.idx
        self.Xa, self.wa = self.X[i], self.w[i]
        self.la, self.ua, self.lowa = self.labels[i], self.u[i], self.l[i]

    def flush(self) -> None:
        """Write the active points' state back into the full arrays."""
        if self.idx.size:
            self.labels[self.idx] = self.la
            self.u[self.idx] = self.ua
            self.l[self.idx] = self.lowa

    def advance(self, delta: np.ndarray, neighbors: CentroidNeighbors | None = None) -> None:
        """Apply one round of centroid moves to the bounds (``neighbors``: the moved
        centroids' neighbor table, for the tighter lower bounds of :func:`shrink_lower`)."""
        self.cum_delta += delta
        self.cum_max += float(delta.max()) if len(delta) else 0.0
        if 2.0 * self.cum_max > self.threshold:
            self.activate(4.0 * self.cum_max)
        self.ua += delta[self.la]
        shrink_lower(self.lowa, self.la, delta, self.ua, neighbors)

    def finish(self) -> None:
        """Bring every point's bounds up to date (frozen ones included)."""
        self.flush()
        frozen = ~self.mask
        self.u[frozen] += self.cum_delta[self.labels[frozen]]
        self.l[frozen] -= self.cum_max


def _lloyd_dense(
    X: np.ndarray, w: np.ndarray, C: np.ndarray, *, max_iter: int, tol_abs: float, min_gain: float,
    should_stop: Callable[[], bool] | None, on_iteration: Callable[[int, np.ndarray, float], None] | None,
    record_centroids: bool, n_fixed: int = 0, relax: float = 1.0,
) -> LloydResult:
    """Plain Lloyd (every distance, every iteration) for small problems; same stopping rules.
    The second-nearest distances (the bounds a finer level inherits) are computed once, at the end."""
    k, dims = len(C), X.shape[1]
    labels, sq = nearest(X, C)
    history = [float(np.sum(w * sq))]
    trail = [C.copy()] if record_centroids else []
    converged = False
    n_iter = 0
    step = relax
    for it in range(1, max_iter + 1):
        if should_stop is not None and should_stop():
            raise Cancelled()
        W = np.bincount(labels, weights=w, minlength=k)
        new_C = C.copy()
        nz = W > 0
        for j in range(dims):
            new_C[nz, j] = np.bincount(labels, weights=w * X[:, j], minlength=k)[nz] / W[nz]
        new_C[:n_fixed] = C[:n_fixed]
        relaxed = step != 1.0
        if relaxed:
            new_C = C + step * (new_C - C)
        shift = float(np.sum((new_C - C) ** 2))
        C = new_C
        n_iter = it
        empty = np.flatnonzero(~nz[n_fixed:]) + n_fixed
        relocated = bool(empty.size) and _relocate_empty(X, w, C, labels, empty)
        if relocated:
            shift = np.inf  # a centroid jumped to a point: not a fixed point, whatever else moved
        new_labels, sq = nearest(X, C)
        stable = not relocated and np.array_equal(new_labels, labels)
        labels = new_labels
        step = relax if not stable else 1.0
        if stable and not relaxed:
            shift = 0.0  # labels are stable, so C is already their mean: a fixed point
        inertia = float(np.sum(w * sq))
        history.append(inertia)
        if record_centroids:
            trail.append(C.copy())
        if on_iteration is not None:
            on_iteration(it, C, inertia)
        if shift == 0.0 or (not relocated and (shift <= tol_abs or history[-2] - inertia <= min_gain * inertia)):
            if relaxed:  # end on a plain step, so the centroids are their clusters' means
                step = 1.0
                continue
            converged = True
            break
    _, u, lo = nearest_two(X, C)  # same labels (same distances, same tie rule), plus the bounds
    exact = float(np.sum(w * sq_distance_to_assigned(X, C, labels)))
    history[-1] = exact
    return LloydResult(C, labels, exact, n_iter, converged, history, trail, u, lo)


def lloyd(
    X: np.ndarray,
    w: np.ndarray,
    C: np.ndarray,
    *,
    labels: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    lower: np.ndarray | None = None,
    max_iter: int = 300,
    tol_abs: float = 0.0,
    should_stop: Callable[[], bool] | None = None,
    on_iteration: Callable[[int, np.ndarray, float], None] | None = None,
    record_centroids: bool = False,
    min_gain: float = 0.0,
    n_fixed: int = 0,
    relax: float = 1.0,
) -> LloydResult:
    """Run weighted Lloyd iterations from centroids ``C`` until labels stop changing,
    the total squared centroid shift falls to ``tol_abs``, an update lowers the inertia by
    less than ``min_gain`` times its value, or ``max_iter`` updates.

    ``labels``/``upper``/``lower`` may carry valid bounds from a coarser problem
    (coarse-to-fine); without them the first assignment is computed in full.
    ``inertia_history[t]`` is the inertia after ``t`` centroid updates. ``converged`` is
    True when a stopping rule (not ``max_iter``) ended the run. The first ``n_fixed``
    centroids take part in the assignment but never move (fixed palette colors).
    """
    C = np.array(C, dtype=np.float64, copy=True)
    k = len(C)
    dense_limit = DENSE_MAX_ENTRIES_LARGE_K if k > LARGE_K_DENSE else DENSE_MAX_ENTRIES
    if len(X) * k <= dense_limit:
        return _lloyd_dense(X, w, C, max_iter=max_iter, tol_abs=tol_abs, min_gain=min_gain,
                            should_stop=should_stop, on_iteration=on_iteration,
                            record_centroids=record_centroids, n_fixed=n_fixed, relax=relax)
    if labels is None or upper is None or lower is None:
        labels, u, lo = nearest_two(X, C)
    else:
        labels, u, lo = labels.copy(), upper.copy(), lower.copy()
        bounded_reassign(X, C, labels, u, lo)
    sums = _ClusterSums(X, w, labels, k)
    active = _ActiveSet(X, w, labels, u, lo, k)
    history = [sums.inertia(C)]
    trail = [C.copy()] if record_centroids else []
    converged = False
    n_iter = 0
    step = relax
    neighbors: CentroidNeighbors | None = None
    for it in range(1, max_iter + 1):
        if should_stop is not None and should_stop():
            raise Cancelled()
        new_C = sums.means(C)
        new_C[:n_fixed] = C[:n_fixed]
        relaxed = step != 1.0
        if relaxed:
            new_C = C + step * (new_C - C)
        step = relax
        empty = np.flatnonzero(sums.W[n_fixed:] <= 0) + n_fixed
        delta = np.sqrt(np.sum((new_C - C) ** 2, axis=1))
        shift = float(np.sum(delta**2))
        C = new_C
        n_iter = it
        # The table follows the centroids from update to update (rebuilt only when they moved far).
        neighbors = (neighbors.follow(C) if neighbors is not None else CentroidNeighbors(C)) if k >= 2 else None
        active.advance(delta, neighbors)
        if empty.size:
            active.finish()
            if _relocate_empty(X, w, C, labels, empty):
                labels[:], u[:], lo[:] = nearest_two(X, C)
                sums.recompute(labels)
                shift = np.inf
            active = _ActiveSet(X, w, labels, u, lo, k)
        else:
            moved, old = bounded_reassign(active.Xa, C, active.la, active.ua, active.lowa, neighbors)
            if moved.size:
                sums.move(active.Xa[moved], active.wa[moved], old, active.la[moved])
            elif relaxed:
                step = 1.0  # stable labels after an over-relaxed step: settle on their means
            else:
                shift = 0.0  # labels are stable, so C is already their mean: a fixed point
        inertia = sums.inertia(C)
        history.append(inertia)
        if record_centroids:
            trail.append(C.copy())
        if on_iteration is not None:
            on_iteration(it, C, inertia)
        if shift == 0.0 or (not empty.size and (shift <= tol_abs or history[-2] - inertia <= min_gain * inertia)):
            if relaxed:  # end on a plain step, so the centroids are their clusters' means
                step = 1.0
                continue
            converged = True
            break
    active.finish()
    exact = float(np.sum(w * sq_distance_to_assigned(X, C, labels)))
    history[-1] = exact
    return LloydResult(C, labels, exact, n_iter, converged, history, trail, u, lo)
