"""Metrics against hand-computed answers."""

import math

import numpy as np
import pytest

from tfsenti.evaluation.binary import binary_curves, threshold_for
from tfsenti.evaluation.metrics import accuracy_by_length, compute_metrics, confident_mistakes


def _probs(predicted, classes):
    return np.eye(classes)[predicted] * 0.8 + 0.2 / classes


def test_binary_metrics_match_textbook_formulas():
    # 5 TN, 1 FP, 2 FN, 4 TP
    labels = np.array([0] * 6 + [1] * 6)
    predicted = np.array([0] * 5 + [1] + [0] * 2 + [1] * 4)
    m = compute_metrics(labels, _probs(predicted, 2), ["neg", "pos"])
    assert m["confusion_matrix"] == [[5, 1], [2, 4]]
    assert m["accuracy"] == pytest.approx(9 / 12)
    assert m["per_class"]["pos"]["precision"] == pytest.approx(4 / 5)
    assert m["per_class"]["pos"]["recall"] == pytest.approx(4 / 6)
    assert m["per_class"]["neg"]["f1"] == pytest.approx(2 * (5 / 7) * (5 / 6) / (5 / 7 + 5 / 6))
    assert m["mcc"] == pytest.approx((4 * 5 - 1 * 2) / math.sqrt(5 * 6 * 6 * 7))
    assert m["macro"]["recall"] == pytest.approx((5 / 6 + 4 / 6) / 2)


def test_multiclass_mcc_and_degenerate_cases():
    labels = np.array([0, 0, 1, 1, 2, 2])
    m = compute_metrics(labels, _probs(np.array([0, 1, 1, 1, 2, 0]), 3), ["a", "b", "c"])
    # Gorodkin: (c*s - sum p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2))
    assert m["mcc"] == pytest.approx((4 * 6 - (2 * 2 + 3 * 2 + 1 * 2)) / math.sqrt((36 - 14) * (36 - 12)))
    assert compute_metrics(labels, _probs(labels, 3), ["a", "b", "c"])["mcc"] == pytest.approx(1.0)
    constant = compute_metrics(labels, _probs(np.zeros(6, int), 3), ["a", "b", "c"])
    assert constant["mcc"] == 0.0 and constant["per_class"]["b"]["precision"] == 0.0


def test_confident_mistakes_are_sorted_by_confidence():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.05, 0.95]])
    mistakes = confident_mistakes(["a", "b", "c", "d"], np.array([0, 0, 0, 1]), probs, ["n", "p"])
    assert [(m["text"], m["predicted"]) for m in mistakes] == [("b", "p"), ("c", "p")]
    assert mistakes[0]["confidence"] == pytest.approx(0.8)


def test_roc_auc_and_average_precision_equal_scikit_learns_with_ties():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 500)
    scores = np.round(rng.random(500) + 0.3 * labels, 2)  # rounded: many tied scores
    curves = binary_curves(labels, scores)
    # sklearn.metrics.roc_auc_score and average_precision_score (1.9.1) on the same arrays
    assert curves["roc_auc"] == pytest.approx(0.7764121212121212, abs=1e-12)
    assert curves["average_precision"] == pytest.approx(0.8289479056741458, abs=1e-12)
    assert len(curves["roc"]["fpr"]) == 101 and curves["roc"]["tpr"][-1] == 1.0
    assert binary_curves(np.ones(3, int), np.array([0.2, 0.5, 0.9]))["roc_auc"] == 0.0


def test_accuracy_by_length_cuts_the_texts_into_quarters_shortest_first():
    lengths = np.array([5, 1, 9, 3, 7, 2, 8, 4, 6])
    correct = lengths > 4
    groups = accuracy_by_length(lengths, correct)
    assert [g["examples"] for g in groups] == [3, 2, 2, 2]
    assert [g["words"] for g in groups] == [[1, 3], [4, 5], [6, 7], [8, 9]]
    assert [g["accuracy"] for g in groups] == [0.0, 0.5, 1.0, 1.0]


def test_threshold_for_a_target_precision_or_recall_and_the_closest_when_out_of_reach():
    labels = np.array([0, 0, 0, 1, 0, 1, 1, 1, 1, 1])
    scores = np.array([.05, .1, .2, .3, .45, .5, .6, .7, .8, .9])
    # at 0.5: 5 of 5 positives kept, 0 negatives -> precision 1, recall 5/6
    assert threshold_for(labels, scores, "precision=1")["threshold"] == 0.5
    # recall 1 needs 0.3 (6 positives among 7 texts); the highest threshold keeping every positive
    choice = threshold_for(labels, scores, "recall=1")
    assert choice == {"target": "recall=1", "threshold": 0.3, "precision": 0.8571, "recall": 1.0,
                      "reached": True}
    assert threshold_for(labels, scores, "recall=0.5")["threshold"] == 0.7
    impossible = threshold_for(np.array([1, 0]), np.array([0.2, 0.9]), "precision=0.9")
    assert not impossible["reached"] and impossible["precision"] == 0.5
    assert compute_metrics(labels, np.c_[1 - scores, scores], ["neg", "pos"],
                           threshold=0.5)["per_class"]["pos"]["precision"] == 1.0
