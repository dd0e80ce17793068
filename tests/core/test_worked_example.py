"""Every symbol with its number: formulas, notation, the chain rule of a batch, Mazur's example and the handout."""

import re

import numpy as np
import pytest

from bpstudio.core import Network, Trainer
from bpstudio.core.explain.chainrule import derivation, derivation_text
from bpstudio.core.explain.examples import EXAMPLES, MAZUR, published_values
from bpstudio.core.explain.handout import handout_markdown
from bpstudio.core.explain.notation import (
    LATEX,
    UNICODE,
    full,
    rounded,
    rounded_consistent,
)
from bpstudio.core.explain.walkthrough import descent_step, walkthrough

# Mazur's published numbers, to the digits he prints.
PUBLISHED = {"net_h1": 0.3775, "out_o1": 0.75136507, "E_total": 0.298371109, "w5+": 0.35891648, "w1+": 0.149780716}


def flat(lines):
    """The derivation's lines, one formula per line (the screen breaks them at "=")."""
    return "\n".join(text for _, text in lines)


def _digits(value):
    return len(str(value).split(".")[1])


def test_mazur_is_reproduced_by_training_one_full_batch_epoch():
    net, (X, Y) = MAZUR.network(), MAZUR.data()
    before = net.copy()
    history = Trainer(net, MAZUR.config()).fit(X, Y)
    assert len(history) == 1 and history.train_cost[0] == pytest.approx(PUBLISHED["E_total"], abs=1e-9)
    values = published_values(before, net, MAZUR)
    for name, published in PUBLISHED.items():
        assert round(values[name], _digits(published)) == published, name
        assert MAZUR.published[name][0] == published


def test_mazur_is_reproduced_by_one_descent_step():
    net, (X, Y) = MAZUR.network(), MAZUR.data()
    changes = descent_step(net, X, Y, "half_sse", 0.5)
    assert round(changes[1].after[0, 0], 8) == 0.35891648 and round(changes[0].after[0, 0], 9) == 0.149780716
    np.testing.assert_array_equal(changes[0].b_before, [0.35, 0.35])
    np.testing.assert_allclose(changes[0].b_difference, -0.5 * np.array([0.00877135468949, 0.00995425470522]),
                               rtol=1e-10)   # Mazur keeps b fixed; the step here moves it as the seeds do


def test_the_chain_rule_writes_every_symbol_with_its_number():
    net, (X, Y) = MAZUR.network(), MAZUR.data()
    text = flat(derivation(net, X, Y, "half_sse", 2, 0, 0, learning_rate=0.5))
    assert "z²₁ = w²₁,₁a¹₁ + w²₁,₂a¹₂ + b²₁ = (0.4)(0.5932699921071872) + (0.45)(0.596884378259767) + 0.6" in text
    assert "σ′(z²₁) = a²₁(1 − a²₁) = (0.7513650695523157)(1 − 0.7513650695523157) = 0.18681560180895948" in text
    assert "∂C/∂a²₁ = (a²₁ − y₁) = (0.7513650695523157 − 0.01) = 0.7413650695523157" in text
    assert "C = Σⱼ ½(a²ⱼ − yⱼ)² = ½(0.7513650695523157 − 0.01)² + ½(0.7729284653214625 − 0.99)² = 0.29837110876" in text
    assert "✓ equal to the product" in text
    assert "w²₁,₁⁺ = w²₁,₁ − η ∇W²₁,₁ = 0.4 − (0.5)(0.08216704056423078) = 0.35891647971788465" in text
    hidden = flat(derivation(net, X, Y, "half_sse", 1, 0, 0))
    assert "∂C/∂a¹₁ = Σ_q w²_q,1 δ²_q = (0.4)(0.13849856162855698) + (0.5)(−0.03809823651655623)" in hidden
    assert "a⁰₁ = 0.05" in hidden   # superscripts on every symbol, the input included


def test_on_screen_a_formula_breaks_at_its_equals_signs_not_inside_brackets():
    net, (X, Y) = MAZUR.network(), MAZUR.data()
    text = derivation_text(derivation(net, X, Y, "half_sse", 2, 0, 0, learning_rate=0.5))
    assert ("  z²₁ = w²₁,₁a¹₁ + w²₁,₂a¹₂ + b²₁\n"
            "      = (0.4)(0.5932699921071872) + (0.45)(0.596884378259767) + 0.6\n"
            "      = 1.10590596705977") in text
    bce = Network([2, 1], ["sigmoid"])
    text = derivation_text(derivation(bce, [[1.0, 2.0]], [[1.0]], "bce", 1, 0, 0))
    assert "(σ′ = a(1 − a) cancels)" in text   # an = inside a remark stays on its line


def test_every_number_in_the_chain_rule_is_the_engines():
    rng = np.random.default_rng(3)
    net = Network([3, 4, 2], ["tanh", "sigmoid"], seed=1)
    X, Y = rng.normal(size=(1, 3)), rng.random((1, 2))
    text = flat(derivation(net, X, Y, "mse", 1, 2, 1))
    trace, deltas = net.forward(X), net.deltas(X, Y, "mse")
    for value in (trace.z[0][0, 2], trace.a[1][0, 2], deltas[0][0, 2], 1 - trace.a[1][0, 2] ** 2, X[0, 1]):
        assert UNICODE.num(value) in text
    # Each product line multiplies numbers that are on screen into the printed result.
    line = next(l for l in text.splitlines() if l.strip().startswith("∂C/∂w¹₃,₂ = δ¹₃ · a⁰₂ ="))
    a, b, result = (float(t.replace("−", "-")) for t in re.findall(r"\(([^()]+)\)\(([^()]+)\) = (\S+)", line)[0])
    assert a * b == pytest.approx(result, rel=1e-15)


def test_a_batch_lists_each_samples_product_and_their_mean_equals_the_cell():
    rng = np.random.default_rng(4)
    net = Network([3, 5, 2], ["tanh", "sigmoid"], seed=2)
    X, Y = rng.normal(size=(3, 3)), rng.random((3, 2))
    text = flat(derivation(net, X, Y, "mse", 1, 3, 2, first_sample=3))
    deltas, a = net.deltas(X, Y, "mse")[0][:, 3], X[:, 2]
    for n, sample in enumerate(("#3", "#4", "#5")):
        assert f"{sample}: ({UNICODE.num(deltas[n])})({UNICODE.num(a[n])}) = {UNICODE.num(deltas[n] * a[n])}" in text
    cell = net.gradients(X, Y, "mse")[0][0][3, 2]
    assert "mean = (" in text and f"/ 3 = {UNICODE.num(np.mean(deltas * a))}" in text
    assert f"cell (4, 3) = {UNICODE.num(cell)}   ✓ equal to the mean" in text
    assert "Sample #3, the first of the 3 inspected" in text


def test_softmax_and_bce_outputs_say_their_delta_is_fused():
    rng = np.random.default_rng(5)
    net = Network([2, 3, 3], ["relu", "softmax"], seed=0)
    text = flat(derivation(net, rng.normal(size=(1, 2)), np.eye(3)[[1]], "cross_entropy", 2, 1, 0))
    assert "softmax + cross-entropy: fused" in text and "σ′(z²₂)" not in text
    net = Network([2, 3, 1], ["tanh", "sigmoid"], seed=0)
    text = flat(derivation(net, rng.normal(size=(1, 2)), [[1.0]], "bce", 2, 0, 1))
    assert "σ′ = a(1 − a) cancels" in text and "✓ equal" in text


def test_walkthrough_gives_y_grad_a_and_sigma_prime_as_their_own_columns():
    net, (X, Y) = MAZUR.network(), MAZUR.data()
    steps = walkthrough(net, X, Y, "half_sse")
    out, hidden = steps[1], steps[0]
    np.testing.assert_array_equal(out.y, Y)
    np.testing.assert_allclose(out.grad_a, out.a - Y, rtol=1e-15)
    np.testing.assert_allclose(out.sigma_prime, out.a * (1 - out.a), rtol=1e-15)
    np.testing.assert_allclose(out.delta, out.grad_a * out.sigma_prime, rtol=1e-15)
    np.testing.assert_array_equal(hidden.W, MAZUR.weights[0])
    np.testing.assert_array_equal(hidden.b, MAZUR.biases[0])
    np.testing.assert_allclose(hidden.z, X @ hidden.W.T + hidden.b, rtol=1e-15)
    assert hidden.y is None and hidden.grad_a is None
    assert "a¹(1 − a¹)" in hidden.equations["sigma_prime"] or "a (1 − a)" in hidden.equations["sigma_prime"]
    softmax = walkthrough(Network([2, 3], ["softmax"]), X, [[0.0, 1.0, 0.0]], "cross_entropy")[0]
    assert softmax.sigma_prime is None and softmax.grad_a is None and "fused" in softmax.equations["grad_a"]


def test_rounding_never_shows_a_false_number():
    assert rounded(0.99999996, 3) == "0.99999996"       # a saturated output is not "1"
    assert rounded(-0.9999999999, 3) == "-0.9999999999"
    assert rounded(1.0, 3) == "1" and rounded(0.123456, 3) == "0.123"
    assert rounded(4e-7, 3) == "4e-07"
    # tanh: a = 0.997502 beside σ′ = 1 − a² = 0.0049975: the shown a must give the shown σ′.
    a = np.array([0.99750156, 0.5, -0.9999])
    texts = rounded_consistent(a, 1 - a * a, lambda v: 1 - v * v, 3)
    for text, value in zip(texts, a):
        assert rounded(1 - float(text) ** 2, 3) == rounded(1 - value * value, 3)
    assert texts[1] == "0.5"


def test_full_precision_reads_back_exactly():
    for v in (0.1 + 0.2, -1.2345e-7, 0.3775, 2.0):
        assert float(full(v)) == v
    assert UNICODE.num(-1.5e-7) == "−1.5e−7" and LATEX.num(-1.5e-7) == r"-1.5\times 10^{-7}"
    assert UNICODE.sym("a", 0, 2) == "a⁰₂" and LATEX.sym("a", 0, 2) == "a^{0}_{2}"


def test_handout_holds_every_formula_with_its_numbers():
    net, (X, Y) = MAZUR.network(), MAZUR.data()
    md = handout_markdown(net, X, Y, "half_sse", 1, 0, 0, 0.5, title=MAZUR.title)
    assert md.startswith("# Mazur's 2-2-2 network")
    blocks = re.findall(r"\$\$\n(.*?)\n\$\$", md, re.DOTALL)
    assert len(blocks) > 20
    for block in blocks:   # balanced braces: each block is one well-formed LaTeX formula
        assert block.count("{") == block.count("}"), block
        assert "−" not in block and "·" not in block   # Unicode operators became LaTeX
    assert r"z^{1}_{1} = w^{1}_{1,1}a^{0}_{1} + w^{1}_{1,2}a^{0}_{2} + b^{1}_{1} = (0.15)(0.05) + (0.2)(0.1) + 0.35 = 0.3775" in md
    assert r"{w^{1}_{1,1}}^{+} = w^{1}_{1,1} - \eta  \nabla W^{1}_{1,1} = 0.15 - (0.5)(0.0004385677344743468" in md
    assert "0.1497807161327628" in md and "0.35891647971788465" in md
    assert "## Backward pass" in md and "## Gradients" in md and "## The chosen weight: w¹₁,₁" in md
    assert md.count("\\delta^{") > 8


def test_the_examples_menu_lists_mazur():
    assert list(EXAMPLES) == ["mazur"]
    assert MAZUR.config().learning_rate == 0.5 and MAZUR.cost == "half_sse"
