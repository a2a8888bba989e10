"""The spectral penalties' decompositions through the QR of the long side (mtlearn.penalties._svd).

Checked against NumPy's SVD of the same arrays; the penalties on wide weights must not form
anything of size n_features × n_features.
"""

import numpy as np
import pytest

from mtlearn.penalties import ClusterPenalty, RelationshipPenalty, TracePenalty
from mtlearn.penalties._cluster import cluster_weights
from mtlearn.penalties._svd import _QR_SIZE, left_singular, map_singular_values, singular_values

from ._fitting import traced_peak

# Small and tall arrays are decomposed directly, wide ones of at least _QR_SIZE entries through the QR.
SHAPES = [(1, 7), (3, 40), (5, 5), (6, 2), (4, 300), (1, 4000), (3, 1000), (4, 3000)]


def _matrix(shape, rank, seed):
    """A random array of the given shape and rank (at most min(shape)), entries spread over six decades."""
    rng = np.random.default_rng(seed)
    rank = min(rank, *shape)
    left = rng.standard_normal((shape[0], rank)) * np.logspace(0, -6, rank)
    return left @ rng.standard_normal((rank, shape[1]))


def test_the_shapes_take_both_routes():
    assert any(p > T and T * p >= _QR_SIZE for T, p in SHAPES) and any(T * p < _QR_SIZE for T, p in SHAPES)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("rank", [1, 3, 10])
def test_singular_values_are_numpys(shape, rank):
    W = _matrix(shape, rank, seed=sum(shape) + rank)
    expected = np.linalg.svd(W, compute_uv=False)
    np.testing.assert_allclose(singular_values(W), expected, rtol=0, atol=1e-13 * expected[0])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("rank", [1, 3, 10])
def test_mapped_singular_values_match_the_svd(shape, rank):
    W = _matrix(shape, rank, seed=2 * sum(shape) + rank)
    U, s, Vt = np.linalg.svd(W, full_matrices=False)

    def shrink(sigma):
        return np.maximum(sigma - 0.3 * sigma[0], 0.0) + 0.5 * sigma

    expected = (U * shrink(s)) @ Vt
    mapped = map_singular_values(W, shrink)
    assert mapped.shape == W.shape
    np.testing.assert_allclose(mapped, expected, rtol=0, atol=1e-12 * np.abs(W).max())
    np.testing.assert_allclose(map_singular_values(W, lambda sigma: sigma), W, rtol=0, atol=1e-12 * np.abs(W).max())


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("rank", [1, 3])
def test_left_singular_vectors_diagonalise_w_wt(shape, rank):
    W = _matrix(shape, rank, seed=3 * sum(shape) + rank)
    U, sigma = left_singular(W)
    assert U.shape == (shape[0], shape[0]) and sigma.shape == (shape[0],)
    np.testing.assert_allclose(U.T @ U, np.eye(shape[0]), atol=1e-12)
    np.testing.assert_allclose((U * sigma**2) @ U.T, W @ W.T, rtol=0, atol=1e-12 * np.abs(W @ W.T).max())
    expected = np.linalg.svd(W, compute_uv=False)
    np.testing.assert_allclose(sigma[: expected.size], expected, rtol=0, atol=1e-13 * expected[0])
    assert np.all(sigma[expected.size :] == 0)


@pytest.mark.parametrize(
    "penalty, call",
    [
        (ClusterPenalty(n_clusters=2), lambda penalty, W: penalty.describe(W)),
        (ClusterPenalty(n_clusters=2), lambda penalty, W: penalty.prox(W, 0.1)),
        (RelationshipPenalty(), lambda penalty, W: penalty.fitted_attributes(W)),
        (TracePenalty(), lambda penalty, W: penalty.prox(W, 0.1)),
        (TracePenalty(), lambda penalty, W: penalty.dual_norm(W)),
    ],
)
def test_spectral_penalties_on_wide_weights_allocate_no_features_square(penalty, call):
    """At 3 × 20,000 a features × features array would take 3.2 GB; the bound is 20 copies of W."""
    W = np.random.default_rng(0).standard_normal((3, 20_000))
    call(penalty, W)  # imports and first-call allocations outside the measurement
    assert traced_peak(lambda: call(penalty, W)) <= 20 * W.nbytes


def test_cluster_task_matrix_of_wide_weights_is_the_svds():
    """M* = U diag(m) Uᵀ from the left singular vectors, the same as from NumPy's full SVD with its round-off zeros."""
    rng = np.random.default_rng(4)
    W = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 500))  # rank 2 < 4 tasks: two null directions
    penalty = ClusterPenalty(n_clusters=3)
    U, sigma, _ = np.linalg.svd(W, full_matrices=True)
    sigma[2:] = 0.0  # exact zeros (round-off in the SVD): the two null directions share the third cluster's weight
    m = cluster_weights(sigma, penalty.eta, 3)
    np.testing.assert_allclose(m[2:], 0.5)
    np.testing.assert_allclose(penalty.task_matrix(W), (U * m) @ U.T, atol=1e-12)
