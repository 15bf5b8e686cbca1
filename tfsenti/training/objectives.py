"""What training minimises and reports: the loss on logits, the accuracy metric, class weights.

Two classes get one logit (sigmoid, binary cross-entropy); more get one logit per class
(softmax, sparse categorical cross-entropy); multi-label data one logit per label (a sigmoid and
binary cross-entropy each). The metric is named `accuracy` in every case, so the monitored
quantity is always `val_accuracy` (`MONITOR`); for multi-label data it is the share of correct
label decisions at threshold 0.5 (1 - Hamming loss).

R-Drop (`--rdrop ALPHA`) feeds every training text twice in a row (`each_text_twice`), so the two
rows see different dropout masks, and `RDropPenalty` adds the divergence of their
predictions to the loss.
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


def each_text_twice(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset`'s (inputs, labels) batches with every row repeated in place: rows 2i and 2i+1
    are the same text, the pairs `RDropPenalty` compares.

    Example:
        >>> batches = tf.data.Dataset.from_tensors(({"ids": [[1, 2], [3, 4]]}, [0, 1]))
        >>> inputs, labels = next(iter(each_text_twice(batches)))
        >>> inputs["ids"].numpy().tolist(), labels.numpy().tolist()
        ([[1, 2], [1, 2], [3, 4], [3, 4]], [0, 0, 1, 1])
    """
    def twice(inputs, labels):
        return tf.nest.map_structure(lambda t: tf.repeat(t, 2, axis=0), (inputs, labels))

    return dataset.map(twice)


class RDropPenalty(keras.layers.Layer):
    """R-Drop (Liang et al. 2021) on batches from `each_text_twice`: while training, adds
    `alpha`/2 times the mean over pairs of KL(P1||P2) and KL(P2||P1) of each text's two
    predictions to the model's loss (with the cross-entropy averaged over both rows, the paper's
    loss over 2). The logits pass through unchanged; validation and inference add nothing.
    `sigmoid`: the logits are independent sigmoids (binary and multi-label heads; their
    divergences are averaged over the logits), else one softmax.

    Example:
        >>> penalty = RDropPenalty(1.0, sigmoid=True)
        >>> logits = tf.constant([[0.0], [2.0], [1.0], [1.0]])  # two texts, each twice
        >>> _ = penalty(logits, training=True)
        >>> round(float(penalty.losses[0]), 3)  # (0.5 - 0.881) * (0 - 2) / 2 / 2, over 2 texts
        0.095
    """

    def __init__(self, alpha: float, sigmoid: bool, **kwargs):
        super().__init__(**kwargs)
        self.alpha, self.sigmoid = alpha, sigmoid

    def call(self, logits, training=None):
        if training:
            self.add_loss(self.alpha / 2 * tf.reduce_mean(self.divergence(logits)))
        return logits

    def divergence(self, logits: tf.Tensor) -> tf.Tensor:
        """The mean of KL(P1||P2) and KL(P2||P1) for rows 2i and 2i+1, one value per pair."""
        pairs = tf.reshape(tf.cast(logits, tf.float32), [-1, 2, tf.shape(logits)[-1]])
        first, second = pairs[:, 0], pairs[:, 1]
        if self.sigmoid:  # KL(p||q) + KL(q||p) of Bernoullis is (p - q) * (logit p - logit q)
            both_ways = tf.reduce_mean(
                (tf.sigmoid(first) - tf.sigmoid(second)) * (first - second), axis=-1)
        else:
            log_p, log_q = tf.nn.log_softmax(first), tf.nn.log_softmax(second)
            both_ways = tf.reduce_sum((tf.exp(log_p) - tf.exp(log_q)) * (log_p - log_q), axis=-1)
        return both_ways / 2

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha, "sigmoid": self.sigmoid}


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
