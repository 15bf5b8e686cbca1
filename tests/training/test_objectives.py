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
