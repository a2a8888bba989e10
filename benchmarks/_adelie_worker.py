"""Run adelie's group-lasso path in its own environment (adelie pins numpy < 2), for ``bench_path.py``.

    python _adelie_worker.py INPUT.npz OUTPUT.npz

INPUT holds ``X`` (n, p), ``Y`` (n, T), ``lmdas`` (the λ path, decreasing),
``tol`` and ``repeats``.  The problem is ``grpnet`` with ``glm.multigaussian(Y)``,
no intercept, the default groups (one per feature, its T coefficients) and
the default group penalty √T:

    (1/T) (1/2n) ‖Y − X Bᵀ‖²_F + λ √T Σ_j ‖B_{:,j}‖₂,

T times which is ``MultiTaskLasso``'s objective at α = λ T^{3/2}.  OUTPUT
holds ``coefs`` (L, T, p) and ``seconds``: the median CPU time of
``repeats`` runs (one solve when ``repeats`` is 0, seconds then NaN).
"""

from __future__ import annotations

import sys
import time

import adelie
import numpy as np


def solve(X, Y, lmdas, tol):
    """The path's coefficients, shape (L, T, p)."""
    state = adelie.grpnet(
        X,
        adelie.glm.multigaussian(Y),
        lmda_path=lmdas,
        tol=tol,
        intercept=False,
        early_exit=False,
        n_threads=1,
        progress_bar=False,
    )
    n_features, n_tasks = X.shape[1], Y.shape[1]
    # The coefficients of X ⊗ I_T: feature j's T weights are entries j T … j T + T − 1.
    betas = state.betas.toarray()
    return betas.reshape(len(lmdas), n_features, n_tasks).transpose(0, 2, 1)


def main(argv):
    source, target = argv
    data = np.load(source)
    X, Y, lmdas = np.asfortranarray(data["X"]), np.asfortranarray(data["Y"]), data["lmdas"]
    tol, repeats = float(data["tol"]), int(data["repeats"])
    coefs = solve(X, Y, lmdas, tol)
    times = []
    for _ in range(repeats):
        start = time.process_time()
        solve(X, Y, lmdas, tol)
        times.append(time.process_time() - start)
    np.savez(target, coefs=coefs, seconds=float(np.median(times)) if times else np.nan)


if __name__ == "__main__":
    main(sys.argv[1:])
