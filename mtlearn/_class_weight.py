r"""``class_weight`` of the classifiers: per-row multipliers of the sample weights.

``class_weight=None`` weighs every row 1; a dict ``{label: weight}`` weighs
the rows of each class by its weight (classes not in the dict: 1), in every
task alike; ``"balanced"`` balances the classes *within each task*: a row of
class c in task t is weighted

.. math::

    \frac{n_t}{K_t \, n_{t,c}},

with n_t the task's row count, K_t the number of classes present in the task
and n_{t,c} the rows of class c in it.  Every class present in a task then
carries the same total weight, and the task's total weight stays n_t (so the
per-task scaling of the objective, and the summed hinge losses of
``MultiTaskLinearSVC``, are unchanged).  With one task this is scikit-learn's
``compute_class_weight("balanced", ...)``.  Balancing per task, not over the
pooled rows, is the choice for multi-task data because tasks differ in their
class frequencies: pooled balancing would over-weight the minority class of a
task where it is already common.  The multipliers are computed on the
training rows of each ``fit`` (in cross-validation: of each training fold),
and multiply ``sample_weight``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["class_weight_factors"]


def class_weight_factors(class_weight, classes, codes, task_index):
    """Per-row multipliers of the sample weights for ``class_weight``.

    Parameters
    ----------
    class_weight : dict, "balanced" or None
        The classifier's ``class_weight``.
    classes : ndarray of shape (n_classes,)
        The sorted class labels of the training set.
    codes : ndarray of shape (n_samples,)
        Each row's class, as its index in ``classes``.
    task_index : ndarray of int of shape (n_samples,) or None
        Each row's task; None for a 2-D ``y`` (a shared design), where every
        row is in every task and class weights are not defined per row.

    Returns
    -------
    factors : ndarray of shape (n_samples,)
    """
    codes = np.asarray(codes, dtype=np.int64)
    if class_weight is None:
        return np.ones(codes.shape[0])
    if task_index is None:
        raise ValueError(
            "class_weight needs one class per row: with a 2-D y (every column a task on the same rows) "
            "give the rows' weights through sample_weight instead, or stack the tasks and pass tasks=."
        )
    if isinstance(class_weight, dict):
        unknown = [label for label in class_weight if label not in set(classes.tolist())]
        if unknown:
            raise ValueError(f"class_weight names class(es) {unknown[:10]} that are not in y: {classes.tolist()}.")
        weights = np.array([float(class_weight.get(label, 1.0)) for label in classes.tolist()])
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError(f"class_weight values must be finite and non-negative, got {class_weight!r}.")
        return weights[codes]
    n_classes = len(classes)
    counts = np.bincount(task_index * n_classes + codes, minlength=(task_index.max() + 1) * n_classes)
    counts = counts.reshape(-1, n_classes)
    present = (counts > 0).sum(axis=1)
    rows = counts.sum(axis=1)
    return rows[task_index] / (present[task_index] * counts[task_index, codes])
