"""Data sets for multi-task learning.

Bundled real data (loaded from files shipped with the package, never from
the network):

- :func:`load_school` -- ILEA school exam scores, regression, 139 tasks.
- :func:`load_computer_survey` -- Lenk et al. computer survey, regression,
  180 tasks.
- :func:`load_grunfeld` -- Grunfeld's investment panel, regression, 11 firms.
- :func:`load_sentiment_domains` -- sentence sentiment in 4 domains (tweets,
  movie reviews, product reviews, editorials), binary classification.

Synthetic generators with a planted task structure (shared mean, shared
sparse support, low rank, task clusters, task graph, independent tasks):

- :func:`make_multitask_regression`
- :func:`make_multitask_classification`
- :func:`make_rare_positive_tasks` -- binary tasks with rare positives and
  planted task groups

Loaders return ``(data, target, tasks)`` with ``return_X_y=True``, and the
generators ``(X, y, tasks, coef)``: the ``tasks`` array gives each row's task,
the format taken by the ``tasks=`` argument of mtlearn estimators.
"""

from ._generators import make_multitask_classification, make_multitask_regression
from ._loaders import load_computer_survey, load_school
from ._public import load_grunfeld, load_sentiment_domains
from ._rare_positives import make_rare_positive_tasks

__all__ = [
    "load_school",
    "load_computer_survey",
    "load_grunfeld",
    "load_sentiment_domains",
    "make_multitask_regression",
    "make_multitask_classification",
    "make_rare_positive_tasks",
]
