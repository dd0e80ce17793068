"""The compiled loops behind ``compiled.CompiledDescent`` (imports Numba: load only when used).

Layout (see ``compiled``): ``layout[l] = (n_in, n_out, w, b, activation code, start)``; layer
l's weight Wⱼₖ is ``params[w + k·n_out + j]`` (Wᵀ stored row by row) and bⱼ is ``params[b + j]``.
``a`` and ``delta`` hold one sample's activations and deltas for every layer end to end:
layer 0 (the inputs) first, then each weight layer's neurons; layer l reads its input aˡ⁻¹
from ``a[start:start + n_in]`` and writes its output right after it.

The layout is unsigned (uint64): Numba then knows no index can be negative and drops the
Python-style wrap-around test from every ``a[i]``, which otherwise turns each inner loop into
gathers and scatters (measured: the kernel ran ~1.3× slower with it).

Arithmetic is in the network's dtype, as on the NumPy path: constants are made with
``a.dtype.type(...)``, because a bare ``1.0`` is float64 in Numba and would widen every
float32 expression (and convert back at every store). tanh alone is computed in float64 and
rounded (``_tanh``).

Besides the unsigned layout, what made it ~2× faster on the tiny 2-8-8-1 case (A/B, CPU time,
docs/performance.md): no reference counting (``train_batches``), tanh without a libm call per
neuron (``_expm1``), and sums that stay in registers (``_forward``, ``_backward_step``).
"""

import math

import numpy as np
from numba import njit

SIGMOID, TANH, RELU, LEAKY_RELU, LINEAR, SOFTMAX = range(6)
SSE, MSE, HALF_MSE, BCE, CROSS_ENTROPY, HALF_SSE = range(6)
SGD, MOMENTUM, NESTEROV, RMSPROP, ADAM = range(5)


@njit(cache=True, error_model="numpy", inline="always")
def _row(layout, l):
    """Layer l's (n_in, n_out, w, b, activation code, start), read without making a view."""
    return layout[l, 0], layout[l, 1], layout[l, 2], layout[l, 3], layout[l, 4], layout[l, 5]


@njit(cache=True, error_model="numpy", inline="always")
def _activate(code, a, start, n, slope):
    """aⱼ = σ(zⱼ) in place over a[start:start+n], which holds z.

    One loop per activation: the choice is made once per layer, not once per neuron.
    """
    one = a.dtype.type(1.0)
    if code == SIGMOID:
        for j in range(start, start + n):
            a[j] = one / (one + math.exp(-a[j]))
    elif code == TANH:
        for j in range(start, start + n):
            a[j] = _tanh(float(a[j]))
    elif code == RELU:
        for j in range(start, start + n):
            a[j] = a[j] if a[j] > 0.0 else 0.0
    elif code == LEAKY_RELU:
        for j in range(start, start + n):
            a[j] = a[j] if a[j] > 0.0 else slope * a[j]
    elif code == SOFTMAX:
        m = a[start]
        for j in range(start, start + n):
            m = max(m, a[j])
        total = a.dtype.type(0.0)
        for j in range(start, start + n):
            a[j] = math.exp(a[j] - m)
            total += a[j]
        for j in range(start, start + n):
            a[j] /= total


@njit(cache=True, error_model="numpy", inline="always")
def _tanh(z):
    """tanh z = eˣ⁻¹/(eˣ⁻¹ + 2) with x = 2z, in float64 (exact to rounding: no cancellation near 0).

    Beyond |z| = 20, tanh z is ±1 to double precision, so z is clamped there (NaN stays NaN).
    """
    z = 20.0 if z > 20.0 else (-20.0 if z < -20.0 else z)
    e = _expm1(2.0 * z)
    return e / (e + 2.0)


# eʳ − 1 for |r| ≤ ln2/2: r + r²(1/2! + r/3! + … + r¹¹/13!) is exact to double precision there
# (the next term is below 5e-18), with the r²-part summed by Horner from 1/13! down.
_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(13, 1, -1))
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10   # ln2 split, fdlibm's
_POW2 = np.ldexp(1.0, np.arange(-64, 65))    # 2ᵏ for k = −64 … 64


@njit(cache=True, error_model="numpy", inline="always")
def _expm1(x):
    """eˣ − 1 for |x| ≤ 40, in float64, within ~2 ulp of the exact value.

    Written here rather than called from libm because a call inside the neuron loop stops the
    compiler from vectorising it (and spills its registers around every call); this is plain
    arithmetic, so a layer's tanh run side by side in vector registers. The usual range reduction:
    x = k·ln2 + r with |r| ≤ ln2/2, eˣ − 1 = 2ᵏ(eʳ − 1) + (2ᵏ − 1); for |x| < ln2/2, k = 0 and
    the result is the series itself, so small x keeps its relative precision.
    """
    k = np.floor(x * (1.0 / math.log(2.0)) + 0.5)   # (a float: math.floor would give an int)
    k = k if k > -64.0 else -64.0    # written as comparisons: a NaN x gives a valid index here,
    k = k if k < 64.0 else 64.0      # and NaN through r below
    r = (x - k * _LN2_HI) - k * _LN2_LO
    q = _TAYLOR[0]
    for c in _TAYLOR[1:]:
        q = q * r + c
    em1_r = r + r * r * q
    two_k = _POW2[int(k) + 64]
    return two_k * em1_r + (two_k - 1.0)


@njit(cache=True, error_model="numpy", inline="always")
def _derivative(code, a, one, slope):
    """σ′(z) written from the output a, as ``nn.activations`` does (``one``: 1 in a's dtype)."""
    if code == SIGMOID:
        return (one - a) * a
    if code == TANH:
        return one - a * a
    if code == RELU:
        return one if a > 0.0 else one - one
    if code == LEAKY_RELU:
        return one if a > 0.0 else slope
    return one


@njit(cache=True, error_model="numpy", inline="always")
def _forward(params, layout, X, i, a, z_epoch, s, slope):
    """zˡ = Wˡ aˡ⁻¹ + bˡ, aˡ = σ(zˡ) for every layer, for sample X[i]; zᴸ goes to ``z_epoch[s]``.

    (Rows are passed as indices, not as views: a view costs reference counting per sample.)
    """
    n_layers = layout.shape[0]
    for k in range(layout[0, 0]):
        a[k] = X[i, k]
    for l in range(n_layers):
        n_in, n_out, w, b, act, start_in = _row(layout, l)
        start_out = start_in + n_in
        for j in range(n_out):   # one neuron at a time: its sum stays in a register
            z = a.dtype.type(0.0)
            for k in range(n_in):
                z += params[w + k * n_out + j] * a[start_in + k]
            a[start_out + j] = z + params[b + j]
        if l == n_layers - 1:
            for j in range(n_out):
                z_epoch[s, j] = a[start_out + j]
        _activate(act, a, start_out, n_out, slope)


@njit(cache=True, error_model="numpy", inline="always")
def _output_delta(cost, act, a, delta, start, n, Y, i, slope):
    """δᴸ = ∇ₐC ⊙ σ′(zᴸ), fused for sigmoid + bce and softmax + cross-entropy (as ``nn.costs``)."""
    one, two, size = a.dtype.type(1.0), a.dtype.type(2.0), a.dtype.type(n)
    for j in range(n):
        diff = a[start + j] - Y[i, j]
        if act == SOFTMAX and cost == CROSS_ENTROPY:
            delta[start + j] = diff
        elif act == SIGMOID and cost == BCE:
            delta[start + j] = diff * (one / size)
        else:
            if cost == SSE:
                grad_a = diff * two
            elif cost == MSE:
                grad_a = diff * (two / size)
            elif cost == HALF_MSE:
                grad_a = diff * (one / size)
            else:  # HALF_SSE: the seeds' Σ½(a − y)²
                grad_a = diff
            delta[start + j] = grad_a * _derivative(act, a[start + j], one, slope)


@njit(cache=True, error_model="numpy")
def _backward(params, grad, layout, a, delta, slope):
    """Add this sample's ∇Wˡ = δˡ aˡ⁻¹ᵀ and ∇bˡ = δˡ into ``grad``, layer by layer from the output.

    δˡ⁻¹ₖ = (Σⱼ Wˡⱼₖ δˡⱼ) σ′(zˡ⁻¹ₖ) is formed in the same pass over Wˡ.
    """
    for l in range(layout.shape[0] - 1, -1, -1):
        n_in, n_out, w, b, _, start_in = _row(layout, l)
        start_out = start_in + n_in
        for j in range(n_out):
            grad[b + j] += delta[start_out + j]
        for k in range(n_in):
            ak = a[start_in + k]
            row = w + k * n_out
            back = a.dtype.type(0.0)
            for j in range(n_out):
                d = delta[start_out + j]
                grad[row + j] += d * ak
                back += params[row + j] * d
            if l > 0:
                delta[start_in + k] = back * _derivative(layout[l - 1, 4], ak, a.dtype.type(1.0), slope)


# _rule, _update and _backward are left to the compiler to inline or call: Numba's own inlining
# (``inline="always"``) copies a function at every call site, and these three made the first build
# ~30 % longer. They serve the other optimizers and small batches (measured: Adam ~10 % slower
# than fully inlined); plain SGD, one sample at a time, never calls them.
@njit(cache=True, error_model="numpy")
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


@njit(cache=True, error_model="numpy")
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
def _sgd_row(params, grad, step, row, delta, start_out, n_out, ak, lr, l2, record):
    """Plain SGD, the seeds' rule, on row k of Wᵀ: Wₖⱼ ← Wₖⱼ − η (δⱼ aₖ + λWₖⱼ).

    Written apart from the other optimizers so that, with nothing to record and no L2, it is a
    loop the compiler vectorises; every branch gives the same arithmetic in the same order.
    """
    if not record and l2 == 0.0:
        for j in range(n_out):
            params[row + j] -= lr * (delta[start_out + j] * ak)
        return
    for j in range(n_out):
        g = delta[start_out + j] * ak
        if l2 != 0.0:
            g += l2 * params[row + j]
        s = lr * g
        params[row + j] -= s
        if record:
            grad[row + j] = g
            step[row + j] = s


@njit(cache=True, error_model="numpy", inline="always")
def _backward_step(params, grad, step, b1, b2, layout, a, delta, slope, optimizer, hyper, t, record):
    """One sample's backward pass that takes the update as it goes (a batch of one).

    Each parameter's gradient is final once computed, so it is stepped at once: each layer's
    δˡ⁻¹ is formed first, from Wˡ before any of its steps, and the parameters are visited once
    instead of three times. Only a
    ``record`` call (the last of a run) keeps the gradient and the step for the inspector; it
    does the same arithmetic in the same order (no fast-math anywhere here), so where a run is
    cut into calls never changes a bit of the result.
    """
    lr, l2 = a.dtype.type(hyper[0]), a.dtype.type(hyper[1])
    lr_t, correction2 = _adam_factors(optimizer, hyper, t)
    for l in range(layout.shape[0] - 1, -1, -1):
        n_in, n_out, w, b, _, start_in = _row(layout, l)
        start_out = start_in + n_in
        for j in range(n_out):
            g = delta[start_out + j]
            s = lr * g if optimizer == SGD else _rule(optimizer, b + j, g, b1, b2, hyper, lr_t, correction2)
            params[b + j] -= s
            if record:
                grad[b + j] = g
                step[b + j] = s
        if l > 0:   # δˡ⁻¹ₖ = (Σⱼ Wⱼₖ δⱼ) σ′(zₖ), from Wˡ before its step
            for k in range(n_in):
                back = a.dtype.type(0.0)
                for j in range(n_out):
                    back += params[w + k * n_out + j] * delta[start_out + j]
                delta[start_in + k] = back * _derivative(layout[l - 1, 4], a[start_in + k], a.dtype.type(1.0), slope)
        for k in range(n_in):
            ak = a[start_in + k]
            row = w + k * n_out
            if optimizer == SGD:
                _sgd_row(params, grad, step, row, delta, start_out, n_out, ak, lr, l2, record)
                continue
            for j in range(n_out):
                g = delta[start_out + j] * ak + l2 * params[row + j]
                s = _rule(optimizer, row + j, g, b1, b2, hyper, lr_t, correction2)
                params[row + j] -= s
                if record:
                    grad[row + j] = g
                    step[row + j] = s


# _nrt=False: no reference counting. The kernel allocates nothing and only borrows its arguments,
# yet with Numba's runtime on, every inlined helper increfs and decrefs each array it is given
# (atomic operations: 16 a sample, measured 15 % of the tiny case's time).
@njit(cache=True, error_model="numpy", _nrt=False)
def train_batches(params, grad, step, b1, b2, layout, cost, optimizer, hyper, t, X, Y, order, pos,
                  n_batches, batch_size, n_weights, z_epoch, a, delta):
    """Train up to ``n_batches`` batches of the epoch's ``order`` from ``pos``.

    Returns (new position, batches trained). Each batch: every sample forward and backward,
    gradients summed; then one update with their mean.
    """
    slope = a.dtype.type(hyper[7])
    n_total = order.shape[0]
    last = layout.shape[0] - 1
    out_start = layout[last, 5] + layout[last, 0]
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
