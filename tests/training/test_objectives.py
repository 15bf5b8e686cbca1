"""Loss, metric and class weights of either head."""

import numpy as np
import tf_keras as keras

from tfsenti.training.objectives import class_weights, loss_and_metric


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
