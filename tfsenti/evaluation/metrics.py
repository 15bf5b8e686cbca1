"""Classification metrics from true labels and predicted probabilities.

Accuracy, precision / recall / F1 per class and macro-averaged, Matthews correlation (the
multi-class form of Gorodkin 2004, equal to the usual MCC for two classes) and the confusion
matrix (rows: true class, columns: predicted class). Plain numpy: no TensorFlow.
"""

from __future__ import annotations

import numpy as np


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts [true class, predicted class].

    Example:
        >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
        [[1, 0], [1, 1]]
    """
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predicted)), 1)
    return matrix


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else 0.0


def matthews_corrcoef(matrix: np.ndarray) -> float:
    """Matthews correlation of a confusion matrix (Gorodkin's multi-class form).

    Example:
        >>> round(matthews_corrcoef(np.array([[5, 1], [2, 4]])), 4)
        0.5071
    """
    total = matrix.sum()
    correct = np.trace(matrix)
    true_counts, pred_counts = matrix.sum(axis=1), matrix.sum(axis=0)
    num = correct * total - pred_counts @ true_counts
    den = np.sqrt(float(total**2 - pred_counts @ pred_counts) * float(total**2 - true_counts @ true_counts))
    return _ratio(num, den)


SMALL_EVALUATION = 300  # examples, fewer than which reports give accuracy's 95% interval
Z_95 = 1.959964  # the standard normal's 97.5th percentile


def wilson_interval(correct: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval (95% by default) of a proportion `correct` / `total`: unlike
    the normal approximation it stays inside [0, 1] and holds for small `total` and for 0 or all
    correct.

    Example:
        >>> [round(x, 4) for x in wilson_interval(9, 10)], wilson_interval(0, 0)
        ([0.5958, 0.9821], (0.0, 1.0))
    """
    if total == 0:
        return 0.0, 1.0
    p = correct / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    low = 0.0 if correct == 0 else max(0.0, centre - half)  # exact at the ends, not 1 - 1e-16
    high = 1.0 if correct == total else min(1.0, centre + half)
    return float(low), float(high)


def interval_note(metrics: dict, always: bool = False) -> str:
    """` (95% interval LOW-HIGH)` of the accuracy in `metrics` when it was measured on fewer
    than `SMALL_EVALUATION` examples, else nothing: what a report adds after the accuracy.
    `always`: whatever the size (the summary `tfsenti train` prints, where a capped validation
    split's 10,000 texts say how far its accuracy can be trusted).

    Example:
        >>> interval_note({"examples": 10, "accuracy_95": [0.5958, 0.9821]})
        ' (95% interval 0.596-0.982)'
        >>> interval_note({"examples": 1000, "accuracy_95": [0.88, 0.92]})
        ''
        >>> interval_note({"examples": 10000, "accuracy_95": [0.9042, 0.9156]}, always=True)
        ' (95% interval 0.904-0.916)'
    """
    if "accuracy_95" not in metrics or (metrics["examples"] >= SMALL_EVALUATION and not always):
        return ""
    low, high = metrics["accuracy_95"]
    return f" (95% interval {low:.3f}-{high:.3f})"


def predicted_ids(probabilities: np.ndarray, threshold: float | None = None) -> np.ndarray:
    """The predicted class of each row: the most probable, or for a binary model with a decision
    `threshold`, the second class where its probability is at or above it (compared in float32,
    as the exported model compares).

    Example:
        >>> predicted_ids(np.array([[.7, .3], [.2, .8]])).tolist()
        [0, 1]
        >>> predicted_ids(np.array([[.7, .3], [.2, .8]]), threshold=0.9).tolist()
        [0, 0]
    """
    if threshold is None:
        return np.argmax(probabilities, axis=-1)
    return (np.asarray(probabilities, np.float32)[:, 1] >= np.float32(threshold)).astype(np.int64)


def compute_metrics(labels: np.ndarray, probabilities: np.ndarray, class_names: list[str],
                    threshold: float | None = None) -> dict:
    """All metrics for the predictions `predicted_ids(probabilities, threshold)` against
    `labels`.

    Example:
        >>> m = compute_metrics(np.array([0, 1, 1]), np.array([[.9, .1], [.2, .8], [.6, .4]]),
        ...                     ["neg", "pos"])
        >>> round(m["accuracy"], 4), m["confusion_matrix"], round(m["macro"]["f1"], 4)
        (0.6667, [[1, 0], [1, 1]], 0.6667)
        >>> [round(x, 4) for x in m["accuracy_95"]]  # the Wilson interval: 3 examples say little
        [0.2077, 0.9385]
    """
    labels = np.asarray(labels)
    predicted = predicted_ids(probabilities, threshold) if len(labels) else labels
    matrix = confusion_matrix(labels, predicted, len(class_names))
    per_class = {}
    for i, name in enumerate(class_names):
        tp = matrix[i, i]
        precision = _ratio(tp, matrix[:, i].sum())
        recall = _ratio(tp, matrix[i, :].sum())
        per_class[name] = {"precision": precision, "recall": recall,
                           "f1": _ratio(2 * precision * recall, precision + recall),
                           "support": int(matrix[i, :].sum())}
    macro = {key: float(np.mean([c[key] for c in per_class.values()]))
             for key in ("precision", "recall", "f1")}
    return {"examples": int(len(labels)), "accuracy": _ratio(np.trace(matrix), matrix.sum()),
            "accuracy_95": list(wilson_interval(int(np.trace(matrix)), int(matrix.sum()))),
            "macro": macro, "mcc": matthews_corrcoef(matrix), "per_class": per_class,
            "confusion_matrix": matrix.tolist(), "class_names": list(class_names)}


def confident_mistakes(texts: list[str], labels: np.ndarray, probabilities: np.ndarray,
                       class_names: list[str], limit: int = 10,
                       threshold: float | None = None) -> list[dict]:
    """The `limit` wrong predictions (`predicted_ids(probabilities, threshold)`) with the highest
    predicted-class probability.

    Example:
        >>> mistakes = confident_mistakes(["a", "b"], np.array([0, 1]),
        ...                               np.array([[0.2, 0.8], [0.3, 0.7]]), ["neg", "pos"])
        >>> [(m["text"], m["predicted"], m["confidence"]) for m in mistakes]
        [('a', 'pos', 0.8)]
    """
    predicted = predicted_ids(probabilities, threshold)
    wrong = np.flatnonzero(predicted != labels)
    order = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")][:limit]
    return [{"text": texts[i], "true": class_names[labels[i]], "predicted": class_names[predicted[i]],
             "confidence": float(probabilities[i, predicted[i]])} for i in order]



def accuracy_by_length(lengths: np.ndarray, correct: np.ndarray, groups: int = 4) -> list[dict]:
    """Accuracy per quarter (`groups`) of the texts, shortest first: texts sorted by length and
    cut into groups of (nearly) equal size, each with its range of `lengths`.

    Example:
        >>> by_length = accuracy_by_length(np.array([3, 40, 5, 12, 30, 8, 20, 60]),
        ...                                np.array([1, 0, 1, 1, 0, 1, 1, 1], bool))
        >>> [(g["words"], g["accuracy"]) for g in by_length]
        [([3, 5], 1.0), ([8, 12], 1.0), ([20, 30], 0.5), ([40, 60], 0.5)]
    """
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [{"words": [int(lengths[part[0]]), int(lengths[part[-1]])], "examples": int(len(part)),
             "accuracy": float(np.mean(correct[part]))}
            for part in np.array_split(order, min(groups, len(order))) if len(part)]

