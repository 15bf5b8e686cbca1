"""Fine-tuning: AdamW with linear warmup + linear decay, best-epoch selection, early stopping.

Follows the BERT recipe as in TensorFlow Model Garden's `create_optimizer`: AdamW (weight decay
0.01, epsilon 1e-6, LayerNorm and bias excluded from decay), learning rate rising linearly over
the first `warmup` fraction of steps then falling linearly to 0, global gradient clipping at 1.0.
"""

from __future__ import annotations

import math
from pathlib import Path

import tensorflow as tf
import tf_keras as keras

from tfsenti.batching import bucketed_dataset, tokenize_and_pack
from tfsenti.config import TrainConfig
from tfsenti.data import LabeledTexts
from tfsenti.model import build_classifier, packed_inputs_model

NO_DECAY = ["layer_norm", "LayerNorm", "bias"]
MONITOR = "val_accuracy"


@keras.utils.register_keras_serializable(package="tfsenti")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup from 0 to `peak` over `warmup_steps`, then linear decay to 0 at `total_steps`.

    Registered with Keras, so an optimizer saved with it reloads (no "Unknown decay: 'WarmUp'").

    Example:
        >>> s = WarmupLinearDecay(1e-4, warmup_steps=10, total_steps=100)
        >>> [round(float(s(step)), 6) for step in (0, 5, 10, 55, 100)]
        [0.0, 5e-05, 0.0001, 5e-05, 0.0]
    """

    def __init__(self, peak: float, warmup_steps: int, total_steps: int):
        self.peak = peak
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        warmup = step / max(self.warmup_steps, 1)
        decay = (self.total_steps - step) / max(self.total_steps - self.warmup_steps, 1)
        factor = tf.where(step < self.warmup_steps, warmup, decay)
        return self.peak * tf.clip_by_value(factor, 0.0, 1.0)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps,
                "total_steps": self.total_steps}


def make_optimizer(config: TrainConfig, total_steps: int) -> keras.optimizers.AdamW:
    """AdamW of the BERT recipe for `total_steps` optimizer steps."""
    schedule = WarmupLinearDecay(config.lr, int(config.warmup * total_steps), total_steps)
    optimizer = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=config.weight_decay,
                                       epsilon=1e-6, global_clipnorm=1.0)
    optimizer.exclude_from_weight_decay(var_names=NO_DECAY)
    return optimizer


def loss_and_metric(num_classes: int) -> tuple[keras.losses.Loss, keras.metrics.Metric]:
    """Loss on logits and an accuracy metric named `accuracy` for either head."""
    if num_classes == 2:
        return (keras.losses.BinaryCrossentropy(from_logits=True),
                keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0))
    return (keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"))


class KeepBestEpoch(keras.callbacks.Callback):
    """Remember the weights of the epoch with the best validation accuracy (ties: lower validation
    loss) and restore them at the end."""

    def __init__(self):
        super().__init__()
        self.best_epoch: int | None = None
        self.best_score = (-math.inf, -math.inf)
        self._weights = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if MONITOR not in logs:
            return
        score = (logs[MONITOR], -logs.get("val_loss", 0.0))
        if score > self.best_score:
            self.best_epoch, self.best_score = epoch, score
            self._weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        if self._weights is not None:
            self.model.set_weights(self._weights)


def train(config: TrainConfig, train_data: LabeledTexts, val_data: LabeledTexts,
          log_dir: str | Path | None = None, verbose: int = 1) -> tuple[keras.Model, dict]:
    """Fine-tune a classifier; return it (best epoch's weights) and its history.

    Args:
        config: the run's settings (validated here).
        train_data, val_data: labelled texts with the same class names.
        log_dir: where TensorBoard logs go (none if None).
        verbose: Keras progress output (0 silent, 1 progress bar, 2 one line per epoch).

    Returns:
        (model, history) where history maps each metric to its per-epoch values and
        `best_epoch` (0-based) to the epoch whose weights the model holds.

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> data = load_dataset(DEMO_DATA / "train").head_per_class(16)
        >>> model, history = train(TrainConfig(epochs=2, seq_len=32), *data.split(0.25, seed=42),
        ...                        verbose=0)
        >>> len(history["val_accuracy"]), history["best_epoch"] in (0, 1)
        (2, True)
    """
    config.validate()
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    num_classes = len(train_data.class_names)
    model = build_classifier(config, num_classes)
    if config.fixed_length:  # the TF tutorial: strings in, every text padded to seq_len
        fit_model = model
        train_ds = train_data.to_dataset(config.batch_size, shuffle=True, seed=config.seed)
        val_ds = val_data.to_dataset(config.batch_size)
        steps_per_epoch = math.ceil(len(train_data) / config.batch_size)
    else:  # tokenized once, batched by length; trains the same layers as `model`
        fit_model = packed_inputs_model(model)
        preprocessor = model.get_layer("preprocess").preprocessor
        train_ds, steps_per_epoch = bucketed_dataset(
            tokenize_and_pack(train_data.texts, preprocessor, config.seq_len), train_data.labels,
            config.batch_size, shuffle=True, seed=config.seed)
        val_ds, _ = bucketed_dataset(
            tokenize_and_pack(val_data.texts, preprocessor, config.seq_len), val_data.labels,
            config.batch_size)
    loss, metric = loss_and_metric(num_classes)
    fit_model.compile(optimizer=make_optimizer(config, steps_per_epoch * config.epochs),
                      loss=loss, metrics=[metric])
    keep_best = KeepBestEpoch()
    callbacks: list[keras.callbacks.Callback] = [keep_best]
    if config.early_stop:
        callbacks.append(keras.callbacks.EarlyStopping(MONITOR, mode="max", patience=config.early_stop))
    if log_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(log_dir)))
    fit = fit_model.fit(train_ds, validation_data=val_ds, epochs=config.epochs,
                        callbacks=callbacks, verbose=verbose)
    history = {key: [float(v) for v in values] for key, values in fit.history.items()}
    history["best_epoch"] = keep_best.best_epoch
    return model, history

