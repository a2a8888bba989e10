r"""Low-rank multi-task models as transformers: the subspace the tasks share.

A model whose weights W (n_tasks × n_features) have rank k < n_features says
that every task predicts through the same k directions of the feature space,
the rows of Vᵀ in the SVD ``W = U Σ Vᵀ``.  Those directions are a learnt
representation: ``transform(X) = X V`` maps the rows to their k coordinates,
where a new task can be learnt from a handful of rows (representation
transfer, e.g. ``make_pipeline(FrozenEstimator(model), RidgeCV())``).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import TransformerTags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _generate_get_feature_names_out, check_is_fitted

from ._tasks import split_task_column
from .penalties import Penalty, make_penalty
from .penalties._spectral import _rank


def subspace_basis(coef):
    """Orthonormal rows spanning the row space of ``coef`` (its last axis the features), shape (k, n_features).

    ``k`` is the numerical rank: the singular values above the round-off level of the SVD.
    """
    stacked = coef.reshape(-1, coef.shape[-1])
    _, singular_values, Vt = np.linalg.svd(stacked, full_matrices=False)
    return Vt[: _rank(singular_values, stacked.shape)]


def _low_rank(estimator):
    """Whether the estimator's fit is low-rank (its own ``_fits_low_rank``, subclasses' overrides included)."""
    return estimator._fits_low_rank()


class SharedSubspaceMixin:
    """``components_``, ``transform``, ``fit_transform`` and ``get_feature_names_out`` for low-rank fits.

    They exist only when :meth:`_fits_low_rank` is True: by default when the
    penalty the parameters name declares ``low_rank = True`` (the trace norm).

    Attributes
    ----------
    components_ : ndarray of shape (k, n_features)
        Orthonormal rows spanning the row space of ``coef_`` (all tasks and
        classes), k its numerical rank.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self._fits_low_rank():
            tags.transformer_tags = TransformerTags()
        return tags

    def _fits_low_rank(self):
        """Whether the penalty of the parameters is declared low-rank (its class attribute ``low_rank``)."""
        penalty = self.penalty
        if isinstance(penalty, str):
            try:
                # ``low_rank`` is a class attribute: the mix given does not change it.
                penalty = make_penalty(penalty, mix=0.0)
            except ValueError:  # an unknown name, or "graph" without its graph
                return False
        return isinstance(penalty, Penalty) and penalty.low_rank

    @property
    def components_(self):
        if not self._fits_low_rank():
            raise AttributeError(
                f"components_ exists only for a low-rank penalty (such as 'trace'), not penalty={self.penalty!r}."
            )
        check_is_fitted(self, "coef_")
        return subspace_basis(self.coef_)

    @available_if(_low_rank)
    def transform(self, X):
        """The coordinates of the rows in the shared subspace: ``X @ components_.T``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to transform (with the task column, if ``task_column`` is
            set; that column is dropped, the projection needs no task labels).

        Returns
        -------
        X_new : ndarray of shape (n_samples, k)
            The coordinates of each row on the k rows of ``components_``.
        """
        components = self.components_
        features = split_task_column(self, X, None, reset=False).X
        return np.asarray(features @ components.T)

    @available_if(_low_rank)
    def fit_transform(self, X, y, tasks=None, sample_weight=None):
        """Fit the model, then :meth:`transform` X.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The training rows (with the task column, if ``task_column`` is set).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Target values (class labels for a classifier); a 2-D ``y`` gives
            one task per column.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row, passed to ``fit`` (:meth:`transform` does
            not need it); not needed for a single task, a 2-D ``y`` or
            ``task_column``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows in the fit.

        Returns
        -------
        X_new : ndarray of shape (n_samples, k)
            The coordinates of the rows of X in the shared subspace of the
            fitted model, k the numerical rank of ``coef_``.
        """
        return self.fit(X, y, tasks=tasks, sample_weight=sample_weight).transform(X)

    @available_if(_low_rank)
    def get_feature_names_out(self, input_features=None):
        """Names of the k coordinates of :meth:`transform`: the lower-cased class name and the index.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only validated, not used: if given, it must equal
            ``feature_names_in_`` (when X had column names in fit) and have
            ``n_features_in_`` entries (the task column included).

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (k,)
            ``["<classname>0", ..., "<classname>{k-1}"]``, e.g.
            ``"multitaskregressor0"``.
        """
        return _generate_get_feature_names_out(self, self.components_.shape[0], input_features=input_features)
