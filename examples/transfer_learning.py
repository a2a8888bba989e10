"""Transfer learning: a data-rich source helps a data-poor target, and an unrelated source does not hurt.
======================================================================================================

A source problem has plenty of data; the target problem, which we care
about, has only a few samples.  Three ways to predict the target:

- **target only**: ridge regression on the target's samples;
- **source only**: the source model applied to the target, as it is;
- **transfer**: :class:`mtlearn.TransferRegressor`, which fits the target's
  samples while pulling its weights towards the source's,
  min (1/n) Σ ½(y_i − x_iᵀw − b)² + α/2 ‖w − β w_src‖²,
  with α and β chosen by leave-one-out cross-validation on the target
  (β = 0, no transfer, is one of the candidates).

The script prints the test mean squared error for a related source (the
target's weights are the source's plus a small change) and an unrelated one
(independent weights), for a few target sizes, and the mean chosen β.  With
a related source, transfer is much better than the target-only model at
small sizes (and the source alone, which never adapts, is overtaken as the
target grows); with an unrelated source the source alone is useless and
transfer stays with the target-only model rather than following the source.

Run ``python examples/transfer_learning.py`` (``--quick`` for a small run).
"""

import argparse

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.metrics import mean_squared_error

from mtlearn import TransferRegressor


def make_problem(rng, w, n, noise=1.0):
    X = rng.normal(size=(n, w.shape[0]))
    return X, X @ w + noise * rng.normal(size=n)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a fast check")
    args = parser.parse_args(argv)
    n_features = 10 if args.quick else 30
    sizes = [10, 40] if args.quick else [10, 20, 40, 80, 160]
    n_repeats = 2 if args.quick else 10

    rng = np.random.default_rng(0)
    w_source = rng.normal(size=n_features)
    X_src, y_src = make_problem(rng, w_source, 2000)
    source = FrozenEstimator(Ridge(alpha=1.0).fit(X_src, y_src))

    print(f"{n_features} features, source: 2000 samples; target test MSE (mean of {n_repeats} draws)")
    for kind, w_target in (
        ("related", w_source + 0.2 * rng.normal(size=n_features)),
        ("unrelated", rng.normal(size=n_features)),
    ):
        X_test, y_test = make_problem(rng, w_target, 2000)
        print(f"\n{kind} source")
        print(f"{'target n':>9} {'target only':>12} {'source only':>12} {'transfer':>10}   chosen beta")
        for n in sizes:
            errors = np.zeros((n_repeats, 3))
            betas = []
            for r in range(n_repeats):
                X, y = make_problem(rng, w_target, n)
                target_only = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X, y)
                transfer = TransferRegressor(source, alpha="auto", source_weight="auto").fit(X, y)
                betas.append(transfer.source_weight_)
                errors[r] = [
                    mean_squared_error(y_test, model.predict(X_test)) for model in (target_only, source, transfer)
                ]
            mean = errors.mean(axis=0)
            print(f"{n:>9} {mean[0]:>12.3f} {mean[1]:>12.3f} {mean[2]:>10.3f}   {np.mean(betas):.2f}")
    print("\n(noise variance 1.0: an MSE of 1.0 is the best possible)")


if __name__ == "__main__":
    main()
