"""Loaders for the real multi-task data sets bundled with mtlearn.

The data files live in ``mtlearn/datasets/data`` (compressed ``.npz``, built by
``scripts/build_datasets.py``) and the descriptions in
``mtlearn/datasets/descr``. Nothing is downloaded.
"""

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_school", "load_computer_survey"]

_DATA_MODULE = "mtlearn.datasets"

SCHOOL_FEATURE_NAMES = (
    [
        "year_1",
        "year_2",
        "year_3",
        "pct_free_school_meals",
        "pct_vr_band_1",
        "gender_1",
        "gender_2",
        "vr_band_1",
        "vr_band_2",
        "vr_band_3",
    ]
    + [f"ethnic_{i}" for i in range(1, 12)]
    + [
        "school_gender_1",
        "school_gender_2",
        "school_gender_3",
        "school_denomination_1",
        "school_denomination_2",
        "school_denomination_3",
    ]
)

COMPUTER_SURVEY_FEATURE_NAMES = [
    "telephone_hotline",
    "ram",
    "screen_size",
    "cpu_speed",
    "hard_disk",
    "cd_rom",
    "cache",
    "color",
    "availability",
    "warranty",
    "software",
    "guarantee",
    "price",
]

_SURVEY_SUBSETS = ("train", "test", "all")


def _load_npz(name):
    """Return the arrays of ``data/<name>`` as a dict of NumPy arrays."""
    resource = resources.files(_DATA_MODULE).joinpath("data", name)
    with resource.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _load_descr(name):
    resource = resources.files(_DATA_MODULE).joinpath("descr", name)
    return resource.read_text(encoding="utf-8")


def _import_pandas(caller):
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{caller}(as_frame=True) requires pandas. Install it with "
            "`pip install pandas` (or `pip install mtlearn[pandas]`), or call "
            f"{caller} with as_frame=False."
        ) from exc
    return pd


def _make_result(caller, X, y, tasks, *, feature_names, task_column, target_name, descr, return_X_y, as_frame):
    """Assemble the Bunch / tuple returned by the loaders."""
    frame = None
    if as_frame:
        pd = _import_pandas(caller)
        data = pd.DataFrame(X, columns=list(feature_names))
        data[task_column] = tasks
        target = pd.Series(y, name=target_name)
        frame = pd.concat([data, target], axis=1)
    else:
        data, target = X, y
    if return_X_y:
        return data, target, tasks
    return Bunch(
        data=data,
        target=target,
        tasks=tasks,
        frame=frame,
        feature_names=list(feature_names),
        target_names=[target_name],
        DESCR=descr,
    )


def load_school(*, return_X_y=False, as_frame=False):
    """Load the School exam-score data set (regression, 139 tasks).

    Exam scores of 15,362 students in 139 secondary schools of the Inner
    London Education Authority, the classic multi-task regression benchmark.
    One task per school; rows are grouped by school.

    =================   ====================================
    Samples total       15,362
    Tasks               139 (22 to 251 samples, median 103)
    Dimensionality      27
    Features            binary indicators and two integer percentages
    Target              exam score, integers 1 to 70
    =================   ====================================

    The constant bias column of the source file is dropped.

    Read more in ``load_school().DESCR``.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target, tasks)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame holding the 27 features plus
        an integer ``"school"`` column with the task id (so that it can be
        used with an estimator's ``task_column="school"``), ``target`` is a
        Series named ``"score"`` and ``frame`` is a DataFrame with both.
        Requires pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes

        data : ndarray of shape (15362, 27) or DataFrame of shape (15362, 28)
            The features (float64); as a DataFrame, with the ``"school"``
            column last.
        target : ndarray of shape (15362,) or Series
            The exam scores (float64).
        tasks : ndarray of shape (15362,)
            The school of each row, an int64 id in 0..138 (the order of the
            schools in the source file).
        frame : DataFrame of shape (15362, 29) or None
            ``data`` and ``target`` together; only when ``as_frame=True``.
        feature_names : list of str
            The 27 feature names.
        target_names : list of str
            ``["score"]``.
        DESCR : str
            Description of the data set: provenance, columns, usual
            protocol and published figures.

    (data, target, tasks) : tuple if ``return_X_y`` is True
        With ``as_frame=True`` the first element is the DataFrame that
        includes the ``"school"`` column.

    Examples
    --------
    >>> from mtlearn.datasets import load_school
    >>> X, y, tasks = load_school(return_X_y=True)
    >>> X.shape, len(set(tasks))
    ((15362, 27), 139)
    """
    arrays = _load_npz("school.npz")
    X = arrays["X"].astype(np.float64)
    y = arrays["y"].astype(np.float64)
    tasks = arrays["tasks"].astype(np.int64)
    return _make_result(
        "load_school",
        X,
        y,
        tasks,
        feature_names=SCHOOL_FEATURE_NAMES,
        task_column="school",
        target_name="score",
        descr=_load_descr("school.rst"),
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def load_computer_survey(*, subset="train", return_X_y=False, as_frame=False):
    """Load the computer-survey data of Lenk et al. (regression, 180 tasks).

    180 people each rated 20 computer profiles (likelihood of buying, 0 to
    10); each profile is described by 13 attributes coded -1 / +1. One task
    per person. The usual protocol fits on 16 profiles per person
    (``subset="train"``) and tests on the other 4 (``subset="test"``).

    =================   =============================================
    Samples total       3,600 (2,880 train + 720 test)
    Tasks               180 (16 train + 4 test samples each)
    Dimensionality      13
    Features            -1 / +1
    Target              rating, integers 0 to 10
    =================   =============================================

    The constant bias column of the source file is dropped.

    Read more in ``load_computer_survey().DESCR``.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which rows to load. ``"all"`` returns the training rows followed by
        the test rows.
    return_X_y : bool, default=False
        If True, return ``(data, target, tasks)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame holding the 13 features plus
        an integer ``"person"`` column with the task id, ``target`` is a
        Series named ``"rating"`` and ``frame`` is a DataFrame with both.
        Requires pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes

        data : ndarray of shape (n_samples, 13) or DataFrame
            The features (float64, values -1 and +1); as a DataFrame, with
            the ``"person"`` column last.
        target : ndarray of shape (n_samples,) or Series
            The ratings (float64).
        tasks : ndarray of shape (n_samples,)
            The person of each row, an int64 id in 0..179. Rows are grouped
            by person (16 consecutive rows each in ``"train"``, 4 in
            ``"test"``).
        frame : DataFrame or None
            ``data`` and ``target`` together; only when ``as_frame=True``.
        feature_names : list of str
            The 13 attributes of Lenk et al. (1996), in column order.
        target_names : list of str
            ``["rating"]``.
        DESCR : str
            Description of the data set: provenance, columns, usual
            protocol and published figures.

    (data, target, tasks) : tuple if ``return_X_y`` is True
        With ``as_frame=True`` the first element is the DataFrame that
        includes the ``"person"`` column.

    Raises
    ------
    ValueError
        If ``subset`` is not one of ``"train"``, ``"test"``, ``"all"``.

    Examples
    --------
    >>> from mtlearn.datasets import load_computer_survey
    >>> X, y, tasks = load_computer_survey(subset="test", return_X_y=True)
    >>> X.shape, len(set(tasks))
    ((720, 13), 180)
    """
    if not isinstance(subset, str) or subset not in _SURVEY_SUBSETS:
        raise ValueError(f"subset must be one of {', '.join(map(repr, _SURVEY_SUBSETS))}; got {subset!r}.")
    arrays = _load_npz("computer_survey.npz")
    parts = ["train", "test"] if subset == "all" else [subset]
    X = np.concatenate([arrays[f"X_{p}"] for p in parts]).astype(np.float64)
    y = np.concatenate([arrays[f"y_{p}"] for p in parts]).astype(np.float64)
    tasks = np.concatenate([arrays[f"tasks_{p}"] for p in parts]).astype(np.int64)
    return _make_result(
        "load_computer_survey",
        X,
        y,
        tasks,
        feature_names=COMPUTER_SURVEY_FEATURE_NAMES,
        task_column="person",
        target_name="rating",
        descr=_load_descr("computer_survey.rst"),
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
