"""The BERT recipe's optimizer: AdamW with linear warmup and linear decay to 0.

As in TensorFlow Model Garden's `create_optimizer`: AdamW (weight decay 0.01, epsilon 1e-6,
LayerNorm and bias excluded from decay), the learning rate rising linearly over the first
`warmup` fraction of steps then falling linearly to 0, global gradient clipping at 1.0. By
default embedding tables are updated lazily, only the rows a batch looks up (`LazyAdamW`), which
also implements `--layer-decay` and keeps the weight average of `--ema`.

`--lr auto` (the default) picks the peak rate from the passes a run makes over its data
(`auto_lr`): on whole-sentence SST-2 dev, three epochs at 5e-5 beat 1e-4 for every seed, while on
IMDB, where a 30-minute budget holds about one epoch, 1e-4 beat 5e-5 (BENCHMARKS.md, Accuracy).
The likely reason: in one pass the higher rate learns more from each example; over several, the
lower one generalises better.
"""

from __future__ import annotations

import tensorflow as tf
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.training.lazy_adamw import LazyAdamW

NO_DECAY = ["layer_norm", "LayerNorm", "bias"]
LR_FEW_PASSES = 1e-4  # `--lr auto` for a run of fewer than MANY_PASSES epochs
LR_MANY_PASSES = 5e-5  # and for MANY_PASSES or more
MANY_PASSES = 2


def auto_lr(passes: float) -> float:
    """`--lr auto`: the peak rate for a run of `passes` epochs (a fraction when a budget cuts one).

    Example:
        >>> auto_lr(3), auto_lr(2), auto_lr(1.07)
        (5e-05, 5e-05, 0.0001)
    """
    return LR_MANY_PASSES if passes >= MANY_PASSES else LR_FEW_PASSES


def peak_lr(config: TrainConfig) -> float:
    """The peak rate `config` asks for before any `--time-budget` plan: `--lr`, or `auto_lr` of
    `--epochs`.

    Example:
        >>> [peak_lr(TrainConfig(epochs=n)) for n in (1, 3)], peak_lr(TrainConfig(lr=2e-5))
        ([0.0001, 5e-05], 2e-05)
    """
    return auto_lr(config.epochs) if config.lr == "auto" else config.lr


@keras.utils.register_keras_serializable(package="tfsenti")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup from 0 to `peak` over `warmup_steps`, then linear decay to 0 at `total_steps`.

    `replan` and `set_peak` change the plan of a traced training step (`--time-budget`).
    Registered with Keras, so an optimizer saved with it reloads (no "Unknown decay: 'WarmUp'").

    Example:
        >>> s = WarmupLinearDecay(1e-4, warmup_steps=10, total_steps=100)
        >>> [round(float(s(step)), 6) for step in (0, 5, 10, 55, 100)]
        [0.0, 5e-05, 0.0001, 5e-05, 0.0]
    """

    def __init__(self, peak: float, warmup_steps: int, total_steps: int):
        self._warmup_fraction = warmup_steps / max(total_steps, 1)
        # variables, so `replan` and `set_peak` reach the traced training step
        self._steps = tf.Variable([warmup_steps, total_steps], dtype=tf.float32, trainable=False,
                                  name="schedule_steps")
        self._peak = tf.Variable(peak, dtype=tf.float32, trainable=False, name="schedule_peak")
        self.peak = peak  # as given, not rounded to float32

    @property
    def warmup_steps(self) -> int:
        return int(self._steps[0].numpy())

    @property
    def total_steps(self) -> int:
        return int(self._steps[1].numpy())

    def set_peak(self, peak: float) -> None:
        """Rise to `peak` instead (`--lr auto` under a `--time-budget`).

        Example:
            >>> s = WarmupLinearDecay(5e-5, warmup_steps=10, total_steps=100)
            >>> s.set_peak(1e-4)
            >>> s.peak, round(float(s(5)), 6)
            (0.0001, 5e-05)
        """
        self._peak.assign(peak)
        self.peak = peak

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
        return self._peak * tf.clip_by_value(factor, 0.0, 1.0)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps,
                "total_steps": self.total_steps}


def bert_schedule(config: TrainConfig, total_steps: int) -> WarmupLinearDecay:
    """The run's learning rate: `config.warmup` of `total_steps` up to `peak_lr(config)`, then
    down to 0.

    Example:
        >>> schedule = bert_schedule(TrainConfig(lr=1e-4, warmup=0.1), total_steps=200)
        >>> schedule.warmup_steps, schedule.peak
        (20, 0.0001)
    """
    return WarmupLinearDecay(peak_lr(config), int(config.warmup * total_steps), total_steps)


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
