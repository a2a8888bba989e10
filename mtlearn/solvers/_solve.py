"""One entry point: :func:`solve` picks the method from what the loss and the penalty declare.

A :class:`Problem` is the composite objective

    F(W, b) = Σ_i c_i ℓ(y_i, x_iᵀ w_{t_i} + b_{t_i}) + α Ω(W)

on a design (its rows, entry weights c_i and targets), with the intercepts of
:class:`~mtlearn.solvers.Intercepts`.  Each method names, as class attributes,
the capabilities it requires of the loss and of the penalty (declared
attributes of :class:`~mtlearn.losses.Loss` and
:class:`~mtlearn.penalties.Penalty`); :func:`solve` takes the first method, in
the order of :data:`METHODS`, whose requirements hold and that takes the
problem's shape, and fails with the names of what is missing when none applies:

1. :class:`ExactSpectral` — squared loss (``least_squares``) with a penalty
   whose task kernel is ``aI + b11ᵀ`` (``mean_type``): exact linear algebra,
   one eigendecomposition (or batched solve) per task; taken in its dual
   form, :class:`DualSpectral` (the tasks' n_t × n_t Gram matrices), when
   every task has fewer rows than features — except a single fit on sparse
   rows of their own per task, which is :class:`DualConjugateGradients`;
   with one intercept shared by the tasks, from two solves without
   intercepts (:func:`shared_intercept_solution`);
2. :class:`DualConjugateGradients` — squared loss with a ``quadratic``
   penalty that has a task kernel (no ``null_space``), every task with fewer
   rows than features: conjugate gradients on the dual's n × n kernel
   system, stopped by its duality gap;
3. :class:`HingeDual` — the hinge (``piecewise_linear``) with a ``quadratic``
   penalty, in the dual: an interior-point method when the tasks have few
   features, accelerated projected gradient otherwise;
4. :class:`RowSpace` — a smooth loss with a ``rotation_invariant`` penalty
   (quadratic or spectral) and at most half as many rows as features: the
   same problem on the rows' coordinates in a basis of their span (from the
   n × n kernel of the rows), certified on the data;
5. :class:`WorkingSets` — a smooth loss with a ``feature_separable`` penalty
   and many features: growing working sets of features;
6. :class:`ProximalNewton` — a ``second_order`` classification loss on
   dense per-task rows: proximal Newton steps, each a weighted least-squares
   model solved on the tasks' Gram matrices (or by this same dispatch);
7. :class:`ProximalGradient` — a smooth loss with any penalty: accelerated
   proximal gradient, on the Gram form of the squared loss when it pays off.

Every method returns a :class:`~mtlearn.solvers.SolverResult` whose
``certificate`` bounds (F − F*) / F₀ by a duality gap.  :class:`Path` solves
one design along a sequence of (penalty, α), warm-started, or exactly from
one set of spectra where the penalty allows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import scipy.sparse as sp

from .._design import StackedDesign, with_targets
from ..losses import SquaredLoss
from ._composite import full_problem, solve_directly, uses_gram
from ._dual_cg import dual_conjugate_gradients
from ._dual_ridge import DualMeanRegularisedPath, dual_pays_off, solve_dual_mean_regularised_squared
from ._exact_ridge import MeanRegularisedPath, solve_mean_regularised_squared
from ._gram import GramDesign
from ._gram_apg import GramStopping, gram_takes, solve_gram
from ._hinge_dual import hinge_dual
from ._hinge_interior import hinge_dual_interior, interior_point_applies
from ._newton import proximal_newton, proximal_newton_applies
from ._problem import CompositeProblem, Intercepts, SolverResult, best_intercepts
from ._row_space import RowCoordinates, row_space_pays_off, solve_on_row_space
from ._screening import GapSafeScreening
from ._working_set import solve_on_working_sets, uses_working_sets


@dataclass
class Problem:
    """The objective a solver minimises (see the module docstring).

    Attributes
    ----------
    design : StackedDesign or SharedDesign
    loss : Loss
    penalty : Penalty
    alpha : float
    intercepts : Intercepts
    zero_objective, gradient_scale : float or None, default=None
        F₀ and the gradient scale of the stopping rule, when known: for a
        design that stands in for the data (the compact least-squares form of
        per-task statistics, which has no intercepts) those of the original
        problem.  None: those of this design (:func:`solve` fills in F₀).
    data_lipschitz : float or None, default=None
        The data term's gradient Lipschitz constant on this design, when known
        (a :class:`Path` estimates it once for its design); None: the primal
        methods estimate it.
    """

    design: object
    loss: object
    penalty: object
    alpha: float
    intercepts: Intercepts
    zero_objective: float | None = None
    gradient_scale: float | None = None
    data_lipschitz: float | None = None

    def scales(self):
        """The keyword arguments that carry the original problem's scales to the solvers."""
        return {"scale": self.zero_objective, "gradient_scale": self.gradient_scale}

    def with_zero_objective(self):
        """This problem with F₀ filled in (from the targets alone, at W = 0: no pass over X)."""
        if self.zero_objective is not None:
            return self
        composite = full_problem(self.design, self.loss, self.penalty, self.alpha, self.intercepts)
        return replace(self, zero_objective=composite.zero_objective())


class Method(ABC):
    """A solver: the capabilities it requires, whether it takes a problem, and how it solves it."""

    name = ""
    loss_requires: tuple = ()
    penalty_requires: tuple = ()

    @classmethod
    def missing(cls, problem):
        """The required capabilities the problem's loss and penalty lack, as readable names."""
        lacking = [f"loss.{name}" for name in cls.loss_requires if not getattr(problem.loss, name)]
        lacking += [f"penalty.{name}" for name in cls.penalty_requires if not getattr(problem.penalty, name)]
        return lacking

    @classmethod
    def takes(cls, problem):
        """Whether this method should solve the problem (given its requirements hold)."""
        return True

    @classmethod
    @abstractmethod
    def run(cls, problem, start, *, tol, max_iter, verbose):
        """Solve ``problem`` from ``start`` (a previous :class:`SolverResult` or None)."""


def _centred(problem):
    """The problem with W = C + V substituted for a penalty centred at C: (design on V, C) or (design, None)."""
    centre = problem.penalty.offset_centre()
    if centre is None:
        return problem.design, None
    return with_targets(problem.design, problem.design.y - problem.design.forward(centre, None)), centre


class ExactSpectral(Method):
    """Squared loss with a mean-type quadratic penalty: the exact minimiser by linear algebra.

    See :mod:`mtlearn.solvers._exact_ridge`.  Certified by the duality gap
    at the solution (round-off only).
    """

    name = "exact spectral solve"
    loss_requires = ("least_squares",)
    penalty_requires = ("mean_type",)
    exact_solver = staticmethod(solve_mean_regularised_squared)
    path_spectra = MeanRegularisedPath

    @classmethod
    def takes(cls, problem):
        return problem.intercepts.each_task_or_none or problem.intercepts.shared

    @classmethod
    def run(cls, problem, start, *, tol, max_iter, verbose):
        return cls.exact(problem, tol=tol)

    @classmethod
    def exact(cls, problem, *, tol):
        """The exact minimiser by this form's linear algebra, with its certificate (converged when ≤ tol)."""
        design, centre = _centred(problem)
        coefficients = problem.penalty.kernel_coefficients(design.n_tasks)
        if problem.intercepts.shared:

            def without_intercepts(targets):
                return cls.exact_solver(targets, problem.alpha, coefficients, False)[0]

            W, b = shared_intercept_solution(
                design, without_intercepts(design), without_intercepts(ones_target(design))
            )
        else:
            W, b = cls.exact_solver(design, problem.alpha, coefficients, bool(problem.intercepts.free.all()))
        return certified(problem, W if centre is None else W + centre, b, tol=tol)


def _dual_start(start, design):
    """The dual variables of a previous result, when they fit the design's entries; else None."""
    if start is None or start.dual is None or start.dual.shape != design.y.shape:
        return None
    return start.dual


def ones_target(design):
    """The design with every target 1."""
    return with_targets(design, np.ones_like(design.y))


def shared_intercept_solution(design, W_y, W_1):
    """(W, b) minimising the squared loss plus a quadratic penalty with one intercept b shared by all the tasks.

    ``W_y`` and ``W_1`` are the solutions without intercepts for the targets
    y and 1.  For a fixed b the minimiser is linear in the targets,
    ``W(b) = W_y − b W_1``; the objective minimised over W is then a convex
    quadratic in b whose derivative is (envelope theorem) ``−Σ_i c_i r_i(b)``
    with the residuals ``r(b) = y − b − X W(b) = r_y − b r_1``
    (``r_y = y − X W_y``, ``r_1 = 1 − X W_1``), zero at
    ``b = Σ c r_y / Σ c r_1``.  The denominator is
    ``Σ c r_1² + 2α Ω(W_1) ≥ 0``: zero only when W alone fits the constant
    exactly at no cost, and then b = 0 is optimal too.
    """
    c = design.weight
    r_y = design.y - design.forward(W_y, None)
    r_1 = 1.0 - design.forward(W_1, None)
    curvature = float(np.dot(c, r_1))
    b = float(np.dot(c, r_y)) / curvature if curvature > 0.0 else 0.0
    return W_y - b * W_1, np.full(design.n_tasks, b)


class _SharedInterceptSpectra:
    """The spectra of a path with one shared intercept: those of the targets y and 1 without intercepts."""

    def __init__(self, path_spectra, design):
        self.design = design
        self.targets = path_spectra(design, False)
        self.ones = path_spectra(ones_target(design), False)

    def solve(self, alpha, kernel_coefficients):
        W_y, _ = self.targets.solve(alpha, kernel_coefficients)
        W_1, _ = self.ones.solve(alpha, kernel_coefficients)
        return shared_intercept_solution(self.design, W_y, W_1)


def path_spectra(method, design, intercepts):
    """The α-independent spectra an exact method's path solves from, for these intercepts."""
    if intercepts.shared:
        return _SharedInterceptSpectra(method.path_spectra, design)
    return method.path_spectra(design, bool(intercepts.free.all()))


class DualSpectral(ExactSpectral):
    """:class:`ExactSpectral` in the dual form, for fewer rows per task than features (sparse X stays sparse).

    See :mod:`mtlearn.solvers._dual_ridge`: the n_t × n_t Gram matrices of
    the tasks instead of p × p ones (a path's spectra; a single fit on dense
    rows or on a shared design).  A single fit on sparse rows of their own
    per task is :class:`DualConjugateGradients`: its sparse Gram products
    would cost more than the few passes over X that conjugate gradients need.
    """

    name = "dual spectral solve"
    exact_solver = staticmethod(solve_dual_mean_regularised_squared)
    path_spectra = DualMeanRegularisedPath

    @classmethod
    def takes(cls, problem):
        return super().takes(problem) and dual_pays_off(problem.design)

    @classmethod
    def run(cls, problem, start, *, tol, max_iter, verbose):
        design = problem.design
        if isinstance(design, StackedDesign) and sp.issparse(design.X) and not problem.intercepts.shared:
            return DualConjugateGradients.run(problem, start, tol=tol, max_iter=max_iter, verbose=verbose)
        return cls.exact(problem, tol=tol)


def solve_exactly(problem):
    """The exact minimiser of a squared-loss problem with a mean-type penalty, in the primal or dual form by shape.

    :class:`DualSpectral`'s form when every task has fewer rows than features (sparse rows
    included: not its conjugate gradients), :class:`ExactSpectral`'s otherwise; for callers
    that need the solution itself rather than one within a tolerance (the certificate is the
    round-off's).

    Raises
    ------
    ValueError
        When the loss is not the squared loss or the penalty is not mean-type.
    """
    lacking = ExactSpectral.missing(problem)
    if lacking or not ExactSpectral.takes(problem):
        raise ValueError(f"An exact solve needs {' and '.join(lacking) or 'intercepts per task, none or shared'}.")
    method = DualSpectral if DualSpectral.takes(problem) else ExactSpectral
    return method.exact(problem.with_zero_objective(), tol=np.inf)


class DualConjugateGradients(Method):
    """Squared loss with a quadratic penalty that has a task kernel, n_t < p: CG on the dual.

    See :mod:`mtlearn.solvers._dual_cg`: the n × n kernel system, stopped by
    its duality gap (half its squared residual); warm-started from a previous
    result's dual variables.  On dense rows a mean-type penalty keeps its
    exact solve (:class:`DualSpectral`, first in :data:`METHODS`); the others
    (``GraphPenalty``) are solved here on dense rows too: proximal gradient
    on 5 tasks × 3 dense rows × 500 features stopped at the default
    ``max_iter`` at a certificate of 1.7e-4.
    """

    name = "dual conjugate gradients"
    loss_requires = ("least_squares",)
    penalty_requires = ("quadratic",)

    @classmethod
    def takes(cls, problem):
        n_tasks = problem.design.n_tasks
        return (
            problem.intercepts.each_task_or_none  # an intercept shared by the tasks: the exact solves
            and problem.penalty.null_space(n_tasks) is None
            and dual_pays_off(problem.design)
        )

    @classmethod
    def run(cls, problem, start, *, tol, max_iter, verbose):
        design, centre = _centred(problem)
        dual0 = _dual_start(start, design)
        result = dual_conjugate_gradients(
            design,
            problem.penalty,
            problem.alpha,
            bool(problem.intercepts.free.all()),
            zero_objective=problem.zero_objective,
            tol=tol,
            max_iter=max_iter,
            dual0=dual0,
            verbose=verbose,
        )
        if centre is not None:
            result.coef = result.coef + centre
        return result


def certified(problem, W, b, *, tol, n_iter=1):
    """The :class:`SolverResult` of a direct solve at (W, b), with its duality gap."""
    composite = CompositeProblem(
        problem.design,
        problem.loss,
        problem.penalty,
        problem.alpha,
        problem.intercepts,
        scale=problem.zero_objective,
        gradient_scale=problem.gradient_scale,
    )
    certificate, objective = composite.certify(composite.pack(W, b))
    return SolverResult(W, b, n_iter, certificate, certificate <= tol, objective)


class _Deviation:
    """A centred quadratic penalty seen on the deviation V = W − C (for the hinge dual)."""

    def __init__(self, penalty, centre):
        self.penalty, self.centre = penalty, centre

    def value(self, V):
        return self.penalty.value(V + self.centre)

    def kernel(self, G):
        return self.penalty.kernel(G)


class HingeDual(Method):
    """Hinge loss with a positive definite quadratic penalty, solved in the dual.

    By the interior-point method of :mod:`mtlearn.solvers._hinge_interior` when
    its Newton system is small (:func:`interior_point_applies`), else by the
    accelerated projected gradient of :mod:`mtlearn.solvers._hinge_dual`;
    warm-started from a previous result's dual variables.
    """

    name = "hinge dual"
    loss_requires = ("piecewise_linear",)
    penalty_requires = ("quadratic",)

    @classmethod
    def run(cls, problem, start, *, tol, max_iter, verbose):
        design = problem.design
        centre = problem.penalty.offset_centre()
        penalty = problem.penalty if centre is None else _Deviation(problem.penalty, centre)
        offset = None if centre is None else design.forward(centre, None)
        dual0 = _dual_start(start, design)
        solver = hinge_dual_interior if interior_point_applies(design, problem.intercepts) else hinge_dual
        result = solver(
            design,
            penalty,
            problem.alpha,
            problem.intercepts,
            zero_objective=problem.with_zero_objective().zero_objective,
            dual0=dual0,
            offset=offset,
            tol=tol,
            max_iter=max_iter,
            verbose=verbose,
        )
        if centre is not None:
            result.coef = result.coef + centre
        return result


class RowSpace(Method):
    """Smooth loss, a rotation-invariant penalty, fewer rows than features: the problem on the rows' span.

    See :mod:`mtlearn.solvers._row_space`: the rows' coordinates in an
    orthonormal basis of their span (r ≤ n of them, from the n × n kernel),
    the problem solved on them by :func:`solve`, the weights mapped back
    and certified on the data.  Not for a penalty centred away from 0
    (``offset_centre``: the centre need not lie in the rows' span).
    """

    name = "row space"
    loss_requires = ("smooth",)
    penalty_requires = ("rotation_invariant",)

    @classmethod
    def takes(cls, problem):
        return problem.penalty.offset_centre() is None and row_space_pays_off(problem.design)

    @classmethod
    def run(cls, problem, start, *, tol, max_iter, verbose):
        return cls.on_coordinates(
            problem, RowCoordinates(problem.design), start, tol=tol, max_iter=max_iter, verbose=verbose
        )

    @classmethod
    def on_coordinates(cls, problem, coordinates, start, *, tol, max_iter, verbose):
        """The solve on given :class:`RowCoordinates` of the problem's design (a path builds them once)."""
        return solve_on_row_space(
            problem.with_zero_objective(),
            coordinates,
            start,
            solve=solve,
            certify=certified,
            tol=tol,
            max_iter=max_iter,
            verbose=verbose,
        )


def _primal_start(problem, start):
    """(W or the stacked parts, b) of a previous result, when it fits this problem; else None."""
    if start is None:
        return None
    shape = (problem.design.n_tasks, problem.design.n_features)
    if start.coef.shape != shape or start.intercept.shape != (shape[0],):
        return None
    parts = start.components if problem.penalty.n_blocks > 1 else None
    if parts is not None and parts.shape == (shape[0], problem.penalty.n_blocks * shape[1]):
        return parts, start.intercept
    return start.coef, start.intercept


class _PrimalMethod(Method):
    """A method on the primal variables: ``solver`` minimises from a (W, b) start, keeping the problem's scales."""

    solver = None

    @classmethod
    def solver_options(cls, problem):
        """Keyword arguments of ``solver`` beyond the problem's own (none by default)."""
        return {}

    @classmethod
    def run(cls, problem, start, *, tol, max_iter, verbose):
        return cls.solver(
            problem.design,
            problem.loss,
            problem.penalty,
            problem.alpha,
            problem.intercepts,
            _primal_start(problem, start),
            tol=tol,
            max_iter=max_iter,
            verbose=verbose,
            data_lipschitz=problem.data_lipschitz,
            **problem.scales(),
            **cls.solver_options(problem),
        )


def _solve_squared_model(design, penalty, alpha, intercepts, start, *, tol, max_iter, scale, gradient_scale):
    """:func:`solve` on the squared loss with the given F₀ and gradient scale (a Newton step's model)."""
    problem = Problem(design, SquaredLoss(), penalty, alpha, intercepts, scale, gradient_scale)
    return solve(problem, start=start, tol=tol, max_iter=max_iter)


class ProximalNewton(_PrimalMethod):
    """Logistic or squared-hinge loss with any penalty, on dense per-task rows: proximal Newton.

    See :mod:`mtlearn.solvers._newton`; each step's weighted least-squares
    model is solved on the tasks' Gram matrices, or by :func:`solve` (exactly
    for a mean-type penalty).
    """

    name = "proximal Newton"
    loss_requires = ("smooth", "second_order")

    solver = staticmethod(partial(proximal_newton, solve_model=_solve_squared_model))

    @classmethod
    def takes(cls, problem):
        return proximal_newton_applies(problem.design, problem.loss, problem.penalty, problem.intercepts)


def _solve_working_set(design, loss, penalty, alpha, intercepts, start, **options):
    """A working set's restricted problem: by proximal Newton where it applies, else by proximal gradient."""
    if proximal_newton_applies(design, loss, penalty, intercepts):
        return ProximalNewton.solver(design, loss, penalty, alpha, intercepts, start, **options)
    return solve_directly(design, loss, penalty, alpha, intercepts, start, **options)


class WorkingSets(_PrimalMethod):
    """Smooth loss with a feature-separable penalty and many features: growing working sets of features.

    See :mod:`mtlearn.solvers._working_set`; each working set's problem is
    solved by proximal Newton where :class:`ProximalNewton` would take it
    (logistic or squared hinge on sparse or Gram-friendly rows, the squared
    loss on sparse or dense wide rows), else by proximal gradient.
    """

    name = "working sets"
    loss_requires = ("smooth",)
    penalty_requires = ("feature_separable",)
    solver = staticmethod(partial(solve_on_working_sets, solve_restricted=_solve_working_set))

    @classmethod
    def takes(cls, problem):
        return uses_working_sets(problem.penalty, problem.design, problem.loss, problem.intercepts)

    @classmethod
    def solver_options(cls, problem):
        """Loose early rounds where the working sets' problems go to proximal gradient, not to proximal Newton.

        Dense tasks with fewer rows than features and a classification loss: with
        every round solved to tol, 11 of the 72 squared-hinge fits of
        ``benchmarks/bench_wide_dense.py`` (α_max / 10 to α_max / 1000) stopped at
        the default ``max_iter``, 1 with loose rounds (benchmarks/RESULTS.md,
        "Dense tasks with fewer rows than features").
        Proximal Newton's rounds stay exact: its last digits cost less than the
        extra round a loose one leads to (the sparse lasso of many small tasks
        took 1.5 to 1.7 times as long with loose rounds, in one run).
        """
        newton = proximal_newton_applies(problem.design, problem.loss, problem.penalty, problem.intercepts)
        return {"loose_rounds": not newton}


class ProximalGradient(_PrimalMethod):
    """Smooth loss with any penalty: accelerated proximal gradient (on the Gram form when it pays off).

    See :mod:`mtlearn.solvers._apg` and :mod:`mtlearn.solvers._composite`.
    """

    name = "proximal gradient"
    loss_requires = ("smooth",)
    solver = staticmethod(solve_directly)


METHODS = (
    DualSpectral,
    ExactSpectral,
    DualConjugateGradients,
    HingeDual,
    RowSpace,
    WorkingSets,
    ProximalNewton,
    ProximalGradient,
)


def choose_method(problem):
    """The first method of :data:`METHODS` whose requirements hold and that takes the problem.

    Raises
    ------
    ValueError
        When none applies, naming what each method would need.
    """
    reasons = []
    for method in METHODS:
        lacking = method.missing(problem)
        if not lacking and method.takes(problem):
            return method
        if lacking:
            reasons.append(f"{method.name} needs {' and '.join(lacking)}")
    advice = (
        " The hinge loss is solved in the dual and needs a quadratic penalty ('mean', 'ridge', GraphPenalty "
        "with ridge > 0 and l1 = 0); use loss='squared_hinge' or loss='logistic' with the other penalties."
        if problem.loss.piecewise_linear
        else ""
    )
    raise ValueError(
        f"No solver applies to the {problem.loss.name!r} loss with {type(problem.penalty).__name__}: "
        + "; ".join(reasons)
        + "."
        + advice
    )


def solve(problem, *, start=None, tol, max_iter, verbose=0):
    """Minimise a :class:`Problem` with the method its loss and penalty call for.

    Parameters
    ----------
    problem : Problem
    start : SolverResult or None
        A previous solution to start from (warm start): its weights (or
        parts) and intercepts, or its dual variables for a dual method; one
        of another shape is ignored.
    tol : float
        Stop when the certificate, a bound on (F − F*) / F₀, is at most tol.
    max_iter : int
        Iterations allowed to an iterative method.
    verbose : int

    Returns
    -------
    SolverResult
        When F₀ = 0 (the intercept-only model is exact, hence optimal) that
        model, with certificate 0 and no iteration.
    """
    method = choose_method(problem)
    problem.penalty.check_tasks(problem.design.n_tasks)
    problem = problem.with_zero_objective()
    if problem.zero_objective <= 0.0:
        T, p, n_blocks = problem.design.n_tasks, problem.design.n_features, problem.penalty.n_blocks
        b = best_intercepts(problem.design, problem.loss, problem.intercepts)
        parts = np.zeros((T, n_blocks * p)) if n_blocks > 1 else None
        return SolverResult(np.zeros((T, p)), b, 0, 0.0, True, 0.0, components=parts)
    return method.run(problem, start, tol=tol, max_iter=max_iter, verbose=verbose)


class Path:
    """Solutions of one design along a sequence of (penalty, α), each started from the previous one.

    For a problem :class:`ExactSpectral` solves, the α- and kernel-independent
    spectra of the design are computed once (see
    :class:`~mtlearn.solvers._exact_ridge.MeanRegularisedPath`) and every
    (penalty, α) costs a p × p solve.  Otherwise each solve starts from the
    previous solution (any start is valid for a convex problem; the callers
    order the grid so that neighbours are close: from strong to weak α), on
    the features that gap-safe screening from it keeps
    (:mod:`mtlearn.solvers._screening`).  The primal methods share what does
    not depend on (penalty, α) (:class:`_PrimalForm`): the Gram form of the
    squared loss when it pays (every solve then runs on it, with the original
    problem's F₀ and gradient scale, see :class:`Problem`, and never passes
    over X) and the data term's Lipschitz constant.  On the Gram form, a penalty
    whose prox is closed form is solved on the quadratic in W itself
    (:mod:`mtlearn.solvers._gram_apg`: screening, iterations and certificates
    from products with the Gram matrices, each α started from the previous
    two solutions extrapolated in log α).

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    loss : Loss
    intercepts : Intercepts
    start : SolverResult or None, default=None
        Where the first solve starts.
    """

    def __init__(self, design, loss, intercepts, start=None):
        self.design, self.loss, self.intercepts = design, loss, intercepts
        self._spectra = None
        self._form = None
        self._row_coordinates = None
        self._previous = start
        self._screening = GapSafeScreening(design, loss)

    def restart(self):
        """Start the next solve from zero."""
        self._previous = None

    def problem(self, penalty, alpha):
        return Problem(self.design, self.loss, penalty, alpha, self.intercepts)

    def solve(self, penalty, alpha, *, tol, max_iter, verbose=0, certify=True):
        """The :class:`SolverResult` at (penalty, α).

        ``certify=False`` skips the duality gap of an exact solve (its
        certificate is then NaN): for fits that are only scored.
        """
        problem = self.problem(penalty, alpha)
        on_gram = self._form is not None and self._form.solves_on_gram(problem, verbose)
        if not on_gram:
            method = choose_method(problem)
            if method is RowSpace:  # the rows' coordinates once per path
                if self._row_coordinates is None:
                    self._row_coordinates = RowCoordinates(self.design)
                self._previous = RowSpace.on_coordinates(
                    problem, self._row_coordinates, self._previous, tol=tol, max_iter=max_iter, verbose=verbose
                )
                return self._previous
            exact = issubclass(method, ExactSpectral)
            if exact and penalty.offset_centre() is None:
                if self._spectra is None:
                    self._spectra = path_spectra(method, self.design, self.intercepts)
                W, b = self._spectra.solve(alpha, penalty.kernel_coefficients(self.design.n_tasks))
                if certify:
                    return certified(problem, W, b, tol=tol)
                return SolverResult(W, b, 1, np.nan, True, np.nan)
            if exact or not problem.loss.smooth:
                return self._screened(problem, solve, tol=tol, max_iter=max_iter, verbose=verbose)
            if self._form is None:
                self._form = _PrimalForm(problem)
                on_gram = self._form.solves_on_gram(problem, verbose)
        if on_gram:
            self._previous = self._form.solve_on_gram(problem, self._previous, tol=tol, max_iter=max_iter)
            return self._previous
        return self._screened(problem, self._form.solve, tol=tol, max_iter=max_iter, verbose=verbose)

    def _screened(self, problem, solve_whole, *, tol, max_iter, verbose):
        """``solve_whole(problem)`` from the previous solution on the features gap-safe screening keeps."""
        self._previous = self._screening.solve(
            problem, self._previous, solve_whole, solve, tol=tol, max_iter=max_iter, verbose=verbose
        )
        return self._previous


class _PrimalForm:
    """What the primal solves of a path on one design share, computed at the first of them.

    The design they run on: the Gram form of the data when the squared loss
    pays for it (:func:`~mtlearn.solvers._composite.uses_gram`; no pass over
    X after it is built), else the data; and the data term's gradient
    Lipschitz constant on it (its power-iteration estimate, the same for every
    penalty and α).

    Parameters
    ----------
    problem : Problem
        The path's first primal problem (its design, loss and intercepts).
    """

    def __init__(self, problem):
        design, intercepts = problem.design, problem.intercepts
        self.gram = None
        if uses_gram(design, problem.loss, intercepts):
            self.gram = GramDesign(design, fit_intercept=bool(intercepts.free.any()))
            # F₀'s data part (at W = 0 and the best intercepts): the same for every penalty and α.
            self._zero_data = full_problem(design, problem.loss, problem.penalty, 0.0, intercepts).zero_objective()
            self._last = None  # (W, H W, α) of the last solve on the quadratic (and of the one before)
            self._zero_penalty = (None, 0.0)  # (penalty, Ω(0)) of the last solve
            design, intercepts = self.gram.design, Intercepts.none(design.n_tasks)
        self.design, self.intercepts = design, intercepts
        self._takes = (None, False)  # (penalty, whether solve_on_gram takes it)
        if self.gram is not None:
            self.data_lipschitz = self.gram.quadratic.lipschitz_estimate()
        else:  # α = 0: the data term's constant alone
            self.data_lipschitz = CompositeProblem(
                design, problem.loss, problem.penalty, 0.0, intercepts
            ).lipschitz_estimate()

    def solves_on_gram(self, problem, verbose):
        """Whether :meth:`solve_on_gram` takes the problem (else :meth:`solve`; a verbose fit reports its iterations).

        The squared loss on the Gram form, a penalty :func:`~mtlearn.solvers._gram_apg.gram_takes`
        that is not solved exactly (``mean_type``).
        """
        penalty = problem.penalty
        if self._takes[0] is not penalty:  # the same for every α of a run
            self._takes = (penalty, not penalty.mean_type and gram_takes(penalty, problem.design.n_tasks))
        return self.gram is not None and not verbose and problem.loss.least_squares and self._takes[1]

    def solve_on_gram(self, problem, previous, *, tol, max_iter):
        """The :class:`SolverResult` of :func:`~mtlearn.solvers._gram_apg.solve_gram` from ``previous``."""
        quadratic, penalty, alpha = self.gram.quadratic, problem.penalty, problem.alpha
        shape = (quadratic.n_tasks, quadratic.n_features)
        if previous is not None and previous.coef.shape == shape and previous.components is None:
            W0 = previous.coef
        else:
            W0 = np.zeros(shape)
        last = self._last
        if last is not None and last[0] is W0:
            HW0 = last[1]
            # Extrapolate the path linearly in log α from the two previous solutions (of this penalty,
            # along a decreasing grid).
            if len(last) == 5 and alpha < last[2] < last[4] and self._zero_penalty[0] is penalty:
                r = np.log(alpha / last[2]) / np.log(last[2] / last[4])
                if r <= 2:
                    W0 = W0 + r * (W0 - last[3][0])
                    HW0 = HW0 + r * (HW0 - last[3][1])
        else:
            HW0 = quadratic.product(W0)
            last = None
        if self._zero_penalty[0] is not penalty:
            self._zero_penalty = (penalty, penalty.value(np.zeros(shape)))
        stopping = GramStopping(
            quadratic,
            penalty,
            alpha,
            tol,
            self._zero_data + alpha * self._zero_penalty[1],
            self.gram.gradient_scale,
        )
        solution = solve_gram(
            stopping,
            W0,
            HW0,
            max_iter=max_iter,
            lipschitz=self.data_lipschitz,
            start_lipschitz=None if last is None else previous.lipschitz,
        )
        self._last = (solution.coef, solution.product, alpha)
        if last is not None:
            self._last += ((last[0], last[1]), last[2])
        return SolverResult(
            solution.coef,
            self.gram.intercepts(solution.coef),
            solution.n_iter,
            solution.certificate,
            solution.converged,
            solution.objective + self.gram.objective_offset,
            lipschitz=solution.lipschitz,
        )

    def solve(self, problem, *, start, tol, max_iter, verbose):
        """:func:`solve` on the shared design, the result mapped back to the data."""
        if self.gram is None:
            return solve(
                replace(problem, data_lipschitz=self.data_lipschitz),
                start=start,
                tol=tol,
                max_iter=max_iter,
                verbose=verbose,
            )
        compact = Problem(
            self.design,
            problem.loss,
            problem.penalty,
            problem.alpha,
            self.intercepts,
            zero_objective=problem.with_zero_objective().zero_objective,
            gradient_scale=self.gram.gradient_scale,
            data_lipschitz=self.data_lipschitz,
        )
        result = solve(compact, start=start, tol=tol, max_iter=max_iter, verbose=verbose)
        result.intercept = self.gram.intercepts(result.coef)
        result.objective += self.gram.objective_offset
        return result
