"""Temperature scaling and calibration measures against known answers."""

import numpy as np
import pytest

from tfsenti.evaluation.calibration import (brier_score, calibration_metrics,
                                            expected_calibration_error, fit_temperature,
                                            reliability_bins)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _draw(rng, probabilities):
    """One class per row, drawn with the row's probabilities (inverse CDF)."""
    return (rng.random((len(probabilities), 1)) > probabilities.cumsum(axis=-1)).sum(axis=-1)


@pytest.mark.parametrize("true_temperature", [0.5, 1.0, 3.0])
def test_temperature_is_recovered_from_labels_drawn_at_a_known_temperature(true_temperature):
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (30000, 3))
    labels = _draw(rng, _softmax(logits / true_temperature))
    assert fit_temperature(logits, labels) == pytest.approx(true_temperature, rel=0.05)


def test_binary_logits_are_one_column_of_sigmoid_logits():
    rng = np.random.default_rng(2)
    logits = rng.normal(0, 5, (30000, 1))
    labels = (rng.random(30000) < 1 / (1 + np.exp(-logits[:, 0] / 2.5))).astype(int)
    assert fit_temperature(logits, labels) == pytest.approx(2.5, rel=0.05)


def test_multilabel_gets_one_temperature_per_label_when_labels_differ():
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 3, (30000, 2))
    labels = (rng.random((30000, 2)) < 1 / (1 + np.exp(-logits / [2.0, 0.5]))).astype(int)
    assert np.allclose(fit_temperature(logits, labels, multilabel=True), [2.0, 0.5], rtol=0.06)
    same = (rng.random((30000, 2)) < 1 / (1 + np.exp(-logits / 2.0))).astype(int)
    shared = fit_temperature(logits, same, multilabel=True)
    assert np.allclose(shared, 2.0, rtol=0.06)


def test_few_texts_give_a_finite_temperature_on_the_side_they_point_to():
    # all right: the likelihood alone would take T to 0; all wrong: to infinity
    assert 0.5 < fit_temperature(np.array([[4.0], [-4.0], [5.0]]), np.array([1, 0, 1])) < 1
    assert 1 < fit_temperature(np.array([[4.0], [-4.0]]), np.array([0, 1])) < 10


def test_calibrating_lowers_the_error_of_an_over_confident_model():
    rng = np.random.default_rng(4)
    logits = rng.normal(0, 3, (20000, 2))
    labels = _draw(rng, _softmax(logits / 3))
    before = _softmax(logits)
    after = _softmax(logits / fit_temperature(logits[:10000], labels[:10000]))
    held_out = calibration_metrics(labels[10000:], after[10000:], uncalibrated=before[10000:])
    assert held_out["ece_before"] > 0.1 and held_out["ece"] < 0.02
    assert held_out["brier"] < held_out["brier_before"]
    assert (after.argmax(-1) == before.argmax(-1)).all()


def test_ece_and_brier_by_hand():
    labels = np.array([0, 1, 0, 1])
    probabilities = np.array([[0.95, 0.05], [0.35, 0.65], [0.6, 0.4], [0.62, 0.38]])
    # confidences 0.95 (right), 0.65 (right), 0.6 and 0.62 (right, wrong): bins [0.933, 1),
    # [0.6, 0.667) holding 0.65, 0.6, 0.62 -> |0.95 - 1| * 1/4 + |0.6233 - 2/3| * 3/4
    expected = 0.05 / 4 + abs((0.65 + 0.6 + 0.62) / 3 - 2 / 3) * 3 / 4
    assert expected_calibration_error(labels, probabilities) == pytest.approx(expected)
    bins = reliability_bins(labels, probabilities)
    assert bins["count"].sum() == 4 and bins["count"][9] == 3 and bins["count"][14] == 1
    squared = [0.05**2 * 2, 0.35**2 * 2, 0.4**2 * 2, 0.62**2 * 2]
    assert brier_score(labels, probabilities) == pytest.approx(np.mean(squared))
    assert expected_calibration_error(labels, np.eye(2)[labels]) == 0.0


def test_multilabel_ece_reads_every_label_probability_as_a_forecast():
    labels = np.array([[1, 0], [1, 1], [0, 0], [1, 0]])
    probabilities = np.array([[0.7, 0.1], [0.7, 0.1], [0.7, 0.1], [0.7, 0.1]])
    # the 0.7s come true 3 times in 4, the 0.1s once in 4
    expected = (4 * abs(0.7 - 0.75) + 4 * abs(0.1 - 0.25)) / 8
    assert expected_calibration_error(labels, probabilities, True) == pytest.approx(expected)
