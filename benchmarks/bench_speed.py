"""Speed of mtlearn against the estimators a user would pick instead, in the same run.

Every workload fits mtlearn and its peers on the same data, to the same
accuracy, and reports the median time of ``--repeats`` interleaved runs and the
ratio mtlearn time / peer time (below 1: mtlearn is faster).  Times are CPU
seconds of this process (``--clock wall`` for wall time) with one BLAS thread
(``--threads``), which keeps the comparison stable on a shared machine.
Preparing a peer's input (augmented features, centring) is not timed.

Workloads (``--quick`` shrinks them to seconds, for the tests):

1. Mean-regularised ridge, 100 tasks × 200 samples × 100 features, each task its
   own X: ``MultiTaskRegressor(penalty="mean")`` against a loop of
   ``Ridge`` fits (independent tasks, ``alpha = α n_t``) and against ``Ridge`` on
   the sparse augmented features of the per-task centred data (the same
   solution); ``penalty="ridge"`` against the loop (the same solution).
2. Mean-regularised linear SVM, 30 tasks × 500 samples × 50 features:
   ``MultiTaskLinearSVC(C, fit_intercept=False)`` against ``LinearSVC(C,
   loss="hinge", fit_intercept=False)`` on the augmented features
   ``[x √(mix/T), 0, …, x √(1 − mix) (block t), …, 0]``, at equal relative
   duality gap ``(P(W) − D) / P(W)``, where ``P(W) = Ω(W) + C Σ_i max(0, 1 − y_i
   x_iᵀ w_{t_i})`` is computed here for both and ``D`` is the dual value
   certified by a tight mtlearn fit (a lower bound on the optimum of both).
3. L21 regression on a shared design, n = 5000, p = 500, 20 tasks, 50 active
   rows, α = α_max/10 and α_max/100: ``MultiTaskRegressor(penalty="l21")``
   against ``MultiTaskLasso``, both to relative duality gap ≤ 1e-6 computed here
   with one formula (only when ``"l21"`` is among mtlearn's penalties).
4. Logistic regression with the ℓ2,1 and trace penalties on School (139 tasks,
   27 standardised features, label: score above the median), α = α_max/10 and
   α_max/100: the time and iterations to reach relative suboptimality ≤ 1e-6
   against the objective of a fit at tol = 1e-9 (no peer fits this model; a
   second table).

Each method's tolerance is the loosest of a grid (half-decade steps, then
refined by bisection to about 7 %) whose solution reaches the target accuracy
(checked with the formulas above, not with the method's own stopping rule).
The table goes to ``benchmarks/output/speed.md`` and is printed.

    python benchmarks/bench_speed.py [--quick] [--repeats 5] [--threads 1] [--clock cpu]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from _common import OUTPUT_DIR, markdown_table, multitask_lasso_gap, write_output
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import MultiTaskLasso, Ridge
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from mtlearn import MultiTaskClassifier, MultiTaskLinearSVC, MultiTaskRegressor
from mtlearn.datasets import load_school
from mtlearn.model_selection import alpha_max
from mtlearn.penalties import PENALTIES, MeanPenalty

CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def timed_medians(contenders, repeats, clock):
    """Median time of each ``name -> callable``, the runs interleaved (one of each per round)."""
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            start = clock()
            run()
            times[name].append(clock() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


# Bisection steps (in log tol) between the last grid tol that misses the target and the first that
# reaches it: a grid step of 10^(1/2) is refined to about 7 %, so that no method overshoots the target
# because of where its tolerances happen to fall.
_REFINE_STEPS = 4


def loosest_tol(fit, accuracy, target, tols):
    """The loosest tol (from ``tols``, loose to tight, then refined) whose fit has ``accuracy(fit(tol)) <= target``.

    Returns (tol, accuracy reached); the tightest tol if none reaches the target.
    """
    missed = None
    for tol in tols:
        reached = accuracy(fit(tol))
        if reached <= target:
            break
        missed = tol
    if missed is None or reached > target:
        return tol, reached
    loose, tight, tight_reached = missed, tol, reached
    for _ in range(_REFINE_STEPS):
        middle = float(np.sqrt(loose * tight))
        middle_reached = accuracy(fit(middle))
        if middle_reached <= target:
            tight, tight_reached = middle, middle_reached
        else:
            loose = middle
    return tight, tight_reached


def augmented(X, task_index, n_tasks, mix):
    """The augmented rows ``[x √(mix/T), 0, …, x √(1 − mix) (block t), …, 0]`` as a CSR matrix."""
    n, p = X.shape
    columns = np.concatenate([np.broadcast_to(np.arange(p), (n, p)), (task_index[:, None] + 1) * p + np.arange(p)], 1)
    values = np.concatenate([X * np.sqrt(mix / n_tasks), X * np.sqrt(1.0 - mix)], axis=1)
    indptr = np.arange(0, 2 * n * p + 1, 2 * p)
    return sp.csr_matrix((values.ravel(), columns.ravel(), indptr), shape=(n, (n_tasks + 1) * p))


def task_weights_from_augmented(u, n_tasks, mix):
    """W of shape (n_tasks, n_features) from augmented coefficients u."""
    u = np.asarray(u).reshape(n_tasks + 1, -1)
    return np.sqrt(mix / n_tasks) * u[0] + np.sqrt(1.0 - mix) * u[1:]


def related_tasks(rng, n_tasks, n_samples, n_features, spread=0.3):
    """Rows, task index and task weights ``w_t = w_0 + spread · v_t`` of related tasks."""
    X = rng.standard_normal((n_tasks * n_samples, n_features))
    task_index = np.repeat(np.arange(n_tasks), n_samples)
    W = rng.standard_normal(n_features) + spread * rng.standard_normal((n_tasks, n_features))
    return X, task_index, np.einsum("ij,ij->i", X, W[task_index])


# A row: workload, size, peer, accuracy, mtlearn seconds, peer seconds, agreement
# (tuple of floats: relative coefficient difference, or the gaps reached by
# mtlearn and the peer) and the bound the agreement must meet (None: none).


# --------------------------------------------------------------------------- ridge
def ridge_rows(args, rng):
    T, n, p = (5, 20, 5) if args.quick else (100, 200, 100)
    alpha, mix = 0.1, 0.5
    X, task_index, f = related_tasks(rng, T, n, p)
    y = f + rng.standard_normal(T * n)
    blocks = [slice(t * n, (t + 1) * n) for t in range(T)]

    def mtlearn_fit(penalty):
        return MultiTaskRegressor(penalty=penalty, alpha=alpha, mix=mix).fit(X, y, tasks=task_index)

    def ridge_loop():
        return [Ridge(alpha=alpha * n).fit(X[rows], y[rows]) for rows in blocks]

    # The intercepts are unpenalised: centring each task removes them exactly.
    Xc = X - np.repeat(X.reshape(T, n, p).mean(axis=1), n, axis=0)
    yc = y - np.repeat(y.reshape(T, n).mean(axis=1), n)
    Z = augmented(Xc, task_index, T, mix)

    def ridge_augmented():
        return Ridge(alpha=alpha * n, fit_intercept=False, tol=1e-10).fit(Z, yc)

    times = timed_medians(
        {
            "mean": lambda: mtlearn_fit("mean"),
            "ridge": lambda: mtlearn_fit("ridge"),
            "loop": ridge_loop,
            "augmented": ridge_augmented,
        },
        args.repeats,
        args.clock,
    )
    W_mean, W_ridge = mtlearn_fit("mean").coef_, mtlearn_fit("ridge").coef_
    W_loop = np.array([model.coef_ for model in ridge_loop()])
    W_aug = task_weights_from_augmented(ridge_augmented().coef_, T, mix)
    size = f"{T} tasks × {n} × {p}"

    def difference(A, B):
        return (float(np.max(np.abs(A - B)) / np.max(np.abs(B))),)

    # The same solution up to round-off (and Ridge's tol=1e-10 on the augmented features).
    same = 1e-6
    return [
        [
            "mean ridge (mix=0.5)",
            size,
            f"loop of {T} `Ridge` (independent tasks)",
            "exact / direct",
            times["mean"],
            times["loop"],
            (),
            None,
        ],
        [
            "mean ridge (mix=0.5)",
            size,
            "`Ridge` on sparse augmented features",
            "exact / tol=1e-10",
            times["mean"],
            times["augmented"],
            difference(W_mean, W_aug),
            same,
        ],
        [
            "ridge (mix=0)",
            size,
            f"loop of {T} `Ridge`",
            "exact / direct",
            times["ridge"],
            times["loop"],
            difference(W_ridge, W_loop),
            same,
        ],
    ]


# --------------------------------------------------------------------------- hinge
def hinge_rows(args, rng):
    T, n, p = (3, 40, 5) if args.quick else (30, 500, 50)
    mix = 0.5
    X, task_index, f = related_tasks(rng, T, n, p)
    y = np.where(f + 0.5 * rng.standard_normal(T * n) > 0, 1.0, -1.0)
    Z = augmented(X, task_index, T, mix)
    penalty = MeanPenalty(mix=mix)
    targets = (1e-2, 1e-3) if args.quick else (1e-3, 1e-4)
    # Half-decade steps: a coarser grid makes each method overshoot the target by up to 10×.
    tols = [10.0 ** (-k / 2) for k in range(2, 19)]
    rows = []
    for C in (1.0,) if args.quick else (1.0, 10.0):

        def primal(W, C=C):
            margins = y * np.einsum("ij,ij->i", X, W[task_index])
            return penalty.value(W) + C * np.sum(np.maximum(0.0, 1.0 - margins))

        def mtlearn_fit(tol, C=C):
            return MultiTaskLinearSVC(C=C, mix=mix, fit_intercept=False, tol=tol, max_iter=100_000).fit(
                X, y, tasks=task_index
            )

        def svc_fit(tol, C=C):
            return LinearSVC(C=C, loss="hinge", fit_intercept=False, tol=tol, max_iter=100_000).fit(Z, y)

        reference = mtlearn_fit(1e-9)
        P_ref = primal(reference.coef_)
        if not np.isclose(P_ref, C * reference.objective_, rtol=1e-9):
            raise RuntimeError(
                f"the primal formula disagrees with mtlearn's objective: {P_ref} vs {C * reference.objective_}"
            )
        # mtlearn's certificate is the gap relative to F₀ = P(0), the objective at W = 0.
        dual_bound = P_ref - reference.certificate_ * primal(np.zeros_like(reference.coef_))

        def relative_gap(W):
            P = primal(W)
            return (P - dual_bound) / P

        for target in targets:
            tol_mt, gap_mt = loosest_tol(lambda tol: mtlearn_fit(tol).coef_, relative_gap, target, tols)
            tol_svc, gap_svc = loosest_tol(
                lambda tol: task_weights_from_augmented(svc_fit(tol).coef_, T, mix), relative_gap, target, tols
            )
            times = timed_medians(
                {"mtlearn": lambda: mtlearn_fit(tol_mt), "peer": lambda: svc_fit(tol_svc)}, args.repeats, args.clock
            )
            rows.append(
                [
                    f"mean hinge SVM, C={C:g}",
                    f"{T} tasks × {n} × {p}",
                    "`LinearSVC` on augmented features",
                    f"gap ≤ {target:g}: tol {tol_mt:g} / {tol_svc:g}",
                    times["mtlearn"],
                    times["peer"],
                    (gap_mt, gap_svc),
                    target,
                ]
            )
    return rows


# --------------------------------------------------------------------------- l21
def l21_rows(args, rng):
    n, p, T, active = (200, 30, 4, 5) if args.quick else (5000, 500, 20, 50)
    X = rng.standard_normal((n, p))
    W = np.zeros((T, p))
    W[:, rng.choice(p, active, replace=False)] = rng.standard_normal((T, active))
    Y = X @ W.T + rng.standard_normal((n, T))
    alpha_max = np.max(np.linalg.norm(X.T @ Y, axis=1)) / n
    target = 1e-6
    tols = [10.0 ** (-k / 2) for k in range(4, 25)]

    rows = []
    for divisor in (10, 100):
        alpha = alpha_max / divisor

        def relative_gap(coef, alpha=alpha):
            return multitask_lasso_gap(X, Y, coef, alpha)

        def mtlearn_fit(tol, alpha=alpha):
            return MultiTaskRegressor(penalty="l21", alpha=alpha, fit_intercept=False, tol=tol, max_iter=100_000).fit(
                X, Y
            )

        def lasso_fit(tol, alpha=alpha):
            return MultiTaskLasso(alpha=alpha, fit_intercept=False, tol=tol, max_iter=100_000).fit(X, Y)

        tol_mt, gap_mt = loosest_tol(lambda tol: mtlearn_fit(tol).coef_, relative_gap, target, tols)
        tol_peer, gap_peer = loosest_tol(lambda tol: lasso_fit(tol).coef_, relative_gap, target, tols)
        times = timed_medians(
            {"mtlearn": lambda: mtlearn_fit(tol_mt), "peer": lambda: lasso_fit(tol_peer)}, args.repeats, args.clock
        )
        rows.append(
            [
                f"L21, α = α_max/{divisor}",
                f"shared X {n} × {p}, {T} tasks",
                "`MultiTaskLasso`",
                f"gap ≤ {target:g}: tol {tol_mt:g} / {tol_peer:g}",
                times["mtlearn"],
                times["peer"],
                (gap_mt, gap_peer),
                target,
            ]
        )
    return rows


# --------------------------------------------------------------- logistic, School
def logistic_school_rows(args, rng):
    """[penalty, α, tol, iterations, seconds, suboptimality] rows (no peer)."""
    X, y, tasks = load_school(return_X_y=True)
    if args.quick:
        keep = np.isin(tasks, np.unique(tasks)[:10])
        X, y, tasks = X[keep], y[keep], tasks[keep]
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    labels = y > np.median(y)
    target = 1e-6
    tols = [10.0**-k for k in range(2, 11)]
    rows = []
    for penalty in ("l21", "trace"):
        top = alpha_max(MultiTaskClassifier(penalty=penalty), X, labels, tasks=tasks)
        for divisor in (10, 100):
            alpha = top / divisor

            def fit(tol, penalty=penalty, alpha=alpha):
                return MultiTaskClassifier(penalty=penalty, alpha=alpha, tol=tol, max_iter=100_000).fit(
                    X, labels, tasks=tasks
                )

            # A tight fit: its objective is within ~1e-10 of the optimum (smaller tolerances stall on round-off).
            optimum = fit(1e-9).objective_

            def suboptimality(model, optimum=optimum):
                return (model.objective_ - optimum) / abs(optimum)

            tol, reached = loosest_tol(fit, suboptimality, target, tols)
            seconds = timed_medians({"fit": lambda: fit(tol)}, args.repeats, args.clock)["fit"]
            rows.append([penalty, f"α_max/{divisor}", f"{tol:g}", fit(tol).n_iter_, seconds, reached])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny workloads (for the tests)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per contender (default 5; 1 with --quick)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 5
    clock_name, args.clock = args.clock, CLOCKS[args.clock]
    rng = np.random.default_rng(0)
    rows = []
    with threadpool_limits(limits=args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        workloads = [ridge_rows, hinge_rows] + ([l21_rows] if "l21" in PENALTIES else [])
        for workload in workloads:
            rows += workload(args, rng)
        logistic = logistic_school_rows(args, rng) if "l21" in PENALTIES else []
    cells = []
    for *head, t_ours, t_peer, agreement, _ in rows:
        reached = " / ".join(f"{value:.1e}" for value in agreement) or "different model"
        cells.append(head + [f"{t_ours:.3g}", f"{t_peer:.3g}", f"**{t_ours / t_peer:.2f}**", reached])
    table = markdown_table(
        [
            "workload",
            "size",
            "peer",
            "accuracy (mtlearn / peer)",
            "mtlearn [s]",
            "peer [s]",
            "ratio",
            "agreement (rel. coef diff, or reached gaps)",
        ],
        cells,
    )
    text = (
        "# Speed: mtlearn against its peers (same run, same data, same accuracy)\n\n"
        f"Median of {args.repeats} interleaved runs, {clock_name} time, {args.threads} BLAS thread(s). "
        "ratio = mtlearn time / peer time (below 1: mtlearn is faster).\n\n" + table + "\n"
    )
    if logistic:
        text += (
            "\n## Logistic multi-task fits on School (no peer)\n\n"
            f"Time to relative suboptimality ≤ 1e-6 (against a fit at tol=1e-9), median of {args.repeats} runs.\n\n"
            + markdown_table(
                ["penalty", "α", "loosest tol reaching it", "iterations", "time [s]", "suboptimality"],
                [[p, a, t, str(k), f"{sec:.3g}", f"{sub:.1e}"] for p, a, t, k, sec, sub in logistic],
            )
            + "\n"
        )
    write_output(text, args.output_dir / "speed.md")
    return rows


if __name__ == "__main__":
    main()
