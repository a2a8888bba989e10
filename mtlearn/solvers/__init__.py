"""Solvers for the multi-task objective (see each module for its method and certificate)."""

from ._apg import accelerated_proximal_gradient
from ._composite import solve_directly
from ._exact_ridge import solve_mean_regularised_squared
from ._gram import GramDesign, gram_pays_off
from ._hinge_dual import hinge_dual
from ._problem import CompositeProblem, Intercepts, SolverResult, zero_coef_gradient
from ._working_set import solve_on_working_sets, uses_working_sets

__all__ = [
    "CompositeProblem",
    "GramDesign",
    "Intercepts",
    "SolverResult",
    "accelerated_proximal_gradient",
    "gram_pays_off",
    "hinge_dual",
    "solve_directly",
    "solve_mean_regularised_squared",
    "solve_on_working_sets",
    "uses_working_sets",
    "zero_coef_gradient",
]
