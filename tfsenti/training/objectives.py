"""What training minimises and reports: the loss on logits, the accuracy metric, class weights.

Two classes get one logit (sigmoid, binary cross-entropy); more get one logit per class
(softmax, sparse categorical cross-entropy); multi-label data one logit per label (a sigmoid and
binary cross-entropy each). The metric is named `accuracy` in every case, so the monitored
quantity is always `val_accuracy` (`MONITOR`); for multi-label data it is the share of correct
label decisions at threshold 0.5 (1 - Hamming loss).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tf_keras as keras

from tfsenti.errors import ConfigError

MONITOR = "val_accuracy"


def loss_and_metric(num_classes: int, multilabel: bool = False, label_smoothing: float = 0.0
                    ) -> tuple[keras.losses.Loss, keras.metrics.Metric]:
    """Loss on logits and an accuracy metric named `accuracy` for any head; `label_smoothing`
    EPS trains toward targets (1 - EPS) * one-hot + EPS / classes (EPS / 2 and 1 - EPS / 2 for
    a sigmoid).

    Example:
        >>> loss, metric = loss_and_metric(2)
        >>> type(loss).__name__, metric.name
        ('BinaryCrossentropy', 'accuracy')
        >>> type(loss_and_metric(5, multilabel=True)[0]).__name__
        'BinaryCrossentropy'
        >>> type(loss_and_metric(5, label_smoothing=0.1)[0]).__name__
        'SmoothedSparseCrossentropy'
    """
    if num_classes == 2 or multilabel:
        return (keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=label_smoothing),
                keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0))
    metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    if label_smoothing:
        return SmoothedSparseCrossentropy(num_classes, label_smoothing), metric
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True), metric


class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy of class-id targets against softmax logits, the targets smoothed
    (tf_keras' `SparseCategoricalCrossentropy` has no `label_smoothing`)."""

    def __init__(self, num_classes: int, label_smoothing: float,
                 name: str = "smoothed_sparse_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes, self.label_smoothing = num_classes, label_smoothing

    def call(self, y_true, y_pred):
        targets = tf.one_hot(tf.reshape(tf.cast(y_true, tf.int32), [-1]), self.num_classes)
        return keras.losses.categorical_crossentropy(
            targets, y_pred, from_logits=True, label_smoothing=self.label_smoothing)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes,
                "label_smoothing": self.label_smoothing}


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
