"""Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.

For a smooth loss and any penalty with a proximal operator.  Each iteration
takes a proximal step from the extrapolated point ``y`` with step ``1/L``:

    x⁺ = prox_{α Ω / L}(y − ∇f(y) / L),

doubling L until the quadratic upper bound holds (backtracking) and letting it
shrink slowly between iterations.  Momentum restarts when it points uphill
(O'Donoghue & Candès, 2015).  Predictions are affine in the variables, so the
predictions at ``y`` are extrapolated from those at the iterates instead of
being recomputed.

Stopping certificate: the proximal-gradient residual at the returned point,
``‖L (x − prox(x − ∇f(x)/L))‖_∞``, divided by ``‖∇f(0)‖_∞``; it is zero exactly
at a minimiser.
"""

from __future__ import annotations

import numpy as np

from ._problem import SolverResult

_SHRINK = 0.9


def accelerated_proximal_gradient(problem, x0, *, tol, max_iter, verbose=0, record_history=False):
    """Minimise a :class:`CompositeProblem` from ``x0``.

    Parameters
    ----------
    problem : CompositeProblem
    x0 : ndarray of shape (problem.n_vars,)
    tol : float
        Stop when the relative residual is at most ``tol``.
    max_iter : int
    verbose : int
        Print the objective and the certificate every ``max(1, 100 // verbose)`` iterations.
    record_history : bool
        Keep the objective of every iterate.

    Returns
    -------
    SolverResult
    """
    scale = problem.gradient_scale()
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
    grad_x = problem.loss_gradient(z_x)
    certificate, L_certificate = problem.residual(x, grad_x, L) / scale, L
    n_iter = 0
    report_every = max(1, 100 // verbose) if verbose else 0
    while certificate > tol and n_iter < max_iter:
        n_iter += 1
        grad_y = grad_x if y is x else problem.loss_gradient(z_y)
        while True:
            x_new = problem.prox(y - grad_y / L, 1.0 / L)
            step = x_new - y
            z_new = problem.predictions(x_new)
            f_new = problem.loss_value(z_new)
            bound = f_y + np.dot(grad_y, step) + 0.5 * L * np.dot(step, step)
            if f_new <= bound + 1e-13 * abs(f_y) or L >= L_cap:
                break
            L *= 2.0
        grad_x = None
        if L * np.max(np.abs(step), initial=0.0) <= tol * scale:
            grad_x = problem.loss_gradient(z_new)
            certificate, L_certificate = problem.residual(x_new, grad_x, L) / scale, L
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
        if grad_x is None:
            grad_x = problem.loss_gradient(z_x) if y is x else None
        if record_history or report_every:
            objective = f_x + problem.penalty_value(x)
            if record_history:
                history.append(objective)
            if report_every and n_iter % report_every == 0:
                print(f"[apg] iter {n_iter:5d}  objective {objective:.10g}  step residual {L * np.max(np.abs(step)) / scale:.3e}")
        L = max(L * _SHRINK, L_floor)
    if certificate > tol:
        grad_x = problem.loss_gradient(z_x)
        certificate, L_certificate = problem.residual(x, grad_x, L) / scale, L
    W, b = problem.unpack(x)
    objective = f_x + problem.penalty_value(x)
    return SolverResult(
        W.copy(), b, n_iter, float(certificate), certificate <= tol, float(objective), history, lipschitz=float(L_certificate)
    )
