"""The compiled loops behind ``compiled.CompiledDescent`` (imports Numba: load only when used).

Layout (see ``compiled``): ``layout[l] = (n_in, n_out, w, b, activation code)``; layer l's
weight Wⱼₖ is ``params[w + k·n_out + j]`` (Wᵀ stored row by row) and bⱼ is ``params[b + j]``.
``a`` and ``delta`` hold one sample's activations and deltas for every layer end to end:
layer 0 (the inputs) first, then each weight layer's neurons.
"""

import math

from numba import njit

SIGMOID, TANH, RELU, LEAKY_RELU, LINEAR, SOFTMAX = range(6)
SSE, MSE, HALF_MSE, BCE, CROSS_ENTROPY, HALF_SSE = range(6)
SGD, MOMENTUM, NESTEROV, RMSPROP, ADAM = range(5)


@njit(cache=True, error_model="numpy", inline="always")
def _activate(code, a, start, n, slope):
    """aⱼ = σ(zⱼ) in place over a[start:start+n], which holds z."""
    if code == SOFTMAX:
        m = a[start]
        for j in range(1, n):
            m = max(m, a[start + j])
        total = 0.0
        for j in range(n):
            a[start + j] = math.exp(a[start + j] - m)
            total += a[start + j]
        for j in range(n):
            a[start + j] /= total
        return
    for j in range(start, start + n):
        z = a[j]
        if code == SIGMOID:
            a[j] = 1.0 / (1.0 + math.exp(-z))
        elif code == TANH:
            # tanh z = eˣ⁻¹/(eˣ⁻¹ + 2) with x = 2z: exact to rounding, and glibc's expm1 is ~3× faster than its tanh.
            if z > 20.0:
                a[j] = 1.0
            elif z < -20.0:
                a[j] = -1.0
            else:
                e = math.expm1(2.0 * z)
                a[j] = e / (e + 2.0)
        elif code == RELU:
            a[j] = z if z > 0.0 else 0.0
        elif code == LEAKY_RELU:
            a[j] = z if z > 0.0 else slope * z


@njit(cache=True, error_model="numpy", inline="always")
def _derivative(code, a, slope):
    """σ′(z) written from the output a, as ``nn.activations`` does."""
    if code == SIGMOID:
        return (1.0 - a) * a
    if code == TANH:
        return 1.0 - a * a
    if code == RELU:
        return 1.0 if a > 0.0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if a > 0.0 else slope
    return 1.0


@njit(cache=True, error_model="numpy", inline="always")
def _forward(params, layout, X, i, a, z_epoch, s, slope):
    """zˡ = Wˡ aˡ⁻¹ + bˡ, aˡ = σ(zˡ) for every layer, for sample X[i]; zᴸ goes to ``z_epoch[s]``.

    (Rows are passed as indices, not as views: a view costs reference counting per sample.)
    """
    n_layers = layout.shape[0]
    for k in range(layout[0, 0]):
        a[k] = X[i, k]
    start_in = 0
    for l in range(n_layers):
        n_in, n_out, w, b, act = layout[l, 0], layout[l, 1], layout[l, 2], layout[l, 3], layout[l, 4]
        start_out = start_in + n_in
        for j in range(n_out):   # one neuron at a time: its sum stays in a register
            z = 0.0
            for k in range(n_in):
                z += params[w + k * n_out + j] * a[start_in + k]
            a[start_out + j] = z + params[b + j]
        if l == n_layers - 1:
            for j in range(n_out):
                z_epoch[s, j] = a[start_out + j]
        _activate(act, a, start_out, n_out, slope)
        start_in = start_out


@njit(cache=True, error_model="numpy", inline="always")
def _output_delta(cost, act, a, delta, start, n, Y, i, slope):
    """δᴸ = ∇ₐC ⊙ σ′(zᴸ), fused for sigmoid + bce and softmax + cross-entropy (as ``nn.costs``)."""
    for j in range(n):
        diff = a[start + j] - Y[i, j]
        if act == SOFTMAX and cost == CROSS_ENTROPY:
            delta[start + j] = diff
        elif act == SIGMOID and cost == BCE:
            delta[start + j] = diff * (1.0 / n)
        else:
            if cost == SSE:
                grad_a = diff * 2.0
            elif cost == MSE:
                grad_a = diff * (2.0 / n)
            elif cost == HALF_MSE:
                grad_a = diff * (1.0 / n)
            else:  # HALF_SSE: the seeds' Σ½(a − y)²
                grad_a = diff
            delta[start + j] = grad_a * _derivative(act, a[start + j], slope)


@njit(cache=True, error_model="numpy", inline="always")
def _backward(params, grad, layout, a, delta, slope):
    """Add this sample's ∇Wˡ = δˡ aˡ⁻¹ᵀ and ∇bˡ = δˡ into ``grad``, layer by layer from the output.

    δˡ⁻¹ₖ = (Σⱼ Wˡⱼₖ δˡⱼ) σ′(zˡ⁻¹ₖ) is formed in the same pass over Wˡ.
    """
    n_layers = layout.shape[0]
    start_out = a.shape[0] - layout[n_layers - 1, 1]   # the output layer's place in ``a``
    for l in range(n_layers - 1, -1, -1):
        n_in, n_out, w, b = layout[l, 0], layout[l, 1], layout[l, 2], layout[l, 3]
        start_in = start_out - n_in
        for j in range(n_out):
            grad[b + j] += delta[start_out + j]
        for k in range(n_in):
            ak = a[start_in + k]
            row = w + k * n_out
            back = 0.0
            for j in range(n_out):
                d = delta[start_out + j]
                grad[row + j] += d * ak
                back += params[row + j] * d
            if l > 0:
                delta[start_in + k] = back * _derivative(layout[l - 1, 4], ak, slope)
        start_out = start_in


@njit(cache=True, error_model="numpy", inline="always")
def _rule(optimizer, p, g, b1, b2, hyper, lr_t, correction2):
    """The step s for parameter p with gradient g (updating the optimizer's buffers), as ``train.optimizers``."""
    lr, momentum, alpha, beta1, beta2, eps = hyper[0], hyper[2], hyper[3], hyper[4], hyper[5], hyper[6]
    if optimizer == SGD:
        return lr * g
    if optimizer == MOMENTUM:
        b1[p] = momentum * b1[p] + g
        return lr * b1[p]
    if optimizer == NESTEROV:
        b1[p] = momentum * b1[p] + g
        return lr * (g + momentum * b1[p])
    if optimizer == RMSPROP:
        b1[p] = alpha * b1[p] + (1.0 - alpha) * g * g
        return lr * (g / (math.sqrt(b1[p]) + eps))
    b1[p] = beta1 * b1[p] + (1.0 - beta1) * g  # ADAM
    b2[p] = beta2 * b2[p] + (1.0 - beta2) * g * g
    return lr_t * (b1[p] / (math.sqrt(b2[p]) * correction2 + eps))


@njit(cache=True, error_model="numpy", inline="always")
def _adam_factors(optimizer, hyper, t):
    """Adam's bias corrections for step t: η / (1 − β₁ᵗ) and 1 / √(1 − β₂ᵗ)."""
    if optimizer != ADAM:
        return hyper[0], 1.0
    return hyper[0] / (1.0 - hyper[4] ** t), 1.0 / math.sqrt(1.0 - hyper[5] ** t)


@njit(cache=True, error_model="numpy", inline="always")
def _update(params, grad, step, b1, b2, n_samples, n_weights, optimizer, hyper, t):
    """g = mean gradient + l2·W (weights only); then θ ← θ − s by the optimizer's rule."""
    l2 = hyper[1]
    inv = 1.0 / n_samples
    lr_t, correction2 = _adam_factors(optimizer, hyper, t)
    for p in range(params.shape[0]):
        g = grad[p] * inv
        if p < n_weights and l2 != 0.0:
            g += l2 * params[p]
        grad[p] = g
        s = _rule(optimizer, p, g, b1, b2, hyper, lr_t, correction2)
        step[p] = s
        params[p] -= s


@njit(cache=True, error_model="numpy", inline="always")
def _backward_step(params, grad, step, b1, b2, layout, a, delta, slope, optimizer, hyper, t, record):
    """One sample's backward pass that takes the update as it goes (a batch of one).

    Each parameter's gradient is final once computed, so it is stepped at once: δˡ⁻¹ reads
    Wⱼₖ before its step, and the parameters are visited once instead of three times. Only a
    ``record`` call (the last of a run) keeps the gradient and the step for the inspector; it
    does the same arithmetic in the same order (no fast-math anywhere here), so where a run is
    cut into calls never changes a bit of the result.
    """
    lr, l2 = hyper[0], hyper[1]
    plain = optimizer == SGD
    lr_t, correction2 = _adam_factors(optimizer, hyper, t)
    n_layers = layout.shape[0]
    start_out = a.shape[0] - layout[n_layers - 1, 1]   # the output layer's place in ``a``
    for l in range(n_layers - 1, -1, -1):
        n_in, n_out, w, b = layout[l, 0], layout[l, 1], layout[l, 2], layout[l, 3]
        start_in = start_out - n_in
        for j in range(n_out):
            g = delta[start_out + j]
            s = _rule(optimizer, b + j, g, b1, b2, hyper, lr_t, correction2)
            params[b + j] -= s
            if record:
                grad[b + j] = g
                step[b + j] = s
        for k in range(n_in):
            ak = a[start_in + k]
            row = w + k * n_out
            back = 0.0
            if plain:   # plain SGD, the seeds' rule: the optimizer's choice out of the loop
                for j in range(n_out):
                    d = delta[start_out + j]
                    back += params[row + j] * d
                    g = d * ak + l2 * params[row + j]
                    s = lr * g
                    params[row + j] -= s
                    if record:
                        grad[row + j] = g
                        step[row + j] = s
            else:
                for j in range(n_out):
                    d = delta[start_out + j]
                    back += params[row + j] * d
                    g = d * ak + l2 * params[row + j]
                    s = _rule(optimizer, row + j, g, b1, b2, hyper, lr_t, correction2)
                    params[row + j] -= s
                    if record:
                        grad[row + j] = g
                        step[row + j] = s
            if l > 0:
                delta[start_in + k] = back * _derivative(layout[l - 1, 4], ak, slope)
        start_out = start_in


@njit(cache=True, error_model="numpy")
def train_batches(params, grad, step, b1, b2, layout, cost, optimizer, hyper, t, X, Y, order, pos,
                  n_batches, batch_size, n_weights, z_epoch, a, delta):
    """Train up to ``n_batches`` batches of the epoch's ``order`` from ``pos``.

    Returns (new position, batches trained). Each batch: every sample forward and backward,
    gradients summed; then one update with their mean.
    """
    slope = hyper[7]
    n_total = order.shape[0]
    last = layout.shape[0] - 1
    out_start = a.shape[0] - layout[last, 1]
    n_out = layout[last, 1]
    done = 0
    while done < n_batches and pos < n_total:
        stop = min(pos + batch_size, n_total)
        done += 1
        if stop - pos == 1:   # stochastic: step each parameter as its gradient is found
            i = order[pos]
            _forward(params, layout, X, i, a, z_epoch, pos, slope)
            _output_delta(cost, layout[last, 4], a, delta, out_start, n_out, Y, i, slope)
            record = done == n_batches or pos + 1 == n_total
            if record:
                _backward_step(params, grad, step, b1, b2, layout, a, delta, slope, optimizer, hyper, t + done, True)
            else:
                _backward_step(params, grad, step, b1, b2, layout, a, delta, slope, optimizer, hyper, t + done, False)
        else:
            grad[:] = 0.0
            for s in range(pos, stop):
                i = order[s]
                _forward(params, layout, X, i, a, z_epoch, s, slope)
                _output_delta(cost, layout[last, 4], a, delta, out_start, n_out, Y, i, slope)
                _backward(params, grad, layout, a, delta, slope)
            _update(params, grad, step, b1, b2, stop - pos, n_weights, optimizer, hyper, t + done)
        pos = stop
    return pos, done
