"""Two-class models: ROC and precision-recall curves of the second class's probability, and the
decision threshold that reaches a target precision or recall on validation data.

Every distinct probability is a possible threshold (a text is predicted positive at or above it);
the counts of true and false positives at each come from one sort. Plain numpy: no TensorFlow.
"""

from __future__ import annotations

import re

import numpy as np



def operating_points(labels: np.ndarray, scores: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds descending, true positives, false positives at each): every distinct score,
    with the texts at or above it predicted positive."""
    labels, scores = np.asarray(labels), np.asarray(scores, np.float64)
    order = np.argsort(-scores, kind="stable")
    labels, scores = labels[order], scores[order]
    last = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]  # each distinct threshold
    tp = np.cumsum(labels)[last]
    return scores[last], tp, (last + 1) - tp


def binary_curves(labels: np.ndarray, scores: np.ndarray, points: int = 101) -> dict:
    """ROC and precision-recall of a binary model's positive-class `scores` against 0/1 `labels`:
    the area under the ROC curve (trapezoids), average precision (precision at each threshold
    weighted by the recall it adds, as scikit-learn computes it) and each curve at most `points`
    points (`threshold` descending), for plotting. Areas are 0 when a class has no example.

    Example:
        >>> curves = binary_curves(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
        >>> curves["roc_auc"], round(curves["average_precision"], 4)
        (0.75, 0.8333)
    """
    thresholds, tp, fp = operating_points(labels, scores)
    positives, negatives = (tp[-1], fp[-1]) if len(tp) else (0, 0)
    if not positives or not negatives:
        return {"roc_auc": 0.0, "average_precision": 0.0, "roc": {}, "pr": {}}
    tpr, fpr = np.r_[0, tp / positives], np.r_[0, fp / negatives]
    precision = tp / (tp + fp)
    keep = np.unique(np.linspace(0, len(tp) - 1, min(points, len(tp))).round().astype(int))
    return {"roc_auc": float(np.trapezoid(tpr, fpr)),
            "average_precision": float(np.sum(np.diff(tpr) * precision)),
            "roc": {"fpr": fpr[1:][keep].tolist(), "tpr": tpr[1:][keep].tolist(),
                    "threshold": thresholds[keep].tolist()},
            "pr": {"recall": tpr[1:][keep].tolist(), "precision": precision[keep].tolist(),
                   "threshold": thresholds[keep].tolist()}}


def threshold_for(labels: np.ndarray, scores: np.ndarray, target: str) -> dict:
    """The decision threshold on the positive class's `scores` that meets `target`
    (`precision=0.95`: the lowest threshold whose precision is at least 0.95, so recall is as
    high as it can be; `recall=0.9`: the highest whose recall is at least 0.9), with the
    precision and recall it gives on these texts. When no threshold meets the target, the one
    that comes closest, and `reached` is false.

    Example:
        >>> labels, scores = np.array([0, 0, 1, 0, 1, 1]), np.array([.1, .3, .4, .6, .7, .9])
        >>> threshold_for(labels, scores, "precision=0.9")
        {'target': 'precision=0.9', 'threshold': 0.7, 'precision': 1.0, 'recall': 0.6667, 'reached': True}
        >>> threshold_for(labels, scores, "recall=1")["threshold"]
        0.4
    """
    metric, value = target.split("=")
    thresholds, tp, fp = operating_points(labels, scores)
    precision, recall = tp / (tp + fp), tp / max(tp[-1], 1)
    achieved = precision if metric == "precision" else recall
    meets = np.flatnonzero(achieved >= float(value) - 1e-12)
    if len(meets):  # precision: the last (lowest) threshold that meets it; recall: the first
        best, reached = (meets[-1] if metric == "precision" else meets[0]), True
    else:
        best, reached = int(np.argmax(achieved)), False
    return {"target": target, "threshold": float(thresholds[best]),
            "precision": round(float(precision[best]), 4),
            "recall": round(float(recall[best]), 4), "reached": reached}
