r"""Transfer learning from a fitted source model by biased regularisation.

:class:`TransferRegressor` and :class:`TransferClassifier` learn a target
problem from few samples by pulling its weights towards a source model's:

.. math::

    \min_{w, b} \; \frac{1}{n} \sum_i s_i \, \ell(y_i, x_i^\top w + b)
    + \frac{\alpha}{2} \| w - \beta \, w_{src} \|^2 ,

with the target's (weighted) samples, ``alpha`` = α and ``source_weight`` =
β ∈ [0, 1].  β = 0 ignores the source (ridge / regularised logistic
regression on the target alone); β = 1 with α → ∞ copies the source's
weights.  ``alpha="auto"`` and ``source_weight="auto"`` choose (α, β) by
cross-validation on the target — exact leave-one-out for the squared loss,
warm-started k-fold paths for the classifiers — with β = 0 among the
candidates, so an unrelated source is switched off rather than followed.

The source is a fitted linear model (``coef_``, ``intercept_``; wrap it in
``sklearn.frozen.FrozenEstimator`` so that clones stay fitted), a fitted
mtlearn multi-task model (its shared component, or the task ``source_task``),
or a coefficient array.

The joint alternative
---------------------
When the source *data* (not only a fitted model) are at hand, the weighted
joint objective ``L_source + λ · L_target`` is a two-task problem of
:class:`mtlearn.MultiTaskRegressor` / :class:`mtlearn.MultiTaskClassifier`:
stack the rows, label them with their task and set
``task_weights={"source": 1, "target": λ}``.  With ``penalty="mean"`` the
two tasks' weights are w_t = w_0 + v_t and ``mix`` sets how tightly they are
tied: ``mix=1`` forces one shared model (the λ-weighted pooled fit), ``mix``
close to 1 lets the target deviate a little, ``mix=0`` separates them::

    model = MultiTaskRegressor(penalty="mean", mix=0.99, alpha=1e-3,
                               task_weights={"source": 1.0, "target": lam})
    model.fit(np.vstack([X_src, X]), np.concatenate([y_src, y]),
              tasks=["source"] * len(y_src) + ["target"] * len(y))
    model.predict(X_new, tasks=["target"] * len(X_new))

Biased regularisation is the limit of this joint fit in which the source
task's weights are held at the fitted source model: it needs only the
source's coefficients, never its data.
"""

from ._estimators import TransferClassifier, TransferRegressor
from ._penalty import CentredRidgePenalty

__all__ = ["CentredRidgePenalty", "TransferClassifier", "TransferRegressor"]
