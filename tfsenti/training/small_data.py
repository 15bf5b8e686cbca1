"""The small-data plan's training (`tfsenti.training.plan`): the contrastive stage on pairs of
training texts, then a logistic-regression head fitted on the tuned encoder's embeddings and
written into the classifier, so the export maps raw strings to probabilities as any run's does.

Validation data only score the result: with a few dozen texts, choosing an epoch or a step on them
would fit their noise.
"""

from __future__ import annotations

import time

import numpy as np
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.data.texts import LabeledTexts
from tfsenti.training.contrastive import contrastive_stage
from tfsenti.training.features import embed, fit_logistic_head
from tfsenti.training.objectives import loss_and_metric
from tfsenti.training.plan import RunPlan


def train_small_data(config: TrainConfig, plan: RunPlan, model: keras.Model,
                     train_data: LabeledTexts, val_data: LabeledTexts,
                     deadline: float | None = None) -> dict:
    """Train `model` (built with `config`, mean pooling) on `train_data` by `plan`; return its
    history: `contrastive` (the stage's record), `steps` (the stage's), training and
    validation `loss`/`accuracy` of the result as one-element lists, `head_seconds`. The stage
    stops at `deadline` (a `time.monotonic()` value) if it comes first.

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> from tfsenti.modeling.classifier import build_classifier
        >>> from tfsenti.training.plan import plan_run
        >>> train_data, val_data = load_dataset(DEMO_DATA / "train").head_per_class(10).split(
        ...     0.2, seed=0)
        >>> config, plan = plan_run(TrainConfig(seq_len=32), train_data)
        >>> history = train_small_data(config, plan, build_classifier(config, 2), train_data,
        ...                            val_data)
        >>> history["contrastive"]["pairs"], history["steps"], len(history["val_accuracy"])
        (128, 8, 1)
    """
    record = contrastive_stage(model, train_data, config.seq_len, config.truncate,
                               plan.max_pairs, config.seed, deadline=deadline)
    start = time.monotonic()
    num_classes = len(train_data.class_names)
    x, y = embed(model, train_data, config.seq_len, config.truncate)
    kernel, bias = fit_logistic_head(x, y, num_classes)
    model.get_layer("classifier").set_weights([kernel, bias])
    history = {"contrastive": record, "steps": record["steps"],
               "head_seconds": round(time.monotonic() - start, 1)}
    val_x, val_y = embed(model, val_data, config.seq_len, config.truncate)
    for prefix, (features, labels) in (("", (x, y)), ("val_", (val_x, val_y))):
        loss, accuracy = _scores(features @ kernel + bias, labels, num_classes)
        history[f"{prefix}loss"], history[f"{prefix}accuracy"] = [loss], [accuracy]
    return history


def _scores(logits: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[float, float]:
    """(loss, accuracy) of the head's `logits` against class indices `labels`."""
    loss_fn, metric = loss_and_metric(num_classes)
    targets = labels.reshape(-1, 1).astype(np.float32) if logits.shape[1] == 1 else labels
    metric.update_state(targets, logits)
    return float(loss_fn(targets, logits)), float(metric.result())
