"""mtlearn: scikit-learn compatible multi-task and transfer learning for linear models and SVMs."""

from .estimators import MultiTaskClassifier, MultiTaskLinearSVC, MultiTaskRegressor
from .penalties import MeanPenalty, RidgePenalty

__version__ = "0.1.0"

__all__ = [
    "MeanPenalty",
    "MultiTaskClassifier",
    "MultiTaskLinearSVC",
    "MultiTaskRegressor",
    "RidgePenalty",
    "__version__",
]
