"""Build the bundled copies of two public data sets that PyPI packages ship.

- ``mtlearn/datasets/data/grunfeld.npz`` -- the Grunfeld (1958) investment
  panel, 11 US firms × 20 years, from ``statsmodels/datasets/grunfeld/grunfeld.csv``
  in the statsmodels wheel (statsmodels marks the data "public domain").
- ``mtlearn/datasets/data/sentiment_domains.npz`` -- the sentence-level
  sentiment ratings of Hutto & Gilbert (ICWSM 2014) in four domains (tweets,
  movie reviews, product reviews, newspaper editorials), from
  ``additional_resources/hutto_ICWSM_2014.tar.gz`` in the vaderSentiment
  source distribution (MIT licence).

Both archives are read as downloaded, nothing is installed::

    pip download --no-deps statsmodels==0.15.0 -d downloads
    pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d downloads
    python scripts/build_public_datasets.py downloads/statsmodels-0.15.0-*.whl downloads/vaderSentiment-3.3.2.tar.gz

The ``.npz`` files are written with fixed timestamps (see ``build_datasets.py``),
so the same archives give byte-identical files.
"""

import argparse
import csv
import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
from build_datasets import OUT_DIR, _write_npz

GRUNFELD_MEMBER = "statsmodels/datasets/grunfeld/grunfeld.csv"
HUTTO_MEMBER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
# Task name → file of the Hutto & Gilbert archive (tab-separated: id, mean rating, text).
SENTIMENT_DOMAINS = {
    "editorials": "hutto_ICWSM_2014/nytEditorialSnippets_GroundTruth.txt",
    "movie_reviews": "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt",
    "product_reviews": "hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt",
    "tweets": "hutto_ICWSM_2014/tweets_GroundTruth.txt",
}


def build_grunfeld(wheel):
    with zipfile.ZipFile(wheel) as archive:
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open(GRUNFELD_MEMBER), encoding="utf-8")))
    firms = sorted({row["firm"] for row in rows})
    rows.sort(key=lambda row: (firms.index(row["firm"]), int(row["year"])))
    if len(rows) != 220 or len(firms) != 11:
        raise ValueError(f"grunfeld.csv: expected 220 rows of 11 firms, got {len(rows)} rows of {len(firms)}")
    arrays = {
        "X": np.array([[float(row["value"]), float(row["capital"])] for row in rows]),
        "y": np.array([float(row["invest"]) for row in rows]),
        "tasks": np.array([firms.index(row["firm"]) for row in rows], dtype=np.uint8),
        "year": np.array([int(row["year"]) for row in rows], dtype=np.uint16),
        "firms": np.array(firms),
    }
    _write_npz(OUT_DIR / "grunfeld.npz", arrays)


def build_sentiment(sdist):
    texts, ratings, domains = [], [], []
    with tarfile.open(sdist) as outer:
        with tarfile.open(fileobj=outer.extractfile(HUTTO_MEMBER)) as inner:
            for index, member in enumerate(SENTIMENT_DOMAINS.values()):
                for line in inner.extractfile(member).read().decode("utf-8").splitlines():
                    if not line.strip():
                        continue
                    _, rating, text = line.split("\t")
                    texts.append(text.strip())
                    ratings.append(float(rating))
                    domains.append(index)
    if any("\n" in text for text in texts):
        raise ValueError("a snippet holds a newline: the texts are stored joined by newlines")
    arrays = {
        "text": np.frombuffer("\n".join(texts).encode("utf-8"), dtype=np.uint8),
        "rating": np.array(ratings),
        "tasks": np.array(domains, dtype=np.uint8),
        "domains": np.array(list(SENTIMENT_DOMAINS)),
    }
    _write_npz(OUT_DIR / "sentiment_domains.npz", arrays)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("statsmodels_wheel", type=Path)
    parser.add_argument("vader_sdist", type=Path)
    args = parser.parse_args()
    build_grunfeld(args.statsmodels_wheel)
    build_sentiment(args.vader_sdist)


if __name__ == "__main__":
    main()
