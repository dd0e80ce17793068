"""The seeds' notation, written two ways: Unicode for the screen (a⁰₂, δ²₁) and LaTeX for handouts.

Every formula with numbers is built once, from a ``Notation``; ``UNICODE`` and ``LATEX``
decide how symbols, numbers and operators look. Numbers are written at full precision
(the shortest text that reads back as the same float), so a hand check never fails on
a rounding. ``rounded`` is the table's short form, which never shows a number as
something it is not (0.99999996 is not "1").
"""

import math

import numpy as np

_SUP = str.maketrans("0123456789+-()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾")
_SUB = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")


def superscript(n):
    """A layer index as a superscript: superscript(12) == '¹²'."""
    return str(n).translate(_SUP)


def subscript(n):
    """A neuron index as a subscript: subscript(12) == '₁₂' (a comma between indices stays)."""
    return str(n).translate(_SUB)


sup, sub = superscript, subscript   # short, for the formulas


def full(v):
    """The shortest decimal text that reads back as the same float64: 0.3775, −1.2345e−06."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def rounded(v, digits):
    """``v`` to ``digits`` significant digits, with more digits where fewer would show a false value.

    A value that is not a whole number never rounds to one (a saturated 0.99999996 is shown as
    0.99999996, not 1), and a non-zero value never rounds to 0.
    """
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e6:
        return str(int(v))   # counts and exact whole numbers
    for d in range(digits, 18):
        text = f"{v:.{d}g}"
        shown = float(text)
        if shown != int(shown) or shown == v:
            return text
    return full(v)


def rounded_consistent(a, derived, from_a, digits):
    """Digits for each entry of ``a`` so that ``from_a(shown a)``, rounded, reads as ``derived`` rounded.

    E.g. a tanh output a = 0.997502 beside σ′ = 1 − a² = 0.0049999: with 3 digits a reads 0.998,
    which gives 1 − a² = 0.004 — a contradiction. This adds digits to ``a`` until its neighbour agrees.
    Returns the text of every entry of ``a`` (same shape).
    """
    a, derived = np.asarray(a, dtype=np.float64), np.asarray(derived, dtype=np.float64)
    texts = np.empty(a.shape, dtype=object)
    for index, value in np.ndenumerate(a):
        target = rounded(derived[index], digits)
        for d in range(digits, 18):
            text = rounded(value, d)
            if rounded(from_a(float(text)), digits) == target:
                break
        texts[index] = text
    return texts


class Notation:
    """How to write symbols, numbers and operators; subclassed for Unicode and LaTeX."""

    times = "·"
    minus = "−"
    odot = "⊙"
    approx_equal = "≈"

    def sym(self, name, layer=None, *indices):
        raise NotImplementedError

    def num(self, v):
        raise NotImplementedError

    def factor(self, v):
        """A number as a factor of a product: negative ones in parentheses."""
        text = self.num(v)
        return f"({text})" if float(v) < 0 else text

    def product(self, *values):
        return "".join(f"({self.num(v)})" for v in values)

    def exp(self, argument):
        return f"e^({argument})"

    def fn(self, name):
        """A function name: tanh, max, log."""
        return name

    def mark(self, symbol, mark):
        """A symbol with a raised mark: w⁺ (after the update), δ⁽ⁿ⁾ (of sample n)."""
        return symbol + mark.translate(_SUP).replace("n", "ⁿ")

    def note(self, text):
        """A remark after a formula."""
        return f"   ({text})"

    def sq(self, text):
        return f"{text}²"

    def op(self, text):
        """Operators and function names written in Unicode (σ′, Σ, ∂, e^(…)) for this notation."""
        return text


class UnicodeNotation(Notation):
    def sym(self, name, layer=None, *indices):
        layer_text = "" if layer is None else sup(layer)
        index = ",".join(str(i) for i in indices)
        # Unicode has subscript digits but no subscript letters: w²_q,3 for a summation index.
        index = sub(index) if all(isinstance(i, (int, np.integer)) for i in indices) else f"_{index}"
        return f"{name}{layer_text}{index}"

    def num(self, v):
        return full(v).replace("-", "−").replace("e−0", "e−").replace("e+0", "e+")


_LATEX_OPS = [("σ′", r"\sigma'"), ("σ", r"\sigma"), ("Σ", r"\sum"), ("∂", r"\partial "), ("·", r"\cdot "),
              ("⊙", r"\odot "), ("−", "-"), ("η", r"\eta "), ("δ", r"\delta"), ("∇", r"\nabla "),
              ("≈", r"\approx "), ("✓", r"\checkmark"), ("ₙ", "_n"), ("ⱼ", "_j"), ("ₖ", "_k"), ("⁺", "^{+}"),
              ("½", r"\tfrac{1}{2}"), ("²", "^{2}"), ("→", r"\to "), ("#", r"\#"), ("×", r"\times ")]


class LatexNotation(Notation):
    times = r"\cdot "
    minus = "-"
    odot = r"\odot "
    approx_equal = r"\approx "

    def sym(self, name, layer=None, *indices):
        name = self.op(name)
        sup_text = "" if layer is None else f"^{{{layer}}}"
        sub_text = f"_{{{','.join(str(i) for i in indices)}}}" if indices else ""
        return f"{name}{sup_text}{sub_text}"

    def exp(self, argument):
        return f"e^{{{argument}}}"

    def fn(self, name):
        return f"\\{name} "

    def mark(self, symbol, mark):
        return f"{{{symbol}}}^{{{mark}}}"

    def note(self, text):
        return f"\\quad\\text{{({text})}}"

    def sq(self, text):
        return f"{text}^{{2}}"

    def num(self, v):
        text = full(v)
        if "e" in text:
            mantissa, exponent = text.split("e")
            return rf"{mantissa}\times 10^{{{int(exponent)}}}"
        return text

    def op(self, text):
        for unicode, latex in _LATEX_OPS:
            text = text.replace(unicode, latex)
        return text


UNICODE, LATEX = UnicodeNotation(), LatexNotation()
