"""Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.

For a smooth loss and any penalty with a proximal operator.  Each iteration
takes a proximal step from the extrapolated point ``y`` with step ``1/L``:

    x⁺ = prox_{α Ω / L}(y − ∇f(y) / L),

doubling L until the quadratic upper bound holds (backtracking) and letting it
shrink slowly between iterations.  Momentum restarts when it points uphill
(O'Donoghue & Candès, 2015).  Predictions are affine in the variables, so the
predictions at ``y`` are extrapolated from those at the iterates instead of
being recomputed.

Stopping rule: the relative duality gap at the iterate
(:meth:`~mtlearn.solvers.CompositeProblem.certify`), an upper bound on
(F − F*) / F₀ and the returned certificate, and the relative
proximal-gradient residual (which makes the weights accurate, see
:mod:`mtlearn.solvers._problem`) are both at most ``tol``.  Each costs a
gradient pass at the iterate: the residual is checked every ``_CHECK_EVERY``
iterations, and sooner once the proximal steps have become small; the gap
only once the residual is small.  A solve whose gap has stopped falling (no
evaluation in ``_STALL_CHECKS`` lowering the lowest by 1 %: the round-off floor
of the certificate, which can sit above a tight ``tol``) stops short of
``tol``, unconverged, leaving the caller's budget to what comes next (a later
working set).
"""

from __future__ import annotations

import numpy as np

from ._problem import SolverResult

_SHRINK = 0.9
# Iterations between two evaluations of the duality gap (fewer once the steps are small).
_CHECK_EVERY = 10
_CHECK_EVERY_SMALL_STEPS = 3
# The solve stops short of tol (at its round-off floor) once this many evaluations of the duality gap in a
# row have not lowered the lowest one by the fraction _PROGRESS.
_STALL_CHECKS = 100
_PROGRESS = 0.01


def accelerated_proximal_gradient(problem, x0, *, tol, max_iter, verbose=0, record_history=False):
    """Minimise a :class:`CompositeProblem` from ``x0``.

    Parameters
    ----------
    problem : CompositeProblem
    x0 : ndarray of shape (problem.n_vars,)
    tol : float
        Stop when the relative duality gap is at most ``tol``.
    max_iter : int
    verbose : int
        Print the objective and the certificate every ``max(1, 100 // verbose)`` iterations.
    record_history : bool
        Keep the objective of every iterate.

    Returns
    -------
    SolverResult
    """
    problem.zero_objective()  # F₀, computed once for every certificate
    # A proximal step is small below tol times the gradient scale at the start.
    small_step = tol * problem.gradient_scale()
    L = problem.lipschitz_estimate()
    L_floor = 1e-3 * L
    # Past twice the power-iteration estimate of the Lipschitz constant the upper
    # bound holds in exact arithmetic; a failed test there is rounding, not curvature.
    L_cap = 2.0 * L
    x = x0.copy()
    z_x = problem.predictions(x)
    f_x = problem.loss_value(z_x)
    y, z_y, f_y = x, z_x, f_x
    t = 1.0
    history = []

    stall = [np.inf, 0]  # the lowest certificate evaluated, and the evaluations since it fell by _PROGRESS

    def check(x, z_x, L, last, final=False):
        """(done, certificate, objective) at x; the gap is evaluated once the residual is small (or at the end).

        ``last`` is the previous (certificate, objective), kept while the gap is not evaluated.
        """
        residual = problem.relative_residual(x, problem.loss_gradient(z_x), L)
        if residual > tol and not final:
            return False, *last
        certificate, objective = problem.certify(x, z_x)
        if certificate < (1.0 - _PROGRESS) * stall[0]:
            stall[:] = certificate, 0
        else:
            stall[1] += 1
        return residual <= tol and certificate <= tol, certificate, objective

    done, certificate, objective = check(x, z_x, L, None, final=True)
    n_iter, last_check = 0, 0
    report_every = max(1, 100 // verbose) if verbose else 0
    while not done and n_iter < max_iter and stall[1] < _STALL_CHECKS:
        n_iter += 1
        grad_y = problem.loss_gradient(z_y)
        while True:
            x_new = problem.prox(y - grad_y / L, 1.0 / L)
            step = x_new - y
            z_new = problem.predictions(x_new)
            f_new = problem.loss_value(z_new)
            bound = f_y + np.dot(grad_y, step) + 0.5 * L * np.dot(step, step)
            if f_new <= bound + 1e-13 * abs(f_y) or L >= L_cap:
                break
            L *= 2.0
        restart = np.dot(y - x_new, x_new - x) > 0
        if restart:
            t_new = 1.0
            y, z_y, f_y = x_new, z_new, f_new
        else:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            momentum = (t - 1.0) / t_new
            y = x_new + momentum * (x_new - x)
            z_y = z_new + momentum * (z_new - z_x)
            f_y = problem.loss_value(z_y)
        x, z_x, f_x, t = x_new, z_new, f_new, t_new
        since = n_iter - last_check
        steps_small = L * np.max(np.abs(step), initial=0.0) <= small_step
        if since >= _CHECK_EVERY or (steps_small and since >= _CHECK_EVERY_SMALL_STEPS) or n_iter == max_iter:
            done, certificate, objective = check(x, z_x, L, (certificate, objective), final=n_iter == max_iter)
            last_check = n_iter
        if record_history or report_every:
            current = f_x + problem.penalty_value(x)
            if record_history:
                history.append(current)
            if report_every and n_iter % report_every == 0:
                # The relative gap last evaluated (it is evaluated once the residual is small).
                print(f"[apg] iter {n_iter:5d}  objective {current:.10g}  relative gap {certificate:.3e}")
        L = max(L * _SHRINK, L_floor)
    if last_check != n_iter:
        done, certificate, objective = check(x, z_x, L, None, final=True)
    W, b = problem.unpack(x)
    return SolverResult(W.copy(), b, n_iter, float(certificate), done, float(objective), history, lipschitz=float(L))
