"""Small reusable controls: a form row helper and the log-scale learning-rate box."""

import bisect

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QLabel

from bpstudio.core.train.config import LR_LADDER


def add_row(form: QFormLayout, label, widget, tip=""):
    """Add ``widget`` under a visible label; its accessible name is that label (for screen readers and tests)."""
    widget.setAccessibleName(label)
    widget.setObjectName(label)
    if tip:
        widget.setToolTip(tip)
    caption = QLabel(label)
    caption.setBuddy(widget)
    form.addRow(caption, widget)
    return widget


def combo(items, current=None):
    """A QComboBox of (text, data) pairs, with ``current`` (a data value) selected."""
    box = QComboBox()
    # Long item texts must not widen the setup column; the popup still shows them in full.
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(8)
    for text, data in items:
        box.addItem(text, data)
    if current is not None:
        box.setCurrentIndex(max(box.findData(current), 0))
    return box


def select_data(box, value):
    """Select the item whose data is ``value`` without emitting change signals."""
    blocked = box.blockSignals(True)
    box.setCurrentIndex(max(box.findData(value), 0))
    box.blockSignals(blocked)


class LearningRateBox(QDoubleSpinBox):
    """Type any rate, or step with the arrows / Page keys along the usual ladder 1e-5 … 10."""

    def __init__(self, value=0.03):
        super().__init__()
        self.setDecimals(6)
        self.setRange(LR_LADDER[0], LR_LADDER[-1])
        self.setValue(value)
        self.setKeyboardTracking(False)   # apply a typed value when it is complete, not per keystroke

    def stepBy(self, steps):
        self.setValue(ladder_step(self.value(), steps))

    def textFromValue(self, value):
        return f"{value:g}"

    def valueFromText(self, text):
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = LR_LADDER[0] <= value <= LR_LADDER[-1]
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos


def ladder_step(value, steps):
    """The rung ``steps`` away from ``value`` (a value between rungs first snaps to the nearer side)."""
    if steps > 0:
        index = bisect.bisect_right(LR_LADDER, value * (1 + 1e-9)) - 1 + steps
    else:
        index = bisect.bisect_left(LR_LADDER, value * (1 - 1e-9)) + steps
    return LR_LADDER[min(max(index, 0), len(LR_LADDER) - 1)]
