"""One weight update as a sequence of frames, for the network diagram to play.

1. forward, layer by layer: the input x, then aˡ = σ(Wˡ aˡ⁻¹ + bˡ) of each layer;
2. backward, output to input: δˡ on the neurons and ∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ on the connections;
3. the update: ΔW of every layer (the optimizer's step over the whole batch), then the new weights.

Forward and backward are shown for one sample (the Inspector's), with the weights *before*
the update; the update frame shows the step training really took. Every number comes from
``walkthrough`` (``Network.forward`` / ``deltas``).
"""

from dataclasses import dataclass

import numpy as np

from .walkthrough import sup, walkthrough


@dataclass
class Frame:
    """What the diagram shows at one moment. ``nodes[l]``: values on the neurons of layer l (0 = input)
    or None; ``edges[l]``: an (n_out, n_in) matrix on the connections of weight layer l, or None for the
    weights themselves."""

    phase: str         # "forward" | "backward" | "update" | "done"
    layer: int         # the layer being shown (0 = input), -1 for all
    nodes: list
    edges: list
    caption: str


def update_frames(net, before, after, x, y, cost):
    """The frames of one update from weights ``before`` to ``after`` (flat), shown on sample x, y."""
    probe = net.copy()
    probe.params[...] = before
    steps = walkthrough(probe, np.atleast_2d(x), np.atleast_2d(y), cost)
    n = len(steps)
    activations = [steps[0].a_prev[0]] + [s.a[0] for s in steps]
    frames = []
    for l in range(n + 1):
        nodes = [activations[i] if i <= l else None for i in range(n + 1)]
        what = "the input x = a⁰" if l == 0 else f"a{sup(l)} = σ(W{sup(l)} a{sup(l - 1)} + b{sup(l)})"
        frames.append(Frame("forward", l, nodes, [None] * n, f"Forward: {what}"))
    for l in range(n, 0, -1):
        nodes = [None] * (n + 1)
        nodes[l] = steps[l - 1].delta[0]
        edges = [None] * n
        edges[l - 1] = steps[l - 1].grad_w
        frames.append(Frame("backward", l, nodes, edges,
                            f"Backward: δ{sup(l)} on the neurons, ∂C/∂W{sup(l)} = δ{sup(l)} (a{sup(l - 1)})ᵀ "
                            "on the connections"))
    change_w, _ = net.layer_views(np.asarray(after, np.float64) - np.asarray(before, np.float64))
    frames.append(Frame("update", -1, [None] * (n + 1), [np.asarray(w) for w in change_w],
                        "Update: ΔW of this step on every connection (the optimizer's step over the batch)"))
    frames.append(Frame("done", -1, [None] * (n + 1), [None] * n, "The new weights"))
    return frames
