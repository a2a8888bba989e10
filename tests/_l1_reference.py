"""Reference optima of ℓ1-penalised margin losses by L-BFGS-B on the split ``w = u − v``, ``u, v ≥ 0``.

Independent of mtlearn: scipy's bound-constrained quasi-Newton method on a
smooth reformulation of

    minimise over (w, b):   (1/n) Σ_i ℓ(y_i (x_i·w + b)) + α ‖w‖₁,   y_i ∈ {−1, +1},

where ``‖w‖₁ = Σ (u + v)`` at the optimum of the split.  The losses are those
with a Lipschitz derivative (logistic, squared hinge), so the split problem is
smooth and L-BFGS-B converges to its optimum.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit


def logistic(margins):
    """``(ℓ(m), ℓ'(m))`` of the logistic loss ``log(1 + e^{−m})``."""
    return np.logaddexp(0.0, -margins), -expit(-margins)


def squared_hinge(margins):
    """``(ℓ(m), ℓ'(m))`` of the squared hinge ``max(0, 1 − m)²``."""
    slack = np.maximum(0.0, 1.0 - margins)
    return slack**2, -2.0 * slack


def l1_margin_reference(X, y_pm, alpha, loss, *, fit_intercept=False):
    """``(w, b, objective)`` at the optimum of the module docstring's problem (b = 0 without intercept).

    Parameters
    ----------
    X : ndarray of shape (n, p)
    y_pm : ndarray of shape (n,)
        Labels in {−1, +1}.
    alpha : float
    loss : callable
        ``margins ↦ (values, derivatives)``, e.g. :func:`logistic` or :func:`squared_hinge`.
    fit_intercept : bool
        Whether b is a variable (unpenalised).
    """
    n, p = X.shape

    def objective(z):
        w, b = z[:p] - z[p : 2 * p], (z[-1] if fit_intercept else 0.0)
        values, derivatives = loss(y_pm * (X @ w + b))
        g = y_pm * derivatives / n
        gradient_w = X.T @ g
        gradient = [gradient_w + alpha, -gradient_w + alpha] + ([[g.sum()]] if fit_intercept else [])
        return values.mean() + alpha * z[: 2 * p].sum(), np.concatenate(gradient)

    result = minimize(
        objective,
        np.zeros(2 * p + fit_intercept),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * (2 * p) + [(None, None)] * fit_intercept,
        options={"ftol": 0.0, "gtol": 1e-13, "maxiter": 100_000, "maxfun": 200_000, "maxcor": 50},
    )
    w = result.x[:p] - result.x[p : 2 * p]
    return w, (float(result.x[-1]) if fit_intercept else 0.0), float(result.fun)
