"""Loss, metric and class weights of either head; R-Drop's penalty."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from tfsenti.training.objectives import RDropPenalty, class_weights, loss_and_metric


def test_balanced_class_weights_weigh_every_class_the_same_in_total():
    labels = np.array([0] * 24 + [1] * 8 + [2] * 16)
    weights = class_weights(labels, 3, "balanced")
    assert weights == {0: round(48 / 72, 4), 1: 2.0, 2: 1.0}
    totals = [weights[c] * np.sum(labels == c) for c in range(3)]
    np.testing.assert_allclose(totals, 16, atol=0.01)
    assert class_weights(labels, 3, None) is None
    assert class_weights(np.array([0, 0, 2]), 3, "balanced") == {0: 0.5, 2: 1.0}  # absent: none


def test_two_classes_get_one_logit_more_get_softmax_logits():
    loss, metric = loss_and_metric(2)
    assert float(loss([[1.0]], [[0.0]])) == np.float32(np.log(2))
    metric.update_state([[1.0], [0.0]], [[2.0], [0.5]])  # logits: > 0 means class 1
    assert float(metric.result()) == 0.5
    loss, metric = loss_and_metric(3)
    assert isinstance(loss, keras.losses.SparseCategoricalCrossentropy) and metric.name == "accuracy"


def test_label_smoothing_moves_the_targets_toward_uniform():
    eps = 0.2
    loss, _ = loss_and_metric(2, label_smoothing=eps)
    logit = 1.5
    p = 1 / (1 + np.exp(-logit))
    target = 1 - eps / 2  # class 1 becomes 0.9, class 0 0.1
    expected = -(target * np.log(p) + (1 - target) * np.log(1 - p))
    np.testing.assert_allclose(float(loss([[1.0]], [[logit]])), expected, rtol=1e-5)

    loss, _ = loss_and_metric(3, label_smoothing=eps)
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]], np.float32)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    targets = np.full((2, 3), eps / 3)
    targets[[0, 1], [1, 2]] += 1 - eps  # class ids 1 and 2
    expected = -(targets * log_p).sum(axis=1).mean()
    np.testing.assert_allclose(float(loss(np.array([[1], [2]]), logits)), expected, rtol=1e-5)
    unsmoothed, _ = loss_and_metric(3, label_smoothing=0.0)
    assert float(unsmoothed(np.array([[1], [2]]), logits)) < float(loss(np.array([[1], [2]]), logits))


def _kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p||q) over the last axis, by its definition."""
    return (p * np.log(p / q)).sum(axis=-1)


@pytest.mark.parametrize("sigmoid", [True, False])
def test_rdrop_penalty_is_the_symmetric_kl_of_each_texts_two_passes(sigmoid):
    # two texts, each twice in a row; 3 logits: 3 sigmoids (multi-label) or one softmax
    logits = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4], [1.0, 1.0, 1.0], [0.2, 2.5, 1.0]],
                      np.float32)
    if sigmoid:
        p = 1 / (1 + np.exp(-logits))
        per_logit = _kl(np.stack([p, 1 - p], -1)[::2], np.stack([p, 1 - p], -1)[1::2])
        both_ways = per_logit + _kl(np.stack([p, 1 - p], -1)[1::2], np.stack([p, 1 - p], -1)[::2])
        both_ways = both_ways.mean(axis=-1)
    else:
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        both_ways = _kl(p[::2], p[1::2]) + _kl(p[1::2], p[::2])
    alpha = 0.8
    penalty = RDropPenalty(alpha, sigmoid)
    out = penalty(tf.constant(logits), training=True)
    np.testing.assert_array_equal(out.numpy(), logits)  # the logits pass through
    np.testing.assert_allclose(float(penalty.losses[0]), alpha / 2 * (both_ways / 2).mean(),
                               rtol=1e-5)
    identical = RDropPenalty(alpha, sigmoid)
    identical(tf.constant(np.repeat(logits[::2], 2, axis=0)), training=True)
    assert float(identical.losses[0]) == pytest.approx(0.0, abs=1e-7)
    validating = RDropPenalty(alpha, sigmoid)
    validating(tf.constant(logits), training=False)
    assert validating.losses == []
