"""Confident learning on out-of-fold probabilities, and the audit's folds."""

from __future__ import annotations

import numpy as np

from tfsenti.evaluation.audit import fold_ids
from tfsenti.evaluation.label_issues import (confident_joint, find_label_issues,
                                             find_multilabel_issues)


def _three_classes() -> tuple[np.ndarray, np.ndarray]:
    """60 texts of 3 classes with noisy probabilities; 5 given labels wrong (3, 17, 25, 44, 58)."""
    rng = np.random.default_rng(7)
    true = np.repeat([0, 1, 2], 20)
    logits = rng.normal(0, 1, (60, 3))
    logits[np.arange(60), true] += 2.0
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    given = true.copy()
    given[[3, 17, 25, 44, 58]] = [1, 2, 0, 0, 1]
    return given, probabilities


def test_the_flags_and_their_order_are_cleanlabs():
    # cleanlab 2.9.0: find_label_issues(given, p, return_indices_ranked_by="self_confidence")
    # gives [58, 44, 3] and compute_confident_joint(given, p) the matrix below
    given, probabilities = _three_classes()
    issues = find_label_issues(given, probabilities)
    assert issues.indices.tolist() == [58, 44, 3]
    assert issues.suggested.tolist() == [2, 2, 0]
    np.testing.assert_allclose(issues.confidence, probabilities[[58, 44, 3], [2, 2, 0]])
    assert confident_joint(given, probabilities).tolist() == [[19, 0, 1], [0, 19, 2], [0, 0, 19]]


def test_multi_label_flags_are_cleanlabs():
    # 80 texts, 3 labels, 6 labels turned over; cleanlab 2.9.0's find_label_issues(given as
    # lists, p, multi_label=True) flags [2, 15, 33, 47, 60] (and agreed with this rule on 100
    # random problems of 2-4 labels)
    rng = np.random.default_rng(11)
    true = (rng.random((80, 3)) < 0.4).astype(int)
    probabilities = 1 / (1 + np.exp(-(rng.normal(0, 1, (80, 3)) + np.where(true, 2.0, -2.0))))
    given = true.copy()
    for i, k in [(2, 0), (15, 1), (33, 2), (47, 0), (60, 1), (71, 2)]:
        given[i, k] = 1 - given[i, k]
    issues = find_multilabel_issues(given, probabilities)
    assert sorted(issues.indices.tolist()) == [2, 15, 33, 47, 60]
    assert (issues.suggested == true[issues.indices]).all()  # each flip turned back


def test_labels_the_probabilities_agree_with_are_never_flagged():
    given, probabilities = _three_classes()
    right = given == probabilities.argmax(axis=1)
    assert not right[find_label_issues(given, probabilities).indices].any()
    assert len(find_label_issues(probabilities.argmax(axis=1), probabilities)) == 0


def test_folds_hold_every_text_once_and_each_class_evenly():
    labels = np.array([0] * 30 + [1] * 10 + [2] * 7)
    folds = fold_ids(labels, 4, seed=3)
    assert sorted(np.unique(folds)) == [0, 1, 2, 3]
    for label in range(3):
        counts = np.bincount(folds[labels == label], minlength=4)
        assert counts.max() - counts.min() <= 1
    assert (fold_ids(labels, 4, seed=3) == folds).all()
    assert (fold_ids(labels, 4, seed=4) != folds).any()
