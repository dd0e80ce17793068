"""The network's head: which output activation and cost go together, and which suit a task.

This is the one home of these rules; the app (session, network panel), the command line and
the engine's own checks all ask here, so they cannot disagree:

    default_head(dataset)                          # ("softmax", "cross_entropy") for classes
    complete_head(dataset, output="sigmoid")       # ("sigmoid", "bce") on a classifier
    output_size(dataset, "sigmoid")                # 1 for two classes: P(second class)
    cost_for_output("linear", False, current="half_mse")   # "half_mse": it fits, so it stays
    check_pair("bce", "softmax")                   # ValueError that says why
    check_targets("cross_entropy", "softmax", Y)   # ValueError unless Y's rows are probabilities
"""

import numpy as np

from .costs import get_cost

# A log cost takes logs of outputs that only one activation keeps inside (0, 1).
OUTPUT_FOR_COST = {"bce": "sigmoid", "cross_entropy": "softmax"}
# Softmax outputs are class probabilities, and cross-entropy is what scores them.
COST_FOR_OUTPUT = {"softmax": "cross_entropy"}


def default_head(dataset) -> tuple[str, str]:
    """(output activation, cost) that suit the data: softmax + cross-entropy for classes (two or
    more one-hot columns), sigmoid + bce for a single 0/1 column, linear + mse for regression."""
    if not dataset.is_classification:
        return "linear", "mse"
    if dataset.n_outputs == 1:
        return "sigmoid", "bce"
    return "softmax", "cross_entropy"


def cost_for_output(output: str, is_classification: bool, current: str | None = None) -> str:
    """The cost to pair with a newly chosen output activation: the one it needs (softmax), its log
    cost on a classifier (sigmoid → bce), else ``current`` if that fits, else mse."""
    if output in COST_FOR_OUTPUT:
        return COST_FOR_OUTPUT[output]
    if output == "sigmoid" and is_classification:
        return "bce"
    if current is not None and current not in OUTPUT_FOR_COST:
        return current
    return "mse"


def complete_head(dataset, output: str | None = None, cost: str | None = None) -> tuple[str, str]:
    """(output activation, cost): whichever was not given filled in from the task and the other."""
    if output is None and cost is None:
        return default_head(dataset)
    if output is None:
        output = OUTPUT_FOR_COST.get(cost) or ("sigmoid" if dataset.is_classification else "linear")
    if cost is None:
        cost = cost_for_output(output, dataset.is_classification)
    return output, cost


def output_size(dataset, output: str) -> int:
    """Output neurons for ``dataset`` under ``output``: two classes on a sigmoid need only one, the
    probability of the second class (``output_targets``); otherwise one per column. The app's
    networks (``spec.network_for``) and the command line's are both sized here."""
    if dataset.is_classification and dataset.n_outputs == 2 and output == "sigmoid":
        return 1
    return dataset.n_outputs


def outputs_fit(dataset, output: str, n_outputs: int) -> bool:
    """Whether a network with ``n_outputs`` ``output`` neurons can learn ``dataset``: the size
    ``output_size`` gives, or one per column (projects saved before one sigmoid output stood for two classes)."""
    return n_outputs in (output_size(dataset, output), dataset.n_outputs)


def output_targets(Y: np.ndarray, n_outputs: int) -> np.ndarray:
    """Y (N, k) as the network's targets: a one-hot pair of classes feeds a single sigmoid output
    through its second column (the probability of ``class_names[1]``)."""
    if n_outputs == 1 and Y.shape[1] == 2:
        return Y[:, 1:]
    return Y


def check_pair(cost_name: str, output_activation: str) -> None:
    """Raise ValueError, with the reason, if this cost cannot sit on this output activation."""
    get_cost(cost_name)
    needed = OUTPUT_FOR_COST.get(cost_name)
    if needed and output_activation != needed:
        raise ValueError(
            f"cost {cost_name!r} needs a {needed} output layer (the output layer is {output_activation}); "
            f"its formula takes logs of outputs that only {needed} keeps in range"
        )
    needed = COST_FOR_OUTPUT.get(output_activation)
    if needed and cost_name != needed:
        raise ValueError(
            f"a {output_activation} output layer needs the {needed!r} cost (got {cost_name!r}); "
            f"softmax outputs are class probabilities, scored by cross-entropy"
        )


_ONE_OUTPUT_SOFTMAX = ("a softmax over a single output is always 1, so cross_entropy would report 0 whatever "
                       "the weights; use a sigmoid output with bce for one 0/1 target, or linear with mse")


def check_outputs(output_activation, n_outputs):
    """Raise ValueError for an output layer that cannot learn anything (a one-neuron softmax)."""
    if output_activation == "softmax" and n_outputs < 2:
        raise ValueError(_ONE_OUTPUT_SOFTMAX)


def check_targets(cost_name, output_activation, Y):
    """Raise ValueError if the cost cannot score these targets (Y: (N, n_out), as the network sees them).

    Cross-entropy on a softmax scores a probability distribution per row: with rows that
    do not sum to 1 the fused δᴸ = a − y is no longer the gradient of the reported cost
    (that would be a Σⱼyⱼ − y), and a row of zeros costs 0 whatever the network says.
    """
    check_pair(cost_name, output_activation)
    if cost_name != "cross_entropy":
        return
    Y = np.asarray(Y)
    check_outputs(output_activation, Y.shape[1])
    sums = Y.sum(axis=1)
    bad = np.flatnonzero(~(np.abs(sums - 1) <= 1e-6 * Y.shape[1]) | (Y < 0).any(axis=1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"cross_entropy needs targets that are class probabilities (each row ≥ 0, summing to 1), "
            f"but {bad.size} of {len(Y)} rows are not (row {i + 1} sums to {sums[i]:.6g}); "
            f"use one-hot classes with softmax + cross_entropy, or a sigmoid/linear output with mse")
