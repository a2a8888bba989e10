"""Multi-task kernel machines: any scikit-learn kernel times the task coupling of a quadratic penalty."""

from ._estimators import MultiTaskKernelRidge, MultiTaskSVC
from ._feature_map import KernelFeatureMap
from ._task_kernel import task_kernel

__all__ = ["KernelFeatureMap", "MultiTaskKernelRidge", "MultiTaskSVC", "task_kernel"]
