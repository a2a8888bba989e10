r"""Exact projection onto a box intersected with one hyperplane per group (the hinge dual's feasible set).

For labels y_i in {−1, +1}, bounds c_i ≥ 0 and groups (tasks) t, the Euclidean
projection of v onto ``{0 ≤ a ≤ c, Σ_{i in t} y_i a_i = 0 for every t}`` is

    a_i = clip(v_i + μ_t y_i, 0, c_i),

with μ_t a root of the group's function

    h_t(μ) = Σ_{i in t} y_i clip(v_i + μ y_i, 0, c_i)
           = −Σ_{i in t, y_i = −1} c_i + Σ_{i in t} clip(μ − l_i, 0, c_i),

where ``l_i = −v_i`` (y_i = +1) or ``v_i − c_i`` (y_i = −1): each term rises
with slope 1 from ``l_i`` to its upper breakpoint ``u_i = l_i + c_i``.  h_t is
piecewise linear and non-decreasing, from −(weight of the negatives) to
+(weight of the positives), so it has a root.  All breakpoints of all groups
are sorted once; h_t at each breakpoint follows from cumulative counts and
sums (``h_t(β) = base_t + N_l(β) β − S_l(β) − N_u(β) β + S_u(β)``, N and S
the number and sum of the lower / upper breakpoints at or below β), and the
root is interpolated exactly on the segment where h_t changes sign:
O(n log n) per projection, with no iteration.
"""

from __future__ import annotations

import numpy as np


def hyperplane_multipliers(v, y, c, group, n_groups):
    """The multiplier μ_t of every group (see the module docstring).

    Parameters
    ----------
    v, y, c : ndarray of shape (n,)
        The point, the labels in {−1, +1} and the upper bounds.
    group : ndarray of int of shape (n,)
        Each entry's group, 0 to n_groups − 1.
    n_groups : int

    Returns
    -------
    mu : ndarray of shape (n_groups,)
        A root of each group's h_t (0 for a group without entries).
    """
    lower = np.where(y > 0, -v, v - c)
    values = np.concatenate([lower, lower + c])
    is_lower = np.concatenate([np.ones(v.size), np.zeros(v.size)])
    groups = np.concatenate([group, group])
    order = np.lexsort((values, groups))
    values, is_lower, groups = values[order], is_lower[order], groups[order]
    # Cumulative counts and sums of the lower (+) and upper (−) breakpoints within each group.
    sign = 2.0 * is_lower - 1.0
    counts = np.cumsum(sign)
    sums = np.cumsum(sign * values)
    starts = np.searchsorted(groups, np.arange(n_groups))
    before = starts - 1
    counts_before = np.where(before >= 0, counts[np.maximum(before, 0)], 0.0)
    sums_before = np.where(before >= 0, sums[np.maximum(before, 0)], 0.0)
    counts -= counts_before[groups]
    sums -= sums_before[groups]
    base = -np.bincount(group, weights=np.where(y < 0, c, 0.0), minlength=n_groups)
    h = base[groups] + counts * values - sums
    # First breakpoint of each group where h ≥ 0; h is non-decreasing and ends at the positives' weight ≥ 0,
    # so the group's last breakpoint when round-off leaves h just below 0 there (a group without positives).
    first = np.maximum(np.searchsorted(groups, np.arange(n_groups), side="right") - 1, 0)
    index = np.flatnonzero(h >= 0)
    np.minimum.at(first, groups[index], index)
    mu = values[first].copy()
    # Interpolate on the segment from the previous breakpoint of the same group, where h < 0.
    previous = first - 1
    inside = (previous >= starts) & (h[first] > 0)
    k, j = first[inside], previous[inside]
    rise = h[k] - h[j]
    mu[inside] = np.where(rise > 0, values[j] + (0.0 - h[j]) * (values[k] - values[j]) / rise, values[k])
    return np.where(np.bincount(group, minlength=n_groups) > 0, mu, 0.0)
