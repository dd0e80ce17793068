"""Training settings: learning rate, batch mode, optimizer and its parameters, L2, epochs, early stopping.

Every edit becomes a ``TrainConfig`` handed to the session. While a run is
in progress only the settings the trainer can take mid-run stay editable
(``session.LIVE_SETTINGS``).
"""

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox

from ..kit.widgets import LearningRateBox, add_row, combo, select_data

BATCH_MODES = (("Stochastic (1 sample)", "stochastic"), ("Mini-batch", "mini-batch"), ("Full batch", "full"))
OPTIMIZERS = (("SGD", "sgd"), ("Momentum", "momentum"), ("Nesterov", "nesterov"),
              ("RMSprop", "rmsprop"), ("Adam", "adam"))


class TrainingPanel(QGroupBox):
    def __init__(self, session, parent=None):
        super().__init__("Training", parent)
        self.session = session
        form = QFormLayout(self)
        c = session.config
        self.lr = add_row(form, "Learning rate", LearningRateBox(c.learning_rate),
                          "Step size η. Arrows step along 1e-5, 1e-4, 1e-3, 0.003, 0.01 … 3, 10; or type a value.")
        self.batch_mode = add_row(form, "Batch mode", combo(BATCH_MODES, c.batch_mode),
                                  "How many samples each weight update averages over")
        self.batch_size = add_row(form, "Batch size", _spin(1, 65536, c.batch_size), "Samples per mini-batch")
        self.optimizer = add_row(form, "Optimizer", combo(OPTIMIZERS, c.optimizer))
        self.momentum = add_row(form, "Momentum", _real(0, 0.999, c.momentum, 0.05, 3), "μ for momentum and Nesterov")
        self.beta1 = add_row(form, "Beta 1", _real(0, 0.999, c.betas[0], 0.01, 3), "Adam's β₁")
        self.beta2 = add_row(form, "Beta 2", _real(0, 0.99999, c.betas[1], 0.001, 5), "Adam's β₂")
        self.alpha = add_row(form, "Alpha", _real(0, 0.9999, c.alpha, 0.01, 4), "RMSprop's α")
        self.l2 = add_row(form, "L2", _real(0, 10, c.l2, 1e-4, 5), "Weight decay λ: adds λW to ∇W")
        self.lr_decay = add_row(form, "Learning-rate decay", _real(0.5, 1, c.lr_decay, 0.001, 4),
                                "The learning rate is multiplied by this after every epoch (1 = constant)")
        self.epochs = add_row(form, "Epochs", _spin(1, 10_000_000, c.epochs), "Epoch limit of the run")
        self.early = add_row(form, "Early stopping", QCheckBox(),
                             "Stop when the validation cost has not improved for “Patience” epochs")
        self.patience = add_row(form, "Patience", _spin(1, 100_000, c.patience or 20))
        self.shuffle = add_row(form, "Shuffle", QCheckBox(), "Reshuffle the samples every epoch")
        self.shuffle_seed = add_row(form, "Shuffle seed", _spin(0, 2**31 - 1, c.seed))
        self.early.setChecked(c.patience is not None)
        self.shuffle.setChecked(c.shuffle)
        for box in (self.lr, self.batch_size, self.momentum, self.beta1, self.beta2, self.alpha, self.l2,
                    self.lr_decay, self.epochs, self.patience, self.shuffle_seed):
            box.valueChanged.connect(self._apply)
        for box in (self.batch_mode, self.optimizer):
            box.currentIndexChanged.connect(self._apply)
        for box in (self.early, self.shuffle):
            box.toggled.connect(self._apply)
        session.stateChanged.connect(self._update_enabled)
        session.configChanged.connect(self._show_config)
        self._update_enabled()

    def settings(self):
        """The TrainConfig fields the controls describe (the cost comes from the network panel)."""
        return dict(
            learning_rate=self.lr.value(), batch_mode=self.batch_mode.currentData(),
            batch_size=self.batch_size.value(), optimizer=self.optimizer.currentData(),
            momentum=self.momentum.value(), betas=(self.beta1.value(), self.beta2.value()),
            alpha=self.alpha.value(), l2=self.l2.value(), lr_decay=self.lr_decay.value(),
            epochs=self.epochs.value(), patience=self.patience.value() if self.early.isChecked() else None,
            shuffle=self.shuffle.isChecked(), seed=self.shuffle_seed.value(),
        )

    def _apply(self):
        if not self.session.edit_config(**self.settings()):
            self._show_config()
        self._update_enabled()

    def _show_config(self):
        """Show the session's settings (after a refused edit, or a config set elsewhere)."""
        c = self.session.config
        pairs = ((self.lr, c.learning_rate), (self.batch_size, c.batch_size), (self.momentum, c.momentum),
                 (self.beta1, c.betas[0]), (self.beta2, c.betas[1]), (self.alpha, c.alpha), (self.l2, c.l2),
                 (self.lr_decay, c.lr_decay), (self.epochs, c.epochs), (self.shuffle_seed, c.seed))
        for box, value in pairs:
            blocked = box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(blocked)
        select_data(self.batch_mode, c.batch_mode)
        select_data(self.optimizer, c.optimizer)
        for box, on in ((self.early, c.patience is not None), (self.shuffle, c.shuffle)):
            blocked = box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(blocked)

    def _update_enabled(self, *_):
        # Learning rate, epochs, L2, decay and early stopping (LIVE_SETTINGS) stay editable mid-run.
        idle = self.session.state.editable
        opt = self.optimizer.currentData()
        self.batch_mode.setEnabled(idle)
        self.batch_size.setEnabled(idle and self.batch_mode.currentData() == "mini-batch")
        self.optimizer.setEnabled(idle)
        self.momentum.setEnabled(idle and opt in ("momentum", "nesterov"))
        self.beta1.setEnabled(idle and opt == "adam")
        self.beta2.setEnabled(idle and opt == "adam")
        self.alpha.setEnabled(idle and opt == "rmsprop")
        self.patience.setEnabled(self.early.isChecked())
        self.shuffle.setEnabled(idle)
        self.shuffle_seed.setEnabled(idle and self.shuffle.isChecked())


def _spin(low, high, value):
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setKeyboardTracking(False)
    box.setGroupSeparatorShown(True)
    return box


def _real(low, high, value, step, decimals):
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setKeyboardTracking(False)
    return box
