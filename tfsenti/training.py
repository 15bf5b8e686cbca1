"""Fine-tuning: AdamW with linear warmup + linear decay, best-epoch selection, early stopping,
resume after a crash, class weights, mixed precision and tf.distribute strategies.

Follows the BERT recipe as in TensorFlow Model Garden's `create_optimizer`: AdamW (weight decay
0.01, epsilon 1e-6, LayerNorm and bias excluded from decay), learning rate rising linearly over
the first `warmup` fraction of steps then falling linearly to 0, global gradient clipping at 1.0.
By default embedding tables are updated lazily, only the rows a batch looks up (`LazyAdamW`).
`--mode features` trains only a logistic-regression head on embeddings (`tfsenti.features`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras as keras

from tfsenti.batching import auto_seq_len, bucketed_dataset, tokenize_and_pack
from tfsenti.config import MAX_SEQ_LEN, TrainConfig
from tfsenti.data import LabeledTexts
from tfsenti.distribute import get_strategy, worker_shard
from tfsenti.hub.catalog import resolve_encoder
from tfsenti.lazy_adamw import LazyAdamW
from tfsenti.model import build_classifier, packed_inputs_model
from tfsenti.precision import precision_policy
from tfsenti.time_budget import TimeBudget

log = logging.getLogger(__name__)

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
    """The run's learning rate: `config.warmup` of `total_steps` up to `config.lr`, then down to 0."""
    return WarmupLinearDecay(config.lr, int(config.warmup * total_steps), total_steps)


def make_optimizer(config: TrainConfig, total_steps: int,
                   schedule: keras.optimizers.schedules.LearningRateSchedule | None = None
                   ) -> keras.optimizers.AdamW:
    """AdamW of the BERT recipe for `total_steps` optimizer steps (or with another `schedule`)."""
    if schedule is None:
        schedule = bert_schedule(config, total_steps)
    adamw = LazyAdamW if config.embedding_updates == "lazy" else keras.optimizers.AdamW
    optimizer = adamw(learning_rate=schedule, weight_decay=config.weight_decay, epsilon=1e-6,
                      global_clipnorm=1.0)
    optimizer.exclude_from_weight_decay(var_names=NO_DECAY)
    return optimizer


def loss_and_metric(num_classes: int) -> tuple[keras.losses.Loss, keras.metrics.Metric]:
    """Loss on logits and an accuracy metric named `accuracy` for either head."""
    if num_classes == 2:
        return (keras.losses.BinaryCrossentropy(from_logits=True),
                keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0))
    return (keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"))


def class_weights(labels: np.ndarray, num_classes: int, mode: str | None) -> dict[int, float] | None:
    """Loss weight per class: `balanced` gives n / (classes * count), so every class weighs the
    same in total (scikit-learn's rule); None gives no weights.

    Example:
        >>> class_weights(np.array([0, 0, 0, 1]), 2, "balanced")
        {0: 0.6667, 1: 2.0}
    """
    if mode is None:
        return None
    counts = np.bincount(labels, minlength=num_classes)
    return {c: round(float(len(labels) / (num_classes * counts[c])), 4)
            for c in range(num_classes) if counts[c]}


class KeepBestEpoch(keras.callbacks.Callback):
    """Record every epoch's logs and keep the weights of the epoch with the best validation
    accuracy (ties: lower validation loss), restored at the end.

    With `state_dir` the record and the best weights are also written there after every epoch,
    so a run resumed after a crash still knows its earlier epochs and its best one.
    """

    def __init__(self, state_dir: Path | None = None):
        super().__init__()
        self.state_dir = state_dir
        self.epochs: list[dict[str, float]] = []
        self.best_epoch: int | None = None
        self.best_score = (-math.inf, -math.inf)
        self._weights = None
        if state_dir is not None and (state_dir / "epochs.json").is_file():
            saved = json.loads((state_dir / "epochs.json").read_text())
            self.epochs, self.best_epoch = saved["epochs"], saved["best_epoch"]
            self.best_score = tuple(saved["best_score"])

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs = self.epochs[:epoch] + [{k: float(v) for k, v in logs.items()}]
        if MONITOR in logs:
            score = (logs[MONITOR], -logs.get("val_loss", 0.0))
            if score > self.best_score:
                self.best_epoch, self.best_score = epoch, score
                self._weights = self.model.get_weights()
                if self.state_dir is not None:
                    self.model.save_weights(str(self.state_dir / "best" / "weights"))
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            (self.state_dir / "epochs.json").write_text(json.dumps(
                {"epochs": self.epochs, "best_epoch": self.best_epoch,
                 "best_score": list(self.best_score)}))

    def on_train_end(self, logs=None):
        if self._weights is not None:
            self.model.set_weights(self._weights)
        elif self.best_epoch is not None and self.state_dir is not None:  # best was before a resume
            self.model.load_weights(str(self.state_dir / "best" / "weights")).expect_partial()

    def history(self) -> dict:
        """Metric -> per-epoch values, plus `best_epoch` (0-based)."""
        keys = self.epochs[0].keys() if self.epochs else []
        return {**{k: [e[k] for e in self.epochs] for k in keys}, "best_epoch": self.best_epoch}


def resolve_seq_len(config: TrainConfig, train_data: LabeledTexts) -> TrainConfig:
    """`config` with `seq_len="auto"` replaced by the length covering 95% of the training texts
    (`tfsenti.batching.auto_seq_len`); other configs come back unchanged."""
    if config.seq_len != "auto":
        return config
    _, preprocess_handle = resolve_encoder(config.encoder, config.preprocess, config.precision)
    ids = tokenize_and_pack(train_data.texts, hub.load(preprocess_handle), MAX_SEQ_LEN)
    seq_len = auto_seq_len(ids.row_lengths().numpy(), MAX_SEQ_LEN)
    log.info("--seq-len auto: %d tokens (95th percentile of %d training texts, at most %d)",
             seq_len, len(train_data), MAX_SEQ_LEN)
    return dataclasses.replace(config, seq_len=seq_len)


def fit_inputs(config: TrainConfig, model: keras.Model, data: LabeledTexts, shuffle: bool,
               strategy: tf.distribute.Strategy | None = None
               ) -> tuple[keras.Model, tf.data.Dataset, int]:
    """(model to fit, this worker's batches of `data`, batches per epoch).

    By default texts are tokenized once and batched by length, and the model to fit is
    `packed_inputs_model(model)` (it shares all trainable layers with `model`); with
    `fixed_length` it is `model` itself on strings. On several workers each takes every k-th
    example with its share of the global batch, and the step count is the smallest share's
    (workers must step together).
    """
    workers, index = worker_shard(strategy) if strategy is not None else (1, 0)
    batch_size = max(1, config.batch_size // workers)
    share = np.arange(len(data)) % workers
    steps = min(math.ceil(np.sum(share == w) / batch_size) for w in range(workers))
    if config.fixed_length:  # the TF tutorial: strings in, every text padded to seq_len
        mine = data.subset(share == index, f"worker {index}") if workers > 1 else data
        return model, mine.to_dataset(batch_size, shuffle=shuffle, seed=config.seed), steps
    preprocessor = model.get_layer("preprocess").preprocessor
    ids = tokenize_and_pack(data.texts, preprocessor, config.seq_len, config.truncate)
    mine = np.flatnonzero(share == index)
    dataset, _ = bucketed_dataset(tf.gather(ids, mine), data.labels[mine], batch_size,
                                  shuffle=shuffle, seed=config.seed)
    return packed_inputs_model(model), dataset, steps


def train(config: TrainConfig, train_data: LabeledTexts, val_data: LabeledTexts,
          log_dir: str | Path | None = None, verbose: int = 1,
          work_dir: str | Path | None = None) -> tuple[keras.Model, dict]:
    """Fine-tune a classifier; return it (best epoch's weights) and its history.

    Args:
        config: the run's settings (validated here).
        train_data, val_data: labelled texts with the same class names.
        log_dir: where TensorBoard logs go (none if None).
        verbose: Keras progress output (0 silent, 1 progress bar, 2 one line per epoch).
        work_dir: where the end-of-epoch checkpoint (model, optimizer, epoch) and the epoch record
            are kept; a run started again with the same `work_dir` continues from there
            (`tfsenti train --resume`).

    Returns:
        (model, history) where history maps each metric to its per-epoch values, `best_epoch`
        (0-based) to the epoch whose weights the model holds, `steps` to the optimizer steps
        taken, `seq_len` to the sequence length used (the one `--seq-len auto` chose) and
        `train_seconds` to the wall time of this call (what `TrainConfig.time_budget` bounds).

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> data = load_dataset(DEMO_DATA / "train").head_per_class(16)
        >>> model, history = train(TrainConfig(epochs=2, seq_len=32), *data.split(0.25, seed=42),
        ...                        verbose=0)
        >>> len(history["val_accuracy"]), history["best_epoch"] in (0, 1), history["steps"]
        (2, True, 2)
    """
    start = time.monotonic()
    config = resolve_seq_len(config.validate(), train_data)
    strategy = get_strategy(config.strategy)
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    num_classes = len(train_data.class_names)
    if config.mode == "features":
        from tfsenti.features import train_head_on_features

        with precision_policy(config.precision):
            model, history = train_head_on_features(config, build_classifier(config, num_classes),
                                                    train_data, val_data, verbose)
        return model, {**history, "seq_len": config.seq_len}
    with precision_policy(config.precision), strategy.scope():
        model = build_classifier(config, num_classes)
        fit_model, train_ds, steps = fit_inputs(config, model, train_data, True, strategy)
        _, val_ds, val_steps = fit_inputs(config, model, val_data, False, strategy)
        loss, metric = loss_and_metric(num_classes)
        planned_steps = steps * config.epochs
        schedule = bert_schedule(config, planned_steps)
        optimizer = make_optimizer(config, planned_steps, schedule)
        fit_model.compile(optimizer=optimizer, loss=loss, metrics=[metric])
    trainable = int(sum(w.shape.num_elements() for w in model.trainable_weights))
    log.info("trainable parameters: %s of %s (--freeze %s); %d replica(s), precision %s",
             f"{trainable:,}", f"{model.count_params():,}", config.freeze,
             strategy.num_replicas_in_sync, config.precision)
    work_dir = Path(work_dir) if work_dir is not None else None
    keep_best = KeepBestEpoch(work_dir / "best" if work_dir is not None else None)
    callbacks: list[keras.callbacks.Callback] = [keep_best]
    if work_dir is not None:
        callbacks.append(keras.callbacks.BackupAndRestore(str(work_dir / "backup")))
    if config.time_budget is not None:
        callbacks.append(TimeBudget(schedule, 60 * config.time_budget, start, planned_steps, steps,
                                    val_steps))
    if config.early_stop:
        callbacks.append(keras.callbacks.EarlyStopping(MONITOR, mode="max", patience=config.early_stop))
    if log_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(log_dir)))
    with precision_policy(config.precision):
        fit_model.fit(train_ds.repeat(), validation_data=val_ds.repeat(), epochs=config.epochs,
                      steps_per_epoch=steps, validation_steps=val_steps,
                      class_weight=class_weights(train_data.labels, num_classes, config.class_weight),
                      callbacks=callbacks, verbose=verbose)
    history = keep_best.history()
    history.update(steps=int(optimizer.iterations.numpy()), steps_per_epoch=steps,
                   trainable_params=trainable, seq_len=config.seq_len,
                   train_seconds=round(time.monotonic() - start, 1))
    return model, history
