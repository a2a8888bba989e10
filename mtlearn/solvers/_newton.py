r"""Proximal Newton for a twice differentiable classification loss with any proximable penalty.

The problem is that of :mod:`mtlearn.solvers._problem`,

    F(W, b) = Σ_i c_i ℓ(y_i, f_i) + α Ω(W),   f_i = x_iᵀ w_{t_i} + b_{t_i},

with a loss that declares ``second_order`` (logistic, squared hinge; the
squared loss on wide rows, whose model is the problem itself).  At the
iterate, with predictions f_i, data gradient ``u_i = c_i ℓ'(y_i, f_i)`` and
curvature ``h_i = c_i ℓ''(y_i, f_i)`` (floored at ``_CURVATURE_FLOOR · c_i ·
curvature`` so that no task loses all its weight), the data term is replaced
by its second-order model in the predictions f',

    Σ_i u_i (f'_i − f_i) + ½ h_i (f'_i − f_i)²  =  Σ_i ½ h_i (ỹ_i − f'_i)² + const,
    ỹ_i = f_i − u_i / h_i,

a weighted least-squares problem with the same penalty, α and intercepts
(the working response of iteratively reweighted least squares).  It is solved
by :func:`~mtlearn.solvers.solve` — exactly for a mean-type penalty, on its
Gram form otherwise, so an inner iteration costs O(T p²) and not a pass over
the data.  On wide rows (sparse ones, and dense ones with fewer rows than
n_tasks × n_features for the squared loss; ℓ2,1, lasso or dirty) the model
is minimised by FISTA with backtracking (:func:`~mtlearn.solvers._gram_apg.gram_apg`: an
iteration is one batched product and one prox, no Python loop over features)
on the tasks' Gram matrices of the few features of a working set, T × p × p
dense, where they pay off (each step's updated from the last step's on the
rows whose curvature changed, when at most half did: the squared hinge's
margin crossings), and with the products taken on the rows beyond
(two passes over the nonzeros).  Each model is solved to a relative duality
gap a tenth of the current certificate (an inexact Newton step whose
accuracy follows the outer one); the squared loss's model, the problem
itself, to ``tol`` at once.  The step d to
its solution is damped by backtracking (Lee, Sun & Saunders, 2014) until

    F(x + s d) ≤ F(x) + σ s Δ,   Δ = ∇f(x)ᵀ d + α Ω(x + d) − α Ω(x) < 0;

a step this rejects whose |Δ| is below the round-off of F (``_ROUND_OFF``:
a tight tol near the optimum, where the gap still exceeds tol) is taken
whole when it lowers the certificate.

Newton steps are scale-free: where rare positives make the tasks (nearly)
separable, the logistic optimum lies at a large ‖W‖ where the loss is almost
flat, and proximal gradient — whose step is set by the global curvature bound
— needs thousands of iterations; the Newton model follows the local
curvature.

Stopping rule and certificate are those of proximal gradient
(:mod:`mtlearn.solvers._apg`): the relative duality gap of the problem
(:meth:`~mtlearn.solvers.CompositeProblem.certify`) and the relative
proximal-gradient residual at the power-iteration estimate of the Lipschitz
constant are both at most ``tol``.  ``n_iter`` counts Newton steps; each
inner solve may take up to ``max_iter`` iterations of its own (the squared
loss's model to ``tol / 2``, or to a tenth of the certificate and residual
when a step has not certified the problem; a step that does not halve the
certificate hands over to proximal gradient).  When a step
is not taken (a model solved too loosely) the solve is finished by proximal
gradient from the current point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._design import StackedDesign, SummedBlocksDesign, with_entry_weights
from ._composite import full_problem, solve_directly
from ._gram import gram_pays_off
from ._gram_apg import GramStopping, gram_apg, gram_takes
from ._problem import SolverResult, best_intercepts
from ._quadratic_model import (
    TaskGramModel,
    TaskRowsModel,
    gram_models_pay_off,
    minimise_model,
    model_is_compact,
    rows_for_gram_models,
    wide_models_apply,
)

# Smallest curvature of an entry, relative to its weight times the loss's curvature bound.
_CURVATURE_FLOOR = 1e-10
# Sufficient-decrease fraction σ and the most halvings of the step of the backtracking.
_DECREASE = 1e-4
_HALVINGS = 30
# A predicted decrease below this fraction of the objective's terms is round-off: the step is judged by the certificate.
_ROUND_OFF = 4 * np.finfo(float).eps
# Relative gap of each quadratic model's solve, relative to the current certificate.
_FORCING = 0.1
# The squared loss's model (the problem itself) is solved to this fraction of tol: its own certificate
# (the compact form's dual point) and the problem's differ by round-off.
_EXACT_MODEL = 0.5
# A squared-loss step that leaves the certificate above this fraction of the last one hands over to
# proximal gradient: solving the same model tighter would repeat a whole solve per step.
_EXACT_PROGRESS = 0.5


def proximal_newton_applies(design, loss, penalty, intercepts):
    """Whether proximal Newton should solve a problem on ``design`` with ``loss`` and ``penalty``.

    The loss declares ``second_order``, each task has rows of its own (entry
    weights per row), and the quadratic models are cheap: the Gram form pays
    off (:func:`~mtlearn.solvers.gram_pays_off`: dense X, more rows than
    n_tasks × n_features), or the models on wide rows are taken
    (:func:`wide_model_method`: ℓ2,1, lasso or dirty; on the Gram matrices of
    few features or on the rows).  The squared loss's model is the problem
    itself: it is taken only on wide rows (one model, solved to ``tol``,
    where proximal gradient on the rows stalls on their conditioning); other
    dense rows have the Gram form of :mod:`mtlearn.solvers._composite`.
    """
    if not (loss.second_order and isinstance(design, StackedDesign)):
        return False
    if wide_model_method(design, loss, penalty, intercepts) is not None:
        return True
    return not loss.least_squares and gram_pays_off(design)


def wide_model_method(design, loss, penalty, intercepts):
    """How the Newton models of a problem on wide rows are minimised: ``"gram"``, ``"rows"`` or None.

    Both by :func:`~mtlearn.solvers._gram_apg.gram_apg`, for models of
    wide rows (:func:`~mtlearn.solvers._quadratic_model.wide_models_apply`)
    with a penalty it takes (:func:`~mtlearn.solvers._gram_apg.gram_takes`):

    - ``"gram"``: on the tasks' Gram matrices of the design's features, where
      they pay off (:func:`~mtlearn.solvers._quadratic_model.gram_models_pay_off`);
    - ``"rows"``: with the products taken on the rows
      (:class:`~mtlearn.solvers._quadratic_model.TaskRowsModel`);
    - None: the models are not those of wide rows.

    Any second-order loss: the squared hinge's rows beyond the margin get the
    curvature floor, and FISTA takes its nearly singular regularised models
    (proximal gradient on the squared hinge's sparse problems stopped at the
    default ``max_iter`` far from the optimum: benchmarks/RESULTS.md, "The
    squared hinge on sparse rows by proximal Newton").  Coordinate descent
    over the columns, which minimised the models beyond the Gram bound for
    the logistic and squared losses before, took 1.8 to 26 times as long as
    FISTA on the rows (benchmarks/RESULTS.md, "Gram matrices or rows for the
    Newton models on sparse rows").
    """
    if not (wide_models_apply(design, loss, penalty, intercepts) and gram_takes(penalty, design.n_tasks)):
        return None
    return "gram" if gram_models_pay_off(design) else "rows"


def proximal_newton(
    design,
    loss,
    penalty,
    alpha,
    intercepts,
    start,
    *,
    solve_model,
    tol,
    max_iter,
    verbose=0,
    scale=None,
    gradient_scale=None,
    data_lipschitz=None,
):
    """Minimise ``data(W, b) + α Ω(W)`` by proximal Newton steps, from ``start`` (see the module docstring).

    Parameters
    ----------
    design : StackedDesign
    loss : Loss
        Declares ``second_order``.
    penalty : Penalty
    alpha : float
    intercepts : Intercepts
    start : (W, b) or None
        Starting point (the stacked parts for a penalty with several); None: W = 0 and
        the intercepts at their optimum.
    solve_model : callable
        ``solve_model(design, penalty, alpha, intercepts, start, tol=, max_iter=, scale=,
        gradient_scale=)`` minimises the squared loss on ``design`` from ``start`` (a
        :class:`SolverResult`) and returns a :class:`SolverResult`.
    tol, max_iter, verbose, scale, gradient_scale, data_lipschitz
        As in :func:`~mtlearn.solvers.solve_directly`.

    Returns
    -------
    SolverResult
        With the penalty's parts in ``components`` when it has several.
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
    scale, gradient_scale = problem.zero_objective(), problem.gradient_scale()
    lipschitz = problem.lipschitz_estimate()
    blocks = problem.design if isinstance(problem.design, SummedBlocksDesign) else None
    if start is None:
        b0 = best_intercepts(design, loss, intercepts)
        x = problem.pack(np.zeros((design.n_tasks, problem.design.n_features)), b0)
    else:
        W0, b0 = start
        if blocks is not None and W0.shape[1] != blocks.n_features:
            W0 = blocks.lift(W0)
        x = problem.pack(W0, b0)
    z = problem.predictions(x)
    smooth, penalty_value = problem.loss_value(z), problem.penalty_value(x)

    def stopping(x, z):
        """(done, certificate, relative residual, objective) at x: the rule of proximal gradient."""
        certificate, objective = problem.certify(x, z)
        residual = problem.relative_residual(x, problem.loss_gradient(z), lipschitz)
        return certificate <= tol and residual <= tol, certificate, residual, objective

    done, certificate, residual, objective = stopping(x, z)
    wide_models = _wide_models(problem)
    model = None  # the last step's model: the next one is built from it
    n_iter = 0
    while not done and n_iter < max_iter:
        n_iter += 1
        if loss.least_squares:  # the model is the problem: solved to tol at once, tighter if that did not certify
            certificate_target = min(_EXACT_MODEL * tol, _FORCING * certificate)
            residual_target = min(_EXACT_MODEL * tol, _FORCING * residual)
        else:
            certificate_target, residual_target = max(_FORCING * certificate, 0.1 * tol), _FORCING * residual
        forcing = _Forcing(certificate_target, residual_target * gradient_scale)
        candidate, model = _model_solution(
            problem, x, z, solve_model, forcing, wide_models, previous=model, max_iter=max_iter
        )
        step = candidate - x
        z_step = problem.predictions(candidate) - z
        decrease = float(np.dot(problem.loss_gradient(z), step)) + problem.penalty_value(candidate) - penalty_value
        accepted = False
        if decrease < 0.0:
            s = 1.0
            for _ in range(_HALVINGS):
                x_new, z_new = x + s * step, z + s * z_step
                smooth_new, penalty_new = problem.loss_value(z_new), problem.penalty_value(x_new)
                if smooth_new + penalty_new <= smooth + penalty_value + _DECREASE * s * decrease:
                    accepted = True
                    break
                s *= 0.5
        if not accepted and abs(decrease) <= _ROUND_OFF * (abs(smooth) + abs(penalty_value)):
            # The step moves the objective by less than its round-off (a tight tol near the optimum, where
            # the gap still exceeds it): the line search cannot judge it, the certificate can.
            s, x_new, z_new = 1.0, candidate, z + z_step
            smooth_new, penalty_new = problem.loss_value(z_new), problem.penalty_value(x_new)
            accepted = problem.certify(x_new, z_new)[0] < certificate
        if not accepted:
            return _finish_by_proximal_gradient(
                design, problem, x, n_iter, tol=tol, max_iter=max_iter, verbose=verbose, data_lipschitz=data_lipschitz
            )
        x, z, smooth, penalty_value = x_new, z_new, smooth_new, penalty_new
        previous = certificate
        done, certificate, residual, objective = stopping(x, z)
        if verbose:
            print(
                f"[newton] step {n_iter:4d}  size {s:.3g}  objective {objective:.10g}  relative gap {certificate:.3e}"
            )
        if loss.least_squares and not done and certificate > _EXACT_PROGRESS * previous:
            # The exact model solved again does not shrink the certificate: each such step is a whole solve.
            return _finish_by_proximal_gradient(
                design, problem, x, n_iter, tol=tol, max_iter=max_iter, verbose=verbose, data_lipschitz=data_lipschitz
            )
    V, b = problem.unpack(x)
    W = V if blocks is None else blocks.combine(V)
    return SolverResult(
        W.copy(),
        b,
        n_iter,
        float(certificate),
        done,
        float(objective),
        components=None if blocks is None else V.copy(),
        lipschitz=float(lipschitz),
    )


@dataclass
class _Forcing:
    """How accurately a Newton step's model is solved: a relative gap, or a proximal-gradient residual."""

    certificate: float
    residual: float


def _wide_models(problem):
    """``(method, rows)`` of the Newton models on wide rows, chosen once per solve; None for other models.

    ``method`` is that of :func:`wide_model_method`; the rows are those of
    :func:`rows_for_gram_models` for ``"gram"`` (densified once when they are
    few), the design's own otherwise.
    """
    design = problem.design
    method = wide_model_method(design, problem.loss, problem.penalty, problem.intercepts)
    if method is None:
        return None
    return method, rows_for_gram_models(design) if method == "gram" else design


def _model_solution(problem, x, z, solve_model, forcing, wide_models, *, previous, max_iter):
    """``(candidate, model)``: the minimiser (packed like x) of the second-order model of the data term at x, plus α Ω.

    ``wide_models`` (:func:`_wide_models`) are the method and rows of the models on wide rows, or None.
    ``previous`` is the last step's model (or None), from which a :class:`TaskGramModel` of the same rows is
    updated; ``model`` is this step's (None when ``solve_model`` minimised it).

    On wide rows as :func:`wide_model_method` says: by ``gram_apg`` on
    :class:`TaskGramModel` or :class:`TaskRowsModel`; on other dense rows on each task's Gram matrix
    (:mod:`mtlearn.solvers._quadratic_model`) when that form takes the problem
    and the penalty is not mean-type (whose model ``solve_model`` solves
    exactly); by ``solve_model`` otherwise.
    """
    blocks = problem.design if isinstance(problem.design, SummedBlocksDesign) else None
    design = problem.design if blocks is None else blocks.design
    loss, penalty, intercepts = problem.loss, problem.penalty, problem.intercepts
    f = z[: design.n_entries]
    u = loss.derivative(design.y, f, design.weight)
    floor = _CURVATURE_FLOOR * loss.curvature * design.weight
    h = np.maximum(loss.second_derivative(design.y, f, design.weight), floor)
    response = f - np.divide(u, h, out=np.zeros_like(u), where=h > 0)
    V, b = problem.unpack(x)
    method, rows = wide_models if wide_models is not None else (None, design)
    if method is not None or (not penalty.mean_type and model_is_compact(penalty, intercepts)):
        # Per-task models: the free intercepts are eliminated by centring, the fixed ones leave the targets.
        fixed = np.where(intercepts.free, 0.0, b)
        model_design = with_entry_weights(rows, response - fixed[design.task_index] if fixed.any() else response, h)
        if method == "rows":
            model = TaskRowsModel(model_design, fit_intercept=intercepts.free)
        else:
            model = TaskGramModel(model_design, fit_intercept=intercepts.free, previous=previous)
        if method is not None:
            V = _gram_model_solution(problem, model, V, forcing, max_iter=max_iter)
        else:
            V, _ = minimise_model(model, penalty, problem.alpha, V, residual_target=forcing.residual, max_iter=max_iter)
        return problem.pack(V, model.intercepts(V if blocks is None else blocks.combine(V)) + fixed), model
    model_design = with_entry_weights(rows, response, h)
    W = V if blocks is None else blocks.combine(V)
    start = SolverResult(W, b, 0, np.nan, False, np.nan, components=None if blocks is None else V)
    result = solve_model(
        model_design,
        penalty,
        problem.alpha,
        intercepts,
        start,
        tol=forcing.certificate,
        max_iter=max_iter,
        scale=problem.zero_objective(),
        gradient_scale=problem.gradient_scale(),
    )
    if blocks is None:
        return problem.pack(result.coef, result.intercept), None
    parts = blocks.lift(result.coef) if result.components is None else result.components
    return problem.pack(parts, result.intercept), None


def _gram_model_solution(problem, model, W, forcing, *, max_iter):
    """The W minimising a Newton step's model on wide rows by FISTA, from W.

    :func:`~mtlearn.solvers._gram_apg.gram_apg` on the model's quadratic
    (:meth:`TaskGramModel.quadratic`: its tasks' Gram matrices, or
    :class:`TaskRowsModel`: products on the rows), to a relative gap and a
    relative proximal-gradient residual within the forcing terms (its small
    steps checked at spaced iterations: the forcing terms are loose).
    """
    quadratic = model.quadratic()
    gradient_scale = problem.gradient_scale()
    tol = min(forcing.certificate, forcing.residual / gradient_scale)
    stopping = GramStopping(quadratic, problem.penalty, problem.alpha, tol, problem.zero_objective(), gradient_scale)
    solution = gram_apg(
        stopping,
        W,
        quadratic.product(W),
        max_iter=max_iter,
        lipschitz=quadratic.lipschitz_estimate(),
        spaced_checks=True,
    )
    return solution.coef


def _finish_by_proximal_gradient(design, problem, x, n_iter, *, tol, max_iter, verbose, data_lipschitz):
    """Proximal gradient on ``problem`` (on ``design``) from x, its iterations added to the ``n_iter`` Newton steps."""
    V, b = problem.unpack(x)
    result = solve_directly(
        design,
        problem.loss,
        problem.penalty,
        problem.alpha,
        problem.intercepts,
        (V, b),
        tol=tol,
        max_iter=max_iter,
        verbose=verbose,
        scale=problem.zero_objective(),
        gradient_scale=problem.gradient_scale(),
        data_lipschitz=data_lipschitz,
    )
    result.n_iter += n_iter
    return result
