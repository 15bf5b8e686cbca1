"""`--ema`: validation scores the moving average of the weights, and the run keeps the average.

`LazyAdamW(use_ema=True)` keeps the average (tf_keras' `_model_variables_moving_average`, saved
with the optimizer, so `--resume` continues it). `ScoreAverage` exchanges the model's weights
with it around Keras' validation at each epoch end: the `val_*` logs, which `KeepBestEpoch`,
early stopping, the progress line and the plots read, score the average. It then scores the last
weights on the same batches and adds them as `last_val_*`, so each run shows what the average
gained. When `fit` ends, tf_keras writes the average into the model
(`finalize_variable_values`); `KeepBestEpoch` keeps the best epoch's average
(`ScoreAverage.averaged`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import tensorflow as tf
import tf_keras as keras


class ScoreAverage(keras.callbacks.Callback):
    """Validate the optimizer's weight average; record the last weights' scores as `last_val_*`.

    Example:
        >>> from tfsenti.training.lazy_adamw import LazyAdamW
        >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
        >>> model.compile(LazyAdamW(learning_rate=0.1, use_ema=True, ema_momentum=0.9), "mse")
        >>> data = tf.data.Dataset.from_tensors(([[1.0, 2.0]], [[1.0]])).repeat()
        >>> logs = model.fit(data, steps_per_epoch=16, epochs=2, validation_data=data,
        ...                  validation_steps=1, callbacks=[ScoreAverage(data, 1)], verbose=0)
        >>> sorted(logs.history)
        ['last_val_loss', 'loss', 'val_loss']
    """

    def __init__(self, validation: tf.data.Dataset, steps: int):
        super().__init__()
        self.validation, self.steps = validation, steps

    def _exchange(self) -> None:
        """Swap each trainable weight with its average (a second call swaps them back)."""
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer's
        averages = optimizer._model_variables_moving_average  # indexed as the optimizer's slots
        for weight in self.model.trainable_variables:
            average = averages[optimizer._index_dict[optimizer._var_key(weight)]]
            held = tf.identity(weight)
            weight.assign(average)
            average.assign(held)

    @contextlib.contextmanager
    def averaged(self) -> Iterator[None]:
        """Inside the block the model holds the weight average."""
        self._exchange()
        try:
            yield
        finally:
            self._exchange()

    def on_test_begin(self, logs=None):  # only `fit`'s validation: evaluate() below has no callbacks
        self._exchange()

    def on_test_end(self, logs=None):
        self._exchange()

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or "val_loss" not in logs:  # no validation this epoch
            return
        scores = self.model.evaluate(self.validation, steps=self.steps, verbose=0,
                                     return_dict=True)
        logs.update({f"last_val_{name}": value for name, value in scores.items()})
