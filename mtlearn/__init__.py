"""mtlearn: scikit-learn compatible multi-task and transfer learning for linear models and SVMs."""

from ._version import __version__
from .estimators import MultiTaskClassifier, MultiTaskLinearSVC, MultiTaskRegressor
from .kernel import MultiTaskKernelRidge, MultiTaskSVC
from .model_selection import MultiTaskClassifierCV, MultiTaskRegressorCV
from .penalties import (
    ClusterPenalty,
    DirtyPenalty,
    GraphPenalty,
    L21Penalty,
    LassoPenalty,
    MeanPenalty,
    RelationshipPenalty,
    RidgePenalty,
    TracePenalty,
)
from .representation import SharedRepresentationRegressor
from .transfer import TransferClassifier, TransferRegressor

__all__ = [
    "ClusterPenalty",
    "DirtyPenalty",
    "GraphPenalty",
    "L21Penalty",
    "LassoPenalty",
    "MeanPenalty",
    "MultiTaskClassifier",
    "MultiTaskClassifierCV",
    "MultiTaskKernelRidge",
    "MultiTaskLinearSVC",
    "MultiTaskRegressor",
    "MultiTaskRegressorCV",
    "MultiTaskSVC",
    "RelationshipPenalty",
    "RidgePenalty",
    "SharedRepresentationRegressor",
    "TracePenalty",
    "TransferClassifier",
    "TransferRegressor",
    "__version__",
]
