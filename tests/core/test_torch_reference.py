"""Optional: forward pass, cost and gradients equal PyTorch autograd's (skipped without torch)."""

import numpy as np
import pytest

from bpstudio.core import Network

torch = pytest.importorskip("torch")

TORCH_ACT = {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "softmax": lambda z: torch.softmax(z, dim=1),
}


def torch_cost(name, z, a, y):
    n = a.shape[1]
    per_sample = {
        "sse": lambda: ((a - y) ** 2).sum(1),
        "mse": lambda: ((a - y) ** 2).sum(1) / n,
        "half_mse": lambda: (0.5 * (a - y) ** 2).sum(1) / n,
        "bce": lambda: torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none").sum(1) / n,
        "cross_entropy": lambda: -(y * torch.log_softmax(z, dim=1)).sum(1),
    }[name]()
    return per_sample.mean()


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("output,cost", [("sigmoid", "mse"), ("linear", "sse"), ("tanh", "half_mse"),
                                         ("sigmoid", "bce"), ("softmax", "cross_entropy")])
def test_matches_torch_autograd(hidden, output, cost):
    rng = np.random.default_rng(0)
    sizes = [4, 7, 5, 3]
    net = Network(sizes, [hidden, hidden, output], seed=4)
    X = rng.normal(size=(9, 4))
    Y = np.eye(3)[rng.integers(0, 3, 9)] if output in ("softmax", "sigmoid") else rng.normal(size=(9, 3))
    params = [(torch.tensor(W.copy(), requires_grad=True), torch.tensor(b.copy(), requires_grad=True))
              for W, b in zip(net.weights, net.biases)]
    a = torch.tensor(X)
    for (W, b), act in zip(params, net.activations):
        z = a @ W.T + b
        a = TORCH_ACT[act](z)
    loss = torch_cost(cost, z, a, torch.tensor(Y))
    loss.backward()
    np.testing.assert_allclose(net.predict(X), a.detach().numpy(), rtol=1e-12)
    assert net.cost(X, Y, cost) == pytest.approx(loss.item(), rel=1e-12)
    grad_w, grad_b = net.gradients(X, Y, cost)
    for (W, b), gw, gb in zip(params, grad_w, grad_b):
        np.testing.assert_allclose(gw, W.grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(gb, b.grad.numpy(), rtol=1e-10, atol=1e-14)
