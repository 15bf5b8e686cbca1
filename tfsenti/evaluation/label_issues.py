"""Which given labels the model's out-of-sample probabilities doubt: confident learning
(Northcutt, Jiang and Chuang, 2021), in numpy.

Each class k gets a threshold, the mean probability of k over the texts labelled k. A text is
confidently of class j when p_j reaches j's threshold (the most probable of such classes when
there are several); counting texts by (given label, confident class) gives the confident joint,
scaled so that each row sums to the texts given that label. Its off-diagonal count C[k, j]
estimates how many texts labelled k are really j: of the texts labelled k, the C[k, j] with the
largest margin p_j - p_k are flagged ("prune by noise rate"), and a text whose given label is
still the most probable is never flagged. The flags are ranked by self-confidence, the
probability of the given label, lowest first. This is the rule of cleanlab 2.9's
`find_label_issues` with its defaults; `benchmarks/label_noise.py` compares the two on the same
probabilities. Multi-label data (`find_multilabel_issues`) are audited one label at a time, as
cleanlab's `multi_label=True` does: each label a two-class problem, has it or not.
"""

from __future__ import annotations

import dataclasses

import numpy as np

_FUZZ = 1e-6  # a probability this close to a threshold reaches it (float32 outputs)


@dataclasses.dataclass(frozen=True)
class LabelIssues:
    """Flagged examples, most doubtful first: their `indices`, the `suggested` class of each
    (the most probable one; for multi-label data a 0/1 row, the given one with the doubted labels
    turned over), and `confidence`, its probability (multi-label: the lowest of the turned
    labels')."""

    indices: np.ndarray
    suggested: np.ndarray
    confidence: np.ndarray

    def __len__(self) -> int:
        return len(self.indices)


def confident_joint(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Counts [C, C] of texts by (given label, confident class), each row scaled to the texts
    given that label and rounded to whole texts.

    Example:
        >>> labels = np.array([0, 0, 0, 1, 1, 1])
        >>> probs = np.array([[.9, .1], [.8, .2], [.1, .9], [.2, .8], [.3, .7], [.7, .3]])
        >>> confident_joint(labels, probs).tolist()
        [[2, 1], [1, 2]]
    """
    classes = probabilities.shape[1]
    counts = np.bincount(labels, minlength=classes)
    thresholds = np.array([probabilities[labels == k, k].mean() if counts[k] else 2.0
                           for k in range(classes)])
    confident = probabilities >= thresholds - _FUZZ
    several = confident.sum(axis=1) > 1
    guess = np.where(several, probabilities.argmax(axis=1), confident.argmax(axis=1))
    any_confident = confident.any(axis=1)
    joint = np.zeros((classes, classes))
    np.add.at(joint, (labels[any_confident], guess[any_confident]), 1)
    np.fill_diagonal(joint, np.maximum(joint.diagonal(), 1))
    joint = joint / joint.sum(axis=1, keepdims=True) * counts[:, None]
    joint = joint / joint.sum() * counts.sum()
    return np.array([_round_keeping_sum(row) for row in joint])


def _round_keeping_sum(row: np.ndarray) -> np.ndarray:
    """Whole numbers closest to `row` with the same (rounded) sum: rounded, then the entries
    rounded furthest the wrong way are moved by one (ties as cleanlab breaks them).

    Example:
        >>> _round_keeping_sum(np.array([0.4, 0.4, 1.2])).tolist()
        [0, 1, 1]
    """
    whole = np.round(row)
    short = int(round(row.sum() - whole.sum()))
    order = np.argsort(row - whole)
    whole[order[::-1][:short] if short > 0 else order[:-short]] += np.sign(short)
    return whole.astype(int)


def find_label_issues(labels: np.ndarray, probabilities: np.ndarray) -> LabelIssues:
    """The texts whose given `labels` [N] out-of-sample `probabilities` [N, C] doubt, by confident
    learning, most doubtful first.

    Example:
        >>> labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
        >>> probs = np.array([[.9, .1], [.8, .2], [.7, .3], [.05, .95],
        ...                   [.2, .8], [.1, .9], [.3, .7], [.75, .25]])
        >>> issues = find_label_issues(labels, probs)
        >>> issues.indices.tolist(), issues.suggested.tolist(), issues.confidence.tolist()
        ([3, 7], [1, 0], [0.95, 0.75])
    """
    labels = np.asarray(labels)
    joint = confident_joint(labels, probabilities)
    flagged = np.zeros(len(labels), dtype=bool)
    for k in range(probabilities.shape[1]):
        members = np.flatnonzero(labels == k)
        if len(members) <= 1:
            continue
        for j in np.flatnonzero(joint[k]):
            if j != k:
                margin = probabilities[members, j] - probabilities[members, k]
                flagged[members[np.argsort(-margin, kind="stable")[:joint[k, j]]]] = True
    given = probabilities[np.arange(len(labels)), labels]
    flagged &= probabilities.max(axis=1) > given + _FUZZ  # the given label is not the favourite
    indices = np.flatnonzero(flagged)
    indices = indices[np.argsort(given[indices], kind="stable")]
    suggested = probabilities[indices].argmax(axis=1)
    return LabelIssues(indices, suggested, probabilities[indices, suggested])


def find_multilabel_issues(labels: np.ndarray, probabilities: np.ndarray) -> LabelIssues:
    """The examples of multi-label data (`labels` 0/1 [N, C], out-of-sample `probabilities`
    [N, C] of each label) of which confident learning doubts some label: each label audited as
    a two-class problem by `find_label_issues`; most doubtful first, by the probability of the
    given value of the most doubted label.

    Example:
        >>> labels = np.array([[1, 0], [1, 0], [1, 1], [0, 1], [0, 1], [0, 0]] * 2)
        >>> probs = np.array([[.9, .1], [.8, .2], [.9, .9], [.2, .8], [.1, .9], [.1, .1]] * 2)
        >>> probs[5] = [.95, .1]  # labelled with neither, though it looks like label 0
        >>> issues = find_multilabel_issues(labels, probs)
        >>> issues.indices.tolist(), issues.suggested.tolist(), issues.confidence.round(2).tolist()
        ([5], [[1, 0]], [0.95])
    """
    labels = np.asarray(labels, dtype=np.int64)
    doubted = np.zeros(labels.shape, dtype=bool)
    for k in range(labels.shape[1]):
        two_class = np.stack([1 - probabilities[:, k], probabilities[:, k]], axis=1)
        doubted[find_label_issues(labels[:, k], two_class).indices, k] = True
    given = np.where(labels == 1, probabilities, 1 - probabilities)  # each given value's
    indices = np.flatnonzero(doubted.any(axis=1))
    indices = indices[np.argsort(np.where(doubted, given, 1.0)[indices].min(axis=1), kind="stable")]
    turned = doubted[indices]
    return LabelIssues(indices, np.where(turned, 1 - labels[indices], labels[indices]),
                       np.where(turned, 1 - given[indices], 1.0).min(axis=1))
