"""Build the compact data files bundled with ``mtlearn.datasets``.

Reads the MATLAB files of the shared reference data folder and writes

- ``mtlearn/datasets/data/school.npz``
- ``mtlearn/datasets/data/computer_survey.npz``

Every array is stored in the smallest integer dtype that holds its values
exactly; the script checks this by comparing the stored arrays with the
``float64`` values read from the ``.mat`` files before writing anything. The
loaders convert back to ``float64``.

The ``.npz`` files are written with a fixed timestamp, so running the script
twice on the same input gives byte-identical files.

Usage::

    python scripts/build_datasets.py [SHARED_DATASETS_DIR]

``SHARED_DATASETS_DIR`` defaults to ``../shared/datasets`` relative to the
repository root.
"""

import argparse
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from scipy.io import loadmat

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "datasets"
OUT_DIR = REPO_ROOT / "mtlearn" / "datasets" / "data"

SCHOOL_N_FEATURES = 27  # column 28 of the .mat file is a constant bias column
SURVEY_N_PEOPLE = 180
SURVEY_TRAIN_PER_PERSON = 16
SURVEY_TEST_PER_PERSON = 4


def _exact_cast(a, dtype, name):
    """Cast ``a`` to ``dtype`` and check that nothing was lost."""
    a = np.asarray(a, dtype=np.float64)
    out = a.astype(dtype)
    if not np.array_equal(out.astype(np.float64), a):
        raise ValueError(f"{name}: values cannot be stored exactly as {dtype}")
    return out


def _write_npz(path, arrays):
    """Write ``arrays`` to a deflate-compressed .npz with fixed timestamps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def build_school(shared_dir):
    mat = loadmat(shared_dir / "school.mat", mat_dtype=True)
    Xc, Yc = mat["X"].ravel(), mat["Y"].ravel()
    if len(Xc) != len(Yc):
        raise ValueError("school.mat: X and Y have different numbers of tasks")
    X = np.vstack([np.asarray(x, dtype=np.float64) for x in Xc])
    y = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in Yc])
    sizes = np.array([np.asarray(x).shape[0] for x in Xc])
    if not np.array_equal(sizes, [np.asarray(v).size for v in Yc]):
        raise ValueError("school.mat: X{t} and Y{t} row counts differ")
    if X.shape[1] != SCHOOL_N_FEATURES + 1 or not np.all(X[:, -1] == 1):
        raise ValueError("school.mat: expected 28 columns, the last constant 1")
    tasks = np.repeat(np.arange(len(Xc)), sizes)
    arrays = {
        "X": _exact_cast(X[:, :SCHOOL_N_FEATURES], np.uint8, "school X"),
        "y": _exact_cast(y, np.uint8, "school y"),
        "tasks": _exact_cast(tasks, np.uint8, "school tasks"),
    }
    out = OUT_DIR / "school.npz"
    _write_npz(out, arrays)
    return out, X.shape[0], len(Xc)


def _check_person_blocks(X, per_person, name):
    """Each block of ``per_person`` consecutive rows is one person.

    In the survey every person rated the same set of profiles (a fixed
    design). If the rows are grouped by person, every block of
    ``per_person`` rows holds ``per_person`` distinct profiles, and the set of
    profiles is the same for every block.
    """
    n_people = X.shape[0] // per_person
    if n_people * per_person != X.shape[0]:
        raise ValueError(f"{name}: {X.shape[0]} rows is not a multiple of {per_person}")
    blocks = [frozenset(map(tuple, X[p * per_person : (p + 1) * per_person])) for p in range(n_people)]
    if any(len(b) != per_person for b in blocks):
        raise ValueError(f"{name}: a block of {per_person} rows repeats a profile")
    if len(set(blocks)) != 1:
        raise ValueError(f"{name}: blocks of {per_person} rows rate different profiles")
    return blocks[0]


def build_computer_survey(shared_dir):
    mat = loadmat(shared_dir / "computer_survey.mat", mat_dtype=True)
    arrays = {}
    profiles = {}
    for subset, key, per_person in [
        ("train", "Traindata", SURVEY_TRAIN_PER_PERSON),
        ("test", "Testdata", SURVEY_TEST_PER_PERSON),
    ]:
        M = np.asarray(mat[key], dtype=np.float64)
        if M.shape != (SURVEY_N_PEOPLE * per_person, 15):
            raise ValueError(f"computer_survey.mat: unexpected {key} shape {M.shape}")
        if not np.all(M[:, 0] == M[0, 0]):
            raise ValueError(f"computer_survey.mat: {key} column 1 is not constant")
        X, y = M[:, 1:14], M[:, 14]
        if not np.all(np.isin(X, (-1.0, 1.0))):
            raise ValueError(f"computer_survey.mat: {key} attributes are not +-1")
        profiles[subset] = _check_person_blocks(X, per_person, key)
        tasks = np.repeat(np.arange(SURVEY_N_PEOPLE), per_person)
        arrays[f"X_{subset}"] = _exact_cast(X, np.int8, f"{key} X")
        arrays[f"y_{subset}"] = _exact_cast(y, np.uint8, f"{key} y")
        arrays[f"tasks_{subset}"] = _exact_cast(tasks, np.uint8, f"{key} tasks")
    if profiles["train"] & profiles["test"]:
        raise ValueError("computer_survey.mat: a profile is in both train and test")
    out = OUT_DIR / "computer_survey.npz"
    _write_npz(out, arrays)
    return out, len(profiles["train"] | profiles["test"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "shared_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_SHARED,
        help="folder holding school.mat and computer_survey.mat "
        "(default: ../shared/datasets relative to the repo root)",
    )
    args = parser.parse_args(argv)
    shared_dir = args.shared_dir.resolve()
    out, n_rows, n_tasks = build_school(shared_dir)
    print(f"{out.relative_to(REPO_ROOT)}: {n_rows} rows, {n_tasks} tasks, {out.stat().st_size} bytes")
    out, n_profiles = build_computer_survey(shared_dir)
    print(
        f"{out.relative_to(REPO_ROOT)}: {SURVEY_N_PEOPLE} people, "
        f"{n_profiles} distinct profiles, {out.stat().st_size} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
