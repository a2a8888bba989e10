"""Solvers for the multi-task objective (see each module for its method and certificate)."""

from ._apg import accelerated_proximal_gradient
from ._exact_ridge import solve_mean_regularised_squared
from ._hinge_dual import hinge_dual
from ._problem import CompositeProblem, Intercepts, SolverResult

__all__ = [
    "CompositeProblem",
    "Intercepts",
    "SolverResult",
    "accelerated_proximal_gradient",
    "hinge_dual",
    "solve_mean_regularised_squared",
]
