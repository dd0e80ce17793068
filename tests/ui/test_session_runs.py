"""The runs kept for comparison live in the session: a project keeps them with no Runs panel made,
and every view of one session shows the same list."""

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from bpstudio.core.data.loading import load_dataset
from bpstudio.core.io.project import open_project, save_project
from bpstudio.ui.panels.runs import RunsPanel
from bpstudio.ui.session.project_state import project_copy
from bpstudio.ui.session.session import NetworkSpec, Session


@pytest.fixture
def session(qtbot):
    s = Session(load_dataset("xor", n_samples=120), spec=NetworkSpec(hidden=((4, "tanh"),)))
    s.set_config(replace(s.config, epochs=3))
    yield s
    s.stop()
    assert s.shutdown()


def train(qtbot, s):
    with qtbot.waitSignal(s.runs.changed, timeout=20000):
        s.start()
    qtbot.waitUntil(lambda: not s.busy, timeout=5000)


def test_a_project_keeps_the_runs_of_a_session_that_no_runs_panel_ever_saw(session, qtbot, tmp_path):
    s = session
    train(qtbot, s)
    assert [run.name for run in s.runs] == ["Run 1"] and len(s.runs[0].history) == 3
    s.runs.rename(0, "baseline")
    s.set_config(replace(s.config, epochs=5))       # the same run goes on: its entry is replaced, name kept
    train(qtbot, s)
    assert [run.name for run in s.runs] == ["baseline"] and len(s.runs[0].history) == 5
    s.set_config(replace(s.config, learning_rate=0.3, batch_mode="full"))   # a new run
    train(qtbot, s)
    assert [run.name for run in s.runs] == ["baseline", "Run 1"]   # numbered on from the runs called "Run N"
    assert s.runs[1].config.batch_mode == "full" and s.runs[0].config.batch_mode != "full"

    path = tmp_path / "runs.bpproject"
    save_project(path, *project_copy(s))
    project = open_project(path)
    assert [run.name for run in project.runs] == ["baseline", "Run 1"] and project.current_run == 1
    assert project.runs[0].setup["data"] == s.runs[0].setup["data"]

    other = Session(load_dataset("xor", n_samples=120))
    try:
        other.restore(s.prepared, s.options, project.network, project.trainer, s.origin, project.runs,
                      project.current_run)
        assert [run.name for run in other.runs] == ["baseline", "Run 1"]
        assert other.runs.index_of(other.run_id) == 1   # the opened run goes on in its own entry
    finally:
        assert other.shutdown()


def test_two_views_of_one_session_show_the_same_runs(session, qtbot):
    s = session
    first, second = RunsPanel(s.runs), RunsPanel(s.runs)
    for panel in (first, second):
        qtbot.addWidget(panel)
    train(qtbot, s)
    s.set_config(replace(s.config, batch_mode="full"))   # not a live setting: a new run
    train(qtbot, s)
    assert first.table.rowCount() == second.table.rowCount() == 2
    first.table.item(1, 0).setText("fast")            # typed into one view's table
    assert s.runs[1].name == "fast" and second.table.item(1, 0).text() == "fast"
    assert second.legend.items[1][1].text.startswith("fast")
    second.table.selectRow(0)
    qtbot.mouseClick(second.remove_button, Qt.LeftButton)   # removed in the other
    assert [run.name for run in s.runs] == ["fast"]
    assert first.table.rowCount() == 1 and first.table.item(0, 0).text() == "fast"
    for panel in (first, second):
        assert panel.shutdown()
