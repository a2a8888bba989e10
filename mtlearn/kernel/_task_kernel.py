"""The task kernel of a quadratic multi-task penalty."""

from __future__ import annotations

import numpy as np


def task_kernel(penalty, n_tasks):
    r"""``K_task = M⁻¹`` of a quadratic penalty ``Ω(W) = ½ tr(Wᵀ M W)``, shape (n_tasks, n_tasks).

    With it, the multi-task model with feature kernel k is the kernel machine
    with the product kernel ``K((x, s), (z, t)) = K_task[s, t] · k(x, z)``
    (Evgeniou, Micchelli & Pontil, JMLR 2005).  Every penalty that gives
    ``kernel(G) = M⁻¹ G`` qualifies: ``"mean"`` (``M⁻¹ = (1 − mix) I +
    mix 11ᵀ/T``), ``"ridge"`` (``I``) and :class:`~mtlearn.GraphPenalty` with
    ``ridge > 0`` and ``l1 = 0`` (``(L + ridge·I)⁻¹``).

    Raises
    ------
    ValueError
        If the penalty is not quadratic with a positive definite M.
    """
    if not penalty.quadratic:
        raise ValueError(
            "The multi-task kernel machines need a quadratic task penalty ½ tr(Wᵀ M W) with M positive "
            f"definite ('mean', 'ridge' or GraphPenalty(ridge > 0)); got penalty={penalty!r}."
        )
    return penalty.kernel(np.eye(n_tasks))
