r"""The "copy the source" candidate (α = ∞) of a transfer classifier.

As α → ∞ the pull α/2 ‖w − β w_src‖² fixes the weights at w = β w_src, and
only the intercept is left to fit on the target:

.. math::

    b^\star = \arg\min_b \sum_i c_i \, \ell(y_i, z_i + b), \qquad z_i = x_i^\top (\beta w_{src}),

with c_i the normalised sample weights.  This is a one-dimensional convex
problem: its derivative g(b) = Σ_i c_i ∂ℓ/∂f (y_i, z_i + b) is non-decreasing,
so b* is found by bisection on the sign of g.  With both classes present g is
negative far to the left and positive far to the right (the loss of the
minority side grows without bound), so a bracket always exists.

For a convex function and any subgradient g(b) at b, f(b) − f(b*) ≤ |g(b)| · |b − b*|
≤ |g(b)| · (hi − lo) while the bracket [lo, hi] holds b*: that bound, divided
by F₀ (the objective at w = 0 with the intercept fitted), is the certificate.
"""

from __future__ import annotations

import numpy as np

from ..solvers import SolverResult

# Bisection halves the bracket to round-off well within this many steps.
_MAX_STEPS = 200
_MAX_EXPANSIONS = 64


def _bracket(slope, centre):
    """An interval [lo, hi] with slope(lo) < 0 ≤ slope(hi), grown by doubling around ``centre``."""
    width = 1.0
    lo, hi = centre - width, centre + width
    for _ in range(_MAX_EXPANSIONS):
        low_ok, high_ok = slope(lo) < 0, slope(hi) >= 0
        if low_ok and high_ok:
            return lo, hi
        width *= 2.0
        lo = lo if low_ok else lo - width
        hi = hi if high_ok else hi + width
    raise RuntimeError(f"The intercept has no finite minimiser: no sign change of the derivative within ±{width}.")


def offset_intercept(loss, y, offset, weight):
    """``argmin_b Σ_i weight_i ℓ(y_i, offset_i + b)`` and a bound on its suboptimality.

    Parameters
    ----------
    loss : Loss
        A classification loss (its derivative is monotone in f).
    y : ndarray of shape (n_samples,)
        Labels in {−1, +1}, both present among the rows of positive weight.
    offset : ndarray of shape (n_samples,)
        The fixed scores z_i.
    weight : ndarray of shape (n_samples,)
        Non-negative weights c_i.

    Returns
    -------
    intercept : float
        The minimiser b, to round-off.
    suboptimality : float
        An upper bound on ``f(b) − min f``, ``|g(b)| · (hi − lo)``.
    """

    def slope(b):
        return float(np.sum(loss.derivative(y, offset + b, weight)))

    lo, hi = _bracket(slope, -float(np.average(offset, weights=weight)))
    for _ in range(_MAX_STEPS):
        middle = 0.5 * (lo + hi)
        if slope(middle) < 0:
            lo = middle
        else:
            hi = middle
        if hi - lo <= 4 * np.finfo(float).eps * max(abs(middle), 1.0):
            break
    intercept = 0.5 * (lo + hi)
    return intercept, abs(slope(intercept)) * (hi - lo)


def copy_the_source(loss, X, y, centre, sample_weight, fit_intercept):
    """The α = ∞ fit: w = ``centre`` exactly, the intercept fitted on the target.

    Parameters
    ----------
    loss : Loss
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels in {−1, +1}.
    centre : ndarray of shape (n_features,)
        The fixed weights β w_src.
    sample_weight : ndarray of shape (n_samples,)
    fit_intercept : bool
        Without an intercept nothing is fitted: b = 0.

    Returns
    -------
    SolverResult
        ``coef`` is ``centre`` (shape (1, n_features)), ``n_iter`` 0,
        ``objective`` ``Σ_i c_i ℓ(y_i, z_i + b)`` (the penalty is 0 at
        w = β w_src) and ``certificate`` the bisection's bound on the
        suboptimality relative to F₀ = Σ_i c_i ℓ(y_i, b₀), b₀ the best
        intercept of the model w = 0.
    """
    c = sample_weight / sample_weight.sum()
    offset = np.asarray(X @ centre).ravel()
    if fit_intercept:
        intercept, suboptimality = offset_intercept(loss, y, offset, c)
        zero_intercept = float(loss.best_intercepts(y, c, np.zeros(len(y), dtype=np.int64), 1)[0])
    else:
        intercept, suboptimality, zero_intercept = 0.0, 0.0, 0.0
    objective = loss.value(y, offset + intercept, c)
    zero_objective = max(loss.value(y, np.full(len(y), zero_intercept), c), np.finfo(float).tiny)
    return SolverResult(centre[None].copy(), np.array([intercept]), 0, suboptimality / zero_objective, True, objective)
