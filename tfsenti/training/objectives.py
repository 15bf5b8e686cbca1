"""What training minimises and reports: the loss on logits, the accuracy metric, class weights.

Two classes get one logit (sigmoid, binary cross-entropy); more get one logit per class
(softmax, sparse categorical cross-entropy). The metric is named `accuracy` either way, so the
monitored quantity is always `val_accuracy` (`MONITOR`).
"""

from __future__ import annotations

import numpy as np
import tf_keras as keras

MONITOR = "val_accuracy"


def loss_and_metric(num_classes: int) -> tuple[keras.losses.Loss, keras.metrics.Metric]:
    """Loss on logits and an accuracy metric named `accuracy` for either head.

    Example:
        >>> loss, metric = loss_and_metric(2)
        >>> type(loss).__name__, metric.name
        ('BinaryCrossentropy', 'accuracy')
    """
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
