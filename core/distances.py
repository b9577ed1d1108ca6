"""Chunked squared-distance kernels shared by initialization, Lloyd and remapping.

Squared distances are summed channel by channel from plain differences, which never loses
precision to cancellation. The nearest-centroid searches against 32 or more centroids
(:func:`nearest`, :func:`nearest_two`) take the expansion ``|x|^2 - 2x.c + |c|^2`` from one
matrix product per block instead, 1.5-3x faster at K = 64-256, and settle every near tie the
exact way, so their labels and nearest distances are the same. Each product is small enough
(:data:`BLAS_MAX_MACS`) that OpenBLAS runs it on the calling thread: its threads slowed such
products 10-40x when the other core was busy. Rows are processed in chunks so memory stays
bounded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import parallel

#: Rows per task when a kernel runs on the shared pool (fixed, so results never depend on it).
PARALLEL_ROWS = 1 << 13

#: Distance work below this many point-centroid pairs (~10 ms) runs in the calling thread: on
#: smaller problems handing chunks to the pool cost more than the second core gave back
#: (0.25 MP photos: 10-40 % slower with two threads than with one).
POOL_MIN_ENTRIES = 1 << 21

#: Upper bound on the number of distance entries held at once (rows x centroids).
CHUNK_ELEMENTS = 1 << 16


def chunk_rows(n_centroids: int) -> int:
    """Rows per chunk so that a ``(rows, n_centroids)`` block stays near ``CHUNK_ELEMENTS``."""
    return max(256, CHUNK_ELEMENTS // max(1, n_centroids))


def sq_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances, shape ``(len(X), len(C))``, for one chunk of rows."""
    X = np.asarray(X, dtype=np.float64)
    C = np.asarray(C, dtype=np.float64)
    out = np.subtract.outer(X[:, 0], C[:, 0])
    np.square(out, out=out)
    tmp = np.empty_like(out)
    for j in range(1, X.shape[1]):
        np.subtract.outer(X[:, j], C[:, j], out=tmp)
        np.square(tmp, out=tmp)
        out += tmp
    return out


#: Rows per block in :func:`sq_distance_to_assigned` for long inputs.
_BLOCK_ROWS = 1 << 18


def sq_distance_to_assigned(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Squared distance of every row of ``X`` to its own centroid ``C[labels]``, shape ``(N,)``.

    Channel by channel, so no (N, D) temporary and no reduction over a length-3 axis. Long
    inputs go in blocks: one ``np.take`` over millions of labels held the GIL for 60-90 ms.
    """
    n = len(labels)
    if n > _BLOCK_ROWS:
        out = np.empty(n, dtype=np.float64)
        for a in range(0, n, _BLOCK_ROWS):
            b = min(n, a + _BLOCK_ROWS)
            out[a:b] = sq_distance_to_assigned(X[a:b], C, labels[a:b])
        return out
    CT = np.ascontiguousarray(C.T, dtype=np.float64)
    d = np.take(CT[0], labels)
    np.subtract(X[:, 0], d, out=d)
    np.square(d, out=d)
    tmp = np.empty_like(d)
    for j in range(1, X.shape[1]):
        np.take(CT[j], labels, out=tmp)
        np.subtract(X[:, j], tmp, out=tmp)
        np.square(tmp, out=tmp)
        d += tmp
    return d


#: Most multiply-adds in one matrix product of :func:`_nearest_block`. OpenBLAS runs a product
#: of at most 65,536 x GEMM_MULTITHREAD_THRESHOLD (4) multiply-adds on the calling thread, so
#: the products never wake BLAS threads (which ran 10-40x slower with the other core busy).
BLAS_MAX_MACS = 1 << 18
#: Relative rounding bound of one expanded distance (|c|^2 - 2 x.c, in float64): entries of a
#: row closer than this (times the row's scale) are recomputed the exact way.
_EXPANSION_TOL = 1e-12


#: From this many centroids on, :func:`nearest` and :func:`nearest_two` use the expansion
#: (:func:`_expanded_block`); below it, summing channel by channel is as fast or faster (at
#: K = 4-16 its matrix product and rounding checks cost more than they save).
EXPANDED_MIN_K = 32


def _expands(k: int, dims: int) -> bool:
    """Whether :func:`nearest` uses the expansion for ``k`` centroids of ``dims`` channels
    (from :data:`EXPANDED_MIN_K` on, while one row's product stays within BLAS_MAX_MACS)."""
    return EXPANDED_MIN_K <= k and k * dims <= BLAS_MAX_MACS


#: Distance entries per block of the expanded search (2 MB of float64). Its matrix products
#: still go in row slices of at most BLAS_MAX_MACS; the other steps run on the whole block.
#: Blocks of one product each (341 rows at K = 256) made two pool threads slower than one
#: (113,000 colors x 256: 92 ms against 70 ms; now ~35 ms against ~45 ms).
EXPANDED_BLOCK_ENTRIES = 1 << 18


def _product_rows(k: int, dims: int) -> int:
    """Rows per matrix product of the expanded search: at most BLAS_MAX_MACS multiply-adds."""
    return max(1, BLAS_MAX_MACS // (k * dims))


def _block_rows(k: int, dims: int) -> int:
    """Rows per block of :func:`nearest` / :func:`nearest_two` for ``k`` centroids."""
    return max(1, EXPANDED_BLOCK_ENTRIES // k) if _expands(k, dims) else chunk_rows(k)


class _Expanded:
    """``C`` prepared for :func:`_expanded_block`: ``-2 C^T`` and each centroid's ``|c|^2``."""

    def __init__(self, C: np.ndarray) -> None:
        self.C = C
        self.m2CT = np.ascontiguousarray(-2.0 * C.T)
        self.cc = np.einsum("ij,ij->i", C, C)
        self.c_norm = float(np.sqrt(self.cc.max()))


def _channel_block(X: np.ndarray, C: np.ndarray, second: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`_nearest_block` for few centroids: every squared distance, channel by channel."""
    d = sq_distances(X, C)
    lab = d.argmin(axis=1)
    rows = np.arange(len(X))
    sq = d[rows, lab]
    if not second:
        return lab, sq, None
    if d.shape[1] == 1:
        return lab, sq, np.full(len(X), np.inf)
    d[rows, lab] = np.inf
    return lab, sq, d.min(axis=1)


def _expanded_block(X: np.ndarray, E: _Expanded, second: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`_nearest_block` from one matrix product per block.

    ``X @ -2C^T + |c|^2`` is each squared distance less the row's ``|x|^2``: at K = 64-256
    that costs a third to a half of summing the channels one by one. Rows whose two smallest
    entries are within rounding of each other (``_EXPANSION_TOL``) are recomputed channel by
    channel, so the labels (ties to the lowest index) and the squared distances are exactly
    those of :func:`_channel_block`; the second distance is lowered by the rounding bound, so
    it stays a lower bound (it is only used as one).
    """
    G = np.empty((len(X), len(E.C)))
    step = _product_rows(len(E.C), X.shape[1])
    for a in range(0, len(X), step):  # products small enough for OpenBLAS's calling thread
        np.matmul(X[a : a + step], E.m2CT, out=G[a : a + step])
    G += E.cc
    lab = G.argmin(axis=1)
    rows = np.arange(len(X))
    g1 = G[rows, lab]
    G[rows, lab] = np.inf
    g2 = G.min(axis=1)
    x_norm = np.sqrt(np.einsum("ij,ij->i", X, X))
    tol = _EXPANSION_TOL * (x_norm + E.c_norm) ** 2
    tie = np.flatnonzero(g2 - g1 <= 2.0 * tol)
    d = None
    if tie.size:  # within rounding: the exact way decides
        d = sq_distances(X[tie], E.C)
        lab[tie] = d.argmin(axis=1)
    sq = sq_distance_to_assigned(X, E.C, lab)
    if not second:
        return lab, sq, None
    low = g2 + x_norm * x_norm - tol
    np.maximum(low, 0.0, out=low)
    if d is not None:
        d[np.arange(tie.size), lab[tie]] = np.inf
        low[tie] = d.min(axis=1)
    return lab, sq, low


def _nearest_block(X: np.ndarray, C: np.ndarray, E: _Expanded | None,
                   second: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Nearest centroid, its squared distance and (``second``) the squared distance to the
    second nearest (a lower bound on it, within rounding, from the expansion ``E``)."""
    return _channel_block(X, C, second) if E is None else _expanded_block(X, E, second)


def _prepared(C: np.ndarray) -> tuple[np.ndarray, _Expanded | None]:
    """``C`` as float64, and its expansion when :func:`_expands` says so."""
    C = np.asarray(C, dtype=np.float64)
    return C, (_Expanded(C) if _expands(len(C), C.shape[1]) else None)


def _blocks_on_pool(run: Callable[[int, int], None], n: int, k: int, dims: int) -> None:
    """``run(start, stop)`` over fixed blocks of ``range(n)`` (:func:`_block_rows`); big
    problems hand the pool tasks of about PARALLEL_ROWS rows, each running its whole blocks in
    turn, so the blocks (and the result) never depend on the thread count."""
    rows = _block_rows(k, dims)

    def task(a: int, b: int) -> None:
        for start in range(a, b, rows):
            run(start, min(b, start + rows))

    per_task = max(rows, PARALLEL_ROWS // rows * rows)  # whole blocks, so they stay fixed
    parallel.map_chunks(task, n, per_task, pool=n * k >= POOL_MIN_ENTRIES)


def nearest(X: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest centroid and the squared distance to it, for every row of ``X``.

    The labels are those of :func:`nearest_two` (ties to the lowest index); without the second
    distance, an update of plain Lloyd costs ~30 % less.
    """
    X = np.asarray(X, dtype=np.float64)
    C, E = _prepared(C)
    n = len(X)
    labels = np.empty(n, dtype=np.intp)
    sq = np.empty(n, dtype=np.float64)

    def run(start: int, stop: int) -> None:
        labels[start:stop], sq[start:stop], _ = _nearest_block(X[start:stop], C, E, second=False)

    _blocks_on_pool(run, n, len(C), X.shape[1])
    return labels, sq


def nearest_two(X: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index of the nearest centroid and the distances (not squared) to the nearest two.

    Returns ``labels`` (intp), ``d1`` and ``d2`` (float64); with one centroid ``d2`` is inf.
    Ties go to the lowest index, like ``np.argmin``. ``d1`` is exact; from
    :data:`EXPANDED_MIN_K` centroids on, ``d2`` may sit below the second distance by a
    rounding bound (see :func:`_expanded_block`). Rows are independent, so chunks run on the
    shared pool and the result does not depend on the thread count.
    """
    X = np.asarray(X, dtype=np.float64)
    C, E = _prepared(C)
    n = len(X)
    labels = np.empty(n, dtype=np.intp)
    d1 = np.empty(n, dtype=np.float64)
    d2 = np.empty(n, dtype=np.float64)

    def run(start: int, stop: int) -> None:
        labels[start:stop], d1[start:stop], d2[start:stop] = _nearest_block(X[start:stop], C, E, second=True)

    _blocks_on_pool(run, n, len(C), X.shape[1])
    np.sqrt(d1, out=d1)
    np.sqrt(d2, out=d2)
    return labels, d1, d2


#: Neighbors kept in sorted order per centroid. Searches that need more than the largest
#: power of two below it compare with every centroid instead (plain distances, no order).
#: Keeping only this prefix keeps the searches' gathers and the bounds' per-row work small
#: at K = 256.
NEIGHBOR_PREFIX = 72
#: Nearest neighbors remembered per centroid at a full build, for :meth:`CentroidNeighbors.follow`:
#: after small moves the new nearest ``NEIGHBOR_PREFIX`` are still among these.
FOLLOW_PREFIX = 112
#: :meth:`CentroidNeighbors.follow` rebuilds from scratch once more than this share of the
#: centroids may have a nearer neighbor outside the remembered ones than their
#: ``NEIGHBOR_PREFIX``-th nearest inside (their edges would then be weakened).
FOLLOW_MAX_WEAK_SHARE = 1 / 16


def _along_rows(a: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``np.take_along_axis(a, cols, axis=1)`` for a C-contiguous 2-D ``a``, as one flat gather
    (half the time of take_along_axis on a 256 x 72 table, which builds an index per axis)."""
    flat = cols + (np.arange(len(a)) * a.shape[1])[:, None]
    return np.take(np.ascontiguousarray(a).ravel(), flat)


class CentroidNeighbors:
    """For every centroid, its nearest centroids sorted by distance (self first, or an exact
    duplicate of it).

    Used to search only the centroids that can possibly be nearer to a point than its own:
    if ``d(x, c_a) = u`` then any nearer ``c_j`` has ``d(c_j, c_a) < 2u`` (triangle inequality).
    ``order`` holds the ``prefix`` nearest (all of them when K is small). ``sorted_dist[a, m]``
    is a lower bound on the distance from ``a`` to every centroid outside ``order[a, :m]``
    (exactly the m-th sorted distance after a full build), rising along each row;
    ``half_gap[a]`` is at most half the distance from ``a`` to its nearest other centroid.
    """

    def __init__(self, C: np.ndarray) -> None:
        k = len(C)
        sq = sq_distances(C, C)
        # One sort of the squared distances (the same order; tie order is irrelevant to
        # correctness), square roots of the kept prefix only. At K = 256 this cost 0.75 ms
        # against 1.4 ms for argpartition, then sorting the prefix, then three gathers.
        full = np.argsort(sq, axis=1)
        remembered = min(k, FOLLOW_PREFIX)
        self._base_C = np.array(C, dtype=np.float64, copy=True)
        self._base_order = np.ascontiguousarray(full[:, :remembered])
        rows = np.arange(k)
        # Distance to the nearest centroid not remembered (none: infinity), and whether every
        # centroid is among its own remembered neighbors (not so only with > 112 duplicates).
        self._base_outer = (np.sqrt(sq[rows, full[:, remembered]]) if remembered < k else np.full(k, np.inf))
        self._followable = bool(np.all(np.any(self._base_order == rows[:, None], axis=1)))
        order = full[:, : min(k, NEIGHBOR_PREFIX)]
        self._finish(C, np.ascontiguousarray(order), np.sqrt(_along_rows(sq, order)))

    def _finish(self, C: np.ndarray, order: np.ndarray, sorted_dist: np.ndarray) -> None:
        """Set the table from its sorted neighbors and their distance bounds."""
        self.C = C
        self.CT = np.ascontiguousarray(C.T)
        k = len(C)
        self.prefix = order.shape[1]
        self.order = order
        self.sorted_dist = sorted_dist
        self.half_gap = 0.5 * self.sorted_dist[:, 1] if k > 1 else np.full(k, np.inf)
        # Search widths: powers of two inside the sorted prefix, then every centroid.
        self._widths = [m for m in (1 << np.arange(1, 16)) if m < self.prefix]
        self._edges = np.ascontiguousarray(self.sorted_dist[:, self._widths]) if self._widths else np.empty((k, 0))
        self._width_of_count = np.array([*self._widths, k], dtype=np.int64)
        # The neighbors' coordinates, one (K, prefix) plane per channel: a search gathers whole
        # rows of these (contiguous) instead of one element per (point, neighbor) pair.
        self._near_planes = [np.take(self.CT[j], self.order) for j in range(C.shape[1])] if self._widths else []

    def follow(self, C: np.ndarray) -> CentroidNeighbors:
        """The table for centroids ``C``, which moved from the ones this table was built on.

        A build costs a K x K distance matrix and its sort (at K = 256, 5.6 ms against 1.8 ms
        to follow small moves, on one machine), and Lloyd needs a table on every update.
        Instead, the current distances to each centroid's ``FOLLOW_PREFIX`` remembered
        neighbors are sorted; any centroid not remembered was at least ``outer`` away at the
        build, so it is now at least ``outer - drift_a - max drift`` away (triangle
        inequality), and every edge is capped by that bound. The result is a valid table (the search and the bounds stay exact); once
        more than ``FOLLOW_MAX_WEAK_SHARE`` of the rows would lose an edge to the cap, or when
        every centroid is remembered anyway, the table is built from scratch.
        """
        k = len(C)
        base = self._base_C
        if k != len(base) or k <= NEIGHBOR_PREFIX or not self._followable:
            return CentroidNeighbors(C)
        drift = np.sqrt(np.sum((C - base) ** 2, axis=1))
        outer = self._base_outer - drift - drift.max()
        CT = np.ascontiguousarray(C.T)
        sq = np.zeros(self._base_order.shape)
        for j in range(C.shape[1]):
            diff = np.take(CT[j], self._base_order)
            diff -= CT[j][:, None]
            sq += diff * diff
        order_in_base = np.argsort(sq, axis=1)[:, :NEIGHBOR_PREFIX]
        exact = np.sqrt(_along_rows(sq, order_in_base))
        if np.count_nonzero(outer < exact[:, -1]) > FOLLOW_MAX_WEAK_SHARE * k:
            return CentroidNeighbors(C)
        table = object.__new__(CentroidNeighbors)
        table._base_C, table._base_order, table._base_outer = base, self._base_order, self._base_outer
        table._followable = True
        order = _along_rows(self._base_order, order_in_base)
        table._finish(C, order, np.minimum(exact, np.maximum(outer, 0.0)[:, None]))
        return table

    def search_width(self, labels: np.ndarray, radius: np.ndarray) -> np.ndarray:
        """For each point, the fewest of its own centroid's sorted neighbors (a power of two,
        or all K) that include every centroid within ``radius`` of that centroid."""
        if not self._widths:
            return np.full(len(labels), len(self.C), dtype=np.int64)
        # Edges rise along a row, so the number of them inside the radius picks the width.
        inside = np.count_nonzero(self._edges[labels] <= radius[:, None], axis=1)
        return self._width_of_count[inside]

    def _neighbor_sq_distances(self, X: np.ndarray, own: np.ndarray, m: int) -> np.ndarray:
        """Squared distances from each row of ``X`` to the ``m`` nearest neighbors of its own
        centroid ``own`` (nearest first), channel by channel from the neighbor planes."""
        planes = self._near_planes
        d = np.take(planes[0][:, :m], own, axis=0)
        np.subtract(X[:, 0:1], d, out=d)
        np.square(d, out=d)
        tmp = np.empty_like(d)
        for j in range(1, X.shape[1]):
            np.take(planes[j][:, :m], own, axis=0, out=tmp)
            np.subtract(X[:, j : j + 1], tmp, out=tmp)
            np.square(tmp, out=tmp)
            d += tmp
        return d

    def nearest_two(
        self, X: np.ndarray, labels: np.ndarray, u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Like :func:`nearest_two`, but searching only the ball of radius ``2u`` around each
        point's current centroid; ``u`` must be the exact distance to that centroid.

        The second distance is a valid lower bound: the second nearest inside the ball, or the
        distance to the ball's edge for centroids outside it.
        """
        n = len(X)
        new = np.empty(n, dtype=np.intp)
        d1 = np.empty(n)
        d2 = np.empty(n)

        def run(a: int, b: int) -> None:
            new[a:b], d1[a:b], d2[a:b] = self._nearest_two_rows(X[a:b], labels[a:b], u[a:b])

        pooled = n * 64 >= POOL_MIN_ENTRIES
        # Without the pool, one pass over all rows: each pass loops over the widths in Python.
        parallel.map_chunks(run, n, PARALLEL_ROWS if pooled else max(n, 1), pool=pooled)
        return new, d1, d2

    def _nearest_two_rows(
        self, X: np.ndarray, labels: np.ndarray, u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k = len(self.C)
        n = len(X)
        new = np.empty(n, dtype=np.intp)
        d1 = np.empty(n)
        d2 = np.empty(n)
        width = self.search_width(labels, 2.0 * u * (1 + 1e-9) + 1e-9)
        # Widths are powers of two or K, so a loop over those finds the groups (np.unique's
        # first call in a process imports numpy.ma, ~12 ms: a tenth of a small photo's run).
        for m in [*self._widths, k]:
            rows = np.flatnonzero(width == m)
            if not rows.size:
                continue
            step = max(64, CHUNK_ELEMENTS // int(m))
            for start in range(0, len(rows), step):
                r = rows[start : start + step]
                ar = np.arange(len(r))
                if m == k:  # every centroid: plain distances beat gathering them in neighbor order
                    d = sq_distances(X[r], self.C)
                    j = d.argmin(axis=1)
                    new[r] = j
                else:
                    own = labels[r]
                    d = self._neighbor_sq_distances(X[r], own, m)
                    j = d.argmin(axis=1)
                    new[r] = self.order[own, j]
                d1[r] = d[ar, j]
                d[ar, j] = np.inf
                second = np.sqrt(d.min(axis=1)) if m > 1 else np.full(len(r), np.inf)
                if m < k:
                    edge = self.sorted_dist[labels[r], m] - u[r]
                    second = np.minimum(second, np.maximum(edge, 0.0))
                d2[r] = second
        np.sqrt(d1, out=d1)
        return new, d1, d2
