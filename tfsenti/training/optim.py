"""The BERT recipe's optimizer: AdamW with linear warmup and linear decay to 0.

As in TensorFlow Model Garden's `create_optimizer`: AdamW (weight decay 0.01, epsilon 1e-6,
LayerNorm and bias excluded from decay), the learning rate rising linearly over the first
`warmup` fraction of steps then falling linearly to 0, global gradient clipping at 1.0. By
default embedding tables are updated lazily, only the rows a batch looks up (`LazyAdamW`), which
also implements `--layer-decay` and keeps the weight average of `--ema`.
"""

from __future__ import annotations

import tensorflow as tf
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.training.lazy_adamw import LazyAdamW

NO_DECAY = ["layer_norm", "LayerNorm", "bias"]


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
        self._warmup_fraction = warmup_steps / max(total_steps, 1)
        # variables, so `replan` reaches the traced training step (`--time-budget`)
        self._steps = tf.Variable([warmup_steps, total_steps], dtype=tf.float32, trainable=False,
                                  name="schedule_steps")

    @property
    def warmup_steps(self) -> int:
        return int(self._steps[0].numpy())

    @property
    def total_steps(self) -> int:
        return int(self._steps[1].numpy())

    def replan(self, total_steps: int) -> None:
        """End the decay at `total_steps` instead, with the same warmup fraction.

        Example:
            >>> s = WarmupLinearDecay(1e-4, warmup_steps=10, total_steps=100)
            >>> s.replan(50)
            >>> s.warmup_steps, s.total_steps, round(float(s(50)), 6)
            (5, 50, 0.0)
        """
        self._steps.assign([round(self._warmup_fraction * total_steps), total_steps])

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        warmup_steps, total_steps = self._steps[0], self._steps[1]
        warmup = step / tf.maximum(warmup_steps, 1.0)
        decay = (total_steps - step) / tf.maximum(total_steps - warmup_steps, 1.0)
        factor = tf.where(step < warmup_steps, warmup, decay)
        return self.peak * tf.clip_by_value(factor, 0.0, 1.0)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps,
                "total_steps": self.total_steps}


def bert_schedule(config: TrainConfig, total_steps: int) -> WarmupLinearDecay:
    """The run's learning rate: `config.warmup` of `total_steps` up to `config.lr`, then down to 0.

    Example:
        >>> bert_schedule(TrainConfig(lr=1e-4, warmup=0.1), total_steps=200).warmup_steps
        20
    """
    return WarmupLinearDecay(config.lr, int(config.warmup * total_steps), total_steps)


def make_optimizer(config: TrainConfig, total_steps: int,
                   schedule: keras.optimizers.schedules.LearningRateSchedule | None = None
                   ) -> keras.optimizers.AdamW:
    """AdamW of the BERT recipe for `total_steps` optimizer steps (or with another `schedule`).

    Example:
        >>> optimizer = make_optimizer(TrainConfig(), total_steps=100)
        >>> type(optimizer).__name__, optimizer.epsilon, optimizer.global_clipnorm
        ('LazyAdamW', 1e-06, 1.0)
    """
    if schedule is None:
        schedule = bert_schedule(config, total_steps)
    common = dict(learning_rate=schedule, weight_decay=config.weight_decay, epsilon=1e-6,
                  global_clipnorm=1.0)
    if config.embedding_updates == "lazy":
        optimizer = LazyAdamW(layer_decay=config.layer_decay, use_ema=config.ema is not None,
                              ema_momentum=config.ema or 0.99, **common)
    else:  # TrainConfig.validate refuses --layer-decay without lazy updates
        optimizer = keras.optimizers.AdamW(**common)
    optimizer.exclude_from_weight_decay(var_names=NO_DECAY)
    return optimizer
