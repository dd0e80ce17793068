"""The status bar: run state, and epochs, weight updates and samples counted separately
(people confuse them), throughput, elapsed time, a progress bar and the latest message."""

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar

from bpstudio.core.train.run_state import RunState

STATE_TEXT = {RunState.IDLE: "Idle", RunState.TRAINING: "Training", RunState.PAUSED: "Paused",
              RunState.STOPPING: "Stopping…"}
STATE_COLOR = {RunState.IDLE: "#555555", RunState.TRAINING: "#1b7f3b", RunState.PAUSED: "#b36b00",
               RunState.STOPPING: "#b36b00"}


class RunStatusBar(QStatusBar):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.message = QLabel()
        self.message.setAccessibleName("Message")
        self.message.setMinimumWidth(120)
        # a long message is cut (its tooltip has it all) rather than widen the window
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.state = _label("Run state", 80)   # room for the widest, bold "Stopping…"
        self.epochs = _label("Epoch count", 120)
        self.updates = _label("Weight update count", 130)
        self.samples = _label("Sample count", 140)
        self.speed = _label("Training speed", 120)
        self.elapsed = _label("Elapsed time", 90)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(140)
        self.bar.setTextVisible(False)
        self.addWidget(self.message, 1)
        for widget in (self.state, self.epochs, self.updates, self.samples, self.speed, self.elapsed, self.bar):
            self.addPermanentWidget(widget)
        # In a narrow window the least needed counts step aside (last first) rather than widen the window.
        self.optional = (self.epochs, self.updates, self.bar, self.elapsed, self.speed, self.samples)
        self.show_state(RunState.IDLE)

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        return QSize(self.message.minimumWidth() + self.state.minimumWidth() + 40, hint.height())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        room, fits = event.size().width() - self.minimumSizeHint().width(), True
        for widget in self.optional:
            needed = max(widget.minimumWidth(), widget.sizeHint().width()) + 8
            fits = fits and room >= needed
            widget.setVisible(fits)
            room -= needed if fits else 0

    def show_state(self, state):
        self.state.setText(f"<b style='color:{STATE_COLOR[state]}'>{STATE_TEXT[state]}</b>")

    def show_progress(self, p):
        """Counts from a ``Progress``: epoch, updates, samples, samples/s, elapsed."""
        self.epochs.setText(f"Epoch {p.epoch:,} / {p.epochs:,}")
        self.updates.setText(f"{p.updates:,} updates")
        self.samples.setText(f"{p.samples_seen:,} samples")
        self.speed.setText(f"{p.samples_per_s:,.0f} samples/s" if p.samples_seen else "– samples/s")
        self.elapsed.setText(_clock(p.elapsed))
        within = p.batch / p.batches_per_epoch if p.batches_per_epoch else 0.0
        self.bar.setValue(round(1000 * min((p.epoch + within) / p.epochs, 1.0)))

    def show_message(self, text, is_error=False):
        self.message.setStyleSheet("color: #b00020;" if is_error else "")
        self.message.setText(text)
        self.message.setToolTip(text)


def _label(name, width):
    label = QLabel()
    label.setAccessibleName(name)
    label.setMinimumWidth(width)
    return label


def _clock(seconds):
    minutes, seconds = divmod(seconds, 60)
    return f"{int(minutes)}:{seconds:04.1f}"
