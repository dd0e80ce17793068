"""The app and the command line ask the same rules (core.nn.heads), so they choose the same head."""

from dataclasses import replace

import pytest

import bpstudio
from bpstudio.cli import main
from bpstudio.core.data.loading import load_dataset
from bpstudio.ui.panels.network_panel import NetworkPanel
from bpstudio.ui.session.session import Session


@pytest.fixture
def session_on(qtbot):
    made = []

    def make(name):
        made.append(Session(load_dataset(name)))
        return made[-1]
    yield make
    for session in made:
        session.shutdown()


def test_the_app_and_the_cli_choose_the_same_head_on_breast_cancer(session_on, tmp_path, capsys):
    session = session_on("moons")
    session.set_dataset(load_dataset("breast_cancer"))     # what picking it in the Data panel does
    assert main(["train", "breast_cancer", "--epochs", "1", "--quiet", "--export", str(tmp_path / "m.npz")]) == 0
    model = bpstudio.load_model(tmp_path / "m.npz")
    app_head = (session.spec.output, session.spec.cost, session.net.sizes[-1])
    assert app_head == (model.network.activations[-1], model.config.cost, model.network.sizes[-1])
    assert app_head == ("softmax", "cross_entropy", 2)


def test_a_session_made_on_regression_data_starts_with_a_regression_head(session_on):
    session = session_on("sine")
    assert (session.spec.output, session.spec.cost) == ("linear", "mse")


@pytest.mark.parametrize("data, output, cost", [
    ("moons", "sigmoid", "bce"), ("sine", "sigmoid", "mse"), ("moons", "softmax", "cross_entropy")])
def test_the_network_panel_pairs_a_new_output_as_the_cli_does(session_on, qtbot, tmp_path, capsys, data, output, cost):
    session = session_on(data)
    panel = NetworkPanel(session)
    qtbot.addWidget(panel)
    panel.output.setCurrentIndex(panel.output.findData(output))
    assert (panel.cost.currentData(), session.spec.cost) == (cost, cost)
    argv = ["train", data, "--output-activation", output, "--epochs", "1", "--quiet", "--export", str(tmp_path / "m.npz")]
    assert main(argv) == 0
    assert bpstudio.load_model(tmp_path / "m.npz").config.cost == cost


@pytest.mark.parametrize("data, output", [("moons", "sigmoid"), ("breast_cancer", "sigmoid"), ("moons", "softmax"),
                                          ("gaussians", "sigmoid"), ("sine", "linear")])
def test_an_output_chosen_in_the_app_gives_the_network_the_cli_builds(session_on, qtbot, tmp_path, capsys, data, output):
    """One rule (heads.output_size): a sigmoid on two classes is one output, P(second class), in both."""
    session = session_on(data)
    panel = NetworkPanel(session)
    qtbot.addWidget(panel)
    panel.output.setCurrentIndex(panel.output.findData(output))   # what choosing it in the Network panel does
    argv = ["train", data, "--output-activation", output, "--epochs", "2", "--quiet", "--export", str(tmp_path / "m.npz")]
    assert main(argv) == 0
    cli = bpstudio.load_model(tmp_path / "m.npz")
    app = session.net
    assert _head(app, session.spec.cost) == _head(cli.network, cli.config.cost)
    assert session.prepared.Y_train.shape[1] == app.sizes[-1]   # the app trains on targets shaped for that head
    if (data, output) in (("moons", "sigmoid"), ("breast_cancer", "sigmoid")):
        assert app.sizes[-1] == 1 and panel.output_size.text().startswith("1 (P(")
        assert "probability of" in panel.output_size.toolTip()
    session.set_config(replace(session.config, epochs=2))
    with qtbot.waitSignal(session.runs.changed, timeout=20000):
        session.start()                                           # and it trains
    qtbot.waitUntil(lambda: not session.busy, timeout=5000)
    assert len(session.history) == 2 and session.history.stop_reason == "completed"


def test_a_sigmoid_head_on_two_classes_can_become_a_softmax_again(session_on, qtbot):
    session = session_on("moons")
    panel = NetworkPanel(session)
    qtbot.addWidget(panel)
    for output, n_outputs in (("sigmoid", 1), ("softmax", 2), ("sigmoid", 1)):
        panel.output.setCurrentIndex(panel.output.findData(output))
        assert panel.problem.text() == "" and session.net.sizes[-1] == n_outputs, panel.problem.text()
        assert session.prepared.Y_train.shape[1] == session.probe.Y_grad.shape[1] == n_outputs


def _head(net, cost):
    """Inputs, outputs, output activation and cost (the hidden layers' defaults differ between app and CLI)."""
    return net.sizes[0], net.sizes[-1], net.activations[-1], cost


def test_the_app_and_the_cli_both_refuse_a_one_output_softmax(session_on, qtbot, capsys):
    session = session_on("sine")   # regression, one target: softmax over it is always 1, cost 0
    panel = NetworkPanel(session)
    qtbot.addWidget(panel)
    panel.output.setCurrentIndex(panel.output.findData("softmax"))
    assert "softmax over a single output" in panel.problem.text() and session.spec.output == "linear"
    assert main(["train", "sine", "--output-activation", "softmax", "--epochs", "1", "--quiet"]) == 2
    assert "error: a softmax over a single output" in capsys.readouterr().err
