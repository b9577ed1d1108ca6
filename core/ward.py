"""Agglomerative (Ward) seeds for histograms with few colors per cluster.

When an image has only a few distinct colors per palette entry (graphics, screenshots, an
image that was already reduced to a few hundred colors), k-means++ and Lloyd settle in a local
optimum that leaves several percent of MSE on the table: with 1.2-4 colors per cluster, one
badly placed seed has nowhere to move. Merging greedily instead -- every color its own
cluster, then the pair whose merge adds the least inertia (Ward's criterion,
``W_a W_b / (W_a + W_b) |m_a - m_b|^2``), until K remain -- starts Lloyd close to the optimum:
on images of 100-1024 random colors at K = 64-256 it ended 4-16 % below scikit-learn's MSE
where k-means++ ended 3 % below to 2.5 % above. :func:`core.cluster.coarse_to_fine` runs it as
one more restart beside the k-means++ ones (the lowest inertia wins), so it never does worse.
"""

from __future__ import annotations

import numpy as np

#: Ward seeds are tried up to this many colors per cluster ...
MAX_POINTS_PER_CLUSTER = 4
#: ... from this K (below it the restarts of k-means++ did as well on those images) ...
MIN_K = 32
#: ... and up to this many points (each merge costs a pass over them).
MAX_POINTS = 1024


def worth_trying(n_points: int, k: int) -> bool:
    """Whether Ward seeds are tried for ``n_points`` weighted points and ``k`` clusters."""
    return MIN_K <= k < n_points <= min(MAX_POINTS, MAX_POINTS_PER_CLUSTER * k)


def ward_seeds(X: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """``k`` centroids from greedy Ward merging of the weighted points ``X`` (N x D, N > k).

    Each point starts as its own cluster; every step merges the pair with the smallest
    increase of inertia. Each live cluster remembers its cheapest partner; after a merge only
    the merged cluster's row and the rows that pointed at either half are recomputed, and
    every other row compares its best with its cost to the merged cluster.
    """
    n = len(X)
    means = np.array(X, dtype=np.float64, copy=True)
    weight = np.array(w, dtype=np.float64, copy=True)
    alive = np.ones(n, dtype=bool)

    def costs(a: int) -> np.ndarray:
        diff = means - means[a]
        c = np.einsum("ij,ij->i", diff, diff) * (weight * weight[a] / (weight + weight[a]))
        c[~alive] = np.inf
        c[a] = np.inf
        return c

    partner = np.empty(n, dtype=np.intp)
    best = np.empty(n)
    for a in range(n):
        c = costs(a)
        partner[a] = int(np.argmin(c))
        best[a] = c[partner[a]]
    for _ in range(n - k):
        a = int(np.argmin(best))
        b = int(partner[a])
        means[a] = (weight[a] * means[a] + weight[b] * means[b]) / (weight[a] + weight[b])
        weight[a] += weight[b]
        alive[b] = False
        best[b] = np.inf
        c = costs(a)
        partner[a] = int(np.argmin(c))
        best[a] = c[partner[a]]
        for r in np.flatnonzero(alive & ((partner == a) | (partner == b))):
            if r != a:
                cr = costs(int(r))
                partner[r] = int(np.argmin(cr))
                best[r] = cr[partner[r]]
        cheaper = alive & (c < best)  # c[r] is r's cost to the merged cluster
        cheaper[a] = False
        partner[cheaper] = a
        best[cheaper] = c[cheaper]
    return means[alive]
