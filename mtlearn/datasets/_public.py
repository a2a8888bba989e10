"""Loaders for two public data sets whose source is a PyPI package (bundled copies, nothing downloaded).

The files are built by ``scripts/build_public_datasets.py`` from the statsmodels
wheel (Grunfeld) and the vaderSentiment source distribution (the sentiment
ratings of Hutto & Gilbert); see each loader for the source and the licence.
"""

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils import Bunch

from ._loaders import _load_descr, _load_npz, _make_result

__all__ = ["load_grunfeld", "load_sentiment_domains"]

GRUNFELD_FEATURE_NAMES = ["value", "capital"]
# A word is a feature when at least this many snippets hold it.
SENTIMENT_MIN_SNIPPETS = 5


def load_grunfeld(*, return_X_y=False, as_frame=False):
    """Load the Grunfeld investment panel (regression, 11 tasks: one per firm).

    Gross investment of 11 large US firms in each year 1935–1954, with the
    firm's market value and its stock of plant and equipment the year before,
    the classic panel of econometrics (Grunfeld 1958; the 11-firm version of
    Kleiber & Zeileis 2010).  One task per firm; rows grouped by firm, in
    year order.

    =================   ====================================
    Samples total       220
    Tasks               11 (20 samples each)
    Dimensionality      2 (``value``, ``capital``)
    Target              ``invest``, millions of 1947 dollars
    =================   ====================================

    The firms differ in size by two orders of magnitude (General Motors
    invests about 600 a year, Diamond Match about 1): the tasks' targets are on
    very different scales.

    Source: ``statsmodels/datasets/grunfeld/grunfeld.csv`` of statsmodels
    0.15.0, which states "This is public domain.".  Read more in
    ``load_grunfeld().DESCR``.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target, tasks)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with the two features and a
        ``"firm"`` column (the firm's name, for ``task_column="firm"``),
        ``target`` a Series named ``"invest"``.  Requires pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes ``data`` (ndarray of shape
        (220, 2), float64), ``target`` (ndarray of shape (220,)), ``tasks``
        (ndarray of shape (220,): the firm's name), ``year`` (ndarray of shape
        (220,)), ``frame`` (DataFrame or None), ``feature_names``,
        ``target_names`` (``["invest"]``) and ``DESCR``.
    (data, target, tasks) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from mtlearn.datasets import load_grunfeld
    >>> X, y, tasks = load_grunfeld(return_X_y=True)
    >>> X.shape, len(set(tasks))
    ((220, 2), 11)
    """
    arrays = _load_npz("grunfeld.npz")
    tasks = arrays["firms"][arrays["tasks"]].astype(object)
    result = _make_result(
        "load_grunfeld",
        arrays["X"],
        arrays["y"],
        tasks,
        feature_names=GRUNFELD_FEATURE_NAMES,
        task_column="firm",
        target_name="invest",
        descr=_load_descr("grunfeld.rst"),
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
    if not return_X_y:
        result.year = arrays["year"].astype(np.int64)
    return result


def load_sentiment_domains(*, return_X_y=False):
    """Load sentence-level sentiment in four domains (binary classification, 4 tasks: one per domain).

    The snippets rated by Hutto & Gilbert (ICWSM 2014) for the evaluation of
    VADER: tweets, movie-review sentences (from the reviews of Pang & Lee),
    product-review sentences (from the Amazon reviews of Hu & Liu) and
    sentences of New York Times editorials, each rated by about 20 people
    from −4 (very negative) to +4 (very positive).  The target is whether
    the mean rating is positive; the snippets whose mean rating is exactly 0
    (383 of 23,703) are left out.  The features are the presence (0/1) of
    each word held by at least 5 snippets, as
    ``sklearn.feature_extraction.text.CountVectorizer(binary=True, min_df=5)``
    tokenises them (lower case, words of 2 or more letters or digits), the
    vocabulary built on all the snippets (no labels used).

    =================   ================================================
    Samples total       23,320
    Tasks               4: editorials 4,946, movie_reviews 10,568,
                        product_reviews 3,610, tweets 4,196
    Dimensionality      7,663 binary word features (sparse)
    Target              1: positive mean rating, 0: negative
    =================   ================================================

    Source: ``additional_resources/hutto_ICWSM_2014.tar.gz`` of the
    vaderSentiment 3.3.2 source distribution on PyPI, MIT licence
    (Copyright (c) 2016 C.J. Hutto).  Read more in
    ``load_sentiment_domains().DESCR``.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target, tasks)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes ``data`` (CSR matrix of
        shape (23320, n_words), float64 0/1), ``target`` (ndarray of int64
        0/1), ``tasks`` (ndarray of the domain names), ``rating`` (the mean
        ratings), ``text`` (list of the snippets), ``feature_names`` (the
        words), ``target_names`` (``["positive"]``) and ``DESCR``.
    (data, target, tasks) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from mtlearn.datasets import load_sentiment_domains
    >>> X, y, tasks = load_sentiment_domains(return_X_y=True)
    >>> X.shape[0], sorted(set(tasks))
    (23320, ['editorials', 'movie_reviews', 'product_reviews', 'tweets'])
    """
    arrays = _load_npz("sentiment_domains.npz")
    rating = arrays["rating"]
    rated = rating != 0
    text = np.array(arrays["text"].tobytes().decode("utf-8").split("\n"), dtype=object)[rated]
    vectoriser = CountVectorizer(binary=True, min_df=SENTIMENT_MIN_SNIPPETS, dtype=np.float64)
    X = vectoriser.fit_transform(text).tocsr()
    y = (rating[rated] > 0).astype(np.int64)
    tasks = arrays["domains"][arrays["tasks"][rated]].astype(object)
    if return_X_y:
        return X, y, tasks
    return Bunch(
        data=X,
        target=y,
        tasks=tasks,
        rating=rating[rated],
        text=list(text),
        feature_names=list(vectoriser.get_feature_names_out()),
        target_names=["positive"],
        DESCR=_load_descr("sentiment_domains.rst"),
    )
