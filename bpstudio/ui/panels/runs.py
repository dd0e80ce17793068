"""Comparing runs: a run list, cost curves overlaid, controlled comparisons and a learning-rate sweep.

The runs themselves live in the session (``session.runs.RunBook``); this panel draws them and
sends the list's gestures (rename, remove, a comparison's new runs) back to it. Every run of a
session lands in the list (name editable, removable). The cost plot
overlays their curves; the legend names what differed from the first run. "Compare"
trains copies of the current network from the same initial weights and the same data
order, varying one setting (batch mode, optimizer or cost function), so the curves
differ only by that setting. "Learning-rate sweep" trains short copies at each rate of
the usual ladder and plots the final cost against the rate (log x). Both run on a worker
thread with progress and Cancel.
"""

from dataclasses import dataclass, field, replace

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from bpstudio.core.explain.compare import LR_LADDER, changes, valid_costs, variations
from bpstudio.core.explain.updates import X_AXES, epoch_x
from bpstudio.core.train.config import BATCH_MODES
from bpstudio.core.train.optimizers import OPTIMIZERS
from ..session.experiments import Experiment as ExperimentJob
from ..session.jobs import JobRunner
from ..session.runs import RunBook
from ..kit.plotstyle import make_plot, pen, swatch
from ..views.plots import x_axis_choice

# What "Compare" can vary: label → (TrainConfig field, values for a network's output activation)
COMPARISONS = {
    "batch modes": ("batch_mode", lambda output: list(BATCH_MODES)),
    "optimizers": ("optimizer", lambda output: list(OPTIMIZERS)),
    "cost functions": ("cost", valid_costs),
}
COLUMNS = ("Name", "differs from the first run", "epochs", "final cost", "accuracy", "time (s)", "ended")
LEGEND_CHARS = 48     # longer legend entries are cut with "…" (the table has the whole text)
TABLE_ROWS = (3, 8)   # the run table shows at least 3 rows, grows with the runs up to 8, then scrolls


@dataclass
class Experiment:
    """The current set-up comparisons start from: a network at its initial weights, a config and data."""

    net: object
    config: object
    X: object
    Y: object
    X_val: object = None
    Y_val: object = None
    setup: dict = field(default_factory=dict)   # the data and network (``core.explain.compare.setup_of``)


def _last(values):
    return values[-1] if len(values) else float("nan")


class RunsPanel(QWidget):
    """Draws ``book`` (a ``RunBook``, the session's runs); ``set_experiment`` gives what Compare and the
    sweep start from; ``learningRateChosen`` offers the sweep's best rate.

    ``comparisonFinished`` / ``sweepFinished`` are emitted on the GUI thread once the results are shown.
    """

    learningRateChosen = Signal(float)
    comparisonFinished = Signal(list)    # the new runs, after they are in the list and on the plot
    sweepFinished = Signal(list)         # [(learning rate, final cost)], after the sweep plot shows them
    surfacesRequested = Signal(list)     # the two runs selected, when "Compare loss surfaces" is clicked

    def __init__(self, book: RunBook, parent=None):
        super().__init__(parent)
        self.book = book
        self.curves, self.experiment, self.sweep_points, self.job_setup = [], None, [], {}
        self.jobs, self._job = JobRunner(self, name="experiments"), None
        self.jobs.progressed.connect(lambda report: self._on_progress(*report))
        self.jobs.done.connect(lambda result: (self._on_runs if result[0] == "compare" else self._on_sweep)(result[1]))
        self.jobs.failed.connect(self._on_failed)
        self._build()
        book.changed.connect(self._redraw)
        self._redraw()

    # --- building ------------------------------------------------------------------

    def _build(self):
        self.cost_plot = make_plot("Cost of each run", "epoch", "cost", legend=True)
        self.legend = self.cost_plot.plotItem.legend
        self.sweep_plot = make_plot("Learning-rate sweep", "learning rate η (log scale)", "final cost")
        self.sweep_plot.setLogMode(x=True, y=True)
        self.sweep_plot.setXRange(-5, 1)   # log10 of the ladder's ends, before there is data
        self.sweep_curve = self.sweep_plot.plot(pen=pen(0), symbol="o", symbolSize=7,
                                                symbolBrush="#1f77b4")
        self.best_marker = self.sweep_plot.plot(pen=None, symbol="star", symbolSize=16, symbolBrush="#d62728")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Runs")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemChanged.connect(self._on_renamed)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.itemSelectionChanged.connect(
            lambda: self.surfaces_button.setEnabled(len(self.selected_runs()) == 2))
        plots = QSplitter(Qt.Horizontal)
        plots.addWidget(self.cost_plot)
        plots.addWidget(self.sweep_plot)
        layout = QVBoxLayout(self)
        layout.addLayout(self._controls())
        layout.addWidget(plots, 1)
        layout.addWidget(self.table)   # as tall as its rows (``_fit_table``)
        self._fit_table()

    def _controls(self):
        self.comparison = QComboBox()
        self.comparison.addItems(list(COMPARISONS))
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100000)
        self.epochs.setValue(30)
        self.compare_button, self.sweep_button = QPushButton("Compare"), QPushButton("Learning-rate sweep")
        self.cancel_button, self.use_rate = QPushButton("Stop experiment"), QPushButton("Use best η")
        self.remove_button, self.log_y = QPushButton("Remove run"), QCheckBox("log cost")
        self.surfaces_button = QPushButton("Compare loss surfaces")
        self.surfaces_button.setToolTip("Select two runs (Ctrl+click) to see the cost around each one's final "
                                        "weights side by side, with the path each optimizer took")
        self.surfaces_button.setEnabled(False)
        # per epoch hides what batch modes do; per update or sample shows it
        self.x_axis = x_axis_choice("Runs x axis", "Draw the runs against epochs, weight updates, samples seen "
                                                   "or training time")
        self.x_axis.currentTextChanged.connect(lambda _: self._redraw())
        self.progress, self.status = QProgressBar(), QLabel("")
        self.progress.setAccessibleName("Experiment progress")
        self.status.setAccessibleName("Experiment status")
        self.cancel_button.setEnabled(False)
        self.use_rate.setEnabled(False)
        self.status.setWordWrap(True)   # a long message wraps instead of widening the dock
        names = {self.comparison: "Setting", self.epochs: "Epochs per run", self.compare_button: "Compare",
                 self.sweep_button: "Learning-rate sweep", self.use_rate: "Use best η",
                 self.cancel_button: "Stop experiment", self.remove_button: "Remove run", self.log_y: "log cost",
                 self.surfaces_button: "Compare loss surfaces"}
        for widget, name in names.items():
            widget.setAccessibleName(name)
        start = _row(QLabel("Setting"), self.comparison, QLabel("Epochs per run"), self.epochs, self.compare_button,
                     self.sweep_button, self.use_rate, 1)
        follow = _row(self.cancel_button, self.progress, (self.status, 1), self.surfaces_button, self.remove_button,
                      QLabel("x axis"), self.x_axis, self.log_y)
        rows = QVBoxLayout()
        rows.addLayout(start)
        rows.addLayout(follow)
        # Through lambdas: clicked(bool) would fill a slot's first optional parameter (start_sweep's rates).
        self.compare_button.clicked.connect(lambda: self.start_comparison())
        self.sweep_button.clicked.connect(lambda: self.start_sweep())
        self.cancel_button.clicked.connect(lambda: self.jobs.cancel())
        self.use_rate.clicked.connect(lambda: self._use_best_rate())
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        self.surfaces_button.clicked.connect(lambda: self.surfacesRequested.emit(self.selected_runs()))
        self.log_y.toggled.connect(lambda on: self.cost_plot.setLogMode(y=on))
        return rows

    # --- inputs --------------------------------------------------------------------

    def set_experiment(self, experiment):
        """The network (at its initial weights), config and data that Compare and the sweep start from."""
        self.experiment = experiment

    def selected_runs(self):
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        return [self.book[row] for row in rows if row < len(self.book)]

    def remove_selected(self):
        self.book.remove(index.row() for index in self.table.selectedIndexes())

    def shutdown(self):
        return self.jobs.shutdown()

    # --- showing -------------------------------------------------------------------

    def label(self, run):
        """Legend text: the run's name, plus what differed from the first run that the name does not say."""
        first = self.book[0]
        if run is first:
            return _elide(run.name)
        changed = changes(run, first)
        if not changed:
            return _elide(f"{run.name} (same settings as {first.name})")
        unsaid = [change for change in changed if change not in run.name]
        return _elide(f"{run.name} ({', '.join(unsaid)})" if unsaid else run.name)

    def _redraw(self):
        """Rebuild the legend, curves and table from the book (changes only when runs change)."""
        for curve in self.curves:
            self.cost_plot.removeItem(curve)
        self.legend.clear()
        self.curves = []
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.book))
        for i, run in enumerate(self.book.runs):
            h = run.history
            cost = np.asarray(h.val_cost if len(h) and np.isfinite(h.val_cost).all() else h.train_cost, np.float64)
            self.curves.append(self.cost_plot.plot(self._x(run), cost, pen=pen(i), name=self.label(run)))
            self._fill_row(i, run)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        self.cost_plot.setLabel("bottom", X_AXES[self.x_axis.currentText()])
        self._fit_table()

    def _fit_table(self):
        """The table as tall as its rows (3 to 8 of them), the plots get the rest."""
        rows = min(max(self.table.rowCount(), TABLE_ROWS[0]), TABLE_ROWS[1])
        height = (self.table.horizontalHeader().height() + rows * self.table.verticalHeader().defaultSectionSize()
                  + 2 * self.table.frameWidth() + self.table.horizontalScrollBar().sizeHint().height())
        self.table.setFixedHeight(height)

    def _x(self, run):
        """The run's epochs on the chosen x axis (updates and samples from the experiment's training set size)."""
        h = run.history
        n_train = len(self.experiment.X) if self.experiment is not None else 1
        return epoch_x(self.x_axis.currentText(), h.epoch, h.time, n_train, run.config.batch_size_for(n_train))

    def _fill_row(self, i, run):
        h = run.history
        accuracy = _last(h.val_accuracy) if np.isfinite(_last(h.val_accuracy)) else _last(h.train_accuracy)
        diff = "—" if i == 0 else ", ".join(changes(run, self.book[0])) or "same settings"
        cells = (run.name, diff, str(len(h)), f"{run.final_cost:.4g}",
                 "—" if not np.isfinite(accuracy) else f"{accuracy:.1%}", f"{_last(h.time):.2f}", h.stop_reason)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column:
                item.setFlags(item.flags() & ~Qt.ItemIsEditable)
            else:
                item.setIcon(swatch(i))   # the run's curve colour, also when the legend has no room
            self.table.setItem(i, column, item)

    def _on_renamed(self, item):
        if item.column() == 0 and item.row() < len(self.book):
            self.book.rename(item.row(), item.text())

    # --- experiments -------------------------------------------------------------------

    def start_comparison(self):
        """Train one copy per value of the chosen setting, all from the experiment's initial weights."""
        exp = self._require_experiment()
        if exp is None:
            return
        setting, values = COMPARISONS[self.comparison.currentText()]
        base = _without_early_stopping(exp.config, self.epochs.value())
        configs = variations(base, setting, values(exp.net.activations[-1]))
        self.job_setup = dict(exp.setup)
        self._submit(ExperimentJob("compare", exp.net.copy(), exp.X, exp.Y, exp.X_val, exp.Y_val, configs=configs))

    def start_sweep(self, rates=LR_LADDER):
        """Short runs at every rate of the ladder (``epochs`` each); plots final cost against η."""
        exp = self._require_experiment()
        if exp is None:
            return
        self._submit(ExperimentJob("sweep", exp.net.copy(), exp.X, exp.Y, exp.X_val, exp.Y_val,
                                   config=exp.config, rates=tuple(rates), epochs=self.epochs.value()))

    def _require_experiment(self):
        if self.experiment is None:
            self.status.setText("Load data and build a network first.")
        return self.experiment

    def _submit(self, job):
        self._set_running(True)
        self.status.setText(f"running {job.n_runs} short trainings…")
        self._job = self.jobs.run(job.run, job.kind)

    def _set_running(self, running):
        for widget in (self.compare_button, self.sweep_button, self.comparison, self.epochs):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setValue(0 if running else 100)

    def _on_progress(self, index, total, fraction):
        self.progress.setValue(int(100 * (index + fraction) / max(total, 1)))
        self.status.setText(f"run {index + 1} of {total}")

    def _on_runs(self, runs):
        self._set_running(False)
        self.status.setText(f"{len(runs)} runs compared" + (" (cancelled)" if self._job.cancel.is_set() else ""))
        runs = [replace(run, setup=dict(self.job_setup)) for run in runs]
        self.book.add(runs)
        self.comparisonFinished.emit(runs)

    def _on_sweep(self, points):
        self._set_running(False)
        self.sweep_points = points
        finite = [(rate, cost) for rate, cost in points if np.isfinite(cost)]
        rates = np.array([r for r, _ in finite], np.float64)
        costs = np.array([c for _, c in finite], np.float64)
        self.sweep_curve.setData(rates, costs)
        diverged = [f"{rate:g}" for rate, cost in points if not np.isfinite(cost)]
        message = f"sweep: {len(finite)} rates"
        if len(finite):
            best = int(np.argmin(costs))
            self.best_rate = float(rates[best])
            self.best_marker.setData(rates[best:best + 1], costs[best:best + 1])
            self.use_rate.setText(f"Use η = {self.best_rate:g}")
            self.use_rate.setEnabled(True)
            message += f"; lowest final cost at η = {self.best_rate:g}" + _edge_note(self.best_rate, points)
        self.status.setText(message + (f"; diverged at η = {', '.join(diverged)}" if diverged else ""))
        self.sweepFinished.emit(points)

    def _on_failed(self, message):
        self._set_running(False)
        self.status.setText(f"Failed: {message}")

    def _use_best_rate(self):
        self.learningRateChosen.emit(self.best_rate)


def _row(*items):
    """A row of widgets; ``(widget, stretch)`` gives a widget the spare room, a bare number adds a stretch."""
    row = QHBoxLayout()
    for item in items:
        if isinstance(item, int):
            row.addStretch(item)
        elif isinstance(item, tuple):
            row.addWidget(*item)
        else:
            row.addWidget(item)
    return row


def _edge_note(best, points):
    """A warning when the best rate is the smallest or the largest tried: the best may lie beyond it."""
    tried = [rate for rate, _ in points]
    if best == max(tried):
        return f" — the largest rate tried: a larger one may be better still (the sweep stops at {best:g})"
    if best == min(tried):
        return f" — the smallest rate tried: a smaller one may be better still (the sweep starts at {best:g})"
    return ""


def _elide(text, limit=LEGEND_CHARS):
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _without_early_stopping(config, epochs):
    """The config for a comparison run: a fixed number of epochs, so every curve has the same length."""
    return replace(config, epochs=epochs, patience=None)
