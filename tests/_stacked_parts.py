"""A penalty on stacked parts (``n_blocks = 2``): the dirty model as a problem in both parts P and Q.

``DirtyPenalty`` works on W with the norm's own prox; this formulation, on
``V = [P | Q]`` with ``Ω(V) = (1 − r)‖P‖₂,₁ + r‖Q‖₁`` and the data seeing
``W = P + Q``, has the same optimum (Ω(W) is the minimum over the splits), so
it checks the one against the other and exercises the solvers' stacked-parts
variable.
"""

import numpy as np

from mtlearn.penalties import DirtyPenalty
from mtlearn.penalties._sparse import group_shrink, soft_threshold


class StackedDirtyPenalty(DirtyPenalty):
    n_blocks = 2

    @staticmethod
    def _parts(V):
        n_features = V.shape[1] // 2
        return V[:, :n_features], V[:, n_features:]

    def value(self, V):
        return self.split_value(*self._parts(V))

    def prox(self, V, step):
        r = self._ratio(V.shape[0])
        P, Q = self._parts(V)
        return np.hstack([group_shrink(P, step * (1.0 - r)), soft_threshold(Q, step * r)])

    def describe(self, V):
        P, Q = self._parts(V)
        return {"group_part": P.copy(), "sparse_part": Q.copy()}
