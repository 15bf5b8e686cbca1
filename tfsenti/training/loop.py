"""`train`: train a classifier on labelled texts; return it (best epoch's weights) and its
history.

One run: resolve `--precision auto` and `--seq-len auto`, plan for the data's size (`plan`: the
small-data plan's contrastive stage and logistic head are `small_data`'s), build the classifier
under the run's precision policy and strategy, tokenize the texts once into length-grouped batches
(or feed strings with `--fixed-length`), fit with the BERT recipe's AdamW (`optim`), R-Drop's paired
passes if asked (`objectives`) and the run's callbacks (weight average, best epoch, resume
checkpoint, time budget, early stopping, TensorBoard). A resumed run has to repeat the options it
was started with (`resume_record`). `--mode features` trains a head on frozen embeddings
instead (`features`). A 16-bit run's model is rebuilt in float32 at the end, ready to export.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras as keras
# tf.config can switch op determinism on but neither read nor undo it; this module can
from tensorflow.python.framework import config as tf_config

from tfsenti.config import MAX_SEQ_LEN, TrainConfig
from tfsenti.data.pipeline import (auto_seq_len, length_grouped_dataset, streamed_dataset,
                                   string_dataset)
from tfsenti.data.texts import LabeledTexts
from tfsenti.encoders.catalog import EncoderHandles, resolve_encoder
from tfsenti.modeling.classifier import build_classifier, packed_inputs_model, windows_of
from tfsenti.modeling.rebuild import float32_classifier
from tfsenti.modeling.text_inputs import pack_texts, tokenize_and_pack
from tfsenti.precision import precision_policy
from tfsenti.training.averaging import ScoreAverage
from tfsenti.training.callbacks import KeepBestEpoch, TimeBudget, eval_cost
from tfsenti.training.distribute import get_strategy, worker_shard
from tfsenti.training.features import train_head_on_features
from tfsenti.training.objectives import (MONITOR, RDropPenalty, class_weights, each_text_twice,
                                        loss_and_metric)
from tfsenti.training.optim import WarmupLinearDecay, bert_schedule, make_optimizer
from tfsenti.training.plan import RunPlan, plan_run
from tfsenti.training.progress_log import EveryFewMinutes
from tfsenti.training.resume_record import run_precision, same_options_as_before
from tfsenti.training.small_data import train_small_data

log = logging.getLogger(__name__)

SEQ_LEN_SAMPLE = 10_000  # --seq-len auto measures at most this many texts: seconds, not minutes
# From this many texts on, training tokenizes in the pipeline, so the first step does not wait;
# each pass restarts its tokenizer (0.3-0.4 s), so fewer are tokenized first (the same batches).
STREAM_FROM = 20_000


@contextlib.contextmanager
def op_determinism(enabled: bool) -> Iterator[None]:
    """TensorFlow's op determinism inside the block when `enabled` (`--deterministic`); the
    process's previous setting is restored after it.

    Example:
        >>> with op_determinism(True):
        ...     tf_config.is_op_determinism_enabled()
        True
        >>> tf_config.is_op_determinism_enabled()
        False
    """
    if not enabled or tf_config.is_op_determinism_enabled():
        yield
        return
    tf.config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        tf_config.disable_op_determinism()


def resolve_seq_len(config: TrainConfig, train_data: LabeledTexts,
                    encoder: EncoderHandles) -> TrainConfig:
    """`config` with `seq_len="auto"` replaced by the length covering 95% of the training texts
    (`tfsenti.data.pipeline.auto_seq_len`), measured on `SEQ_LEN_SAMPLE` of them drawn at random
    when there are more; other configs come back unchanged."""
    if config.seq_len != "auto":
        return config
    sample = train_data
    if len(train_data) > SEQ_LEN_SAMPLE:
        drawn = np.random.default_rng(config.seed).choice(len(train_data), SEQ_LEN_SAMPLE,
                                                          replace=False)
        sample = train_data.subset(np.isin(np.arange(len(train_data)), drawn), "sample")
    ids = tokenize_and_pack(sample.texts, hub.load(encoder.preprocess), MAX_SEQ_LEN,
                            pairs=sample.pairs)
    seq_len = auto_seq_len(ids.row_lengths().numpy(), MAX_SEQ_LEN)
    of = (f"{len(train_data):,} training texts" if sample is train_data
          else f"a sample of {len(sample):,} of the {len(train_data):,} training texts")
    log.info("--seq-len auto: %d tokens (95th percentile of %s, at most %d)", seq_len, of,
             MAX_SEQ_LEN)
    return dataclasses.replace(config, seq_len=seq_len).validate()  # --stride fits the window?


def fit_inputs(config: TrainConfig, model: keras.Model, data: LabeledTexts, shuffle: bool,
               strategy: tf.distribute.Strategy | None = None
               ) -> tuple[keras.Model, tf.data.Dataset, int]:
    """(model to fit, this worker's batches of `data`, batches per epoch).

    By default texts are batched by length, tokenized inside the input pipeline while the model
    trains (`streamed_dataset`) from `STREAM_FROM` texts on, else all at once first (the same
    batches), and the model to fit is `packed_inputs_model(model)` (it shares all trainable
    layers with `model`); with `fixed_length` it is `model` itself on strings. On several workers
    each takes every k-th example with its share of the global batch, and the step count is the
    smallest share's (workers must step together).
    """
    workers, index = worker_shard(strategy) if strategy is not None else (1, 0)
    batch_size = max(1, config.batch_size // workers)
    share = np.arange(len(data)) % workers
    steps = min(math.ceil(np.sum(share == w) / batch_size) for w in range(workers))
    mine = data.subset(share == index, f"worker {index}") if workers > 1 else data
    if config.fixed_length:  # the TF tutorial: strings in, every text padded to seq_len
        return model, string_dataset(mine, batch_size, shuffle=shuffle, seed=config.seed), steps
    preprocessor = model.get_layer("preprocess").preprocessor
    windows = windows_of(config)
    order = {"shuffle": shuffle, "seed": config.seed}
    if len(mine) < STREAM_FROM:
        ids = tokenize_and_pack(mine.texts, preprocessor, config.seq_len, config.truncate,
                                pairs=mine.pairs, windows=windows)
        dataset, _ = length_grouped_dataset(ids, mine.labels, batch_size,
                                            pairs=mine.pairs is not None, **order)
    else:
        def tokenize(texts: tf.Tensor, pairs: tf.Tensor | None = None) -> tf.RaggedTensor:
            return pack_texts(preprocessor, texts, config.seq_len, config.truncate, pairs, windows)

        dataset, _ = streamed_dataset(mine.texts, mine.labels, batch_size, tokenize,
                                      pairs=mine.pairs, chunked=windows is not None, **order)
    return packed_inputs_model(model), dataset, steps


def train(config: TrainConfig, train_data: LabeledTexts, val_data: LabeledTexts,
          log_dir: str | Path | None = None, verbose: int = 1, work_dir: str | Path | None = None,
          encoder: EncoderHandles | None = None, started: float | None = None
          ) -> tuple[keras.Model, dict]:
    """Train a classifier as `tfsenti.training.plan.plan_run` plans for the data's size; return
    it (for fine-tuning: the best epoch's weights) and its history.

    Args:
        config: the run's settings (validated here).
        train_data, val_data: labelled texts with the same class names.
        log_dir: where TensorBoard logs go (none if None).
        verbose: Keras progress output (0 silent, 1 progress bar, 2 one line per epoch).
        work_dir: where the end-of-epoch checkpoint (model, optimizer, epoch) and the epoch record
            are kept; a run started again with the same `work_dir` continues from there
            (`tfsenti train --resume`).
        encoder: the handles `config.encoder` resolved to, if the caller has them already.
        started: `time.monotonic()` when the work began (the command's start, so that
            `--time-budget` counts reading the data); default: this call.

    Returns:
        (model, history) where the model computes in float32 (a 16-bit run's is rebuilt) and
        history maps each metric to its per-epoch values (under the small-data plan: one value,
        the result's), `best_epoch` to the epoch whose weights the model holds (counted from 1),
        `steps` to the optimizer steps taken, `plan` to the plan's line, `pooling` to the pooling
        used (the one `--pooling auto` chose), `seq_len` to the sequence length used (the one
        `--seq-len auto` chose), `lr` to the peak learning rate (the one `--lr auto` chose;
        `config.lr` for `--mode features` and the small-data plan) and
        `train_seconds` to the wall time from `started` up to the end of training, what
        `TrainConfig.time_budget` bounds (a 16-bit run's float32 rebuild comes after).

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> data = load_dataset(DEMO_DATA / "train").head_per_class(16)
        >>> model, history = train(TrainConfig(epochs=2, seq_len=32, small_data="off"),
        ...                        *data.split(0.25, seed=42), verbose=0)
        >>> len(history["val_accuracy"]), history["best_epoch"] in (1, 2), history["steps"]
        (2, True, 2)
    """
    start = time.monotonic() if started is None else started
    strategy = get_strategy(config.validate().strategy)
    config, encoder = _resolve_autos(config, train_data, encoder, work_dir)
    config, run_plan = plan_run(config, train_data)
    log.info("%s", run_plan.reason)
    keras.utils.set_random_seed(config.seed)
    classifier_args = {"num_classes": len(train_data.class_names), "encoder": encoder,
                       "pairs": train_data.pairs is not None, "multilabel": train_data.multilabel}
    with precision_policy(config.precision), op_determinism(config.deterministic):
        model, history = _train_as_planned(config, run_plan, classifier_args, train_data, val_data,
                                           strategy, verbose, start, work_dir, log_dir)
    history.update(plan=run_plan.reason, seq_len=config.seq_len, pooling=config.pooling,
                   train_seconds=round(time.monotonic() - start, 1))  # before the float32 rebuild
    return float32_classifier(model, config, **classifier_args), history


def _train_as_planned(config: TrainConfig, run_plan: RunPlan, classifier_args: dict,
                      train_data: LabeledTexts, val_data: LabeledTexts,
                      strategy: tf.distribute.Strategy, verbose: int, start: float,
                      work_dir: str | Path | None, log_dir: str | Path | None
                      ) -> tuple[keras.Model, dict]:
    """(model, history) trained under the run's precision policy: a head on features
    (`--mode features`), the small-data plan, or fine-tuning with `fit`."""
    weights = class_weights(train_data.labels, classifier_args["num_classes"], config.class_weight)
    if config.mode == "features":
        model, history = train_head_on_features(
            config, build_classifier(config, **classifier_args), train_data, val_data, verbose,
            weights)
        return model, {**history, "lr": config.lr}
    if run_plan.small_data:
        model = build_classifier(config, **classifier_args)
        deadline = None if config.time_budget is None else start + 60 * config.time_budget
        history = train_small_data(config, run_plan, model, train_data, val_data, deadline)
        return model, {**history, "lr": config.lr, "trainable_params": _trainable(model)}
    with strategy.scope():
        model = build_classifier(config, **classifier_args)
        plan = _compiled_fit(config, model, train_data, val_data, strategy, verbose)
    trainable = _trainable(model)
    log.info("trainable parameters: %s of %s (--freeze %s); %d replica(s), precision %s",
             f"{trainable:,}", f"{model.count_params():,}", config.freeze,
             strategy.num_replicas_in_sync, config.precision)
    keep_best = _fit(config, plan, weights, verbose, start, work_dir, log_dir)
    return model, {**keep_best.history(), "steps": int(plan.model.optimizer.iterations.numpy()),
                   "steps_per_epoch": plan.steps, "trainable_params": trainable,
                   "lr": plan.schedule.peak}


def _trainable(model: keras.Model) -> int:
    return int(sum(w.shape.num_elements() for w in model.trainable_weights))


def _resolve_autos(config: TrainConfig, train_data: LabeledTexts, encoder: EncoderHandles | None,
                   work_dir: str | Path | None) -> tuple[TrainConfig, EncoderHandles]:
    """`config` with `--precision auto` and `--seq-len auto` resolved (a resume in `work_dir`
    keeps the precision its run chose), and the encoder's handles."""
    work_dir = None if work_dir is None else Path(work_dir)
    config = run_precision(config, work_dir)
    if work_dir is not None:
        same_options_as_before(config, work_dir)
    encoder = encoder or resolve_encoder(config.encoder, config.preprocess, config.precision)
    return resolve_seq_len(config, train_data, encoder), encoder


class _FitPlan(NamedTuple):
    model: keras.Model  # compiled; shares its layers with the string model
    train: tf.data.Dataset  # repeated
    validation: tf.data.Dataset  # repeated
    steps: int  # per epoch
    val_steps: int
    schedule: WarmupLinearDecay


def _compiled_fit(config: TrainConfig, model: keras.Model, train_data: LabeledTexts,
                  val_data: LabeledTexts, strategy: tf.distribute.Strategy, verbose: int) -> _FitPlan:
    """The model to fit, compiled with the run's optimizer, and its input datasets."""
    fit_model, train_ds, steps = fit_inputs(config, model, train_data, True, strategy)
    _, val_ds, val_steps = fit_inputs(config, model, val_data, False, strategy)
    schedule = bert_schedule(config, steps * config.epochs)
    loss, metric = loss_and_metric(len(train_data.class_names), train_data.multilabel,
                                   config.label_smoothing)
    if config.rdrop:
        train_ds = each_text_twice(train_ds)
        penalty = RDropPenalty(config.rdrop, isinstance(loss, keras.losses.BinaryCrossentropy))
        fit_model = keras.Model(fit_model.input, penalty(fit_model.output))
    fit_model.compile(optimizer=make_optimizer(config, steps * config.epochs, schedule),
                      loss=loss, metrics=[metric])
    return _FitPlan(fit_model, train_ds.repeat(), val_ds.repeat(), steps, val_steps, schedule)


def _fit(config: TrainConfig, plan: _FitPlan, class_weight: dict[int, float] | None, verbose: int,
         start: float, work_dir: str | Path | None, log_dir: str | Path | None) -> KeepBestEpoch:
    """Fit `plan.model` with the run's callbacks; return the record of its epochs."""
    averaging = [ScoreAverage(plan.validation, plan.val_steps)] if config.ema else []
    keep_best = KeepBestEpoch(Path(work_dir) / "best" if work_dir is not None else None,
                              *(a.averaged for a in averaging))
    alive = [EveryFewMinutes(plan.steps, start=start)] if verbose == 2 else []
    plan.model.fit(plan.train, validation_data=plan.validation, epochs=config.epochs,
                   steps_per_epoch=plan.steps, validation_steps=plan.val_steps,
                   class_weight=class_weight, verbose=verbose,
                   callbacks=[*averaging, keep_best, *alive,
                              *_run_callbacks(config, plan, start, work_dir, log_dir)])
    return keep_best


def _run_callbacks(config: TrainConfig, plan: _FitPlan, start: float, work_dir: str | Path | None,
                   log_dir: str | Path | None) -> list[keras.callbacks.Callback]:
    """The callbacks a run's options ask for, besides `KeepBestEpoch` and `ScoreAverage`."""
    callbacks: list[keras.callbacks.Callback] = []
    if work_dir is not None:
        callbacks.append(keras.callbacks.BackupAndRestore(str(Path(work_dir) / "backup")))
    if config.time_budget is not None:
        callbacks.append(TimeBudget(plan.schedule, 60 * config.time_budget, start,
                                    plan.steps * config.epochs, plan.steps, plan.val_steps,
                                    choose_lr=config.lr == "auto",
                                    eval_cost=eval_cost(config.precision)))
    if config.early_stop:
        callbacks.append(keras.callbacks.EarlyStopping(MONITOR, mode="max",
                                                       patience=config.early_stop))
    if log_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(log_dir)))
    return callbacks
