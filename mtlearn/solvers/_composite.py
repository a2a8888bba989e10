"""Solve a smooth loss plus a proximable penalty: the data (or its Gram form) handed to APG.

:func:`solve_directly` runs :func:`accelerated_proximal_gradient` on

- the compact Gram design of :class:`~mtlearn.solvers.GramDesign` for the
  squared loss when every intercept is free (or none is) and
  :func:`~mtlearn.solvers.gram_pays_off`;
- the data themselves otherwise;

and, for a penalty separable over features with many features, inside
working sets (:func:`~mtlearn.solvers.solve_on_working_sets`).  The penalty's
parts (``n_blocks > 1``) are handled here: the solver's variable is their
stack, the data see their sum.
"""

from __future__ import annotations

import numpy as np

from .._design import SummedBlocksDesign
from ._apg import accelerated_proximal_gradient
from ._gram import GramDesign, gram_pays_off
from ._problem import CompositeProblem, Intercepts


def full_problem(design, loss, penalty, alpha, intercepts, scale=None, gradient_scale=None, data_lipschitz=None):
    """The :class:`CompositeProblem` on the data, its variables the penalty's parts."""
    if penalty.n_blocks > 1:
        design = SummedBlocksDesign(design, penalty.n_blocks)
    return CompositeProblem(
        design,
        loss,
        penalty,
        alpha,
        intercepts,
        scale=scale,
        gradient_scale=gradient_scale,
        data_lipschitz=data_lipschitz,
    )


def uses_gram(design, loss, intercepts):
    """Whether :func:`solve_directly` solves this problem on its Gram form."""
    return loss.least_squares and intercepts.each_task_or_none and gram_pays_off(design)


def solve_directly(
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
):
    """Minimise ``data(W, b) + α Ω(W)`` by accelerated proximal gradient, from ``start``.

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    loss : Loss
        A smooth loss.
    penalty : penalty object
    alpha : float
    intercepts : Intercepts
    start : (W, b) or None
        Starting point: the model's weights, or the stacked parts for a
        penalty with several (``n_blocks`` times as many columns); None: zero.
    tol, max_iter, verbose
        As in :func:`accelerated_proximal_gradient`.
    scale, gradient_scale : float or None
        F₀, the scale that makes the certificate relative, and the gradient
        scale of the relative residual; None: those of this problem
        (:meth:`CompositeProblem.zero_objective`,
        :meth:`CompositeProblem.gradient_scale`).
    data_lipschitz : float or None
        The data term's gradient Lipschitz constant on this design, when the
        caller knows it (see :class:`CompositeProblem`); None: estimated here.

    Returns
    -------
    SolverResult
        With the penalty's parts in ``components`` when it has several.
    """
    gram = (
        GramDesign(design, fit_intercept=bool(intercepts.free.any())) if uses_gram(design, loss, intercepts) else None
    )
    if gram is None:
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
    else:
        if scale is None:
            scale = full_problem(design, loss, penalty, alpha, intercepts).zero_objective()
        problem = full_problem(
            gram.design,
            loss,
            penalty,
            alpha,
            Intercepts.none(design.n_tasks),
            scale=scale,
            gradient_scale=gram.gradient_scale if gradient_scale is None else gradient_scale,
            data_lipschitz=data_lipschitz,
        )
    blocks = problem.design if isinstance(problem.design, SummedBlocksDesign) else None
    if start is None:
        x0 = np.zeros(problem.n_vars)
    else:
        W0, b0 = start
        if blocks is not None and W0.shape[1] != blocks.n_features:
            W0 = blocks.lift(W0)
        x0 = problem.pack(W0, b0)
    result = accelerated_proximal_gradient(problem, x0, tol=tol, max_iter=max_iter, verbose=verbose)
    if blocks is not None:
        result.components, result.coef = result.coef, blocks.combine(result.coef)
    if gram is not None:
        result.intercept = gram.intercepts(result.coef)
        # The compact design's data term differs from the original one by a constant.
        result.objective += gram.objective_offset
    return result
