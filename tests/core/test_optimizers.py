"""Optimizers: first steps against hand-computed values, state round trips, and torch.optim when installed."""

import math

import numpy as np
import pytest

from bpstudio.core.train.optimizers import OPTIMIZERS, SGD, Adam, Momentum, Nesterov, RMSprop

GRADS = [np.array([0.5, -1.0]), np.array([0.25, 2.0]), np.array([-1.0, 0.5])]


def _run(opt, steps=2):
    params = np.array([1.0, -2.0])
    opt = opt(params)
    for g in GRADS[:steps]:
        opt.step(params, g.copy())
    return params


def test_sgd_by_hand():
    p = _run(lambda p: SGD(p, lr=0.1))
    # θ − η g₁ − η g₂
    np.testing.assert_allclose(p, [1.0 - 0.1 * 0.75, -2.0 - 0.1 * 1.0])


def test_momentum_by_hand():
    p = _run(lambda p: Momentum(p, lr=0.1))
    # b₁ = g₁ = (0.5, −1); b₂ = 0.9 b₁ + g₂ = (0.7, 1.1)
    np.testing.assert_allclose(p, [1.0 - 0.1 * (0.5 + 0.7), -2.0 - 0.1 * (-1.0 + 1.1)])


def test_nesterov_by_hand():
    p = _run(lambda p: Nesterov(p, lr=0.1))
    # step 1: g + 0.9 b₁ = (0.95, −1.9); step 2: b₂ = (0.7, 1.1), g₂ + 0.9 b₂ = (0.88, 2.99)
    np.testing.assert_allclose(p, [1.0 - 0.1 * (0.95 + 0.88), -2.0 - 0.1 * (-1.9 + 2.99)])


def test_rmsprop_by_hand():
    p = _run(lambda p: RMSprop(p, lr=0.01), steps=1)
    # v = 0.01 g²; θ − η g / (√v + ε) = θ − η · sign(g) · 10 (up to ε)
    np.testing.assert_allclose(p, [1.0 - 0.1, -2.0 + 0.1], rtol=1e-6)


def test_adam_by_hand():
    p = _run(lambda p: Adam(p, lr=0.001), steps=1)
    # The first Adam step is −η · g / (|g| + ε): η · sign(g) once bias-corrected.
    np.testing.assert_allclose(p, [1.0 - 0.001, -2.0 + 0.001], rtol=1e-6)
    p = _run(lambda p: Adam(p, lr=0.001), steps=2)
    m = 0.1 * (0.9 * GRADS[0] + GRADS[1])      # (1 − β₁)(β₁ g₁ + g₂)
    v = 0.001 * (0.999 * GRADS[0] ** 2 + GRADS[1] ** 2)
    step2 = 0.001 / (1 - 0.9 ** 2) * m / (np.sqrt(v) / math.sqrt(1 - 0.999 ** 2) + 1e-8)
    np.testing.assert_allclose(p, np.array([1.0 - 0.001, -2.0 + 0.001]) - step2, rtol=1e-9)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_dict_round_trip(name):
    params = np.array([1.0, -2.0, 3.0])
    a = OPTIMIZERS[name](params.copy(), lr=0.01)
    pa = params.copy()
    for g in GRADS[:2]:
        a.step(pa, np.append(g, 1.0))
    b = OPTIMIZERS[name](params.copy(), lr=0.5)
    b.load_state_dict(a.state_dict())
    pb = pa.copy()
    a.step(pa, np.append(GRADS[2], 1.0))
    b.step(pb, np.append(GRADS[2], 1.0))
    np.testing.assert_array_equal(pa, pb)


def test_state_dict_refuses_another_optimizer():
    with pytest.raises(ValueError, match="'adam', not 'sgd'"):
        SGD(np.zeros(2), 0.1).load_state_dict(Adam(np.zeros(2), 0.1).state_dict())


@pytest.mark.parametrize("lr", [0, -1, float("nan"), float("inf")])
def test_invalid_learning_rate(lr):
    with pytest.raises(ValueError, match="invalid learning rate"):
        SGD(np.zeros(2), lr)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_matches_torch_optim(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    start = rng.normal(size=5)
    grads = rng.normal(size=(20, 5))
    ours = OPTIMIZERS[name](start.copy(), lr=0.01)
    theta = start.copy()
    t = torch.tensor(start.copy(), requires_grad=True)
    kinds = {"sgd": lambda: torch.optim.SGD([t], lr=0.01),
             "momentum": lambda: torch.optim.SGD([t], lr=0.01, momentum=0.9),
             "nesterov": lambda: torch.optim.SGD([t], lr=0.01, momentum=0.9, nesterov=True),
             "rmsprop": lambda: torch.optim.RMSprop([t], lr=0.01),
             "adam": lambda: torch.optim.Adam([t], lr=0.01)}
    theirs = kinds[name]()
    for g in grads:
        ours.step(theta, g.copy())
        t.grad = torch.tensor(g)
        theirs.step()
    np.testing.assert_allclose(theta, t.detach().numpy(), rtol=1e-10, atol=1e-12)
