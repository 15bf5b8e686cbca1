"""Learning-rate range test (`tfsenti lr-find`): loss vs learning rate over one short run.

Smith (2017), as in fastai's `lr_find` and ktrain's `lr_find`: train a fresh model for at most
`steps` batches while the learning rate grows exponentially from `start_lr` to `end_lr`, record
each batch's loss, smooth it (exponential moving average with bias correction) and stop once it
exceeds 4x its minimum. Good peak rates lie where the loss still falls steeply, about a tenth of
the rate of the lowest loss (`suggested_lr`). The model is thrown away; the optimizer is the
training AdamW without warmup or decay.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.data.texts import LabeledTexts
from tfsenti.encoders.catalog import resolve_encoder
from tfsenti.modeling.classifier import build_classifier
from tfsenti.precision import precision_policy, resolve_precision
from tfsenti.training.callbacks import LossRecorder
from tfsenti.training.loop import fit_inputs, op_determinism, resolve_seq_len
from tfsenti.training.objectives import loss_and_metric
from tfsenti.training.optim import make_optimizer

DIVERGED = 4.0  # stop when the smoothed loss exceeds this multiple of its minimum


@dataclasses.dataclass
class LrFindResult:
    """Rates tried, raw and smoothed batch losses, and the suggested peak learning rate."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]

    @property
    def min_loss_lr(self) -> float:
        """The rate at which the smoothed loss was lowest."""
        return self.lrs[int(np.argmin(self.smoothed))]

    @property
    def suggested_lr(self) -> float:
        """A tenth of `min_loss_lr`: still on the steep, stable part of the curve."""
        return self.min_loss_lr / 10

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "min_loss_lr": self.min_loss_lr,
                "suggested_lr": self.suggested_lr}


@keras.utils.register_keras_serializable(package="tfsenti")
class ExponentialRamp(keras.optimizers.schedules.LearningRateSchedule):
    """`start` at step 0, multiplied by a constant factor every step, `end` at step `steps`.

    Example:
        >>> ramp = ExponentialRamp(1e-6, 1e-2, steps=4)
        >>> [float(f"{float(ramp(s)):.1e}") for s in range(5)]
        [1e-06, 1e-05, 0.0001, 0.001, 0.01]
    """

    def __init__(self, start: float, end: float, steps: int):
        self.start, self.end, self.steps = start, end, steps

    def __call__(self, step):
        fraction = tf.cast(step, tf.float32) / max(self.steps, 1)
        return self.start * tf.pow(self.end / self.start, fraction)

    def get_config(self):
        return {"start": self.start, "end": self.end, "steps": self.steps}


def lr_range_test(config: TrainConfig, data: LabeledTexts, start_lr: float = 1e-7,
                  end_lr: float = 1e-2, steps: int = 100, verbose: int = 0) -> LrFindResult:
    """Loss vs learning rate for `config`'s model on `data` (see the module docstring).

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> data = load_dataset(DEMO_DATA / "train").head_per_class(32)
        >>> result = lr_range_test(TrainConfig(seq_len=32), data, steps=4)
        >>> len(result.lrs), abs(result.lrs[0] - 1e-7) < 1e-12, 1e-8 <= result.suggested_lr <= 1e-3
        (4, True, True)
    """
    config = resolve_precision(config.validate())
    encoder = resolve_encoder(config.encoder, config.preprocess, config.precision)
    config = resolve_seq_len(config, data, encoder)
    keras.utils.set_random_seed(config.seed)
    schedule = ExponentialRamp(start_lr, end_lr, max(steps - 1, 1))
    with precision_policy(config.precision), op_determinism(config.deterministic):
        model = build_classifier(config, len(data.class_names), encoder, data.pairs is not None,
                                 data.multilabel)
        fit_model, dataset, _ = fit_inputs(config, model, data, shuffle=True)
        loss, _ = loss_and_metric(len(data.class_names), data.multilabel, config.label_smoothing)
        fit_model.compile(optimizer=make_optimizer(config, steps, schedule), loss=loss)
        record = LossRecorder(schedule, diverged=DIVERGED)
        fit_model.fit(dataset.repeat(), steps_per_epoch=steps, epochs=1, callbacks=[record],
                      verbose=verbose)
    return LrFindResult(record.lrs, record.losses, record.smoothed)
