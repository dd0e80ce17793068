"""The fused SGD step (core/train/fused_step.py) against the reference backprop, on every head.

For layers of ≥ ``DIRECT_MIN_WEIGHTS`` weights plain SGD is taken inside the GEMM that computes ∇W
(Wᵀ ← Wᵀ − aᵀ(ηδ), α = −1, β = 1, bound once by ``blas.bound_gemm``). Here every hidden activation ×
every output activation/cost pair × every optimizer that takes the fused path, in float32 and float64,
trains a few mini-batches through the Trainer, and after each one the weights must be

    θ − η ∇      (∇ from reference.batch_gradients, in float64, of the weights before the step)

to float rounding, element by element: |got − want| ≤ eps·|want| + ROUNDING·eps·η·max|∇| (the max over
layer l and the layers above it, whose δ reaches it), with eps the network's dtype's. The network is
136-121-136-k: the first two layers (16,456 weights each: the input x and a hidden a as the GEMM's
operand) are direct at the real threshold, the last one is not; a counter on the bound GEMMs proves
that the direct branch ran, every step.
"""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.nn import backprop, blas, reference
from bpstudio.core.nn.activations import ACTIVATIONS
from bpstudio.core.explain.compare import valid_costs
from bpstudio.core.train.fused_step import FusedSGDStep, make_step
from bpstudio.core.train.optimizers import OPTIMIZERS, make_optimizer

SIZES = [136, 121, 136]        # + the output layer; 136 × 121 = 16,456 ≥ DIRECT_MIN_WEIGHTS
N, BATCH, EPOCHS, DECAY = 8, 4, 2, 0.5   # η, η, η/2, η/2 (``lr_decay`` after each epoch)
STEPS = EPOCHS * N // BATCH
# Rounding allowance in units of eps·η·max|∇|. Over every case below the worst error seen is 16 of
# them (median 3, float32 and float64 alike); the fused GEMM's α off by one part in 10⁶ fails
# every float64 case.
ROUNDING = 64

HIDDEN = [name for name in ACTIVATIONS if name != "softmax"]


HEADS = [(output, cost) for output in ACTIVATIONS for cost in valid_costs(output)]
# The textbook rule of each optimizer that takes the fused step (make_step decides, so an optimizer
# newly routed through the fused path fails here until its rule is written down).
TEXTBOOK = {"sgd": lambda theta, grad, lr: theta - lr * grad}


def _fused_optimizers():
    net = Network([2, 2], ["linear"])
    ws = backprop.Workspace(net, 1)
    return [name for name in OPTIMIZERS
            if isinstance(make_step(net, ws, net.check_cost("mse"),
                                    make_optimizer(TrainConfig(optimizer=name), net.params), 0.0), FusedSGDStep)]


FUSED_OPTIMIZERS = _fused_optimizers()


def _problem(hidden, output, cost, dtype):
    """A network with random biases (zero biases put relu units on their kink) and N samples."""
    k = 3
    net = Network(SIZES + [k], [hidden, hidden, output], seed=4, dtype=dtype)
    rng = np.random.default_rng(11)
    net.params[net.n_weights:] = rng.normal(scale=0.5, size=net.params.size - net.n_weights)
    X = rng.normal(size=(N, SIZES[0])).astype(dtype)
    if cost == "cross_entropy":
        Y = np.eye(k)[rng.integers(0, k, N)]
    elif cost == "bce":
        Y = (rng.random((N, k)) > 0.5).astype(float)
    else:
        Y = rng.uniform(-0.5, 1, size=(N, k))
    return net, X, Y.astype(dtype)


def _learning_rate(net, grads):
    """η whose first step moves the parameter with the largest gradient by about 0.5 % of the largest
    |θ|, whatever the head's gradient scale: one fixed η diverges on sse + linear layers and barely
    moves sigmoid + half_mse; larger steps fit 4 samples in a few steps, and a δᴸ = a − y with a ≈ y
    is then all rounding. A power of 2, so η/BATCH is exact in either dtype."""
    largest = max(np.abs(g).max() for layer_grads in grads for g in layer_grads)
    return 2.0 ** np.round(np.log2(0.005 * np.abs(net.params).max() / largest))


@pytest.fixture
def direct_calls(monkeypatch):
    """How many fused GEMMs ran: ``blas.bound_gemm``'s calls, wrapped in a counter."""
    if not blas.is_direct("float64"):
        pytest.skip("NumPy's BLAS is not reachable directly here: no layer is fused")
    count = [0]
    bound_gemm = blas.bound_gemm

    def counting_bound_gemm(*args):
        call = bound_gemm(*args)
        if call is None:
            return None

        def counted():
            count[0] += 1
            call()
        return counted
    monkeypatch.setattr(blas, "bound_gemm", counting_bound_gemm)
    return count


def _downstream_scales(grads):
    """max|∇| over layer l and every layer above it, for each l: a rounding error made in δ at a
    layer above reaches layer l's ∇ through the backward pass, where δ may cancel (δ Wˡ⁺¹ sums
    terms of either sign), so an error in ∇ˡ is measured against the largest gradient it came from."""
    largest = [max(np.abs(w).max(), np.abs(b).max()) for w, b in zip(*grads)]
    return np.maximum.accumulate(largest[::-1])[::-1]


def _assert_rounding_close(got, want, grads, lr, eps, what):
    """|got − want| ≤ eps·|want| + ROUNDING·eps·η·(max|∇| downstream of the layer), element by element."""
    scales = _downstream_scales(grads)
    for kind, gots, wants in zip("Wb", got, want):
        for l, (g, w, scale) in enumerate(zip(gots, wants, scales)):
            error, bound = np.abs(g - w), eps * np.abs(w) + ROUNDING * eps * lr * scale
            i = np.unravel_index(np.argmax(error - bound), error.shape)
            where = f"{what}: {kind}{l + 1}{tuple(map(int, i))}"
            assert error[i] <= bound[i], f"{where} is off by {error[i]:.3g} (rounding allows {bound[i]:.3g})"


def test_the_cases_cover_the_engine():
    assert "sgd" in FUSED_OPTIMIZERS and set(FUSED_OPTIMIZERS) <= set(TEXTBOOK)
    assert {"sigmoid", "tanh", "relu", "leaky_relu", "linear"} <= set(HIDDEN) and len(HEADS) >= 22
    assert ("softmax", "cross_entropy") in HEADS and ("sigmoid", "bce") in HEADS
    net = Network(SIZES + [3], seed=0)
    assert backprop.Workspace(net, BATCH).direct == [blas.is_direct("float64")] * 2 + [False]
    assert SIZES[0] * SIZES[1] >= backprop.DIRECT_MIN_WEIGHTS > SIZES[1] * 3


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", FUSED_OPTIMIZERS)
@pytest.mark.parametrize("output, cost", HEADS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_fused_steps_are_the_reference_steps(hidden, output, cost, optimizer, dtype, direct_calls):
    net, X, Y = _problem(hidden, output, cost, dtype)
    eps, rule = np.finfo(dtype).eps, TEXTBOOK[optimizer]
    X64, Y64 = X.astype(np.float64), Y.astype(np.float64)      # the very inputs the network sees
    grads = reference.batch_gradients(net, X64[:BATCH], Y64[:BATCH], cost)
    first_lr = _learning_rate(net, grads)
    trainer = Trainer(net, TrainConfig(learning_rate=first_lr, lr_decay=DECAY, batch_mode="mini-batch",
                                       batch_size=BATCH, epochs=EPOCHS, cost=cost, optimizer=optimizer, shuffle=False))
    for step in range(STEPS):
        start, epoch = step * BATCH % N, step * BATCH // N
        if step:
            grads = reference.batch_gradients(net, X64[start:start + BATCH], Y64[start:start + BATCH], cost)
        lr = first_lr * DECAY ** epoch
        want = [[rule(p, g, lr) for p, g in zip(params, layer_grads)]
                for params, layer_grads in zip(net.layer_views(net.params.astype(np.float64)), grads)]
        trainer.step(X, Y)
        assert net.params.dtype == dtype
        _assert_rounding_close(net.layer_views(net.params), want, grads, lr, eps, f"step {step + 1}")
    assert direct_calls[0] == 2 * STEPS       # the two direct layers' fused GEMMs, every step
    # The last step and its gradient, which the fused layers never stored, as the inspector reads them.
    _assert_rounding_close(net.layer_views(trainer.last_update), [[lr * g for g in gs] for gs in grads],
                           grads, lr, eps, "last update")
    _assert_rounding_close(net.layer_views(trainer.last_gradient), grads, grads, 1.0, eps, "last gradient")
