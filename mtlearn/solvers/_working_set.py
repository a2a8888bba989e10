"""Working sets for penalties separable over features (``"l21"``, ``"lasso"``, ``"dirty"``, graph + ℓ1).

At a solution, a feature j whose weights are all zero satisfies
``Ω°_j(G_j) ≤ α``, with ``G_j`` the data term's gradient in that feature's
weights and ``Ω°_j`` the penalty's per-feature dual norm
(``penalty.feature_dual_norms``).  Sparse solutions use few features, so the
problem is solved on a growing set of features:

1. the working set starts as the features used by the starting point plus
   the most violating others (largest ``Ω°_j(G_j) / α`` above 1);
2. the problem restricted to the working set is solved (by
   :func:`solve_directly`, on its Gram form when that pays off, or the
   solver the caller gives: proximal Newton where it applies), warm-started,
   to ``tol``; with loose rounds (a proximal-gradient solver, whose cost
   grows with the accuracy asked) only to ``max(tol, 0.3 × the whole
   problem's certificate before the round)`` while features remain outside
   it, as skglm's working sets do (an early round's exact solution is wasted
   on a working set that grows), and to ``tol`` once it holds every feature
   or none outside violates;
3. the gradient on every feature is computed at the new point; the
   certificate is the duality gap of the *whole* problem, relative to its F₀
   (the restricted problem's gap on the rows when no feature outside violates);
4. while it is above ``tol``, the violating features join the working set
   (the most violating first, at most as many as it already holds or 64);
   when none violates, the working set is solved again to a tighter tol
   (by the excess of the certificate: a restricted solve on its Gram form
   certifies with its own dual point, whose gap can be smaller than the
   whole problem's on the rows), at most three times;
   when the working set and the violating features make up more than half
   of the features and the problem has a Gram form that costs no more than
   a few gradient passes, the whole problem is solved directly from the
   current point instead (from the start, too).

The working set only grows, so at most n_features rounds are needed; in
practice a few.  ``n_iter`` counts the proximal-gradient iterations of every
round, within one ``max_iter`` budget.
"""

from __future__ import annotations

import numpy as np

from .._design import with_features
from ._composite import full_problem, solve_directly, uses_gram
from ._problem import SolverResult, zero_coef_gradient

# Problems with fewer features are solved directly.
MIN_FEATURES = 32
# When no feature outside the working set violates but the whole problem's certificate exceeds tol, the
# working set is solved again to tol times this fraction of tol / certificate, at most _MAX_TIGHTENINGS times.
_TIGHTER = 0.5
_MAX_TIGHTENINGS = 3
# With loose rounds, a round that adds features is solved to this fraction of the whole problem's certificate
# before it (or to tol).
_INNER_FRACTION = 0.3
# Features a round adds at least (when that many violate).
_MIN_ADDED = 64
# A dense-looking problem goes to the direct solve when its Gram form costs at most this many
# gradient passes by operation count (one symmetric product against thin ones: a few passes' time).
_DIRECT_GRAM_PASSES = 16
# On a design that is already a Gram form, a gradient pass of fewer multiply-adds than this costs
# less than a round's bookkeeping: such problems are solved directly.
_MIN_GRAM_FORM_PASS = 1_000_000


def uses_working_sets(penalty, design, loss, intercepts):
    """Whether :func:`solve_on_working_sets` should solve this problem.

    It applies to a feature-separable penalty with many features.  When the
    whole problem has a Gram form, a round (one gradient pass over the data,
    n_entries × p) is weighed against building the Gram matrices once
    (n_rows × p² / 2): working sets are used if a few (4) rounds cost less.
    On a design that is a Gram form already (a path's), they are used when
    its gradient pass is large enough to outweigh a round's bookkeeping.
    """
    if not penalty.feature_separable or design.n_features < MIN_FEATURES:
        return False
    if design.gram_form:
        return design.n_entries * design.n_features >= _MIN_GRAM_FORM_PASS
    if uses_gram(design, loss, intercepts):
        return 8 * design.n_entries < design.X.shape[0] * design.n_features
    return True


def _part_columns(features, n_features, n_blocks):
    """Columns of the stacked parts ``[V_1 | … | V_k]`` that belong to ``features``."""
    return np.concatenate([features + k * n_features for k in range(n_blocks)])


def solve_on_working_sets(
    design,
    loss,
    penalty,
    alpha,
    intercepts,
    start,
    *,
    tol,
    max_iter,
    verbose=0,
    scale=None,
    gradient_scale=None,
    data_lipschitz=None,
    solve_restricted=solve_directly,
    loose_rounds=False,
):
    """Minimise ``data(W, b) + α Ω(W)`` over growing sets of features (see the module docstring).

    Parameters are those of :func:`solve_directly` (``scale``, ``gradient_scale`` and
    ``data_lipschitz`` included: that of the whole design, for its direct solves; each
    restriction to a working set estimates its own);
    ``penalty`` has ``feature_dual_norms``.  ``solve_restricted``, with the signature of
    :func:`solve_directly`, solves the problem restricted to a working set.  ``loose_rounds``:
    whether a round that adds features is solved only to ``max(tol, 0.3 × certificate)`` (for
    a restricted solver whose cost grows with the accuracy asked, proximal gradient), or every
    round to tol (for proximal Newton, whose last digits cost less than the extra round a
    loose one leads to).

    Returns
    -------
    SolverResult
        Its certificate is the whole problem's relative duality gap.
    """
    problem = full_problem(
        design,
        loss,
        penalty,
        alpha,
        intercepts,
        scale=scale,
        gradient_scale=gradient_scale,
        data_lipschitz=data_lipschitz,
    )
    T, p = design.n_tasks, design.n_features
    n_blocks = penalty.n_blocks
    gradient_at_zero = problem.gradient_at_zero()
    scale, gradient_scale = problem.zero_objective(), problem.gradient_scale()
    V = np.zeros((T, n_blocks * p))
    b = intercepts.full(np.zeros(intercepts.n_free))

    def in_weights(gradient):
        """The gradient in W (that of the first part: the data see W = Σ parts) from one in x."""
        return gradient[: T * n_blocks * p].reshape(T, -1)[:, :p]

    # The whole problem's certificate at the start (a loose first round's tolerance follows it): at most 1 at
    # W = 0 with the best intercepts, whose gap is at most F₀.
    certificate = 1.0
    if start is None and not (intercepts.free.any() or intercepts.fixed.any()):
        # W = 0 with zero intercepts is the start: the gradient of the scale is the start's.
        gradient_W = in_weights(gradient_at_zero)
    elif start is None:
        gradient_W = zero_coef_gradient(design, loss, intercepts)
    else:
        # The start is W (into the first part) or the stacked parts themselves.
        V[:, : start[0].shape[1]], b = start[0], start[1]
        x = problem.pack(V, b)
        z = problem.predictions(x)
        gradient_W = in_weights(problem.loss_gradient(z))
        if loose_rounds:
            certificate = problem.certify(x, z)[0]
    violation = penalty.feature_dual_norms(gradient_W) / alpha
    if not np.all(np.isfinite(violation)):
        # No finite α zeroes a feature (e.g. a graph penalty without ℓ1 part): nothing to screen.
        return solve_directly(
            design,
            loss,
            penalty,
            alpha,
            intercepts,
            start,
            tol=tol,
            max_iter=max_iter,
            verbose=verbose,
            scale=scale,
            gradient_scale=gradient_scale,
            data_lipschitz=data_lipschitz,
        )
    in_working = np.any(V.reshape(T, n_blocks, p) != 0, axis=(0, 1))
    working = np.flatnonzero(in_working)
    gram_passes = design.X.shape[0] * p / (2.0 * design.n_entries)
    direct_when_dense = uses_gram(design, loss, intercepts) and gram_passes <= _DIRECT_GRAM_PASSES
    n_iter, lipschitz, rounds, done = 0, None, 0, False
    round_tol, tightenings, round_converged = tol, 0, True
    while True:
        candidates = np.flatnonzero(~in_working & (violation > 1.0))
        candidates = candidates[np.argsort(-violation[candidates], kind="stable")]
        if rounds > 0 and (done or n_iter >= max_iter):
            break
        if rounds > 0 and candidates.size == 0:
            # No feature outside violates, yet the whole problem's certificate exceeds tol.
            if round_tol > tol:
                # After a loose round: the working set is solved again to tol.
                round_tol = tol
            else:
                # The restricted solve met tol with its own dual point (e.g. that of its Gram form, which
                # leaves out the part of the targets no feature explains). Solve it again, tighter by the excess.
                if tightenings == _MAX_TIGHTENINGS or not round_converged:
                    break
                tightenings += 1
                round_tol *= _TIGHTER * tol / certificate
        added = candidates[: max(working.size, _MIN_ADDED)]
        if loose_rounds and candidates.size:
            # Features join: while others remain outside, the round need not be solved beyond a fraction of
            # the whole problem's certificate (as skglm's working sets); with all in, it is the problem.
            round_tol = max(tol, _INNER_FRACTION * certificate) if working.size + added.size < p else tol
        if direct_when_dense and 2 * (working.size + candidates.size) > p:
            # Most features are in or violate: the Gram form of all of them costs less than rounds.
            result = solve_directly(
                design,
                loss,
                penalty,
                alpha,
                intercepts,
                (V, b),
                tol=tol,
                max_iter=max(max_iter - n_iter, 1),
                verbose=verbose,
                scale=scale,
                gradient_scale=gradient_scale,
                data_lipschitz=data_lipschitz,
            )
            result.n_iter += n_iter
            return result
        if working.size + added.size == 0:
            # W = 0 is optimal: one round on the most violating feature finds the intercepts.
            added = np.argsort(-violation, kind="stable")[:1]
        in_working[added] = True
        working = np.flatnonzero(in_working)
        rounds += 1
        columns = _part_columns(working, p, n_blocks)
        restricted = with_features(design, working)
        inner = solve_restricted(
            restricted,
            loss,
            penalty,
            alpha,
            intercepts,
            (V[:, columns], b),
            tol=round_tol,
            max_iter=max(max_iter - n_iter, 1),
            verbose=verbose,
            scale=scale,
            gradient_scale=gradient_scale,
        )
        n_iter, round_converged = n_iter + inner.n_iter, inner.converged
        V[:] = 0.0
        V[:, columns] = inner.coef if inner.components is None else inner.components
        b, lipschitz = inner.intercept, inner.lipschitz
        x = problem.pack(V, b)
        z = problem.predictions(x, outputs=restricted.forward(inner.coef, b))
        gradient = problem.loss_gradient(z)
        certificate, objective = problem.certify(x, z)
        done = certificate <= tol and problem.relative_residual(x, gradient, lipschitz) <= tol
        violation = penalty.feature_dual_norms(in_weights(gradient)) / alpha
        if verbose:
            print(f"[working set] round {rounds}: {working.size} of {p} features, certificate {certificate:.3e}")
    W = V.reshape(T, n_blocks, p).sum(axis=1)
    return SolverResult(
        W,
        b,
        n_iter,
        float(certificate),
        done,
        float(objective),
        components=V if n_blocks > 1 else None,
        lipschitz=lipschitz,
    )
