"""Help ▸ Keyboard shortcuts, The math, About: texts built from the engine's own registries."""

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout

import bpstudio
from bpstudio.core.nn.activations import ACTIVATIONS
from bpstudio.core.nn.costs import COSTS

SHORTCUTS = (
    ("Space", "Start / pause training"),
    ("F5", "Start or resume"),
    ("F6", "Pause"),
    ("F10", "Step: train one batch"),
    ("Shift+F5", "Stop (unlocks the network and data)"),
    ("Ctrl+R", "Reset the weights to the seed's initial weights"),
    ("Ctrl+N", "New project (the default data and network)"),
    ("Ctrl+Shift+O", "Open project…"),
    ("Ctrl+S", "Save project"),
    ("Ctrl+Shift+S", "Save project as…"),
    ("Ctrl+O", "Open data…"),
    ("Ctrl+E", "Export weights…"),
    ("Ctrl+I", "Import weights…"),
    ("Ctrl+L", "Cost plot: toggle the log scale"),
    ("Ctrl+Q", "Quit"),
    ("F1", "Keyboard shortcuts (this list)"),
)

MATH_STEPS = (
    ("forward", "zˡ = Wˡ aˡ⁻¹ + bˡ,  aˡ = σ(zˡ)", "a⁰ is the input; Wˡ is (n_out × n_in)"),
    ("output error", "δᴸ = ∇ₐC ⊙ σ′(zᴸ)", "fused for softmax + cross-entropy: δᴸ = a − y"),
    ("hidden error", "δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)", "the error flows backwards through the weights"),
    ("gradients", "∂C/∂wˡⱼₖ = aˡ⁻¹ₖ δˡⱼ,  ∂C/∂bˡⱼ = δˡⱼ", "averaged over the samples of a batch"),
    ("update (SGD)", "w ← w − η ∂C/∂w", "η is the learning rate; other optimizers follow torch.optim"),
)


def shortcuts_html():
    rows = "".join(f"<tr><td><b>{key}</b></td><td>{what}</td></tr>" for key, what in SHORTCUTS)
    return f"<table cellpadding='4'>{rows}</table>"


def math_html():
    """The formulas the engine uses, in the notation of docs/math.md."""
    steps = "".join(f"<tr><td>{name}</td><td><b>{formula}</b></td><td>{note}</td></tr>"
                    for name, formula, note in MATH_STEPS)
    acts = "".join(f"<tr><td>{a.name}</td><td>{a.formula}</td><td>{a.derivative_formula}</td></tr>"
                   for a in ACTIVATIONS.values())
    costs = "".join(f"<tr><td>{c.name}</td><td>{c.formula}</td><td>{c.grad_formula}</td></tr>"
                    for c in COSTS.values())
    table = "<table border='0' cellpadding='4'>"
    return (
        "<h3>Backpropagation</h3><p>Layer l has weights Wˡ, biases bˡ, pre-activations zˡ and "
        "activations aˡ = σ(zˡ). The weight wˡⱼₖ connects neuron k of layer l−1 to neuron j of layer l "
        "(row j, column k of the heatmaps).</p>"
        f"{table}{steps}</table>"
        "<h3>Activations</h3>"
        f"{table}<tr><th>name</th><th>a = σ(z)</th><th>σ′(z)</th></tr>{acts}</table>"
        "<h3>Costs</h3><p>Per sample (n = output neurons), averaged over a batch.</p>"
        f"{table}<tr><th>name</th><th>C</th><th>∂C/∂aⱼ</th></tr>{costs}</table>"
        "<h3>Counting</h3><p>An <b>epoch</b> is one pass over the training samples; a <b>weight update</b> "
        "happens after every batch (stochastic: every sample; mini-batch: every batch of B samples; "
        "full batch: once per epoch); <b>samples</b> counts every sample the network trained on.</p>"
    )


def show_text(parent, title, html, name):
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setAccessibleName(name)
    view = QTextBrowser()
    view.setHtml(html)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view)
    layout.addWidget(buttons)
    dialog.resize(720, 560)
    dialog.show()
    return dialog


def show_about(parent):
    QMessageBox.about(parent, "About bpstudio",
                      f"<h3>bpstudio {bpstudio.__version__}</h3>"
                      "<p>Build, train and understand multilayer perceptrons trained by backpropagation.</p>"
                      "<p>Pure NumPy engine; PySide6 + pyqtgraph interface. MIT licence.</p>")
