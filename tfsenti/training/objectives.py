"""What training minimises and reports: the loss on logits, the accuracy metric, class weights.

Two classes get one logit (sigmoid, binary cross-entropy); more get one logit per class
(softmax, sparse categorical cross-entropy); multi-label data one logit per label (a sigmoid and
binary cross-entropy each). The metric is named `accuracy` in every case, so the monitored
quantity is always `val_accuracy` (`MONITOR`); for multi-label data it is the share of correct
label decisions at threshold 0.5 (1 - Hamming loss).
"""

from __future__ import annotations

import numpy as np
import tf_keras as keras

from tfsenti.errors import ConfigError

MONITOR = "val_accuracy"


def loss_and_metric(num_classes: int, multilabel: bool = False
                    ) -> tuple[keras.losses.Loss, keras.metrics.Metric]:
    """Loss on logits and an accuracy metric named `accuracy` for any head.

    Example:
        >>> loss, metric = loss_and_metric(2)
        >>> type(loss).__name__, metric.name
        ('BinaryCrossentropy', 'accuracy')
        >>> type(loss_and_metric(5, multilabel=True)[0]).__name__
        'BinaryCrossentropy'
    """
    if num_classes == 2 or multilabel:
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
    if labels.ndim == 2:
        raise ConfigError("{class_weight} weighs the classes of single-label data; multi-label "
                          "data have no one class per text: drop it", ["class_weight"])
    counts = np.bincount(labels, minlength=num_classes)
    return {c: round(float(len(labels) / (num_classes * counts[c])), 4)
            for c in range(num_classes) if counts[c]}
