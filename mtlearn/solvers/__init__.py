"""Solvers for the multi-task objective: :func:`solve` is the one entry point.

See :mod:`mtlearn.solvers._solve` for how a method is chosen from the
capabilities the loss and the penalty declare, and each method's module for
its algorithm; every method certifies its result by a duality gap relative
to F₀ (:mod:`mtlearn.solvers._problem`).
"""

from ._apg import accelerated_proximal_gradient
from ._composite import solve_directly
from ._exact_ridge import solve_mean_regularised_squared
from ._gram import GramDesign, gram_pays_off
from ._hinge_dual import hinge_dual
from ._problem import CompositeProblem, Intercepts, SolverResult, best_intercepts, zero_coef_gradient
from ._solve import METHODS, Method, Path, Problem, choose_method, solve, solve_exactly
from ._working_set import solve_on_working_sets, uses_working_sets

__all__ = [
    "METHODS",
    "CompositeProblem",
    "GramDesign",
    "Intercepts",
    "Method",
    "Path",
    "Problem",
    "SolverResult",
    "accelerated_proximal_gradient",
    "best_intercepts",
    "choose_method",
    "gram_pays_off",
    "hinge_dual",
    "solve",
    "solve_directly",
    "solve_exactly",
    "solve_mean_regularised_squared",
    "solve_on_working_sets",
    "uses_working_sets",
    "zero_coef_gradient",
]
