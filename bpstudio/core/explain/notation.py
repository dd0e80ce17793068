"""Indices written as the math writes them: layer l as a superscript (Wˡ → W²), neuron j as a subscript."""

_SUPERSCRIPT = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_SUBSCRIPT = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")


def superscript(n):
    """A layer index as a superscript: superscript(12) == '¹²'."""
    return str(n).translate(_SUPERSCRIPT)


def subscript(n):
    """A neuron index as a subscript: subscript(12) == '₁₂'."""
    return str(n).translate(_SUBSCRIPT)
